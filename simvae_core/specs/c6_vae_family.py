"""Claims of notebook 05 (SimVAE against the VAE family): claim C6, its generative half.

Declared before the run. The primary test, ``C6.content.linear.vs_best``: on Fashion-MNIST, SimVAE's
linear-probe test accuracy exceeds that of the VAE-family baseline (VAE, β-VAE or CR-VAE) whose chosen
setting has the highest *validation* accuracy, by more than ``MARGIN``, over ``SEEDS`` paired seeds. Every
method's knob (SimVAE σ², the VAE's learning rate, β-VAE's β, CR-VAE's γ) is chosen on the validation
split from grids of equal length, at the selection seed ``seed + SELECT_OFFSET`` (never a test seed) and
at a cheaper budget (the notebook's sizes declare both).

Secondaries, Holm-adjusted together: SimVAE against a rate-constrained β-VAE whose capacity is SimVAE's
rate at the same seed (its premise ``C6.rate_match`` checks that the rates agree, which the objective
makes true by design), and the primary's comparison on MNIST 5k with the settings chosen on
Fashion-MNIST. ``C6.paper_scale`` records the gap at the longest budget of the curve and is declared out
of reach: the authors' budget is ``AUTHORS_EPOCHS`` epochs × ``AUTHORS_IMAGES`` images. The negative
control runs the primary's comparison on labels permuted within each split, which neither representation
can predict.

Margins were calibrated on seeds 1000–1009 (selection seed 1100), never the committed seeds 0…n−1, and
frozen before the committed run; ``margin_source`` says where each comes from.
"""

from __future__ import annotations

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification
from .c6_controlled import CLAIMS as CONTROLLED_CLAIMS

NOTEBOOK = "05_simvae_vs_vae_family"

SEEDS = 10  # paired test seeds of the primary (n_seeds of the default profile)
RATE_SEEDS = 5  # the rate-matched β-VAE (rate_seeds)
MNIST_SEEDS = 10  # MNIST 5k (mnist_seeds)
LONGEST_SEEDS = 2  # seeds at the longest budget of the curve (curve_seeds[-1])
SELECT_OFFSET = 100  # selection seed = seed + 100: disjoint from the test seeds seed … seed + n_seeds − 1

AUTHORS_EPOCHS, AUTHORS_IMAGES = 400, 60_000  # the authors' Fashion-MNIST budget
# GPU cost of one step of the authors' MLP (64 images × 2 views, forward, backward, Adam) on one H100:
# an estimate, not a measurement (no GPU was lent to this work). The step is ~4.4 GFLOP, so the GPU is
# bound by kernel launches and Python (~60 kernels), not by arithmetic: 2 ms per step.
GPU_MS_PER_STEP = 2.0
RATE_WEIGHT = 5.0  # β of the rate-constrained β-VAE: the weight of |KL − C|

# margins, frozen before the committed run
MARGIN = 0.01  # content accuracy: one point
RATE_MARGIN = 0.15  # rate of the rate-matched β-VAE within 15 % of SimVAE's
# sd of the primary's paired difference at 8 epochs. A first pilot (seeds 1000–1004, selection on 6 000
# validation images: SimVAE σ² = 0.05 against CR-VAE γ = 0.1) gave 0.015; the default-profile pilot run of
# the notebook (seeds 1000–1009, selection seed 1100: σ² = 0.05 against CR-VAE γ = 0.01) gave 0.0132 and
# a paired gap of −0.009 [−0.019, −0.000] at 8 epochs (+0.060 at 2). With 10 seeds the sd gives a
# minimum detectable effect of about 0.013 (80 % power). The margin, one point, was not changed.
CALIBRATION_SD = 0.013
CALIBRATED = "one point of accuracy, fixed before the run; calibration (seeds 1000–1009) gave the paired sd"

# (answer-free) statement of the paper-scale limit, rendered with the notebook's estimate
OUT_OF_REACH = (
    "the authors' budget (400 epochs × 60 000 images, 375 000 steps per model) is beyond a CPU run; the "
    "notebook states the GPU time it would need"
)


def _c(id: str, **kw) -> ClaimSpec:
    return ClaimSpec(id=id, paper_claim="C6", **{"kind": "empirical", "seeds": SEEDS, **kw})


def _content(id: str, statement: str, reference: str, **kw) -> ClaimSpec:
    return _c(
        id,
        statement=statement,
        statistic="content accuracy (linear probe on μ(x), test split), SimVAE, paired per seed",
        reference=reference,
        reference_kind="control",
        direction="greater",
        margin=MARGIN,
        margin_source=CALIBRATED,
        **kw,
    )


# The claims of this notebook's Fashion-MNIST comparison; the controlled synthetic comparison adds its
# own (``SPEC`` is built from the concatenation).
VAE_FAMILY_CLAIMS: tuple[ClaimSpec, ...] = (
    _content(
        "C6.content.linear.vs_best",
        "SimVAE classifies Fashion-MNIST better (linear probe) than the VAE-family baseline whose chosen "
        "setting has the highest validation accuracy, each at its best validation setting",
        "the best-validation VAE-family baseline, same seed",
        primary=True,
    ),
    _c(
        "C6.content.shuffled_labels",
        statement="negative control: the primary's comparison on class labels permuted within each split, "
        "which no representation can predict",
        statistic="accuracy on permuted labels (linear probe), SimVAE",
        reference="the same for the best-validation baseline, same seed and permutation",
        reference_kind="control",
        direction="greater",
        margin=MARGIN,
        margin_source="the checked claim's own margin",
        kind="negative_control",
        checks="C6.content.linear.vs_best",
    ),
    _c(
        "C6.rate_match",
        statement="the rate-constrained β-VAE spends SimVAE's rate (KL per pair of views, last epoch)",
        statistic="β-VAE rate / SimVAE rate − 1, same seed",
        reference="equal rates",
        reference_kind="theory",
        direction="within",
        margin=RATE_MARGIN,
        margin_source="15 % of the rate, fixed before the run",
        seeds=RATE_SEEDS,
    ),
    _content(
        "C6.content.linear.vs_rate_matched",
        "SimVAE classifies better than a β-VAE constrained to SimVAE's own rate: its edge is not just a "
        "different rate",
        "rate-constrained β-VAE (capacity = SimVAE's rate at that seed), same seed",
        seeds=RATE_SEEDS,
        premise="C6.rate_match",
    ),
    _content(
        "C6.mnist.content.linear.vs_best",
        "on MNIST 5k, with the settings chosen on Fashion-MNIST, SimVAE classifies better than the same "
        "baseline",
        "the primary's baseline on MNIST 5k, same seed",
        seeds=MNIST_SEEDS,
    ),
    _content(
        "C6.paper_scale",
        "at the authors' budget SimVAE classifies better than the best-validation baseline",
        "the best-validation baseline at the longest budget of the curve, same seed",
        seeds=LONGEST_SEEDS,
        out_of_reach=OUT_OF_REACH,
    ),
)

SPEC = NotebookSpec(
    NOTEBOOK,
    claims=(*VAE_FAMILY_CLAIMS, *CONTROLLED_CLAIMS),
    answers=(
        Answer(
            paper_claim="C6",
            statement="Fitting the SSL model generatively (SimVAE, maximising ELBO_SSL) beats the other "
            "VAE-family methods (VAE, β-VAE, CR-VAE) on content classification on simple image benchmarks.",
            primary="C6.content.linear.vs_best",
            qualifications=(
                Qualification(
                    claim="C6.content.linear.vs_rate_matched",
                    when=("no_effect", "contradicted"),
                    text="a β-VAE held to SimVAE's rate does as well: the edge is a rate, not the shared "
                    "latent",
                ),
                Qualification(
                    claim="C6.mnist.content.linear.vs_best",
                    when=("no_effect", "contradicted"),
                    text="the comparison does not carry over to MNIST 5k",
                ),
                Qualification(
                    claim="C6.mnist.content.linear.vs_best",
                    when=("supported",),
                    text="on MNIST 5k, with the settings chosen on Fashion-MNIST, SimVAE classifies better "
                    "than that baseline",
                ),
                Qualification(
                    claim="C6.controlled.vs_best",
                    when=("supported",),
                    text="where training converges (synthetic groups with known content and style, too few "
                    "latent units for both), SimVAE keeps more content than the best tuned VAE-family "
                    "baseline",
                ),
                Qualification(
                    claim="C6.controlled.vs_best",
                    when=("no_effect", "contradicted"),
                    text="where training converges (synthetic groups with known content and style), a tuned "
                    "VAE-family baseline keeps as much content as SimVAE",
                ),
                Qualification(
                    claim="C6.paper_scale",
                    when=("not_decidable",),
                    text="this is a CPU budget far below the authors'; at their budget the comparison is "
                    "not decidable here",
                ),
            ),
            settle="the primary comparison at the authors' budget (400 epochs on all 60 000 images) on a "
            "GPU: the full profile, unchanged",
        ),
    ),
    constants={},
)
