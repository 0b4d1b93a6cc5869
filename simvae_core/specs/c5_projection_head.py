"""Claims of notebook 04 (the projection head, paper claim C5), declared before the run.

C5 is the paper's reading of SimCLR's probing result (Chen et al. 2020, §4.2 and Table 3): the loss acts on
the head's output ``g(h)``, where the collapse of a group's views happens, and the representation ``h``
before the head keeps more of what changes between views.

The statistic is the within-group spread ρ_w = E tr Cov(·|group) / tr Cov(·) of ``h``, of the trained
head's output ``g(h)`` and of a random frozen head's output ``g_rand(h)`` (the network's own head at its
initialisation, on the same trained ``h``). The primary test, ``C5.spread.simclr``: on the synthetic
content/style data SimCLR's trained head lowers ρ_w more than the random head does,
``ρ_w(g_rand(h)) − ρ_w(g(h)) > M_SPREAD``, over ``SEEDS`` seeds, trained to the plateau declared by its
premise ``C5.spread.plateau.simclr`` (the statistic moves by less than ``M_PLATEAU`` over the last fifth
of training). Its negative control applies the same check to a second random head. RankMe is reported,
never claimed: an InfoNCE head keeps g(h) spread over the sphere, so its rank says nothing about collapse.

Margins were calibrated on seeds 1000–1009 (never the committed seeds 0…n−1) and frozen before the
committed run; ``margin_source`` says where each comes from. The calibration changed the design, not the
margins of the synthetic claims: on a pool of 1 024 groups the network memorised its groups and the
held-out spread after the head never reached a plateau, so the data became 16 384 groups; the negative
control was turned round to what its statement says (the second random head in the trained head's
place); the rotation premise's margin became a fifth of chance.
"""

from __future__ import annotations

from ..claims import Answer, ClaimSpec, NotebookSpec, Qualification, derivation

NOTEBOOK = "04_projection_head"
SEEDS = 10  # synthetic claims (n_seeds of the default profile)
IMAGE_SEEDS = 5  # the Fashion-MNIST head test (image_seeds of the default profile)

# margins, frozen before the committed run
M_SPREAD = 0.05  # ρ_w lowered beyond the random head: a twentieth of the variance
M_PLATEAU = 0.025  # change of the primary statistic over the last fifth of training
M_STYLE = 0.1  # style R² lost beyond the random head
M_CONTENT = 0.05  # content R² the trained head may lose
M_SHARE = 0.2  # E13: drop of the noisy-input share of ‖W‖²
M_ROT_H = 0.05  # rotation accuracy of h above chance (¼): a fifth of chance
M_ROT = 0.05  # rotation accuracy lost beyond the random head
CALIBRATED = "calibrated on seeds ≥ 1000, frozen before the committed run"


def _c(id: str, **kw) -> ClaimSpec:
    return ClaimSpec(id=id, paper_claim="C5", **{"kind": "empirical", "seeds": SEEDS, **kw})


def _spread(method: str, name: str) -> ClaimSpec:
    return _c(
        f"C5.spread.{method}",
        statement=f"{name}'s trained head lowers the within-group spread more than a random head of its "
        "shape",
        statistic="ρ_w(h) − ρ_w(g(h)) (held-out views)",
        reference="ρ_w(h) − ρ_w(g_rand(h)), the random frozen head",
        reference_kind="control",
        direction="greater",
        margin=M_SPREAD,
        margin_source=CALIBRATED,
        primary=method == "simclr",
        premise="C5.spread.plateau.simclr" if method == "simclr" else None,
    )


SPEC = NotebookSpec(
    NOTEBOOK,
    claims=(
        derivation(
            "C5.linear.sympy",
            "the scalar optimum of the spectral contrastive loss: post-head std √r, pre-head std (r s)^¼, "
            "minimum −r², and it is a minimum",
            "number of non-zero symbolic residuals (+1 if not a minimum)",
            "symbolic identity",
            0.0,
            "exact algebra",
            paper_claim="C5",
        ),
        derivation(
            "C5.linear.gd_post",
            "population gradient descent (16 hidden, 16 output units): post-head std = √r",
            "max |post-head std / √r − 1|",
            "closed form",
            0.02,
            "2 % (finite steps)",
            paper_claim="C5",
        ),
        derivation(
            "C5.linear.gd_pre",
            "population gradient descent from a small initialisation: pre-head std = (r s)^¼",
            "max |pre-head std / (r s)^¼ − 1|",
            "closed form",
            0.10,
            "10 % (the layers are only nearly balanced from a finite initialisation)",
            paper_claim="C5",
        ),
        _c(
            "C5.spread.plateau.simclr",
            statement="SimCLR has reached its plateau: the primary statistic moves little over the last "
            "fifth of training",
            statistic="ρ_w(g_rand(h)) − ρ_w(g(h)) at the end minus at 80 % of the steps",
            reference="no change",
            reference_kind="theory",
            direction="within",
            margin=M_PLATEAU,
            margin_source="half the primary's margin: a statistic that moves less than that over the last "
            "fifth of training cannot cross the margin by training a little longer",
        ),
        _spread("simclr", "SimCLR"),
        _c(
            "C5.spread.random_vs_random",
            statement="negative control: a second random head of SimCLR's shape (another initialisation), "
            "in place of the trained head, lowers the within-group spread more than the network's own "
            "random head",
            statistic="ρ_w(h) − ρ_w(g_rand2(h)), a second random head",
            reference="ρ_w(h) − ρ_w(g_rand(h)), the random frozen head",
            reference_kind="control",
            direction="greater",
            margin=M_SPREAD,
            margin_source="the checked claim's own margin",
            kind="negative_control",
            checks="C5.spread.simclr",
        ),
        _c(
            "C5.style_loss.simclr",
            statement="SimCLR's trained head loses more style than a random head (linear read-out)",
            statistic="style R²(h) − style R²(g(h))",
            reference="style R²(h) − style R²(g_rand(h))",
            reference_kind="control",
            direction="greater",
            margin=M_STYLE,
            margin_source=CALIBRATED,
        ),
        _c(
            "C5.content_kept.simclr",
            statement=f"SimCLR's trained head keeps the content: it loses less than {M_CONTENT} of "
            "content R²",
            statistic="content R²(h) − content R²(g(h))",
            reference=f"{M_CONTENT} of R², the tolerated loss",
            reference_kind="theory",
            direction="less",
            margin=0.0,
            margin_source=f"at most {M_CONTENT} of R² lost (the reference)",
        ),
        _c(
            "C5.e13.weight_share",
            statement="E13, strong augmentation (noise 1.5 on 8 of 16 inputs): training moves the weight "
            "of a linear InfoNCE embedding off the augmented inputs",
            statistic="share of ‖W‖²_F on the augmented inputs, trained",
            reference="the same share at initialisation",
            reference_kind="control",
            direction="less",
            margin=M_SHARE,
            margin_source=CALIBRATED,
        ),
        _c(
            "C5.e13.weight_share.weak_noise",
            statement="negative control: a harmless augmentation (noise 0.01) moves the weight off the "
            "augmented inputs",
            statistic="share of ‖W‖²_F on the augmented inputs, trained",
            reference="the same share at initialisation",
            reference_kind="control",
            direction="less",
            margin=M_SHARE,
            margin_source="the checked claim's own margin",
            kind="negative_control",
            checks="C5.e13.weight_share",
        ),
        _c(
            "C5.images.rotation_in_h",
            statement="Fashion-MNIST: h encodes the view's rotation (a multiple of 90°) although SimCLR "
            "was trained to ignore it",
            statistic="rotation accuracy from h (linear probe, held-out groups)",
            reference="chance, ¼",
            reference_kind="theory",
            direction="greater",
            margin=M_ROT_H,
            margin_source=CALIBRATED,
            seeds=IMAGE_SEEDS,
        ),
        _c(
            "C5.images.rotation_loss",
            statement="Fashion-MNIST: SimCLR's trained head loses more of the rotation than a random head",
            statistic="rotation accuracy, h − g(h)",
            reference="rotation accuracy, h − g_rand(h)",
            reference_kind="control",
            direction="greater",
            margin=M_ROT,
            margin_source=CALIBRATED,
            seeds=IMAGE_SEEDS,
            premise="C5.images.rotation_in_h",
        ),
        _c(
            "C5.images.spread",
            statement="Fashion-MNIST: SimCLR's trained head lowers the within-group spread more than a "
            "random head",
            statistic="ρ_w(h) − ρ_w(g(h))",
            reference="ρ_w(h) − ρ_w(g_rand(h))",
            reference_kind="control",
            direction="greater",
            margin=M_SPREAD,
            margin_source="the primary's margin",
            seeds=IMAGE_SEEDS,
        ),
    ),
    answers=(
        Answer(
            paper_claim="C5",
            statement="The loss acts on the projection head's output, where the collapse happens; the layer "
            "before the head keeps more of what changes between views, which is why probing before the "
            "head works better.",
            primary="C5.spread.simclr",
            qualifications=(
                Qualification(
                    claim="C5.content_kept.simclr",
                    when=("contradicted", "inconclusive"),
                    text="SimCLR's head loses content as well as style",
                ),
                Qualification(
                    claim="C5.images.rotation_loss",
                    when=("no_effect", "contradicted"),
                    text="on images the trained head loses no more of the rotation than a random head",
                ),
            ),
            settle="the same statistic on a convolutional encoder trained on full Fashion-MNIST or CIFAR-10 "
            "with the standard augmentations",
        ),
    ),
    constants={"4.2": "a section number of Chen et al. 2020 (§4.2)"},
)
