"""Claims of notebook 03 (mutual information between views, paper claim C4), declared before the run.

C4: InfoNCE is a lower bound on the MI between views, never more than log K; the SSL model explains why
the views' MI is the right quantity (they share the content y), and why maximising it alone is not the
mechanism.

**The primary test is decidable by design.** A SimCLR-style encoder (cosine critic, τ = 0.1) is trained
with InfoNCE on batches of K = 8 views, so its bound's ceiling, log 8, lies far below the 9.8 nats of MI the
content alone carries: the bound saturates early, on content alone. The premise
``C4.saturate.reached`` checks it: at a quarter of training (``SAT_FRACTION``) the encoder's InfoNCE at K = 8
lies within ``M_SAT`` nats of the Bayes critic's value on the true latents (the most any critic can
reach), so from then on the bound can rise by at most ``M_SAT``. The primary ``C4.saturate.style_moves``:
from that point to the end of training the representation keeps changing, and in the direction that
*lowers* the views' MI: the shared style s, which carries 5 · ½ log(4/3) = 0.72 nats of cross-view MI,
is read less well (R² of a ridge probe of s from the mean of two held-out views), by more than
``M_STYLE``. Its negative control measures the same encoder twice at the saturation step, on two independent
sets of held-out groups: evaluation noise alone must not pass the check.

Equal MI, different representations (``C4.equal_mi.*``): at τ = 0.05 the same encoder reaches the same
bound at K = 8 (a two-sided equivalence on the signed difference, ±``M_SAT``) while keeping more shared
style (signed, by more than ``M_STYLE``).

Derivations (checked in every profile, counted apart, never evidence for C4): the sympy identities, the
package against its closed forms, Monte Carlo of closed forms, and every check with the analytic (true,
Bayes) critic, including those that hold by construction: E[pmi] = I, Barber–Agakov with the true
conditional and NWJ with its optimal critic are unbiased, the JS objective's optimum, InfoNCE with the
true critic against the reference tables of E8 and E9. Learned critics (``CRITIC_SEEDS`` seeds), trained
encoders (``SEEDS`` seeds) and E10's linear probe over ``BIJ_DRAWS`` independent draws are empirical. E10's
MLP probe is a one-draw illustration, not a claim; the learned critics of E9 and E10 are no longer run.

Calibration (seeds ≥ 1000 only; the committed run uses seeds 0 … n − 1). Pilots on seeds 1000–1002 chose
the design: an MLP decoder (the first design) left the bound at K = 8 about 0.7 nats short of its ceiling
after 2 000 steps, so saturation was out of reach; with a linear mixture the bound stood 0.06–0.14 nats
below the ceiling at a quarter of 3 000 steps and rose by about 0.05 after. The margins were then frozen
and checked by one default run at seed 1000 (seeds 1000–1009; learned critics 1000–1004): the premise held
(−0.093 [−0.098, −0.087] nats from the ceiling), the primary read −0.28 [−0.30, −0.25], its negative
control −0.011 [−0.018, −0.004] (missing by 0.8 margins), the equal-bound test +0.024 [0.021, 0.027] nats
and the style gap +0.20 [0.16, 0.24]. That run changed one thing: the two learned-spread claims moved to
the log scale (NWJ's raw spread ratio is heavy-tailed; its t-interval spanned 0), margins unchanged. On
the log scale the same seeds 1000–1004 gave 3.2 [1.9, 4.6] for the spread ratio (log 3 needed) and
−1.14 [−2.46, 0.19] for SMILE against NWJ: inconclusive at 5 seeds with a per-seed sd near 1.1, so the
learned critics run on 10 seeds (a power estimate, margins unchanged). A second default run at seed 2000
(seeds 2000–2009) first stopped on the derivation ``C4.e8.nwj_sd_I2`` (one heavy-tailed NWJ batch; its
tolerance is now computed in the run), then decided every empirical claim as supported: primary −0.32
[−0.35, −0.29], premise −0.086 nats from the ceiling, negative control −0.013 [−0.026, 0.000] (no effect,
missing by 0.7 margins), 356 s of CPU for the whole notebook, evaluation 0.09 × training.
"""

from __future__ import annotations

import math

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification, derivation

NOTEBOOK = "03_mutual_information"
SEEDS = 10  # trained encoders (n_seeds of the default profile)
CRITIC_SEEDS = 10  # learned critics of the staircase (critic_seeds of the default profile)
BIJ_DRAWS = 5  # E10: independent draws of a representation and its bijections (bij_draws)
FIXED = "fixed before the run"
EXACT = "exact algebra"
MC5 = "5 Monte Carlo standard errors (computed in the run)"
CALIBRATED = "calibrated on seeds 1000–1009 (pilots and one default run), frozen before the committed run"

E8_MIS = (2, 4, 6, 8, 10)  # the staircase's true MI, nats
E9_SIGMA2 = ("1", "0.5", "0.3305", "0.15", "0.05", "0.01")  # E9's σ², as they appear in the ids
LOG_64 = math.log(64)
E8_SATURATION_FLOOR = 3.6  # E8's criterion: learned InfoNCE at 10 nats lies in [3.6, log 64]

# the C4 encoder experiment, frozen before the committed run
K_C4 = 8  # candidates per InfoNCE batch (training and evaluation): ceiling log 8
TAU = 0.1  # the encoder's temperature
TAU_ALT = 0.05  # the second temperature of the equal-MI comparison
SAT_FRACTION = 0.25  # the saturation point: this fraction of the training steps
M_SAT = 0.15  # nats: the encoder's bound within this of the Bayes ceiling is saturated
M_STYLE = 0.05  # R² of the shared style: the change the primary must exceed
M_CONTENT = 0.1  # content R² gained over the untrained encoder
M_SPAN = 0.2  # E10: spread of the linear-probe R² over bijections


def _derivation(*args, **kw) -> ClaimSpec:
    return derivation(*args, **kw, paper_claim="C4")


def _ground_truth() -> tuple[ClaimSpec, ...]:
    residuals = "number of non-zero symbolic residuals"
    return (
        _derivation(
            "C4.gauss.pmi_sympy",
            "sympy: pmi = −½log(1−ρ²) − (ρ²x² − 2ρxy + ρ²y²)/(2(1−ρ²))",
            residuals,
            "closed form",
            0.0,
            EXACT,
        ),
        _derivation(
            "C4.gauss.mi_sympy",
            "sympy: I = E_p[pmi] = −½ log(1 − ρ²) per coordinate",
            residuals,
            "closed form",
            0.0,
            EXACT,
        ),
        _derivation(
            "C4.gauss.mi_rho_package",
            "rho_to_mi, mi_to_rho = the sympy expressions",
            "max |package − sympy| over the grid",
            "closed form",
            1e-12,
            "floating-point tolerance 1e-12",
        ),
        _derivation(
            "C4.gauss.critic_package",
            "gaussian_log_critic = sympy pmi on all pairs",
            "max |package − sympy| over the K × K pairs",
            "closed form",
            1e-10,
            "floating-point tolerance 1e-10",
        ),
        _derivation(
            "C4.gauss.ssl_view_mi",
            "SSL model: view_mutual_information = d · (−½ log(1 − ρ²)), ρ = s²/(s² + σ²)",
            "max |package − sympy| over (σ², s²)",
            "closed form",
            1e-12,
            "floating-point tolerance 1e-12",
        ),
        _derivation(
            "C4.gauss.ratio_second_moment_sympy",
            "sympy: E_q[(p/q)²] = 1/(1 − ρ²) per coordinate, i.e. exp(2I) over d coordinates",
            residuals,
            "closed form",
            0.0,
            EXACT,
        ),
        *(
            _derivation(
                f"C4.gauss.pmi_mean_mc.I{mi}",
                f"by construction: the sampler's pairs average their pmi to I (I = {mi} nats, d = 20)",
                "Monte Carlo mean of the sympy pmi",
                "I",
                None,
                MC5,
            )
            for mi in (2, 10)
        ),
    )


def _bounds() -> tuple[ClaimSpec, ...]:
    return (
        _derivation(
            "C4.bounds.tuba_optimum",
            "sympy: TUBA(b) is maximised at critic pmi + b, with value I (NWJ: b = 1)",
            "number of non-zero symbolic residuals (c* ≠ b, value ≠ I)",
            "closed form",
            0.0,
            EXACT,
        ),
        _derivation(
            "C4.bounds.js_offset_zero",
            "JS objective: its optimal critic is pmi with no offset (∂/∂c = 0 at pmi + c, c = 0; I = 2 nats)",
            "Monte Carlo mean of ∂/∂c at c = 0",
            "stationary point",
            None,
            MC5,
        ),
        _derivation(
            "C4.bounds.js_read_nwj",
            "the JS-optimal critic read with nwj (Poole et al.'s code) gives I − 1/e (true I = 2)",
            "Monte Carlo mean of nwj",
            "I − 1/e",
            None,
            MC5,
        ),
        _derivation(
            "C4.bounds.js_read_tuba0",
            "the JS-optimal critic read with tuba(·, 0) (ours) gives I (true I = 2)",
            "Monte Carlo mean of tuba(·, 0)",
            "I",
            None,
            MC5,
        ),
    )


def _staircase_analytic() -> tuple[ClaimSpec, ...]:
    return (
        *(
            _derivation(
                f"C4.e8.tnce.I{mi}",
                f"InfoNCE with the analytic critic (TNCE) at I = {mi} nats (d = 20, K = 64) = the E8 "
                "reference value computed by Monte Carlo",
                "mean of the analytic-critic InfoNCE over fresh batches of 64",
                "the E8 reference value computed by Monte Carlo",
                0.1,
                "0.1 nats (the reference's rounding and Monte Carlo error)",
            )
            for mi in E8_MIS
        ),
        *(
            _derivation(
                f"C4.e8.ba_unbiased.I{mi}",
                f"by construction: Barber–Agakov with the true conditional is unbiased (I = {mi} nats)",
                "mean over fresh batches of 64",
                "I",
                None,
                MC5,
            )
            for mi in E8_MIS
        ),
        *(
            _derivation(
                f"C4.e8.nwj_unbiased.I{mi}",
                f"by construction: NWJ with its optimal critic 1 + pmi is unbiased at {mi} nats (above ~6 "
                "nats the sample mean is dominated by rare batches, so it is not checked there)",
                "mean over fresh batches of 64",
                "I",
                None,
                MC5,
            )
            for mi in (2, 4)
        ),
        _derivation(
            "C4.e8.nwj_sd_ratio_analytic",
            "E8 (analytic critic): sd(NWJ) at 8–10 nats ≥ 3 × sd(InfoNCE)",
            "sd(NWJ) / sd(InfoNCE), rms over 8 and 10 nats",
            "equal spread",
            2.0,
            f"{FIXED}: a ratio of at least 3",
            direction="greater",
        ),
        _derivation(
            "C4.e8.nwj_sd_I2",
            "NWJ sd with the optimal critic at 2 nats = the E8 reference value computed by Monte Carlo",
            "sd over fresh batches of 64",
            "the E8 reference value computed by Monte Carlo",
            None,
            "5 standard errors of the sample sd, √((κ − 1)/4n) · sd with the sample kurtosis κ (computed in "
            "the run): NWJ's batch values are heavy-tailed even at 2 nats, so a fixed 0.03 failed on "
            "calibration seed 2000 (0.31 from 1 000 batches, one rare batch)",
        ),
    )


def _e9_analytic() -> tuple[ClaimSpec, ...]:
    return (
        _derivation(
            "C4.e9.true_mi",
            "the view MI of the SSL model, −(d/2) log(1 − ρ²), matches the reference table (d = 10, s² = 1)",
            "max |I − table| over the six σ² (nats)",
            "closed form",
            5e-4,
            "the table's rounding",
        ),
        _derivation(
            "C4.e9.table",
            "analytic-critic InfoNCE (K = 64, 512) matches the reference table computed by Monte Carlo",
            "largest |ours − table| over the 12 entries, each in units of its own tolerance: 4 standard "
            "errors of the difference of two Monte Carlo means, √(SE_ours² + SE_table²), plus the table's "
            "rounding 5·10⁻⁴",
            "the tolerance (1)",
            0.0,
            "a rule, per entry, inside the statistic: 4 standard errors of the difference plus the "
            "rounding. The table records its per-batch sd but not its number of batches, so its standard "
            "error is taken equal to ours (the same estimator and spread, as many batches): "
            "SE_table = SE_ours",
            direction="less",
        ),
        *(
            _derivation(
                f"C4.e9.monotone.K{K}",
                f"analytic InfoNCE (K = {K}) increases as σ² shrinks",
                "smallest increase between neighbouring σ² (nats)",
                "no increase",
                0.0,
                "theory: a larger MI gives a larger expected InfoNCE at fixed K",
                direction="greater",
            )
            for K in (64, 512)
        ),
        _derivation(
            "C4.e9.saturation",
            "σ² 0.05 → 0.01 adds 7.76 nats of MI (closed form) but almost nothing to InfoNCE (K = 64)",
            "analytic-critic InfoNCE gain (nats)",
            "no gain",
            0.01,
            f"{FIXED}: 0.01 nats",
        ),
    )


def _elbo() -> tuple[ClaimSpec, ...]:
    return (
        _derivation(
            "C4.elbo.coupling_is_pmi_sympy",
            "sympy: log p(z1, z2) − log p(z1) − log p(z2) = pmi of the views, ρ = s²/(s²+σ²)",
            "number of non-zero symbolic residuals",
            "closed form",
            0.0,
            EXACT,
        ),
        _derivation(
            "C4.elbo.expected_pmi_sympy",
            "sympy: E_q[pmi] = pmi(μ1, μ2) − ρ²(v1 + v2)/(2(1 − ρ²)(s² + σ²))",
            "number of non-zero symbolic residuals",
            "closed form",
            0.0,
            EXACT,
        ),
        *(
            _derivation(
                f"C4.elbo.prior_term_decomposition.s{s2}",
                f"expected_log_p_z = Σ_j E_q log p(z_j) + E_q[pmi] (package, σ² = {s2})",
                "max |package − decomposition| over 256 random q's",
                "closed form",
                1e-10,
                "floating-point tolerance 1e-10",
            )
            for s2 in ("0.15", "1")
        ),
        *(
            _derivation(
                f"C4.elbo.nce_positive.s{s2}",
                f"by construction: InfoNCE's positive term (optimal critic) is the same E[pmi] = I "
                f"(σ² = {s2}); its log-partition makes the cap",
                "mean of the diagonal pmi over 100 batches of 64",
                "I(z1; z2)",
                None,
                MC5,
            )
            for s2 in E9_SIGMA2
        ),
    )


def _c(id: str, **kw) -> ClaimSpec:
    return ClaimSpec(id=id, paper_claim="C4", **{"kind": "empirical", "seeds": SEEDS, **kw})


def _learned_critics() -> tuple[ClaimSpec, ...]:
    """The staircase's learned critics (InfoNCE, NWJ, SMILE), one training run per seed each."""
    return (
        _c(
            "C4.e8.nce_saturates",
            statement=f"E8: learned InfoNCE at true MI 10 saturates: at least {E8_SATURATION_FLOOR} nats, "
            f"within log 64 − {E8_SATURATION_FLOOR} of log 64",
            statistic="mean over the second half of the last level",
            reference="log 64",
            reference_kind="theory",
            direction="within",
            margin=LOG_64 - E8_SATURATION_FLOOR,
            margin_source=f"{FIXED}: ≥ {E8_SATURATION_FLOOR} nats (≤ log 64 holds by construction)",
            seeds=CRITIC_SEEDS,
        ),
        _c(
            "C4.e8.nwj_sd_ratio_learned",
            statement="E8: learned sd(NWJ) at 8–10 nats ≥ 3 × sd(InfoNCE)",
            statistic="log[sd(NWJ) / sd(InfoNCE)], each sd the rms over 8 and 10 nats",
            reference="equal spread (log ratio 0)",
            reference_kind="theory",
            direction="greater",
            margin=math.log(3),
            margin_source=f"{FIXED}: a ratio of at least 3; on the log scale since calibration (seeds "
            "1000–1004): NWJ's spread is heavy-tailed, so the raw ratio's t-interval spanned 0",
            seeds=CRITIC_SEEDS,
        ),
        _c(
            "C4.e8.smile_sd_vs_nwj",
            statement="E8: learned sd(SMILE τ=5) ≤ sd(NWJ) at 8–10 nats",
            statistic="log sd(SMILE), rms over 8 and 10 nats",
            reference="log sd(NWJ), the learned NWJ critic of the same seed",
            reference_kind="control",
            direction="less",
            margin=0.0,
            margin_source=f"{FIXED}: no larger than NWJ's; log scale as for the ratio above",
            seeds=CRITIC_SEEDS,
        ),
    )


def _encoder() -> tuple[ClaimSpec, ...]:
    """Section 4: a SimCLR-style encoder trained with InfoNCE at K = 8, SEEDS seeds."""
    sat = f"at {SAT_FRACTION:g} of the training steps"
    return (
        _c(
            "C4.saturate.reached",
            statement=f"the encoder's InfoNCE bound (K = {K_C4}) has saturated {sat}: within {M_SAT} nats "
            "of the Bayes critic's value, the most any critic reaches",
            statistic=f"InfoNCE (K = {K_C4}, fresh batches) {sat}",
            reference="the Bayes critic's InfoNCE on the true latents",
            reference_kind="theory",
            direction="within",
            margin=M_SAT,
            margin_source=CALIBRATED,
        ),
        _c(
            "C4.saturate.style_moves",
            statement="past saturation the representation keeps changing: it reads less of the shared style "
            "s, which carries cross-view MI",
            statistic="shared-style R² (ridge probe of s from the mean of two held-out views) at the end",
            reference=f"the same {sat} (same seed)",
            reference_kind="control",
            direction="less",
            margin=M_STYLE,
            margin_source=CALIBRATED,
            primary=True,
            premise="C4.saturate.reached",
        ),
        _c(
            "C4.saturate.style_moves.remeasured",
            statement="negative control: the saturated encoder measured on a second set of held-out groups "
            "'reads less shared style' than on the first",
            statistic=f"shared-style R² {sat}, second held-out set",
            reference=f"shared-style R² {sat}, first held-out set",
            reference_kind="control",
            direction="less",
            margin=M_STYLE,
            margin_source="the checked claim's own margin",
            kind="negative_control",
            checks="C4.saturate.style_moves",
        ),
        _c(
            "C4.saturate.bound_flat",
            statement="past saturation the bound stays flat",
            statistic=f"InfoNCE (K = {K_C4}) at the end − {sat} (nats)",
            reference="no change",
            reference_kind="theory",
            direction="within",
            margin=M_SAT,
            margin_source="the premise's margin: a saturated bound can rise by no more",
        ),
        _c(
            "C4.content.kept",
            statement="the InfoNCE encoder learns the content",
            statistic="content R² (ridge probe, one held-out view) at the end",
            reference="the same encoder untrained",
            reference_kind="control",
            direction="greater",
            margin=M_CONTENT,
            margin_source=FIXED,
        ),
        _c(
            "C4.equal_mi.bound",
            statement=f"τ = {TAU_ALT:g} and τ = {TAU:g} reach the same InfoNCE bound (K = {K_C4})",
            statistic=f"final InfoNCE, τ {TAU_ALT:g} − τ {TAU:g} (nats, signed, paired by seed)",
            reference="equal",
            reference_kind="theory",
            direction="within",
            margin=M_SAT,
            margin_source="the saturation margin: bounds closer than this are equal at this resolution",
        ),
        _c(
            "C4.equal_mi.style_differs",
            statement=f"at an equal bound, τ = {TAU_ALT:g} keeps more shared style than τ = {TAU:g}",
            statistic=f"shared-style R² at the end, τ = {TAU_ALT:g}",
            reference=f"the same at τ = {TAU:g} (same seed)",
            reference_kind="control",
            direction="greater",
            margin=M_STYLE,
            margin_source=CALIBRATED,
            premise="C4.equal_mi.bound",
        ),
    )


def _bijections() -> tuple[ClaimSpec, ...]:
    """E10: random bijections of a representation, BIJ_DRAWS independent draws; ridge probes only."""
    return (
        _c(
            "C4.e10.linear_span",
            statement="E10: bijections leave every MI unchanged, yet the linear-probe R² of the content "
            f"spans at least {M_SPAN} across them",
            statistic="max − min linear-probe R² (the identity and its bijections), per draw",
            reference="no spread",
            reference_kind="theory",
            direction="greater",
            margin=M_SPAN,
            margin_source=f"{FIXED}: E10's criterion",
            seeds=BIJ_DRAWS,
            trained=False,  # ridge regression in closed form on fixed features: no network is trained
        ),
    )


SPEC = NotebookSpec(
    notebook=NOTEBOOK,
    claims=(
        *_ground_truth(),
        *_bounds(),
        *_staircase_analytic(),
        *_learned_critics(),
        *_e9_analytic(),
        *_encoder(),
        *_bijections(),
        *_elbo(),
    ),
    answers=(
        Answer(
            paper_claim="C4",
            statement="InfoNCE is a lower bound on the mutual information between views, at most log K; the "
            "model explains why the views' MI is the right quantity (they share y), and why maximising MI "
            "alone is not the mechanism: past the bound's saturation the representation keeps changing, "
            "so the bound does not determine it.",
            primary="C4.saturate.style_moves",
            qualifications=(
                Qualification(
                    claim="C4.saturate.bound_flat",
                    when=("contradicted", "inconclusive"),
                    text="the bound still moved after the saturation point, by more than the premise allows",
                ),
                Qualification(
                    claim="C4.content.kept",
                    when=("no_effect", "contradicted", "inconclusive"),
                    text="the encoder did not clearly learn the content, so its saturation says little",
                ),
            ),
            settle="the same test on images with a convolutional encoder at SimCLR's batch sizes, where "
            "log K is larger than the views' MI can be estimated; and the views' MI of the learned "
            "representation estimated directly (not by a capped bound) before and after saturation",
        ),
    ),
    constants={
        "4.16": "theory: log 64, InfoNCE's ceiling with 64 candidates",
        "7.8": "theory: the view MI −(d/2) log(1 − ρ²) at d = 10 gained from σ² = 0.05 to 0.01 (7.76 nats)",
        "0.72": "theory: 5 · ½ log(4/3), the view MI carried by the shared style",
        "2.08": "theory: log 8, the ceiling at K = 8",
        "9.8": "theory: the content's view MI in section 4",
        "0.909": "theory: 1/(1 + 0.1), the content's view correlation",
        "6.0": "theory: (5/2) log 11, the MI between E10's representation and its content",
    },
)
