# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (simvae)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Discriminative SSL and the latent-variable model (claims C2 and C3)
#
# *In the docs:* claims [C2](../docs/claims.md#c2-discriminative-ssl-induces-the-same-structure) and
# [C3](../docs/claims.md#c3-style-collapses); theory: [the posterior over groups is a
# softmax](../docs/theory.md#the-posterior-over-groups-is-a-softmax); experiments
# [E1](../docs/experiments.md#e1-infonce-inverts-the-generator),
# [E2](../docs/experiments.md#e2-augmentations-isolate-content),
# [E5](../docs/experiments.md#e5-linear-gaussian-closed-form),
# [E6](../docs/experiments.md#e6-within-group-variance-collapse); [how a claim is
# checked](../docs/experiments.md#how-a-claim-is-checked).
#
# **Claim C2.** Discriminative objectives (InfoNCE, instance discrimination, VICReg and their relatives)
# pull the views of a group together and push groups apart, so that they induce the clusters of the SSL
# model's $p(z \mid y)$. For unit-norm representations the InfoNCE softmax at temperature τ *is* the Bayes
# posterior over groups of a model with $\sigma^2 = \tau$ (notebook 01 derives it):
#
# $$p(y = i \mid z) = \operatorname{softmax}_i\!\big(z^\top y_i / \sigma^2\big)
# \qquad (\lVert z\rVert = \lVert y_i\rVert = 1).$$
#
# **Claim C3.** Nothing in these objectives keeps the spread *within* a group. Each group's cluster
# shrinks, and what varies between the views of one group, the per-view style, is lost; a generative fit
# (SimVAE) keeps it.
#
# **How the claims are decided.** The data come from the model itself, so the truth is known. Every claim
# is declared before the run in `simvae_core/specs/c2_c3_correspondence.py` with its statistic, its
# reference (a control of the same run, or a theory value), its margin and its number of seeds (ten).
# One **primary** test answers each paper claim; the other empirical claims are secondary and
# Holm-adjusted together. A primary is only decided once its training has reached a **plateau**, declared
# as its premise: the statistic moves by less than a stated amount over the last fifth of training.
# **Negative controls** apply a claim's check where it must fail. The experiments live in
# `simvae_core/experiments/c2_c3_correspondence.py` (tested in `tests/test_experiments_c2_c3.py`); each
# section calls one runner and reads its result from the run.
#
# Plan: (1) do the views cluster by group, and better than the raw observations? (2) is SimCLR's softmax
# the Bayes posterior? (3) which part of the style survives, at equal capacity? (4) the linear-Gaussian
# closed form; (5) what the evaluation cost.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full: sizes come from c2_c3_correspondence.SIZES
seed = 0
overrides = {}  # sizes to change, e.g. {"n_seeds": 3}; the pipeline's --param fills it

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import simvae_core as sc
from simvae_core.experiments import c2_c3_correspondence as c2
from simvae_core.experiments import plots
from simvae_core.experiments.common import Clock
from simvae_core.learning.methods import label

run = sc.start_run(
    "02_discriminative_ssl_correspondence", profile=profile, seed=seed, overrides=overrides, sizes=c2.SIZES
)
S, book, clock = run.sizes, run.claims(c2.SPEC), Clock()
book.describe_budget(c2.budget(S))
sphere = c2.sphere_groups(S.n_groups, run.generator(1))
pairs = c2.anchor_pairs(S.n_pairs, run.generator(2))
blocks = c2.content_style_groups(S.n_groups, run.generator(3))

# %% [markdown]
# ## 1 · (C2) Do the views cluster by group, and better than x does?
#
# **Take-away.** "Clusters by group" has an operational meaning: given a new view, name its group. Chance
# is a straw man here. The raw observations already carry everything the latents do, so the yardstick is
# raw $x$, and a representation earns the claim only by beating it. Identifying groups and recovering the
# content $y$ are separate questions; the reading below answers both for each primary method.
#
# **Data.** The SSL model on the sphere: $y \sim U(S^7)$, $z_j \mid y \sim \mathrm{vMF}(y, \kappa = 50)$,
# observed through a fixed random injective MLP, $x_j = g(z_j)$ (the mixing of von Kügelgen et al. 2021).
# Four views of each group are the training pool; two more are held out.
#
# **Derivation.** Because $g$ is injective, $x$ carries everything $z$ does: the honest reference for a
# representation is raw $x$, not chance ($1/N$). The true latents set the ceiling.
#
# **Claims.** For SimCLR (τ = 1/κ), VICReg and SimVAE (σ² = 1/κ): the nearest-centroid accuracy (NCC) of
# held-out views among all N groups exceeds raw $x$'s by more than 0.02 (`C2.ncc_vs_raw.*`), and the ridge
# R² of $y$ from one held-out view exceeds raw $x$'s by more than 0.05 (`C2.r2y_vs_raw.*`). Negative
# control: SimCLR's network at initialisation, through the NCC check. The seven other methods (MoCo,
# InstDisc, Barlow Twins, BYOL, SimSiam, DINO, SwAV) are reported with intervals, without claims.
#
# **Experiment.** Each method trains on the pool for the same number of steps, with no projection head
# (the loss acts on the representation; notebook 04 studies the head). At evenly spaced checkpoints the
# runner scores the held-out views; step 0 is the same network at its initialisation, which is the
# negative control. The table below gives the two references.

# %%
clusters = c2.cluster_curves(
    sphere, c2.PRIMARY, seeds=run.seeds, steps=S.steps, batch_size=S.batch_size,
    checkpoints=S.checkpoints, clock=clock,
)  # fmt: skip
others = c2.cluster_curves(
    sphere, c2.SECONDARY, seeds=run.seeds[: S.secondary_seeds], steps=S.secondary_steps,
    batch_size=S.batch_size, checkpoints=2, clock=clock,
)  # fmt: skip
ref = c2.references(sphere).set_index("method")
display(ref.round(3))

# %%
raw = ref.loc["raw x"]
for m in c2.PRIMARY:
    book.check(f"C2.ncc_vs_raw.{m}", c2.per_seed(clusters, "NCC", method=m), raw["NCC"])
    book.check(f"C2.r2y_vs_raw.{m}", c2.per_seed(clusters, "R2_y", method=m), raw["R2_y"])
untrained_ncc = c2.per_seed(clusters, "NCC", step=0, method="simclr")
control = book.check("C2.ncc_vs_raw.untrained", untrained_ncc, raw["NCC"])

# %%
book.reading(
    "**Reading.** Raw x identifies the group of a held-out view with NCC {raw:.3f} among {n} groups, the "
    "true latents with {truth:.3f}. SimCLR reaches {c[C2.ncc_vs_raw.simclr].value} "
    "({c[C2.ncc_vs_raw.simclr].outcome}), VICReg {c[C2.ncc_vs_raw.vicreg].value} "
    "({c[C2.ncc_vs_raw.vicreg].outcome}), SimVAE {c[C2.ncc_vs_raw.simvae].value} "
    "({c[C2.ncc_vs_raw.simvae].outcome}). Against raw x's R²(y) of {raw_r2:.3f}: SimCLR "
    "{c[C2.r2y_vs_raw.simclr]}, VICReg {c[C2.r2y_vs_raw.vicreg]}, SimVAE {c[C2.r2y_vs_raw.simvae]}. "
    "SimCLR's untrained network (negative control): {c[C2.ncc_vs_raw.untrained]}. Over the last fifth "
    "of training the mean NCC moved by {m[simclr]:+.3f} (SimCLR), {m[vicreg]:+.3f} (VICReg) and "
    "{m[simvae]:+.3f} (SimVAE): these secondary claims have no plateau premise, so read them as the "
    "state at this budget.",
    raw=raw["NCC"], n=S.n_groups, truth=ref.loc["true latents", "NCC"], raw_r2=raw["R2_y"],
    m=c2.last_fifth(clusters, "NCC", ["method"]).groupby("method")["change"].mean(),
)  # fmt: skip

# %% [markdown]
# The figure shows the final scores of every method (bars: mean and 95 % interval over seeds; dots: the
# seeds), with raw $x$ (solid) and the claims' margins above it (dashed). The methods right of SimVAE had
# a smaller budget (fewer steps and seeds, see the budget line of the verdicts) and no claim: their bars
# say where each method stands, not whether it beats $x$. SimVAE fits $p(x \mid z)$ as well as the
# grouping, so it spends capacity on reconstructing $x$; the discriminative methods spend all of it on
# telling groups apart.

# %% tags=["hide-input"]
final = c2.at_end(pd.concat([clusters, others]))
names = {m: label(m) for m in final["method"].unique()}
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for ax, col, cid in zip(axes, ("NCC", "R2_y"), ("C2.ncc_vs_raw.simclr", "C2.r2y_vs_raw.simclr"), strict=True):
    plots.bars(ax, final, "method", col, labels=names)
    plots.claim_margin(ax, book[cid], label=f"raw x and the margin {book[cid].margin:g}")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=8)
axes[0].set_ylabel("NCC of held-out views")
axes[1].set_ylabel("R² of y from one held-out view")
run.savefig(fig, "clusters_vs_raw")

# %% [markdown]
# ## 2 · (C2) SimCLR's softmax against the Bayes posterior, at its plateau
#
# **Take-away.** Training moves SimCLR's softmax towards the Bayes posterior over groups, quickly at
# first and then slowly. The primary asks whether it gets there, and is decided only once the distance
# has stopped moving; a TV that is still falling at the end of the budget leaves it undecided.
#
# **Data and derivation.** Zimmermann et al.'s pairs (2021): an anchor $x = g(y)$ and a positive
# $\tilde x = g(\tilde z)$ with $\tilde z \sim \mathrm{vMF}(y, \kappa = 10)$ on $S^4$. Given the positive,
# the Bayes posterior over K candidate anchors is $\operatorname{softmax}_i(\kappa\, \tilde z^\top y_i)$.
# SimCLR (no head) at τ = 1/κ learns $\operatorname{softmax}_i(f(\tilde x)^\top f(x_i)/\tau)$, which has
# exactly this form when $f$ inverts $g$ up to a rotation. The pairs are numerous enough that each is seen
# only about ten times: with a few thousand pairs, SimCLR memorises them and its TV rises again.
#
# **Why a plateau.** A fixed, short budget cannot tell "SimCLR does not reach the posterior" from "SimCLR
# has not reached it yet". So the primary is decided only at a plateau, which is itself a declared claim
# and the primary's premise: if the TV still moves, the primary reads *not decidable*.
#
# **A plateau can be metastable.** Pilot runs on calibration seeds, trained five times longer than this
# budget, sit near TV 0.3 for a seed-dependent time (from about 1 000 to about 9 500 steps) and then drop
# within a few hundred steps to about the tolerance. A flat last fifth is therefore necessary, not
# sufficient: a "contradicted" here would mean "not yet past the plateau", and the answer's *settle* line
# states the budget that would decide it.
#
# **Claims.** The primary `C2.posterior.tv_target`: the total variation (TV) between the two softmaxes
# over K = 64 candidates lies within 0.15 of 0, the value at the InfoNCE optimum (at most 15 % of the
# probability mass moved). Its premise `C2.posterior.plateau`: over the last fifth of training the TV
# moves by less than 0.02. Secondary: training lowers the TV by more than 0.05 against the untrained
# network (`C2.posterior.tv_gain`). Negative control: the same trained softmax read at twice the matched
# temperature, through the primary's check (a factor-2 error in τ must be visible).

# %%
posterior = c2.posterior_curves(
    pairs, seeds=run.seeds, steps=S.posterior_steps, batch_size=S.batch_size,
    checkpoints=S.checkpoints, clock=clock,
)  # fmt: skip
plateau = c2.last_fifth(posterior, "TV")
book.check("C2.posterior.plateau", plateau["change"].tolist(), 0.0)
tv = c2.per_seed(posterior, "TV")
book.check("C2.posterior.tv_target", tv, 0.0)
book.check("C2.posterior.tv_gain", tv, c2.per_seed(posterior, "TV", step=0))
control = book.check("C2.posterior.tv_target.2tau", c2.per_seed(posterior, "TV_2tau"), 0.0)

# %%
book.reading(
    "**Reading.** Over the last fifth of training the TV changes by {c[C2.posterior.plateau].value} "
    "({c[C2.posterior.plateau].outcome}). At the end SimCLR's softmax lies at TV "
    "{c[C2.posterior.tv_target].value} from the Bayes posterior, against the primary's tolerance of "
    "{tol:g} (its outcome, which depends on the plateau, is in the "
    "verdicts below). Training changed the TV by {c[C2.posterior.tv_gain].difference} "
    "from the untrained network's {c[C2.posterior.tv_gain].reference}; its top-1 agreement with the true "
    "anchor is {top1:.3f}. Read at 2τ, the TV is {c[C2.posterior.tv_target.2tau].value} (negative control).",
    top1=sum(c2.per_seed(posterior, "top1")) / len(run.seeds),
    tol=c2.SPEC["C2.posterior.tv_target"].margin,
)

# %% [markdown]
# The curve is the TV over training (mean and 95 % band over seeds; step 0 is the untrained network),
# with the primary's tolerance: the shaded band ±0.15 around 0 is where the claim would hold. The second
# curve reads the same trained network at 2τ: the gap between the two curves is what a factor-2 error in
# the temperature costs, and why the margin can see it.

# %% tags=["hide-input"]
curve = posterior.melt(["seed", "step"], ["TV", "TV_2tau"], var_name="read at", value_name="TV to Bayes")
fig, ax = plt.subplots(figsize=(6.5, 3.8))
plots.mean_ci(ax, curve, "step", "TV to Bayes", "read at", labels={"TV": "τ = 1/κ", "TV_2tau": "τ = 2/κ"})
plots.claim_margin(ax, book["C2.posterior.tv_target"])
ax.set_ylim(0, 1)
ax.set_xlabel("optimisation step")
ax.legend(fontsize=8)
run.savefig(fig, "posterior_tv_curve")

# %% [markdown]
# ## 3 · (C3) Which part of the style survives, at equal capacity
#
# **Take-away.** At the content dimension, SimCLR throws away the style that varies from view to view;
# SimVAE keeps it. With spare dimensions, SimCLR keeps more of the style.
#
# **Data.** The content/style block model (von Kügelgen et al. 2021): content $c \in \mathbb R^5$ shared by
# the views of a group, style $s + \varepsilon_j \in \mathbb R^5$ with a shared part $s$ and a per-view
# part $\varepsilon_j$ (all standard normal), mixed by a fixed injective MLP into $\mathbb R^{10}$.
#
# **Derivation.** One view carries only the sum $s + \varepsilon_j$, so no probe of a single view can tell
# the two parts apart. Two held-out views of a group can: the difference of their representations can only
# carry $\varepsilon_4 - \varepsilon_5$ (content and $s$ cancel), and their mean carries $s$ plus the
# mean of two ε's. The true latents score R² 1 for content and for the per-view part, and 2/3 for the
# shared part. Von Kügelgen et al. prove that contrastive learning with d equal to the content dimension
# (d = 5) keeps the content and nothing else; with more dimensions the loss no longer forbids style.
#
# **Claims.** The primary `C3.per_view.d5`: at d = 5, SimVAE's per-view R² exceeds SimCLR's by more than
# 0.1; premise `C3.per_view.plateau`: that difference falls by less than 0.02 over the last fifth of
# training. The premise is one-sided on purpose: SimCLR keeps discarding ε long after its content has
# converged, so the difference keeps *widening*, and only a shrinking difference could overturn the
# primary. Secondary: the same for the shared style (`C3.shared.d5`), SimCLR against its untrained
# network (`C3.discards.simclr_d5`), SimCLR's within-group share of variance ρ_w against the true 1/3
# (`C3.collapse.simclr_d5`), and the spare-capacity leak, SimCLR at d = 10 against d = 5 on each part
# (`C3.leak.*`, declared as a qualification of C3). Negative control: the primary's check on the content,
# which both methods should keep.

# %%
style = c2.style_curves(
    blocks, [("simclr", 5), ("simvae", 5), ("simclr", 10)], seeds=run.seeds, steps=S.style_steps,
    batch_size=S.batch_size, checkpoints=S.checkpoints, clock=clock,
)  # fmt: skip
style["run"] = style["method"].map(label) + ", d = " + style["d"].astype(str)
gap = c2.style_gap(style)  # SimVAE − SimCLR per-view R² at d = 5, per seed and step
display(c2.references(blocks).set_index("method").round(3))

# %%
vae, clr, wide = ({"method": m, "d": d} for m, d in (("simvae", 5), ("simclr", 5), ("simclr", 10)))
book.check("C3.per_view.plateau", c2.last_fifth(gap, "gap")["change"].tolist(), -c2.PLATEAU_FALL)
for part, cid in (("per_view", "C3.per_view.d5"), ("content", "C3.per_view.d5.content")):
    book.check(cid, c2.per_seed(style, part, **vae), c2.per_seed(style, part, **clr))
book.check("C3.shared.d5", c2.per_seed(style, "shared", **vae), c2.per_seed(style, "shared", **clr))
book.check(
    "C3.discards.simclr_d5", c2.per_seed(style, "per_view", **clr), c2.per_seed(style, "per_view", 0, **clr)
)
rho_true = c2.references(blocks).set_index("method").loc["true latents", "rho_w"]
book.check("C3.collapse.simclr_d5", c2.per_seed(style, "rho_w", **clr), rho_true)
for part in ("shared", "per_view"):
    book.check(f"C3.leak.{part}.d10", c2.per_seed(style, part, **wide), c2.per_seed(style, part, **clr))

# %%
book.reading(
    "**Reading.** The primary difference moved by {c[C3.per_view.plateau].value} over the last fifth "
    "({c[C3.per_view.plateau].outcome}). At d = 5, per-view style R²: SimVAE "
    "{c[C3.per_view.d5].value} against SimCLR {c[C3.per_view.d5].reference}, difference "
    "{c[C3.per_view.d5].difference} (the outcome, premised on the plateau, is in the verdicts). Shared style: SimVAE − SimCLR "
    "{c[C3.shared.d5]}. Content (negative control): {c[C3.per_view.d5.content]}. SimCLR against its "
    "untrained network on the per-view part: {c[C3.discards.simclr_d5]}; its ρ_w against the true "
    "latents': {c[C3.collapse.simclr_d5]}. With spare capacity (d = 10 against d = 5) SimCLR's shared-style "
    "R² changes by {c[C3.leak.shared.d10].difference} ({c[C3.leak.shared.d10].outcome}) and its per-view "
    "R² by {c[C3.leak.per_view.d10].difference} ({c[C3.leak.per_view.d10].outcome})."
)

# %% [markdown]
# **How to read the leak.** A "supported" leak claim does not contradict the primary: it qualifies it.
# Von Kügelgen et al.'s guarantee is for d equal to the content dimension, and the answer for C3 below
# lists the leak as a declared qualification when it is found.
#
# Left: the per-view style kept over training (mean and 95 % band over seeds; step 0 is the untrained
# network), with SimCLR's final value at d = 5 (solid) and the primary's margin above it (dashed). Right:
# the three parts at the end of training, per run.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
plots.mean_ci(axes[0], style, "step", "per_view", "run")
plots.claim_margin(axes[0], book["C3.per_view.d5"])
axes[0].set_ylabel("per-view style R² (ε₄ − ε₅)")
axes[0].set_xlabel("optimisation step")
axes[0].legend(fontsize=8)
end = c2.at_end(style, ["run"]).melt(["run", "seed"], ["content", "shared", "per_view"])
plots.bars(axes[1], end, "variable", "value", "run")
axes[1].set_ylabel("R² at the end of training")
axes[1].legend(fontsize=8)
run.savefig(fig, "style_parts")

# %% [markdown]
# ## 4 · (C3) The closed form: linear encoders on Gaussian views
#
# **Take-away.** The same ordering holds exactly where everything can be computed: a contrastive optimum
# keeps directions by how much the views share them, a generative optimum by their variance.
#
# With linear encoders and Gaussian views, $x_j = A\,[c;\, s_0 + e_j] + n_j$ (D = 20, content in
# $\mathbb R^3$, shared style variance a², per-view style variance b² = 1, noise σ_n² = 0.1), the optima
# are population computations. The spectral contrastive loss (HaoChen et al. 2021) is minimised by the
# top-k CCA directions: it keeps what the views *share*, in order of canonical correlation (content
# 0.909, style 0.3125 at a² = 0.5). Probabilistic PCA keeps what has the most *variance*. This is the
# linear version of section 3: a contrastive encoder keeps the shared style only once the content is
# in, and never the per-view part. A derivation, checked against the closed forms.

# %%
error, optima = c2.linear_optima_error(run.seed)
book.check("C3.linear.population_optima", error, 0.0, detail="7 closed-form cells, float64")
display(optima.round(4))

# %% [markdown]
# Each row of the table is one setting (a² and the number of directions k kept); the columns give the
# population R² of content and style at each optimum. With k = 3 the spectral encoder keeps the content and
# no style; probabilistic PCA, ranked by variance, keeps the style instead. Only with k = 6 does the
# contrastive optimum reach the style, and only when a² > 0, that is when the views share it.

# %% [markdown]
# ## 5 · What the evaluation cost
#
# Every statistic above is computed at the checkpoints of the runs it evaluates (probes, nearest
# centroids, posteriors); the clock splits the seconds between training and evaluation. Evaluation should
# cost no more than the training it evaluates: ridge probes are solved in closed form, nearest centroids
# and the posterior softmaxes are single matrix products.

# %%
display(clock.table().round(1))
book.reading("Evaluation took {ratio:.2f} × the time of the training it evaluates.", ratio=clock.ratio())

# %% [markdown]
# ## What this notebook leaves out
#
# - **Images.** The earlier version compared SimVAE with SimCLR and VICReg on Fashion-MNIST with three
#   seeds and a budget far from the authors'. It is dropped, not moved: notebook 05 compares SimVAE with
#   the VAE family on images, and no notebook now compares it with discriminative SSL on images. Deciding
#   that comparison needs the image budget notebook 05 shows to be out of reach on a CPU.
# - **CLIP and the multimodal block model.** Dropped: two modalities need their own design to be decided
#   at ten seeds within this notebook's budget.
# - **Collapse statistics such as RankMe.** InfoNCE keeps its embedding spread on the sphere by design, so
#   a rank statistic says nothing about the within-group collapse C3 is about; ρ_w and the per-view probe
#   measure that collapse directly.
# - **The identifiability result of Zimmermann et al.** They train for 300 000 steps; the plateau here is
#   the plateau of this budget, and the answer's "settle" line says what would go further.
#
# ## Verdicts
#
# Until now each reading quoted a secondary claim's outcome "before the Holm adjustment", and no primary's
# outcome at all: a primary is decided only once its premise is, and the secondary claims are adjusted
# together once the whole run is in. Both happen here. How to read the answers:
#
# - a primary whose plateau premise is not supported reads *not decidable*, whatever its interval says:
#   the budget ran out while its statistic was still moving, and the answer's last line says what
#   would settle it;
# - a qualification is listed when the secondary claim it names has one of its declared outcomes, here
#   the spare-capacity leak of C3 and, for C2, a primary method that recovers y no better than x;
# - the negative controls must fail; the table says by how many margins each one misses.
#
# The answers for C2 and C3 and the table of every claim follow, all from this run; `verdicts.json` and
# the forest plot of the claims (each in units of its own margin) are written beside the figures.

# %%
book.finalize()  # premises and the Holm adjustment: the outcomes below are final
book.reading(
    "**Verdicts.** C2's primary, SimCLR's softmax against the Bayes posterior: TV "
    "{c[C2.posterior.tv_target].value}, {c[C2.posterior.tv_target].outcome}; its plateau premise is "
    "{c[C2.posterior.plateau].outcome}. C3's primary, SimVAE against SimCLR on the per-view style at "
    "d = 5: {c[C3.per_view.d5].difference}, {c[C3.per_view.d5].outcome}; its plateau premise is "
    "{c[C3.per_view.plateau].outcome}. The spare-capacity leak, shared style: "
    "{c[C3.leak.shared.d10].outcome}; per-view style: {c[C3.leak.per_view.d10].outcome}."
)

# %% tags=["hide-input"]
verdicts = run.finish(book)
