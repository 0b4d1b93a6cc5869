"""Claims of notebook 04 (the projection head, paper claim C5), declared before the run.

C5 is the paper's reading of SimCLR's probing result (Chen et al. 2020, §4.2 and Table 3): the loss acts on
the head's output ``g(h)``, and the representation ``h`` before the head keeps more style.

The primary test of C5 is ``C5.style_loss.simclr``: on the content/style data, SimCLR's trained head loses
more style R² than a random frozen head of its shape applied to the same trained ``h``. Its negative
control applies the same check to a random head against a second random head.

Derivations (checked in every profile, counted apart): the scalar linear-head optimum in sympy,
population gradient descent against the closed form, the Bayes accuracy of the sampled flip. Everything
trained by SGD on samples (the minibatch linear net, the E13 toys, SimCLR and VICReg) is empirical. The
rendered-blob claims are one-seed illustrations: recorded, and not decidable at one seed.

Sizes of the ``default`` profile (the notebook's ``SIZES``): 3 seeds for every trained-model claim, one
for the derivations and the rendered blobs.
"""

from __future__ import annotations

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification

NOTEBOOK = "04_projection_head"
SEEDS = 3  # n_seeds of the notebook's default profile
METHODS = (("simclr", "SimCLR"), ("vicreg", "VICReg"))
FIXED = "fixed before the run"

# margins, fixed before the run (the notebook's constants of the same names)
M_STYLE, M_CONTENT, M_FLIP, M_READ, M_RANK = 0.1, 0.05, 0.1, 0.2, 0.05
M_FM = 0.05


def _derivations() -> tuple[ClaimSpec, ...]:
    common = dict(kind="derivation", paper_claim="C5", reference_kind="theory", direction="within", seeds=1)
    return (
        ClaimSpec(
            id="C5.linear.sympy",
            statement="the scalar optimum of the spectral contrastive loss: post-head std √r, pre-head std "
            "(r s)^¼, minimum −r², and it is a minimum",
            statistic="number of non-zero symbolic residuals (+1 if not a minimum)",
            reference="symbolic identity",
            margin=0.0,
            margin_source="exact algebra",
            **common,
        ),
        ClaimSpec(
            id="C5.linear.gd_post",
            statement="population gradient descent (16 hidden, 16 output units, 20 000 steps): "
            "post-head std = √r",
            statistic="max |post-head std / √r − 1|",
            reference="closed form",
            margin=0.02,
            margin_source="fixed before the run: 2 % (finite steps)",
            **common,
        ),
        ClaimSpec(
            id="C5.linear.gd_pre",
            statement="population gradient descent, balanced net: pre-head std = (r s)^¼",
            statistic="max |pre-head std / (r s)^¼ − 1|",
            reference="closed form",
            margin=0.10,
            margin_source="fixed before the run: 10 % (the balance is only approximate from a finite "
            "initialisation)",
            **common,
        ),
        ClaimSpec(
            id="C5.data.bayes_flip",
            statement="the sampled data: the Bayes accuracy of the flip from the true style is Φ(‖μ‖/√2) "
            "= Φ(1.5 √5 / √2) ≈ 0.991 (μ = 1.5 · 1₅)",
            statistic="Monte Carlo accuracy of the Bayes classifier",
            reference="Φ(‖μ‖/√2)",
            margin=None,
            margin_source="4 Monte Carlo standard errors of a binomial accuracy (computed in the run)",
            **common,
        ),
    )


def _linear_sgd() -> ClaimSpec:
    return ClaimSpec(
        id="C5.linear.sgd_post",
        statement="minibatch SGD on sampled views (512 pairs per step): post-head std = √r",
        statistic="max |post-head std / √r − 1|",
        reference="closed form",
        reference_kind="theory",
        direction="within",
        margin=0.03,
        margin_source="fixed before the run: 3 % of SGD noise",
        kind="empirical",
        paper_claim="C5",
        seeds=SEEDS,
    )


def _heads(mid: str, name: str) -> tuple[ClaimSpec, ...]:
    common = dict(kind="empirical", paper_claim="C5", seeds=SEEDS)
    return (
        ClaimSpec(
            id=f"C5.style_loss.{mid}",
            statement=f"{name}'s trained head loses more style than a random frozen head of its shape",
            statistic="style R²(h) − style R²(head(h))",
            reference="random frozen head",
            reference_kind="control",
            direction="greater",
            margin=M_STYLE,
            margin_source=FIXED,
            primary=mid == "simclr",
            **common,
        ),
        ClaimSpec(
            id=f"C5.content_kept.{mid}",
            statement=f"{name}'s trained head keeps the content: it loses at most 0.05 of content R²",
            statistic="content R²(h) − content R²(g(h))",
            reference="tolerated loss",
            reference_kind="theory",
            direction="less",
            margin=0.0,
            margin_source=f"{FIXED}: at most {M_CONTENT} of R² lost (the reference)",
            **common,
        ),
        ClaimSpec(
            id=f"C5.flip_linear.{mid}",
            statement=f"{name}'s trained head removes linear access to the transformation (more than a "
            "random head)",
            statistic="linear-probe flip accuracy, h − head(h)",
            reference="random frozen head",
            reference_kind="control",
            direction="greater",
            margin=M_FLIP,
            margin_source=f"{FIXED} (Chen et al. 2020, §4.2 and Table 3: a large drop)",
            **common,
        ),
        ClaimSpec(
            id=f"C5.flip_mlp_reads.{mid}",
            statement=f"an MLP probe still reads the transformation from {name}'s g(h)",
            statistic="MLP-probe flip accuracy on g(h)",
            reference="chance",
            reference_kind="theory",
            direction="greater",
            margin=M_READ,
            margin_source=FIXED,
            **common,
        ),
        ClaimSpec(
            id=f"C5.rank.{mid}",
            statement=f"{name}'s trained head lowers the effective rank per dimension more than a random "
            "head",
            statistic="RankMe/dim (h) − RankMe/dim (head(h))",
            reference="random frozen head",
            reference_kind="control",
            direction="greater",
            margin=M_RANK,
            margin_source=FIXED,
            **common,
        ),
    )


def _style_control() -> ClaimSpec:
    return ClaimSpec(
        id="C5.style_loss.random_vs_random",
        statement="negative control: a random head of SimCLR's shape loses more style than a second random "
        "head (another initialisation seed)",
        statistic="style R²(h) − style R²(head(h))",
        reference="second random head",
        reference_kind="control",
        direction="greater",
        margin=M_STYLE,
        margin_source="the checked claim's own margin",
        kind="negative_control",
        paper_claim="C5",
        seeds=SEEDS,
        checks="C5.style_loss.simclr",
    )


def _toys() -> tuple[ClaimSpec, ...]:
    common = dict(paper_claim="C5", seeds=SEEDS)
    statistic = "# eigenvalue ratios ≤ 0.1 after training"
    decades = "decades of the smallest eigenvalue ratio lost in training"
    return (
        ClaimSpec(
            id="C5.e13.aug_collapse",
            statement="noise 1.5 on the 8 augmented coordinates: training collapses directions of the "
            "embedding",
            statistic=statistic,
            reference="at initialisation",
            reference_kind="control",
            direction="greater",
            margin=1.0,
            margin_source=FIXED,
            kind="empirical",
            **common,
        ),
        ClaimSpec(
            id="C5.e13.aug_collapse.weak_noise",
            statement="negative control: noise 0.01, a harmless augmentation, collapses directions of the "
            "embedding",
            statistic=statistic,
            reference="at initialisation",
            reference_kind="control",
            direction="greater",
            margin=1.0,
            margin_source="the checked claim's own margin",
            kind="negative_control",
            checks="C5.e13.aug_collapse",
            **common,
        ),
        ClaimSpec(
            id="C5.e13.aug_exact",
            statement="noise 1.5: exactly the 8 augmented directions collapse",
            statistic=statistic,
            reference="augmented coordinates",
            reference_kind="theory",
            direction="within",
            margin=0.5,
            margin_source=f"{FIXED} (within 0.5 of 8: exactly 8 in every seed)",
            kind="empirical",
            **common,
        ),
        ClaimSpec(
            id="C5.e13.implicit_collapse",
            statement="weak augmentation (noise 0.001), two linear layers each initialised with singular "
            "values exp(−0.35 k): training collapses the embedding",
            statistic=decades,
            reference="no change",
            reference_kind="theory",
            direction="greater",
            margin=1.0,
            margin_source=FIXED,
            kind="empirical",
            **common,
        ),
        ClaimSpec(
            id="C5.e13.head_collapses_more",
            statement="training collapses the embedding W₂W₁x more than the representation W₁x",
            statistic=decades,
            reference="representation W₁x",
            reference_kind="control",
            direction="greater",
            margin=0.5,
            margin_source=FIXED,
            kind="empirical",
            **common,
        ),
    )


def _fashion(mid: str, name: str) -> tuple[ClaimSpec, ...]:
    common = dict(kind="empirical", paper_claim="C5", seeds=SEEDS)
    out = tuple(
        ClaimSpec(
            id=f"C5.fashion.{cid}.{mid}",
            statement=f"Fashion-MNIST: {name}'s trained head loses more {what} information than a "
            "random head",
            statistic=f"{key}, h − head(h)",
            reference="random frozen head",
            reference_kind="control",
            direction="greater",
            margin=M_FM,
            margin_source=FIXED,
            **common,
        )
        for cid, what, key in (
            ("flip_loss", "vertical-flip", "flip acc."),
            ("crop_loss", "crop-scale", "crop-scale R²"),
        )
    )
    return out + (
        ClaimSpec(
            id=f"C5.fashion.content_h.{mid}",
            statement=f"Fashion-MNIST: {name}'s h classifies better than g(h)",
            statistic="content accuracy (linear probe), h − g(h)",
            reference="no difference",
            reference_kind="theory",
            direction="greater",
            margin=0.0,
            margin_source="literature: Chen et al. 2020 (h better by more than 10 points on ImageNet); "
            "the direction is claimed here",
            **common,
        ),
    )


def _fashion_control() -> ClaimSpec:
    return ClaimSpec(
        id="C5.fashion.flip_loss.random_vs_random",
        statement="negative control: on Fashion-MNIST a random head of SimCLR's shape loses more of the flip "
        "than a second random head",
        statistic="flip acc., h − head(h)",
        reference="second random head",
        reference_kind="control",
        direction="greater",
        margin=M_FM,
        margin_source="the checked claim's own margin",
        kind="negative_control",
        paper_claim="C5",
        seeds=SEEDS,
        checks="C5.fashion.flip_loss.simclr",
    )


ONE_SEED = "one seed: an illustration on images"


def _images() -> tuple[ClaimSpec, ...]:
    common = dict(
        kind="empirical",
        paper_claim="C5",
        seeds=1,
        direction="greater",
        margin=M_STYLE,
        margin_source=f"{FIXED}; {ONE_SEED}, not decidable",
    )
    return (
        ClaimSpec(
            id="C5.images.style_loss",
            statement="rendered blobs: SimCLR's trained head loses more style than a random frozen head",
            statistic="style R²(h) − style R²(head(h))",
            reference="random frozen head",
            reference_kind="control",
            **common,
        ),
        *(
            ClaimSpec(
                id=f"C5.images.simvae_style.{key}",
                statement=f"rendered blobs: SimVAE with {what} keeps more style than SimCLR's h",
                statistic="style R² of h",
                reference="SimCLR h",
                reference_kind="control",
                **common,
            )
            for key, what in (("learned", "a learned decoder variance"), ("fixed", "σ_x² = 10⁻³ fixed"))
        ),
    )


SPEC = NotebookSpec(
    NOTEBOOK,
    claims=(
        *_derivations(),
        _linear_sgd(),
        *(c for mid, name in METHODS for c in _heads(mid, name)),
        _style_control(),
        *_toys(),
        *(c for mid, name in METHODS for c in _fashion(mid, name)),
        _fashion_control(),
        *_images(),
    ),
    answers=(
        Answer(
            paper_claim="C5",
            statement="The loss acts on the projection head's output, where the collapse happens; the layer "
            "before the head keeps more (style) information, which is why probing before the head works "
            "better.",
            primary="C5.style_loss.simclr",
            qualifications=(
                Qualification(
                    claim="C5.fashion.flip_loss.simclr",
                    when=("no_effect", "contradicted"),
                    text="on Fashion-MNIST the trained head loses no more vertical-flip information than a "
                    "random head (h itself barely encodes the flip)",
                ),
                Qualification(
                    claim="C5.content_kept.simclr",
                    when=("contradicted",),
                    text="SimCLR's head loses content as well",
                ),
            ),
            settle="the within-group spread through the head, ρ_w(h) against ρ_w(g(h)) and a random head, on "
            "≥ 10 seeds, and a transformation that h demonstrably encodes (issue 27)",
        ),
    ),
)
