"""Claims of notebook 03 (mutual information between views, paper claim C4), declared before the run.

C4: InfoNCE is a lower bound on the MI between views, never more than log K; the SSL model explains why
the views' MI is the right quantity (they share the content y), and why maximising it alone is not the
mechanism. The primary test is ``C4.saturate.spread_moves``: over the last quarter of training, while the
bound is flat, the within-group spread of a SimCLR-style encoder keeps shrinking. It presupposes
``C4.saturate.reached`` (the encoder reaches the bound's ceiling at K = 16): without it the primary test
is not decidable.

Derivations (checked in every profile, counted apart, never evidence for C4): the sympy identities, the
package against its closed forms, Monte Carlo of closed forms, and every check with the analytic (true,
Bayes) critic, including those that hold by construction: E[pmi] = I, Barber–Agakov with the true
conditional and NWJ with its optimal critic are unbiased, the JS objective's optimum, InfoNCE with the
true critic against the reference tables of E8 and E9. Learned critics, trained encoders and the MLP probe
are empirical; the linear (ridge) probe of E10 is empirical too but trains no network.

Sizes of the ``default`` profile (the notebook's ``SEEDS``): 3 seeds for the trained encoders of Section 4
(``C4.saturate.*``, ``C4.style.*``, ``C4.content.*``, ``C4.equal_mi.*``), one value for everything else
(the staircase's and E9's critics and E10's probes are one-seed illustrations: not decidable, honestly).
"""

from __future__ import annotations

import math

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification, derivation

NOTEBOOK = "03_mutual_information"
ENCODER_SEEDS = 3  # len(SEEDS) of the notebook's Section 4 outside the smoke profile
FIXED = "fixed before the run"
EXACT = "exact algebra"
MC5 = "5 Monte Carlo standard errors (computed in the run)"

E8_MIS = (2, 4, 6, 8, 10)  # the staircase's true MI, nats
E9_SIGMA2 = ("1", "0.5", "0.3305", "0.15", "0.05", "0.01")  # E9's σ², as they appear in the ids
LOG_64 = math.log(64)
E8_SATURATION_FLOOR = 3.6  # E8's criterion: learned InfoNCE at 10 nats lies in [3.6, log 64]


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
            0.03,
            "0.03 (the reference's rounding and Monte Carlo error)",
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


def _empirical(id, statement, statistic, reference, reference_kind, direction, margin, margin_source, **kw):
    return ClaimSpec(
        id=id,
        statement=statement,
        statistic=statistic,
        reference=reference,
        reference_kind=reference_kind,
        direction=direction,
        margin=margin,
        margin_source=margin_source,
        kind=kw.pop("kind", "empirical"),
        paper_claim="C4",
        seeds=kw.pop("seeds", 1),
        **kw,
    )


def _learned_critics() -> tuple[ClaimSpec, ...]:
    """The staircase's and E9's learned critics: one training run each."""
    return (
        _empirical(
            "C4.e8.nce_saturates",
            f"E8: learned InfoNCE at true MI 10 saturates: at least {E8_SATURATION_FLOOR} nats, within "
            f"log 64 − {E8_SATURATION_FLOOR} of log 64",
            "mean over the second half of the last level",
            "log 64",
            "theory",
            "within",
            LOG_64 - E8_SATURATION_FLOOR,
            f"{FIXED}: ≥ {E8_SATURATION_FLOOR} nats (≤ log 64 holds by construction)",
        ),
        _empirical(
            "C4.e8.nwj_sd_ratio_learned",
            "E8: learned sd(NWJ) at 8–10 nats ≥ 3 × sd(InfoNCE)",
            "sd(NWJ) / sd(InfoNCE), rms over 8 and 10 nats",
            "equal spread",
            "theory",
            "greater",
            2.0,
            f"{FIXED}: a ratio of at least 3",
        ),
        _empirical(
            "C4.e8.smile_sd_vs_nwj",
            "E8: learned sd(SMILE τ=5) ≤ sd(NWJ) at 8–10 nats",
            "sd(SMILE), rms over 8 and 10 nats",
            "learned NWJ's sd",
            "control",
            "less",
            0.0,
            f"{FIXED}: no larger than NWJ's",
        ),
        _empirical(
            "C4.e9.learned_monotone",
            "a learned separable critic's InfoNCE (K = 64) increases as σ² shrinks",
            "smallest increase between neighbouring σ² (nats)",
            "no increase",
            "theory",
            "greater",
            0.01,
            f"{FIXED}: a 0.01-nat dip counts as a decrease",
        ),
    )


def _encoder() -> tuple[ClaimSpec, ...]:
    """Section 4: a SimCLR-style encoder on K = 16, 3 seeds."""
    untrained = "untrained encoder"
    return (
        _empirical(
            "C4.saturate.reached",
            "the InfoNCE encoder reaches the bound's ceiling at K = 16 (unshared style)",
            "final InfoNCE (K = 16)",
            "analytic-critic ceiling",
            "theory",
            "within",
            0.1,
            f"{FIXED}: 0.1 nats",
            seeds=ENCODER_SEEDS,
        ),
        _empirical(
            "C4.saturate.bound_flat",
            "over the last quarter of training the InfoNCE bound is flat",
            "InfoNCE change over the last quarter (nats)",
            "no change",
            "theory",
            "within",
            0.05,
            f"{FIXED}: 0.05 nats",
            seeds=ENCODER_SEEDS,
        ),
        _empirical(
            "C4.saturate.spread_moves",
            "over the last quarter of training, while the bound is flat, the within-group spread keeps "
            "shrinking",
            "change of log σ²_eff over the last quarter",
            "no change",
            "theory",
            "less",
            0.1,
            f"{FIXED}: a 10 % decrease",
            seeds=ENCODER_SEEDS,
            primary=True,
            premise="C4.saturate.reached",
        ),
        *(
            _empirical(
                f"C4.style.{variant}_dropped",
                f"the InfoNCE encoder discards {variant} style ({mi})",
                "style R² (linear probe)",
                untrained,
                "control",
                "less",
                0.1,
                FIXED,
                seeds=ENCODER_SEEDS,
            )
            for variant, mi in (
                ("unshared", "zero cross-view MI"),
                ("shared", "5 · ½ log(4/3) nats of cross-view MI"),
            )
        ),
        _empirical(
            "C4.content.kept",
            "the InfoNCE encoder learns the content",
            "content R² (linear probe)",
            untrained,
            "control",
            "greater",
            0.1,
            FIXED,
            seeds=ENCODER_SEEDS,
        ),
        _empirical(
            "C4.equal_mi.bound",
            "τ = 0.05 and τ = 0.1 reach the same InfoNCE (unshared style)",
            "final InfoNCE, τ 0.05 − τ 0.1 (nats)",
            "equal",
            "theory",
            "within",
            0.1,
            f"{FIXED}: 0.1 nats",
            seeds=ENCODER_SEEDS,
        ),
        _empirical(
            "C4.equal_mi.style_differs",
            "at an equal bound, τ = 0.05 and τ = 0.1 keep different amounts of style",
            "|style R², τ 0.05 − τ 0.1|",
            "equal",
            "theory",
            "greater",
            0.05,
            f"{FIXED}: 0.05 of R²",
            seeds=ENCODER_SEEDS,
            premise="C4.equal_mi.bound",
        ),
    )


def _negative_controls() -> tuple[ClaimSpec, ...]:
    """The same probe on a second untrained initialisation against the first: no training, so a check that
    passes here would pass for any two encoders. The difference of two exchangeable inits is 0 in
    expectation; its per-seed spread sets how near the margin it fails."""
    first = "the first untrained encoder"
    return (
        _empirical(
            "C4.content.kept.second_init",
            "negative control: a second untrained initialisation 'learns the content' over the first",
            "content R² (linear probe) of a second untrained encoder",
            first,
            "control",
            "greater",
            0.1,
            "the claim's own check",
            seeds=ENCODER_SEEDS,
            kind="negative_control",
            checks="C4.content.kept",
        ),
        _empirical(
            "C4.style.unshared_dropped.second_init",
            "negative control: a second untrained initialisation 'discards unshared style' against the first",
            "style R² (linear probe) of a second untrained encoder",
            first,
            "control",
            "less",
            0.1,
            "the claim's own check",
            seeds=ENCODER_SEEDS,
            kind="negative_control",
            checks="C4.style.unshared_dropped",
        ),
    )


def _bijections() -> tuple[ClaimSpec, ...]:
    """E10: 20 random bijections of one representation (one draw); probes and critics trained once each."""
    return (
        _empirical(
            "C4.e10.linear_span",
            "E10: linear-probe R² across bijections of one representation spans ≥ 0.2",
            "max − min linear-probe R² (identity and bijections)",
            "no spread",
            "theory",
            "greater",
            0.2,
            f"{FIXED}: 0.2 of R²",
            trained=False,  # ridge regression in closed form on fixed features: no network is trained
        ),
        _empirical(
            "C4.e10.mlp_span",
            "E10: MLP-probe R² across the bijections varies by ≤ 0.03",
            "max − min MLP-probe R² over the bijections",
            "invariant (no spread)",
            "theory",
            "within",
            0.03,
            f"{FIXED}: 0.03 of R²",
        ),
        _empirical(
            "C4.e10.mlp_critic_spread",
            "E10: a flexible critic estimates the same view MI for every encoder",
            "max − min MLP-critic InfoNCE over the three encoders",
            "invariant MI (no spread)",
            "theory",
            "within",
            0.15,
            f"{FIXED}: 0.15 nats",
        ),
        _empirical(
            "C4.e10.bilinear_drop",
            "E10: a bilinear critic's estimate drops for the worst-linear bijection",
            "bilinear-critic InfoNCE on the worst-linear encoder",
            "the identity encoder's",
            "control",
            "less",
            0.2,
            f"{FIXED}: a drop of 0.2 nats",
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
        *_negative_controls(),
        *_bijections(),
        *_elbo(),
    ),
    answers=(
        Answer(
            paper_claim="C4",
            statement="InfoNCE is a lower bound on the mutual information between views (at most log K); the "
            "model explains why the views' MI is the right quantity (they share y), and why maximising MI "
            "alone is not the mechanism.",
            primary="C4.saturate.spread_moves",
            qualifications=(
                Qualification(
                    claim="C4.style.shared_dropped",
                    when=("contradicted", "no_effect"),
                    text="InfoNCE keeps the style that is shared across views: it carries cross-view MI",
                ),
                Qualification(
                    claim="C4.equal_mi.style_differs",
                    when=("supported",),
                    text="two encoders with the same InfoNCE keep different amounts of style",
                ),
            ),
            settle="a K small enough that the bound saturates within the budget, or a critic family that "
            "contains the Bayes critic; then keep training and measure spread and style (issue 28)",
        ),
    ),
    constants={
        "4.16": "theory: log 64, InfoNCE's ceiling with 64 candidates",
        "7.8": "theory: the view MI −(d/2) log(1 − ρ²) at d = 10 gained from σ² = 0.05 to 0.01 (7.76 nats)",
        "0.72": "theory: 5 · ½ log(4/3), the view MI carried by the shared style",
        "2.77": "theory: log 16, the ceiling at K = 16",
        "9.8": "theory: the content's view MI in section 4",
        "0.909": "theory: 1/(1 + 0.1), the content's view correlation",
        "4.38": "theory: the view MI of section 5",
    },
)
