"""Claims of notebook 02 (discriminative SSL and the SSL model: paper claims C2 and C3), declared before
its run.

C2: discriminative objectives cluster the views by group, and InfoNCE's softmax is the Bayes posterior
over groups. Primary test: SimCLR's softmax against the analytic posterior when the keys are the group
centres (``C2.posterior.tv_target``), measured after training to a declared plateau
(``C2.posterior.plateau``, its premise). Secondary: each primary method's representation against the raw
observations x, on group identification and on R²(y).

C3: nothing in these objectives keeps the within-group spread, so the per-view part of the style is lost
where a generative fit keeps it. The style is probed in two parts, the shared style s and the per-view
part ε. Primary test: SimVAE against SimCLR on ε at the content dimension d = 5 (``C3.per_view.d5``),
after a declared plateau (``C3.per_view.plateau``). The spare-capacity leak (d = 10) is a declared
qualification.

Every claim about a trained network rests on ``SEEDS`` seeds (the default profile's ``n_seeds``); the
linear population optima are a derivation. Margins were fixed before the committed run; the number of
training steps was calibrated on seeds ≥ 1000 (see the notebook).
"""

from __future__ import annotations

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification, derivation, empirical

NOTEBOOK = "02_discriminative_ssl_correspondence"
SEEDS = 10  # n_seeds of the default profile (simvae_core.experiments.c2_c3_correspondence.SIZES)

PRIMARY_METHODS = (("simclr", "SimCLR"), ("vicreg", "VICReg"), ("simvae", "SimVAE"))
M_NCC, M_R2 = 0.02, 0.05  # group identification and R²(y) against raw x
M_TV, M_TV_GAIN = 0.15, 0.05  # total variation to the Bayes posterior; gain over the untrained network
M_PLATEAU_TV, M_PLATEAU_R2 = 0.02, 0.02  # largest change over the last fifth of training
M_STYLE = 0.1  # R² of a style part
M_RHO = 0.1  # within-group share of the variance

_FIXED = "fixed before the run"
_UNTRAINED = "the same network at initialisation (same seed)"


def _empirical(*args: object, **kw: object) -> ClaimSpec:
    """An empirical claim of this notebook: every one rests on ``SEEDS`` seeds."""
    return empirical(*args, seeds=SEEDS, **kw)  # type: ignore[arg-type]


def _cluster_claims() -> tuple[ClaimSpec, ...]:
    ncc = "nearest-centroid accuracy (NCC) of held-out views among all N groups"
    r2 = "R² of y from one held-out view (ridge probe, groups split 70/15/15)"
    out: list[ClaimSpec] = []
    for method, label in PRIMARY_METHODS:
        out.append(
            _empirical(
                f"C2.ncc_vs_raw.{method}",
                f"{label} identifies the group of a held-out view better than the raw observations x",
                ncc,
                "raw x (the same views)",
                "greater",
                M_NCC,
                f"{_FIXED}: 2 points of accuracy among N groups",
                "C2",
            )
        )
        out.append(
            _empirical(
                f"C2.r2y_vs_raw.{method}",
                f"{label}'s representation recovers the content y better than the raw observations x",
                r2,
                "raw x (the same views)",
                "greater",
                M_R2,
                f"{_FIXED}: 0.05 of R²",
                "C2",
            )
        )
    out.append(
        _empirical(
            "C2.ncc_vs_raw.untrained",
            "negative control: SimCLR's network at initialisation identifies groups better than raw x",
            ncc,
            "raw x (the same views)",
            "greater",
            M_NCC,
            "the check of C2.ncc_vs_raw.simclr",
            "C2",
            kind="negative_control",
            checks="C2.ncc_vs_raw.simclr",
        )
    )
    return tuple(out)


def _posterior_claims() -> tuple[ClaimSpec, ...]:
    tv = (
        "total variation between SimCLR's softmax at τ = 1/κ = 0.1 and the Bayes posterior softmax(κ z̃ᵀy_i) "
        "over K = 64 candidate anchors"
    )
    return (
        _empirical(
            "C2.posterior.plateau",
            "SimCLR's distance to the Bayes posterior has reached its plateau",
            "change of the TV over the last fifth of training",
            "no change",
            "within",
            M_PLATEAU_TV,
            f"{_FIXED}: the TV moves by less than 0.02 (2 % of the probability mass), under a seventh of "
            "the primary's margin; the training length was calibrated on seeds ≥ 1000 to reach it",
            "C2",
            reference_kind="theory",
        ),
        _empirical(
            "C2.posterior.tv_target",
            "SimCLR's softmax is the Bayes posterior over groups (keys = centres, τ = 1/κ)",
            tv,
            "InfoNCE optimum (TV 0)",
            "within",
            M_TV,
            f"{_FIXED}: at most 15 % of the probability mass moved",
            "C2",
            reference_kind="theory",
            primary=True,
            premise="C2.posterior.plateau",
        ),
        _empirical(
            "C2.posterior.tv_gain",
            "training moves SimCLR's softmax towards the Bayes posterior",
            tv,
            _UNTRAINED,
            "less",
            M_TV_GAIN,
            f"{_FIXED}: 5 % of the probability mass",
            "C2",
        ),
        _empirical(
            "C2.posterior.tv_target.2tau",
            "negative control: the trained softmax read at twice the matched temperature is the Bayes "
            "posterior",
            "total variation between SimCLR's softmax read at τ = 2/κ and the Bayes posterior over K = 64",
            "InfoNCE optimum (TV 0)",
            "within",
            M_TV,
            "the check of C2.posterior.tv_target",
            "C2",
            reference_kind="theory",
            kind="negative_control",
            checks="C2.posterior.tv_target",
        ),
    )


def _style_claims() -> tuple[ClaimSpec, ...]:
    eps = (
        "R² of the per-view style ε₄ − ε₅ from the difference of two held-out views' representations "
        "(ridge probe, mean over 5 coordinates)"
    )
    shared = (
        "R² of the shared style s from the mean of two held-out views' representations (ridge probe, "
        "mean over 5 coordinates)"
    )
    return (
        _empirical(
            "C3.per_view.plateau",
            "the primary comparison (SimVAE − SimCLR on ε, d = 5) no longer shrinks: over the last fifth "
            "of training it falls by less than 0.02",
            "change of the per-view-style R² difference over the last fifth of training",
            "a fall of 0.02 (the declared tolerance)",
            "greater",
            0.0,
            f"{_FIXED}: one-sided, because only a shrinking difference could overturn the primary; "
            "SimCLR keeps discarding ε long after its content has converged, which widens the difference",
            "C3",
            reference_kind="theory",
        ),
        _empirical(
            "C3.per_view.d5",
            "SimVAE keeps more of the per-view style ε than SimCLR at the content dimension d = 5",
            eps,
            "SimCLR, d = 5 (same seeds)",
            "greater",
            M_STYLE,
            f"{_FIXED}: 0.1 of R²",
            "C3",
            primary=True,
            premise="C3.per_view.plateau",
        ),
        _empirical(
            "C3.per_view.d5.content",
            "negative control: SimVAE keeps more of the content than SimCLR at d = 5",
            "R² of the content c from a held-out view (ridge probe, mean over 5 coordinates)",
            "SimCLR, d = 5 (same seeds)",
            "greater",
            M_STYLE,
            "the check of C3.per_view.d5",
            "C3",
            kind="negative_control",
            checks="C3.per_view.d5",
        ),
        _empirical(
            "C3.shared.d5",
            "SimVAE keeps more of the shared style s than SimCLR at d = 5",
            shared,
            "SimCLR, d = 5 (same seeds)",
            "greater",
            M_STYLE,
            f"{_FIXED}: 0.1 of R²",
            "C3",
        ),
        _empirical(
            "C3.discards.simclr_d5",
            "training removes the per-view style from SimCLR's representation (d = 5)",
            eps,
            _UNTRAINED,
            "less",
            M_STYLE,
            f"{_FIXED}: 0.1 of R²",
            "C3",
        ),
        _empirical(
            "C3.collapse.simclr_d5",
            "SimCLR (d = 5) shrinks the within-group spread below that of the true latents",
            "within-group share ρ_w of the variance of held-out views",
            "true latents (ρ_w 1/3 in theory)",
            "less",
            M_RHO,
            f"{_FIXED}: 0.1 of ρ_w",
            "C3",
            reference_kind="theory",
        ),
        _empirical(
            "C3.leak.shared.d10",
            "with spare capacity (d = 10) SimCLR keeps more of the shared style s than at d = 5",
            shared,
            "SimCLR, d = 5 (same seeds)",
            "greater",
            M_STYLE,
            f"{_FIXED}: 0.1 of R²",
            "C3",
        ),
        _empirical(
            "C3.leak.per_view.d10",
            "with spare capacity (d = 10) SimCLR keeps more of the per-view style ε than at d = 5",
            eps,
            "SimCLR, d = 5 (same seeds)",
            "greater",
            M_STYLE,
            f"{_FIXED}: 0.1 of R²",
            "C3",
        ),
        derivation(
            "C3.linear.population_optima",
            "population optima of linear encoders on Gaussian views: spectral contrastive keeps the shared "
            "(top-CCA) directions, probabilistic PCA the high-variance ones",
            "max |R² − closed form| over 7 (setting, encoder, factor) cells",
            "closed form",
            1e-6,
            "float64 round-off",
            paper_claim="C3",
        ),
    )


SPEC = NotebookSpec(
    notebook=NOTEBOOK,
    claims=_cluster_claims() + _posterior_claims() + _style_claims(),
    answers=(
        Answer(
            paper_claim="C2",
            statement="Discriminative SSL (instance discrimination, clustering, InfoNCE, VICReg and "
            "relatives) pulls the views of a group together and pushes groups apart, so that its InfoNCE "
            "softmax is the posterior over groups of the SSL model at τ = σ².",
            primary="C2.posterior.tv_target",
            qualifications=(
                Qualification(
                    claim="C2.posterior.tv_gain",
                    when=("supported", "direction_only"),
                    text="training moves SimCLR's softmax towards the Bayes posterior, whether or not it "
                    "reaches it",
                ),
                Qualification(
                    claim="C2.r2y_vs_raw.simclr",
                    when=("contradicted", "no_effect"),
                    text="SimCLR's representation recovers the content y no better than the raw "
                    "observations it was trained on",
                ),
                Qualification(
                    claim="C2.r2y_vs_raw.vicreg",
                    when=("contradicted", "no_effect"),
                    text="VICReg's representation recovers the content y no better than the raw "
                    "observations it was trained on",
                ),
            ),
            settle="train the posterior runs well past SimCLR's metastable plateau, then compare the softmax "
            "with the posterior there. Pilots on calibration seeds (1000, 1001, 1002; one seed each, 12 288 "
            "steps, about 90 s of CPU per seed) sit near TV 0.3 for a seed-dependent time (about 1 000, "
            "9 000 and 9 500 steps) and then drop within a few hundred steps to TV 0.12 to 0.17, at the "
            "tolerance of 0.15: a last-fifth plateau inside the default budget (2 560 steps) can be that "
            "metastable one, and ten seeds past the drop cost about 15 minutes of CPU in this notebook "
            "alone (Zimmermann et al. train 300 000 steps; the full profile trains 20 000)",
        ),
        Answer(
            paper_claim="C3",
            statement="With no reconstruction and no entropy term nothing keeps the within-group spread: "
            "each group's cluster shrinks and style is lost, while a generative fit keeps it.",
            primary="C3.per_view.d5",
            qualifications=(
                Qualification(
                    claim="C3.leak.shared.d10",
                    when=("supported", "direction_only"),
                    text="with spare dimensions (d = 10) SimCLR keeps the shared style, the part of the "
                    "style that the views have in common",
                ),
                Qualification(
                    claim="C3.leak.per_view.d10",
                    when=("supported", "direction_only"),
                    text="with spare dimensions (d = 10) SimCLR keeps part of the per-view style too",
                ),
                Qualification(
                    claim="C3.shared.d5",
                    when=("contradicted", "no_effect"),
                    text="at d = 5 SimCLR keeps as much of the shared style as SimVAE: what is lost is "
                    "the per-view part",
                ),
            ),
            settle="other architectures and data (images) at the same equal-capacity design",
        ),
    ),
    constants={
        "0.909": "theory: the content's canonical correlation 1/(1 + σ_n²) at σ_n² = 0.1",
        "0.3125": "theory: the style's canonical correlation a²/(a²+b²+σ_n²), a² = 0.5, b² = 1, σ_n² = 0.1",
    },
)
