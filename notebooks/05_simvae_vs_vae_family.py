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
# **Claim C6.** Fitting the SSL model generatively — maximising ELBO$_\text{SSL}$, in which the J views of an
# image share a content latent — beats other VAE-family methods on *content* (class) prediction, and,
# unlike discriminative SSL, keeps *style*.
#
# **Protocol.** Fashion-MNIST (all 70 000 images: 54 000 train / 6 000 validation / 10 000 test; the
# training set used per profile is printed below). Four methods, **the same networks** (the authors' MLP,
# 784-2000-500-500-2·10 and mirrored decoder, d = 10), **the same budget** (epochs, batch of 64 images × 2
# augmented views, Adam), **the same augmentations** (the authors' random resized crop and vertical
# flip), several seeds:
#
# - **SimVAE**: ELBO$_\text{SSL}$ with $p(y) = \mathcal N(0, I)$ and $\sigma^2 = 0.15$ (the authors' value);
# - **VAE**: every view an independent datum, prior $\mathcal N(0, I)$;
# - **β-VAE**: the same with β = 4 (Higgins et al. 2017);
# - **CR-VAE**: ELBO of $x$ and of an augmentation $t(x)$, plus a consistency KL weighted by γ (Sinha &
#   Dieng 2021), at γ = 10⁻³, the default of their released code. We also report γ = 1: a 1000× stronger
#   pull between the two views, which makes CR-VAE a two-view model much like SimVAE (see the discussion).
#
# Representations are the posterior means $\mu(x)$ of clean images. Content: linear and one-hidden-layer
# MLP probes (settings chosen on the validation split, the test split used once), weighted kNN (cosine,
# k = 20, T = 0.07), GMM clustering. Style: the augmentation parameters of held-out augmented views
# (crop scale, crop position, flip) predicted from their representation. Then sweeps of the decoder variance
# $\sigma_x^2$ and of $\sigma^2$ (experiments E4, E14) show what each keeps.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full
seed = 0
overrides = {}  # profile fields to change, e.g. n_seeds; the pipeline's --param fills it
dataset = "fashion_mnist"  # mnist, cifar10 or celeba for full runs on a GPU
threads = 0  # torch CPU threads; 0 = all (the authors' MLP has large matmuls)
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

# Notebook-specific sizes (recorded with every figure): images used for training, epochs, seeds, and the
# size of the hyper-parameter sweeps. The full profile is the authors' 400 epochs on all images.
SIZES = {
    "smoke": dict(dataset_fraction=0.03, epochs=2, n_seeds=1),
    "default": dict(dataset_fraction=0.15, epochs=8, n_seeds=5),
    "full": dict(dataset_fraction=1.0, epochs=400, n_seeds=3),
}
# Probe sizes: content probes train on the first `max_train` images of the fixed train split (validation
# and test stay whole); style probes use `max_style` held-out views per split.
EVAL = {
    "smoke": dict(max_train=1_000, max_style=500, probes=("linear", "knn"), style_probes=("linear",)),
    "default": dict(max_train=20_000, max_style=5_000),
    "full": dict(max_train=None, max_style=10_000),
}[profile]
PROBES = EVAL.get("probes", ("linear", "mlp", "knn"))
CP = "mlp" if "mlp" in PROBES else "linear"  # the content probe shown in figures
SP = EVAL.get("style_probes", ("linear", "mlp"))[-1]  # the style probe shown in tables and figures
# The authors' setup per dataset (their paper and code): augmentations, network, latent dimension.
SETUP = {
    "fashion_mnist": dict(augment="authors_fashion", arch="mlp", latent_dim=10),
    "mnist": dict(augment="authors_mnist_binary", arch="mlp", latent_dim=10),
    "cifar10": dict(augment="authors_cifar", arch="resnet", latent_dim=64),
    "celeba": dict(augment="authors_celeba", arch="resnet", latent_dim=64),
}[dataset]
STYLE_NAMES = ("crop_scale", "crop_cx", "crop_cy", "vflip", "brightness", "contrast", "saturation", "hue")


if threads:
    torch.set_num_threads(threads)
run = sc.start_run(
    "05_simvae_vs_vae_family", profile=profile, seed=seed, overrides=overrides, **SIZES[profile]
)
P = run.profile
# Claims that the default calibration run (5 seeds, strict=False) measured NOT to hold, margins unchanged:
# reported as failed, not enforced. Numbers: SimVAE − baseline, paired over seeds [95 % interval].
_MEASURED = {
    ("linear", "vae"): "+0.004 [−0.014, 0.022]",
    ("linear", "beta_vae"): "+0.032 [−0.006, 0.069]",
    ("linear", "cr_vae"): "−0.030 [−0.042, −0.018]: CR-VAE is better",
    ("mlp", "vae"): "+0.011 [−0.005, 0.026]",
    ("mlp", "beta_vae"): "+0.031 [0.002, 0.061]",
    ("mlp", "cr_vae"): "−0.019 [−0.035, −0.003]: CR-VAE is better",
}
NOT_SUPPORTED = {
    f"C6.content.{probe}.vs_{base}": f"accuracy gap {gap}, margin 0.005"
    for (probe, base), gap in _MEASURED.items()
    if probe in PROBES
}
book = run.claims(strict=strict, not_supported=NOT_SUPPORTED)
data = load_dataset(dataset)
n_train = max(256, int(P.dataset_fraction * len(data.train)))
print(
    f"{dataset}: train {len(data.train)} (using {n_train}), val {len(data.val)}, test {len(data.test)}; "
    f"x_shape {data.x_shape}; {data.n_classes} classes"
)
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
# ## 2 · Train the four methods (same networks, budget, augmentations; several seeds)
#
# `fit` trains every method through one loop: images stay on the device as uint8, each step draws the
# views of 64 images with per-sample random crops and flips, and the loss of the method is applied to the
# groups. The representation is the posterior mean μ(x) of clean images.

# %%
METHODS = {
    "SimVAE": ("simvae", dict(sigma2=0.15)),
    "VAE": ("vae", {}),
    "β-VAE": ("beta_vae", dict(beta=4.0)),
    "CR-VAE": ("cr_vae", dict(gamma=1e-3)),  # the default of Sinha & Dieng's released code
    "CR-VAE γ=1": ("cr_vae", dict(gamma=1.0)),  # a 1000× stronger consistency pull, reported, not a baseline
}
BASELINES = ["VAE", "β-VAE", "CR-VAE"]  # the VAE-family baselines at their published settings
# VAE and β-VAE see exactly SimVAE's inputs (two augmented views per image); CR-VAE's first view is the
# un-augmented image (x and t(x), as Sinha & Dieng define it), i.e. the distribution the probes test on.
SAME_VIEWS = ["VAE", "β-VAE"]
if profile == "smoke":  # keep the smoke run lean: the variant adds nothing to an execution check
    METHODS.pop("CR-VAE γ=1")
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

models, histories, results = {}, {}, []
for label, (method, options) in METHODS.items():
    for s in range(P.n_seeds):
        t0 = time.perf_counter()
        trained = fit(method, data, seed=seed + s, **COMMON, **options)
        t_fit = time.perf_counter() - t0
        scores = evaluate.evaluate_trained(trained, data, seed=seed + s, style_names=STYLE_NAMES, **EVAL)
        results.append(
            {
                "method": label,
                "seed": seed + s,
                "fit_s": t_fit,
                "views_per_s": np.median(trained.history["views_per_s"]),
                **{key: r.test for key, r in scores.items()},
            }
        )
        if s == 0:
            models[label], histories[label] = trained, trained.history
            protocols = {key: r.protocol for key, r in scores.items()}
        content_scores = ", ".join(f"{p} {scores[f'content/{p}'].test:.3f}" for p in PROBES)
        print(
            f"{label:7s} seed {seed + s}: fit {t_fit:5.1f} s; content {content_scores}; "
            f"style crop-scale R² ({SP}) {scores[f'style/crop_scale/{SP}'].test:.3f}",
            flush=True,
        )
results = pd.DataFrame(results)

# %% [markdown]
# ### Protocols (as run)

# %%
for key in [*(f"content/{p}" for p in PROBES), "content/gmm", f"style/crop_scale/{SP}", f"style/vflip/{SP}"]:
    print(f"- {key}: {protocols[key]}")

# %% [markdown]
# ## 3 · Results: content and style, mean ± standard deviation over seeds

# %%
CONTENT = {f"content/{p}": p for p in PROBES} | {"content/gmm": "GMM acc."}
STYLE = {
    key: key.split("/")[1] + (" acc." if "flip" in key else " R²")
    for key in results.columns
    if key.startswith("style/") and key.endswith(f"/{SP}")
}
summary = results.groupby("method", sort=False)[[*CONTENT, *STYLE]].agg(["mean", "std"])


def mean_pm_std(frame, columns, names):
    out = pd.DataFrame(index=frame.index)
    for key in columns:
        out[names[key]] = [
            f"{m:.3f} ± {0 if np.isnan(sd) else sd:.3f}"
            for m, sd in zip(frame[(key, "mean")], frame[(key, "std")], strict=True)
        ]
    return out


print(
    f"content accuracy (class, test split; {P.n_seeds} seed(s), {n_train} training images, {P.epochs} epochs)"
)
print(mean_pm_std(summary, CONTENT, CONTENT).to_string())
print(f"\\nstyle (augmentation parameters of held-out views, {SP} probe; R² or accuracy)")
print(mean_pm_std(summary, STYLE, STYLE).to_string())

# %% [markdown]
# ### Claims on content and style
#
# **Claims and margins, fixed before the run** (`simvae_core.claims`; per seed, paired: every method is
# trained and probed with the same seeds): `C6.content.<probe>.vs_<baseline>` — SimVAE's test accuracy
# exceeds the baseline's by more than **0.005** (half a point), for the two probes that choose their
# settings on the validation split (linear, MLP), against VAE, β-VAE and CR-VAE;
# `C6.style.vs_<baseline>` — SimVAE's crop-scale R² exceeds the baseline's by more than **0.02**. Negative
# control `C6.content.linear.vae_vs_simvae`: the same content check with the roles swapped (VAE beats
# SimVAE) must fail.
#
# **What the default budget (8 epochs on 15 % of the images, 5 seeds) supports: none of the content
# claims.** SimVAE's mean accuracy is above VAE's and β-VAE's (by 0.004–0.032), but no paired interval
# clears the half-point margin: the seeds disagree (the 95 % interval of SimVAE's own linear-probe accuracy is ±0.018
# around its mean). CR-VAE is *better* than SimVAE on both probes (by 0.030 and 0.019, intervals excluding
# zero). CR-VAE's first view is the clean image, the very distribution the probes are evaluated on, while
# SimVAE and the VAEs only ever see random crops and flips — a confound this notebook does not yet test
# (an ablation with a clean view for SimVAE is the next step). On style SimVAE keeps more crop scale than
# β-VAE (+0.052 [0.023, 0.082]) but not beyond the margin than VAE or CR-VAE (reported).

# %%
content_means = results.groupby("method", sort=False)[[f"content/{p}" for p in PROBES]].mean()
gaps = content_means.loc["SimVAE"] - content_means.loc[BASELINES]
print("SimVAE minus each baseline (mean test accuracy over seeds):")
print(gaps.round(4).to_string())
BASE_ID = {"VAE": "vae", "β-VAE": "beta_vae", "CR-VAE": "cr_vae"}


def per_seed(method, key):
    return results[results.method == method].sort_values("seed")[key].tolist()


for probe in [p for p in PROBES if p in ("linear", "mlp")]:  # the probes that select on validation
    for base in BASELINES:
        book.compare(
            f"C6.content.{probe}.vs_{BASE_ID[base]}",
            f"SimVAE classifies better than {base} ({probe} probe)"
            + (
                " — trained on the same augmented views"
                if base in SAME_VIEWS
                else " — which also sees clean images"
            ),
            f"content accuracy ({probe} probe, test)",
            per_seed("SimVAE", f"content/{probe}"),
            claims.control(base, per_seed(base, f"content/{probe}")),
            margin=0.005,
            direction="greater",
            source="fixed before the run: half a point of accuracy",
        )
book.compare(
    "C6.content.linear.vae_vs_simvae",
    "negative control: VAE classifies better than SimVAE (linear probe)",
    "content accuracy (linear probe, test)",
    per_seed("VAE", "content/linear"),
    claims.control("SimVAE", per_seed("SimVAE", "content/linear")),
    margin=0.005,
    direction="greater",
    source="the claim's own check",
    expect="fail",
)
for base in BASELINES:
    book.compare(
        f"C6.style.vs_{BASE_ID[base]}",
        f"SimVAE keeps more style (crop scale) than {base}",
        f"crop-scale R² ({SP} probe)",
        per_seed("SimVAE", f"style/crop_scale/{SP}"),
        claims.control(base, per_seed(base, f"style/crop_scale/{SP}")),
        margin=0.02,
        direction="greater",
        source="fixed before the run",
        enforce=False,
        note="reported: the VAE family keeps style too; the claim of C6 is about content",
    )

# %% [markdown]
# **CR-VAE with γ = 1.** CR-VAE's consistency term KL(q(z|t(x)) ‖ q(z|x)) pulls the posteriors of two
# views of an image together — the same mechanism as SimVAE's prior term, whose strength is 1/σ². At its
# published weight (γ = 10⁻³) the pull is negligible and CR-VAE behaves like a VAE; at γ = 1 it becomes a
# two-view model much like SimVAE. The gap below is reported, not asserted: it tells how much of SimVAE's
# advantage any strong cross-view coupling would give at this budget.

# %%
if "CR-VAE γ=1" in content_means.index:
    gap_strong = content_means.loc["SimVAE"] - content_means.loc["CR-VAE γ=1"]
    print("SimVAE minus CR-VAE (γ = 1), mean over seeds:", gap_strong.round(4).to_dict())

# %% [markdown]
# ## 4 · What the models learned: reconstructions, samples, latents, training curves

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
style_key = f"style/crop_scale/{SP}"
for label in METHODS:
    rows_m = results[results.method == label]
    ax.errorbar(
        rows_m[f"content/{CP}"].mean(),
        rows_m[style_key].mean(),
        xerr=rows_m[f"content/{CP}"].std() if len(rows_m) > 1 else None,
        yerr=rows_m[style_key].std() if len(rows_m) > 1 else None,
        fmt="o",
        capsize=3,
        label=label,
    )
ax.set_xlabel(f"content: class accuracy ({CP} probe)")
ax.set_ylabel(f"style: crop-scale R² ({SP} probe)")
ax.set_title("content vs style kept by each method (mean ± sd over seeds)", fontsize=9)
ax.legend(fontsize=8)
run.savefig(fig, "content_vs_style")

# %% [markdown]
# ## 5 · What the decoder variance and σ² decide (E4, E14)
#
# A Gaussian decoder with variance $\sigma_x^2$ weighs reconstruction by $1/2\sigma_x^2$ against the KL /
# prior terms. Linear theory (E14, below) says a latent direction survives only if the data variance along
# it exceeds $\sigma_x^2$; the SimVAE prior additionally pulls the views of one image together with
# strength $1/\sigma^2$. So style — what differs between the views of an image — should be kept for
# small $\sigma_x^2$; the sweep below reports what a deep SimVAE at our budget actually does (in it the
# smallest σ², 0.01, keeps the most style). We sweep both for SimVAE (one seed, Gaussian
# likelihood, same network and budget), add σ-VAE (σ_x² learned) and the authors' objective (their
# fixed σ_x² = e^{-4.6} ≈ 0.01 dividing the Bernoulli likelihood, π entropy weight, plug-in prior).

# %%
SWEEP_SX2 = [0.01, 0.1, 1.0] if profile != "smoke" else [0.01, 1.0]
SWEEP_S2 = [0.01, 0.15, 1.0] if profile != "smoke" else [0.15]
sweep_common = {**COMMON, "epochs": max(1, P.epochs // 2)}
sweep = []


def sweep_point(label, **options):
    trained = fit("simvae", data, seed=seed, **{**sweep_common, **options})
    scores = evaluate.evaluate_trained(
        trained,
        data,
        clustering=False,
        seed=seed,
        style_names=STYLE_NAMES,
        **{**EVAL, "probes": ("linear",), "style_probes": ("linear",)},
    )
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
# Every claim of this notebook with its per-seed values, mean and 95 % interval, reference, margin and
# whether it held (also written to `verdicts.json` beside the figures). Reported, not claimed: the
# monotonicity of active units in the deep sweep (the closed form is for linear models at convergence).
# Run with `profile="full"` on a GPU for the authors' 400 epochs.

# %%
with pd.option_context("display.max_colwidth", 90, "display.max_rows", 200):
    display(book.table())
print(book.summary())
print("verdicts written to", book.write())
print(run.describe())
print(
    f"dataset {dataset}: {n_train} training images, {P.epochs} epochs, {P.n_seeds} seed(s); "
    f"notebook wall time {time.perf_counter() - t_start:.0f} s"
)
print(mean_pm_std(summary, CONTENT, CONTENT).to_string())
