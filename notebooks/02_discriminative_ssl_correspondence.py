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
# # 02 · Discriminative SSL and the latent-variable model (claims C2 and C3)
#
# **Claim C2.** Instance discrimination, contrastive InfoNCE (SimCLR, MoCo, CLIP), latent clustering (DINO,
# SwAV) and the non-contrastive objectives (VICReg, Barlow Twins, BYOL, SimSiam) all pull the views of one
# group together and push groups apart: they induce representations that cluster by the content `y`, like
# the SSL model's `p(z | y)`. For unit-norm representations the InfoNCE softmax at temperature τ *is* the
# Bayes posterior over groups of a model with `σ² = τ` (notebook 01 derived it):
#
# $$p(y = i \mid z) = \operatorname{softmax}_i\!\Big(-\tfrac{\lVert z - y_i\rVert^2}{2\sigma^2}\Big)
# = \operatorname{softmax}_i\!\big(z^\top y_i / \sigma^2\big) \quad (\lVert z\rVert = \lVert y_i\rVert = 1).$$
#
# **Claim C3.** Nothing in these objectives keeps the spread *within* a group: the cluster of each `y`
# shrinks, and what varies within a group — style — is lost. A generative fit (SimVAE) keeps it.
#
# Plan, with ground truth known because the data come from the SSL model itself:
#
# 1. **Clusters (C2)** — every method, trained on views of the SSL model on the sphere, recovers `y`
#    (linear R²) and identifies the group of a held-out view (nearest centroid), measured against the
#    Bayes ceiling computed from the true latents and the raw-x baseline.
# 2. **Posterior (C2)** — InfoNCE trained at τ = 1/κ gives a softmax that matches the analytic posterior
#    `softmax(κ zᵀ y_i)` far better than InfoNCE trained at a mismatched τ (Zimmermann et al. 2021, E1).
# 3. **Collapse (C3)** — on the content/style block model, the within-group variance ratio of
#    discriminative representations shrinks during training while SimVAE's does not (E6).
# 4. **Style (C3)** — style is recoverable from SimVAE, far less from discriminative representations
#    (E2, E4), CLIP discards what the modalities do not share (E3), and the linear-Gaussian closed form
#    (E5) shows the discriminative optimum keeps exactly the cross-view-shared directions.
# 5. **Alignment and uniformity** (Wang & Isola 2020) of every method.
# 6. **Fashion-MNIST**: SimVAE against SimCLR, VICReg and MoCo with the same encoder and budget — content
#    and style side by side.
#
# Every claim ends in a measured number and an `assert`.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full: sizes come from simvae_core.notebook.profiles
seed = 0
overrides = {}  # profile fields to change, e.g. n_seeds; the pipeline's --param fills it
strict = True  # False: print failed claims and carry on (calibration runs); the test suite keeps True

# %%
import math
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from IPython.display import display

import simvae_core as sc
from simvae_core.analysis import evaluate, geometry, metrics, probes
from simvae_core.data import load_dataset
from simvae_core.learning.train import fit
from simvae_core.theory import linear as linear_theory
from simvae_core.theory import ssl_model as ssl
from simvae_core.theory.generators import make_decoder

# Notebook sizes (recorded with every figure). n_samples: groups of the synthetic data sets; steps:
# optimisation steps per synthetic run; epochs / dataset_fraction / n_seeds: the Fashion-MNIST benchmark
# (notebook 05's budget).
SIZES = {
    "smoke": dict(n_samples=512, steps=60, epochs=1, dataset_fraction=0.02, n_seeds=1, batch_size=128),
    "default": dict(n_samples=4096, steps=1500, epochs=8, dataset_fraction=0.15, n_seeds=3, batch_size=256),
    "full": dict(n_samples=16384, steps=20000, epochs=100, dataset_fraction=1.0, n_seeds=5, batch_size=512),
}
# A smoke run only checks that everything executes: 60 steps cannot test a claim about trained models, so
# claims about training are reported, not enforced, there; closed forms are asserted in every profile.
VERIFY = profile != "smoke"
verdicts = []  # (claim, measured, criterion, passed)


def check(claim, measured, criterion, passed, enforce=True):
    """Record a verdict; assert it (in the smoke profile only closed-form checks are enforced)."""
    verdicts.append((claim, measured, criterion, bool(passed)))
    status = "PASS" if passed else ("NOT MET (smoke run, not enforced)" if not VERIFY else "FAIL")
    print(f"{status:5s}  {claim}: {measured}  [{criterion}]")
    if enforce and (VERIFY or enforce == "always") and (strict or enforce == "always"):
        assert passed, f"{claim}: {measured} violates {criterion}"


run = sc.start_run(
    "02_discriminative_ssl_correspondence", profile=profile, seed=seed, overrides=overrides, **SIZES[profile]
)
P = run.profile
torch.manual_seed(seed)
t_start = time.perf_counter()
DISCRIMINATIVE = ["simclr", "moco", "instance_discrimination", "vicreg", "barlow_twins"]
DISCRIMINATIVE += ["byol", "simsiam", "dino", "swav"]
LABEL = {
    "simclr": "SimCLR",
    "moco": "MoCo v2",
    "instance_discrimination": "InstDisc",
    "vicreg": "VICReg",
    "barlow_twins": "Barlow Twins",
    "byol": "BYOL",
    "simsiam": "SimSiam",
    "dino": "DINO",
    "swav": "SwAV",
    "clip": "CLIP",
    "simvae": "SimVAE",
    "vae": "VAE",
}
print(f"profile {profile}: {P.n_samples} groups, {P.steps} steps of {P.batch_size} groups × 2 views")

# %% [markdown]
# ## 0 · Training on view groups
#
# Every method trains through the same `fit(method, views, …)`: `views` is a tensor `(N, J, D)` of J views
# per group, and each step draws 2 distinct views of each group from this *pool*, so pairs are fresh each
# epoch, like fresh augmentations. Views 0–3 of every group form the pool; views 4–5 are held out to
# evaluate. The synthetic runs use no projection head (`head_layers=0`): the loss acts on the
# representation itself (notebook 04 studies the head). SimVAE uses the same encoder with a mirrored
# decoder.

# %%
N_POOL, N_HELD = 4, 2


def train_on_groups(method, views, latent_dim, seed_offset=0, **options):
    """Train `method` on the view pool for P.steps steps of P.batch_size groups; return (model, seconds)."""
    n = views.shape[0]
    epochs = max(1, math.ceil(P.steps * P.batch_size / n))
    if method not in ("simvae", "vae"):
        options = {"head_layers": 0, **options}
    t0 = time.perf_counter()
    trained = fit(
        method,
        views,
        epochs=epochs,
        latent_dim=latent_dim,
        seed=seed + seed_offset,
        batch_size=min(P.batch_size, n),
        n_views=2,
        progress=False,
        cache=options.get("callback") is None,  # a finished model is reused; a watched run is not
        **options,
    )
    return trained, time.perf_counter() - t0


def encode_views(trained, views, **kw):
    """Representations of every view: (N, J, D) -> (N, J, d)."""
    n, j = views.shape[:2]
    return trained.encode(views.reshape(n * j, -1), **kw).reshape(n, j, -1)


def split_groups(n):
    """Fixed group split for probes: 70 % train, 15 % val, 15 % test."""
    a, b = int(0.7 * n), int(0.85 * n)
    return slice(0, a), slice(a, b), slice(b, n)


def probe_r2(features, target, kind="linear"):
    """R² of `target` (N, m) from `features` (N, d), settings chosen on val, test scored once."""
    tr, va, te = split_groups(len(features))
    splits = [(features[s], target[s]) for s in (tr, va, te)]
    if kind == "linear":
        return probes.linear_probe(*splits, task="regression").test
    return probes.mlp_probe(*splits, task="regression", hidden=256, grid=[1e-4], seed=seed).test


def group_identification(train_h, held_h):
    """Nearest-centroid accuracy of the group of held-out views (centroids from the pool views)."""
    n = train_h.shape[0]
    return geometry.nearest_centroid_accuracy(
        train_h.reshape(n * train_h.shape[1], -1),
        torch.arange(n).repeat_interleave(train_h.shape[1]),
        held_h.reshape(n * held_h.shape[1], -1),
        torch.arange(n).repeat_interleave(held_h.shape[1]),
    )


# %% [markdown]
# ## 1 · (C2) Every method clusters the views by group
#
# **Data: the SSL model on the sphere.** `y ~ U(S^{d−1})`, `z_j | y ~ vMF(y, κ)` (the spherical
# `p(z | y)`; for unit-norm latents its Bayes posterior over groups is exactly the InfoNCE softmax at
# τ = 1/κ), observed through a fixed random injective MLP `x = g(z)` (von Kügelgen et al.'s mixing).
# d = 8, κ = 50: groups are tight compared with their spread on the sphere.
#
# **Measures.** (a) linear R² of `y` from the representation of a held-out view (new groups in the probe's
# test split), against the ceiling R²(y | true z); (b) nearest-centroid identification of the group of a
# held-out view among all N groups, against the Bayes-like ceiling computed from the true latents and the
# raw-x baseline; (c) the within-group variance ratio ρ_w = E tr Cov(h | y) / tr Cov(h) (1 for features
# blind to the group, 0 for collapsed groups).

# %%
D_S, KAPPA_S = 8, 50.0
g_data = run.generator(1)
mix_s = make_decoder("mlp", D_S, generator=g_data)
with torch.no_grad():
    sphere = ssl.sample_spherical_groups(P.n_samples, N_POOL + N_HELD, D_S, KAPPA_S, mix_s, g_data)
    xs = sphere.x.float()
    xs = (xs - xs.mean((0, 1))) / xs.std((0, 1))  # standardised observations (N, 6, 8)
pool_s, held_s = xs[:, :N_POOL], xs[:, N_POOL:]
y_s, z_s = sphere.y.float(), sphere.z.float()

ceiling = {
    "R2_y": probe_r2(z_s[:, N_POOL], y_s),
    "NCC": group_identification(z_s[:, :N_POOL], z_s[:, N_POOL:]),
    "rho_w": geometry.within_group_variance_ratio(z_s),
}
raw = {
    "R2_y": probe_r2(held_s[:, 0], y_s),
    "NCC": group_identification(pool_s, held_s),
    "rho_w": geometry.within_group_variance_ratio(xs),
}
print(f"true latents z: {ceiling}")
print(f"raw x:          {raw}")

# CLIP needs two modalities: view 0 through one mixing, view 1 through another (same latents' groups).
mix_s_b = make_decoder("mlp", D_S, generator=g_data)
with torch.no_grad():
    pair = ssl.sample_spherical_groups(P.n_samples, 2, D_S, KAPPA_S, None, g_data)
    xa, xb = mix_s(pair.z[:, 0].float()), mix_s_b(pair.z[:, 1].float())
    clip_views = torch.stack([(xa - xa.mean(0)) / xa.std(0), (xb - xb.mean(0)) / xb.std(0)], dim=1)

S_METHODS = {m: {} for m in DISCRIMINATIVE}
S_METHODS["simclr"] = dict(temperature=0.1)
S_METHODS["simvae"] = dict(sigma2=1 / KAPPA_S)
cluster_rows, sphere_models = [], {}
for method, options in S_METHODS.items():
    trained, seconds = train_on_groups(method, pool_s, D_S, **options)
    sphere_models[method] = trained
    h_pool, h_held = encode_views(trained, pool_s), encode_views(trained, held_s)
    hn = F.normalize(h_held, dim=-1)
    cluster_rows.append(
        {
            "method": LABEL[method],
            "R2_y": probe_r2(h_held[:, 0], y_s),
            "NCC": group_identification(h_pool, h_held),
            "rho_w": geometry.within_group_variance_ratio(h_held),
            "alignment": float(geometry.alignment(hn)),
            "uniformity": float(geometry.uniformity(hn[:, 0])),
            "fit_s": seconds,
        }
    )
# CLIP: each modality has its own encoder, so the shared space is the embedding after the projections.
trained, seconds = train_on_groups("clip", clip_views, D_S, head_layers=1)
sphere_models["clip"] = trained
h_a = trained.encode(clip_views[:, 0], after_head=True)
h_b = trained.encode(clip_views[:, 1], modality=1, after_head=True)
ha_n, hb_n = F.normalize(h_a, dim=-1), F.normalize(h_b, dim=-1)
cross = (ha_n @ hb_n.T).argmax(1)  # cross-modal retrieval among all N groups
cluster_rows.append(
    {
        "method": "CLIP",
        "R2_y": probe_r2(h_a, pair.y.float()),
        "NCC": float((cross == torch.arange(len(cross))).float().mean()),
        "rho_w": geometry.within_group_variance_ratio(torch.stack([ha_n, hb_n], 1)),
        "alignment": float(geometry.alignment(ha_n, hb_n)),
        "uniformity": float(geometry.uniformity(ha_n)),
        "fit_s": seconds,
    }
)
clusters = pd.DataFrame(cluster_rows).set_index("method")
clusters.loc["true latents z"] = [ceiling["R2_y"], ceiling["NCC"], ceiling["rho_w"], np.nan, np.nan, np.nan]
clusters.loc["raw x"] = [raw["R2_y"], raw["NCC"], raw["rho_w"], np.nan, np.nan, np.nan]
print(
    f"protocol: {P.n_samples} groups, d = {D_S}, κ = {KAPPA_S}; R²: ridge on held-out view 4, groups split "
    "70/15/15, alpha on val; NCC: centroid of pool views 0-3, held-out views 4-5, cosine, chance "
    f"{1 / P.n_samples:.1e}; CLIP: embeddings after its two projections, NCC = cross-modal retrieval A→B "
    "among all groups"
)
display(clusters.round(3))

# %% [markdown]
# **Verdict (C2, clusters).** A representation *clusters by group* when (i) `y` is linearly recoverable
# (R² ≥ 0.2; 0 for features blind to `y`, the ceiling from the true latents is shown), (ii) the group of a
# held-out view is identified far above chance (NCC ≥ 50 × chance, among thousands of groups) and (iii)
# within-group variance is a small part of the total (ρ_w ≤ 0.5; 1 means no group structure). The
# thresholds were set after the first default run (VERIFICATION leaves E1–E7's thresholds to it): at our
# CPU budget (1 500 steps) several methods only match the raw-x baseline, which the injective mixing
# leaves already clustered — the table shows both, so a reader can judge the margin.

# %%
chance = 1 / P.n_samples
for name, row in clusters.drop(["true latents z", "raw x"]).iterrows():
    ok = row.R2_y >= 0.2 and row.NCC >= 50 * chance and row.rho_w <= 0.5
    check(
        f"C2 {name} clusters by group",
        f"R²(y) {row.R2_y:.3f}, NCC {row.NCC:.3f} ({row.NCC / chance:.0f}× chance), ρ_w {row.rho_w:.3f}",
        "R² ≥ 0.2, NCC ≥ 50× chance, ρ_w ≤ 0.5",
        ok,
    )

fig, axes = plt.subplots(2, 6, figsize=(12, 4.4))
show = torch.arange(6)  # six groups, every view
for ax, (method, trained) in zip(axes.flat, list(sphere_models.items())[:11], strict=False):
    if method == "clip":
        h = torch.stack([h_a[show], h_b[show]], 1)
    else:
        h = encode_views(trained, xs[show])
    flat = h.reshape(-1, h.shape[-1])
    u, s_, v = torch.pca_lowrank(flat - flat.mean(0), q=2)
    p2 = ((flat - flat.mean(0)) @ v[:, :2]).reshape(h.shape[0], h.shape[1], 2)
    for k in range(len(show)):
        ax.scatter(p2[k, :, 0], p2[k, :, 1], s=12, color=plt.cm.tab10(k))
    ax.set_title(LABEL[method], fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
z2 = z_s[show]
flat = z2.reshape(-1, D_S)
u, s_, v = torch.pca_lowrank(flat - flat.mean(0), q=2)
p2 = ((flat - flat.mean(0)) @ v[:, :2]).reshape(len(show), -1, 2)
for k in range(len(show)):
    axes.flat[-1].scatter(p2[k, :, 0], p2[k, :, 1], s=12, color=plt.cm.tab10(k))
axes.flat[-1].set_title("true latents z", fontsize=9)
axes.flat[-1].set_xticks([])
axes.flat[-1].set_yticks([])
fig.suptitle("six groups × six views (colour = group), first two principal components of each representation")
run.savefig(fig, "clusters_by_group")

# %% [markdown]
# ## 2 · (C2) The InfoNCE softmax at τ is the Bayes posterior of the model with κ = 1/τ
#
# Zimmermann et al.'s set-up (VERIFICATION E1): an anchor `x = g(y)` and a positive `x̃ = g(z̃)`,
# `z̃ ~ vMF(y, κ)`, `y ~ U(S⁴)`, κ = 10. Given a positive, the Bayes posterior over K candidate anchors is
# `p(i | z̃) = softmax_i(κ z̃ᵀ y_i)`. InfoNCE (NT-Xent on normalised embeddings) at temperature τ learns
# the softmax `q(i | x̃) = softmax_i(f(x̃)ᵀ f(x_i) / τ)`. We train at the matched τ = 1/κ = 0.1 and at the
# mismatched τ = 1, then compare the learned and analytic posteriors over K = 64 held-out candidates:
# total-variation distance, and calibration (a Bayes posterior is calibrated; ECE = expected |confidence −
# accuracy|). We also report E1's identifiability measures: linear R² of z̃ from f(x̃) and the condition
# number of the least-squares map (1 for an orthogonal map).

# %%
D_E1, KAPPA_E1, K_CAND = 5, 10.0, 64
g_e1 = run.generator(2)
mix_e1 = make_decoder("mlp", D_E1, generator=g_e1)
n_e1 = 4 * P.n_samples
with torch.no_grad():
    e1 = ssl.sample_spherical_groups(n_e1 + 4096, 2, D_E1, KAPPA_E1, mix_e1, g_e1, anchor_view=True)
    x_e1 = e1.x.float()
    x_e1 = (x_e1 - x_e1[:n_e1].mean((0, 1))) / x_e1[:n_e1].std((0, 1))
train_e1, test_e1 = x_e1[:n_e1], x_e1[n_e1:]
z_test = e1.z[n_e1:].float()  # (4096, 2, 5): view 0 is y itself


def posterior_comparison(trained, tau):
    """Mean TV distance learned vs analytic posterior over K candidates; ECE of both; accuracy."""
    emb = F.normalize(encode_views(trained, test_e1), dim=-1)  # (M, 2, d)
    m = (emb.shape[0] // K_CAND) * K_CAND
    a, pos = emb[:m, 0].reshape(-1, K_CAND, D_E1), emb[:m, 1].reshape(-1, K_CAND, D_E1)
    ya, zp = z_test[:m, 0].reshape(-1, K_CAND, D_E1), z_test[:m, 1].reshape(-1, K_CAND, D_E1)
    learned = torch.softmax(pos @ a.mT / tau, dim=-1)  # (batches, K, K): row = positive, col = candidate
    analytic = torch.softmax(KAPPA_E1 * zp @ ya.mT, dim=-1)
    tv = 0.5 * (learned - analytic).abs().sum(-1).mean().item()
    target = torch.arange(K_CAND).repeat(learned.shape[0])  # the positive of row k is candidate k
    flat_learned, flat_analytic = learned.reshape(-1, K_CAND), analytic.reshape(-1, K_CAND)
    ece_learned = metrics.expected_calibration_error(flat_learned, target)
    ece_analytic = metrics.expected_calibration_error(flat_analytic, target)
    acc_learned = (flat_learned.argmax(1) == target).float().mean().item()
    acc_analytic = (flat_analytic.argmax(1) == target).float().mean().item()
    # E1: linear identifiability of the positive's latent, and how orthogonal the map is
    h = encode_views(trained, test_e1)[:, 1]
    r2 = probe_r2(F.normalize(h, dim=-1), z_test[:, 1])
    A = torch.linalg.lstsq(F.normalize(h, dim=-1), z_test[:, 1]).solution
    sv = torch.linalg.svdvals(A)
    return {
        "TV(learned, Bayes)": tv,
        "ECE learned": ece_learned,
        "ECE Bayes": ece_analytic,
        "top-1 learned": acc_learned,
        "top-1 Bayes": acc_analytic,
        "R2(z|f)": r2,
        "cond(A)": (sv.max() / sv.min()).item(),
    }


e1_rows = {}
for tau in (1 / KAPPA_E1, 1.0):
    trained, seconds = train_on_groups("simclr", train_e1, D_E1, temperature=tau)
    e1_rows[f"τ = {tau:g}" + (" (matched, 1/κ)" if tau < 1 else " (mismatched)")] = {
        **posterior_comparison(trained, tau),
        "fit_s": seconds,
    }
e1_table = pd.DataFrame(e1_rows).T
print(
    f"protocol: {n_e1} anchor/positive pairs, κ = {KAPPA_E1}, d = {D_E1}, SimCLR (NT-Xent, no head), "
    f"{P.steps} steps; posteriors over K = {K_CAND} held-out candidates (4096 test pairs)"
)
display(e1_table.round(3))
matched, mismatched = e1_table.iloc[0], e1_table.iloc[1]

# %%
check(
    "C2 posterior: matched τ = 1/κ is closer to the Bayes posterior",
    f"TV {matched['TV(learned, Bayes)']:.3f} vs {mismatched['TV(learned, Bayes)']:.3f} (τ = 1)",
    "TV(matched) < TV(mismatched)",
    matched["TV(learned, Bayes)"] < mismatched["TV(learned, Bayes)"],
)
check(
    "C2 posterior: matched τ is better calibrated",
    f"ECE {matched['ECE learned']:.3f} vs {mismatched['ECE learned']:.3f} (τ = 1); Bayes {matched['ECE Bayes']:.3f}",
    "ECE(matched) < ECE(mismatched)",
    matched["ECE learned"] < mismatched["ECE learned"],
)
e1_pass = matched["R2(z|f)"] >= 0.95 and matched["cond(A)"] <= 1.3
print(
    f"E1 literature criterion (R² ≥ 0.95, cond ≤ 1.3 at 300 k steps in Zimmermann et al.): "
    f"R² {matched['R2(z|f)']:.3f}, cond {matched['cond(A)']:.2f} at {P.steps} steps — "
    + ("met" if e1_pass else "not met at this budget (reported, not asserted)")
)

# %% [markdown]
# ## 3 · (C3) Discriminative objectives collapse the within-group spread; SimVAE keeps it
#
# **Data: the content/style block model** (VERIFICATION G1, von Kügelgen et al. 2021): 5 content
# coordinates `c ~ N(0, I)` shared by the views of a group and 5 style coordinates `s̃_j = s + ε_j`,
# `s ~ N(0, I)`, `ε_j ~ N(0, I)` drawn per view (so half the style variance changes within a group),
# mixed by a fixed injective MLP `x = g(c, s̃)` in R¹⁰. In the SSL model's terms: content has σ² = 0 and
# style σ² = 1. The discriminative methods get a representation of d = 5 (the content dimension, E2's
# set-up), SimVAE d = 10 (E4); SimCLR is also trained with d = 10 to show what excess capacity does.
#
# We track ρ_w of held-out views after every epoch (`fit(..., callback=...)`).

# %%
g_g1 = run.generator(3)
prior_var, sigma2 = ssl.content_style_variances(5, 5, content_var=1.0, style_var=1.0, shared_style_var=1.0)
g1_model = ssl.SSLModel(10, sigma2=sigma2, prior_var=prior_var, decoder="mlp", generator=g_g1)
with torch.no_grad():
    g1 = g1_model.sample(P.n_samples, N_POOL + N_HELD, generator=g_g1)
    xg = g1.x.float()
    xg = (xg - xg.mean((0, 1))) / xg.std((0, 1))
pool_g, held_g = xg[:, :N_POOL], xg[:, N_POOL:]
content_g, style_g = g1.z[:, N_POOL, :5].float(), g1.z[:, N_POOL, 5:].float()  # of held-out view 4

G1_RUNS = {f"{LABEL[m]} (d=5)": (m, 5, {}) for m in DISCRIMINATIVE}
G1_RUNS["SimCLR (d=5)"] = ("simclr", 5, dict(temperature=0.1))
G1_RUNS["InstDisc (d=5)"] = ("instance_discrimination", 5, dict(parametric=True, temperature=0.1))
G1_RUNS["SimCLR (d=10)"] = ("simclr", 10, dict(temperature=0.1))
G1_RUNS["SimVAE (d=10)"] = ("simvae", 10, dict(sigma2=0.15))
G1_RUNS["VAE (d=10)"] = ("vae", 10, {})

curves, g1_models, g1_seconds = {}, {}, {}
for label, (method, d, options) in G1_RUNS.items():
    trace = []

    def track(epoch, trained, trace=trace):
        trace.append((epoch, geometry.within_group_variance_ratio(encode_views(trained, held_g))))

    trained, g1_seconds[label] = train_on_groups(method, pool_g, d, callback=track, **options)
    curves[label], g1_models[label] = trace, trained
latent_rho = geometry.within_group_variance_ratio(g1.z.float())
print(f"ρ_w of the true latents: {latent_rho:.3f} (= 5·1 / (5·1 + 5·2): content 0, style half within)")

# %%
rho_table = pd.DataFrame(
    {label: {"ρ_w after epoch 1": tr[0][1], "ρ_w final": tr[-1][1]} for label, tr in curves.items()}
).T
display(rho_table.round(4))
fig, ax = plt.subplots(figsize=(7, 4))
for label, tr in curves.items():
    steps_axis = np.array([e for e, _ in tr]) * math.ceil(P.n_samples / min(P.batch_size, P.n_samples))
    style = "-" if "SimVAE" in label or "VAE" in label else "--"
    ax.plot(steps_axis, [r for _, r in tr], style, label=label, lw=2 if "SimVAE" in label else 1)
ax.axhline(latent_rho, color="k", lw=0.8, ls=":", label="true latents")
ax.set_yscale("log")
ax.set_xlabel("optimisation step")
ax.set_ylabel("ρ_w = within-group / total variance")
ax.legend(fontsize=7, ncol=2)
ax.set_title("within-group spread during training (held-out views, content/style model)")
run.savefig(fig, "within_group_collapse")

# %%
# A method that has not learned the content at this budget cannot be said to collapse anything: the claim
# is tested on the methods whose representation carries the content (linear R²(c) ≥ 0.3), and the others
# are listed with their numbers.
disc_labels = [label for label in curves if label.endswith("(d=5)")]
content_linear = {k: probe_r2(g1_models[k].encode(held_g[:, 0]), content_g) for k in disc_labels}
learned = [k for k in disc_labels if content_linear[k] >= 0.3]
untrained = [k for k in disc_labels if k not in learned]
print(
    "not trained at this budget (linear content R² < 0.3), reported only: "
    + (
        ", ".join(
            f"{k} R²(c) {content_linear[k]:.3f}, ρ_w {curves[k][0][1]:.3f}→{curves[k][-1][1]:.3f}"
            for k in untrained
        )
        or "none"
    )
)
shrinks = {label: curves[label][-1][1] < curves[label][0][1] for label in learned}
check(
    f"C3 ρ_w of every discriminative method that learned the content ({len(learned)} of {len(disc_labels)}) "
    "shrinks during training",
    ", ".join(f"{k.split(' (')[0]} {curves[k][0][1]:.3f}→{curves[k][-1][1]:.3f}" for k in learned),
    "final < after epoch 1",
    len(learned) > 0 and all(shrinks.values()),
)
simvae_rho = curves["SimVAE (d=10)"][-1][1]
worst_disc = max(curves[k][-1][1] for k in learned)
check(
    "C3 SimVAE keeps the within-group spread",
    f"ρ_w SimVAE {simvae_rho:.3f} vs max over those discriminative methods {worst_disc:.3f}",
    "ρ_w(SimVAE) > their every ρ_w",
    simvae_rho > worst_disc,
)
e6 = {k: curves[k][-1][1] for k in ("InstDisc (d=5)", "SimCLR (d=5)", "VICReg (d=5)")}
print(
    "E6 literature thresholds (ρ_w ≤ 0.05 discriminative, ≥ 0.10 SimVAE): "
    + ", ".join(f"{k} {v:.3f}" for k, v in e6.items())
    + f", SimVAE {simvae_rho:.3f} (reported)"
)

# %% [markdown]
# ## 4 · (C3) Style survives in SimVAE, not in discriminative representations
#
# Probes (VERIFICATION's lesson: probes must be strong enough): an MLP probe (one hidden layer of 256,
# early stopping on val) and ridge, on the representation of held-out view 4, groups split 70/15/15.
# Targets: the view's content `c` and its style `s̃`. Baselines: raw x (the identifiable maximum for a
# practical probe — g is invertible, so both are in principle fully recoverable) and the true latents.

# %%
kind = "mlp" if profile != "smoke" else "linear"
style_rows = {}
for label, trained in g1_models.items():
    h = trained.encode(held_g[:, 0])
    style_rows[label] = {
        "content R²": probe_r2(h, content_g, kind),
        "style R²": probe_r2(h, style_g, kind),
        "content R² (linear)": probe_r2(h, content_g),
        "style R² (linear)": probe_r2(h, style_g),
    }
style_rows["raw x"] = {
    "content R²": probe_r2(held_g[:, 0], content_g, kind),
    "style R²": probe_r2(held_g[:, 0], style_g, kind),
    "content R² (linear)": probe_r2(held_g[:, 0], content_g),
    "style R² (linear)": probe_r2(held_g[:, 0], style_g),
}
style_table = pd.DataFrame(style_rows).T
print(f"protocol: {kind} probe on {P.n_samples} groups (70/15/15), settings on val, test once")
display(style_table.round(3))

# %%
simvae_style = style_table.loc["SimVAE (d=10)", "style R²"]
best_disc_style = style_table.loc[disc_labels, "style R²"].max()
check(
    "C3 SimVAE keeps style that discriminative methods discard",
    f"style R² SimVAE {simvae_style:.3f} vs best discriminative (d = 5) {best_disc_style:.3f}",
    "SimVAE ≥ best discriminative + 0.3 (E4)",
    simvae_style >= best_disc_style + 0.3,
)
simclr5 = style_table.loc["SimCLR (d=5)"]
check(
    "E2 SimCLR (d = 5) discards style",
    f"style R² {simclr5['style R²']:.3f} (content {simclr5['content R²']:.3f})",
    "style ≤ 0.2",
    simclr5["style R²"] <= 0.2,
)
print(
    f"E2's content criterion (≥ 0.8 after 6 000 steps of 512 groups; pilot 0.909): "
    f"{simclr5['content R²']:.3f} after {P.steps} steps of {P.batch_size} — "
    + ("met" if simclr5["content R²"] >= 0.8 else "not met at our 8× smaller budget (reported)")
)
leak = style_table.loc["SimCLR (d=10)", "style R²"] - simclr5["style R²"]
print(f"E2 excess capacity: SimCLR style R² d=10 − d=5 = {leak:+.3f} (E2 pilot: +0.87; reported)")
print(
    f"content gap SimVAE − SimCLR (d=5): "
    f"{style_table.loc['SimVAE (d=10)', 'content R²'] - simclr5['content R²']:+.3f} (reported)"
)

fig, ax = plt.subplots(figsize=(6.5, 4.5))
for label, row in style_table.iterrows():
    marker = "*" if "SimVAE" in label else ("s" if label == "raw x" else "o")
    ax.scatter(row["content R²"], row["style R²"], s=120 if marker == "*" else 40, marker=marker)
    ax.annotate(
        label, (row["content R²"], row["style R²"]), fontsize=7, xytext=(3, 3), textcoords="offset points"
    )
ax.set_xlabel(f"content R² ({kind} probe)")
ax.set_ylabel(f"style R² ({kind} probe)")
ax.set_title("content vs style kept by each representation (content/style model)")
run.savefig(fig, "content_vs_style_synthetic")

# %% [markdown]
# ### CLIP discards what the modalities do not share (E3)
#
# Two modalities: `x_A = g_A(c, s̃_A, m_A)`, `x_B = g_B(c, s̃_B, m_B)` with different injective mixings,
# shared content `c ∈ R⁵`, style `s̃ = s + ε` perturbed per modality and modality-specific `m_A, m_B ∈ R²`.
# CLIP (two encoders, symmetric InfoNCE, learnable temperature), d = 5.

# %%
g_e3 = run.generator(4)
gen_e3 = lambda *shape: torch.randn(*shape, generator=g_e3)  # noqa: E731
c3, s3 = gen_e3(P.n_samples, 5), gen_e3(P.n_samples, 5)
lat_a = torch.cat([c3, s3 + gen_e3(P.n_samples, 5), gen_e3(P.n_samples, 2)], 1)  # (N, 12)
lat_b = torch.cat([c3, s3 + gen_e3(P.n_samples, 5), gen_e3(P.n_samples, 2)], 1)
mix_a, mix_b = make_decoder("mlp", 12, generator=g_e3), make_decoder("mlp", 12, generator=g_e3)
with torch.no_grad():
    xa3, xb3 = mix_a(lat_a), mix_b(lat_b)
views_e3 = torch.stack([(xa3 - xa3.mean(0)) / xa3.std(0), (xb3 - xb3.mean(0)) / xb3.std(0)], 1)
clip_e3, _ = train_on_groups("clip", views_e3, 5, head_layers=1)
h_e3 = clip_e3.encode(views_e3[:, 0])
e3 = {
    "content R²": probe_r2(h_e3, c3, kind),
    "style R²": probe_r2(h_e3, lat_a[:, 5:10], kind),
    "modality-specific R²": probe_r2(h_e3, lat_a[:, 10:], kind),
}
print(f"E3 CLIP (modality A encoder, {kind} probe): " + ", ".join(f"{k} {v:.3f}" for k, v in e3.items()))
check(
    "E3 CLIP discards style and modality-specific factors",
    ", ".join(f"{k} {v:.3f}" for k, v in e3.items()),
    "style R² ≤ 0.2 and modality-specific R² ≤ 0.1 (E3)",
    e3["style R²"] <= 0.2 and e3["modality-specific R²"] <= 0.1,
)
print(
    f"E3's content criterion (≥ 0.85): {e3['content R²']:.3f} after {P.steps} steps — "
    + ("met" if e3["content R²"] >= 0.85 else "not met at this budget (reported)")
)
print("E3 literature (Daunhawer et al. 2023): content 0.95–1.00, style 0.00, modality-specific 0.00")

# %% [markdown]
# ### The closed form: linear-Gaussian views (E5)
#
# With linear encoders and Gaussian data everything is a population computation. Views
# `x_j = A [c; s₀ + e_j] + n_j` (D = 20, c ∈ R³ shared, style s₀ ~ N(0, a²) shared and e_j ~ N(0, b²)
# per view, noise σ_n² = 0.1). The spectral contrastive loss (HaoChen et al. 2021) with a linear encoder
# `f = Wx` is minimised by the top-k CCA directions, `W = diag(√λ) Vᵀ Σ^{-1/2}` with `(λ, V)` the
# eigenpairs of `Σ^{-1/2} Σ₊ Σ^{-1/2}`: it keeps what the views *share*, in order of canonical
# correlation (content 1/(1+σ_n²) = 0.909, style a²/(a²+b²+σ_n²) = 0.3125). The generative optimum
# (probabilistic PCA) keeps what has the most *variance*.

# %%
e5_rows = {}
for a2, k in [(0.5, 3), (0.5, 6), (0.0, 6)]:
    cov = linear_theory.content_style_views_covariance(a2=a2, b2=1.0, noise_var=0.1, seed=seed)
    spec = linear_theory.spectral_contrastive_optimum(cov.sigma, cov.sigma_plus, k)
    pca = linear_theory.ppca_optimum(cov.sigma, k) if a2 > 0 else None
    r_spec = linear_theory.population_r2(spec.W, cov)
    r_pca = linear_theory.population_r2(pca.W, cov) if pca is not None else None
    e5_rows[f"a²={a2}, b²=1, k={k}"] = {
        "spectral R²_c": r_spec.content,
        "spectral R²_s": r_spec.style,
        "PCA R²_c": r_pca.content if r_pca else np.nan,
        "PCA R²_s": r_pca.style if r_pca else np.nan,
    }
e5 = pd.DataFrame(e5_rows).T
display(e5.round(6))
theory = {
    ("a²=0.5, b²=1, k=3", "spectral R²_c"): 1 / 1.1,
    ("a²=0.5, b²=1, k=3", "spectral R²_s"): 0.0,
    ("a²=0.5, b²=1, k=3", "PCA R²_c"): 0.0,
    ("a²=0.5, b²=1, k=3", "PCA R²_s"): 1.5 / 1.6,
    ("a²=0.5, b²=1, k=6", "spectral R²_s"): 1.5 / 1.6,
    ("a²=0.0, b²=1, k=6", "spectral R²_c"): 1 / 1.1,
    ("a²=0.0, b²=1, k=6", "spectral R²_s"): 0.0,
}
err = max(abs(e5.loc[r, c] - v) for (r, c), v in theory.items())
check(
    "E5 population optima reproduce the theory",
    f"max error {err:.1e}",
    "≤ 1e-6",
    err <= 1e-6,
    enforce="always",
)

# SGD on the sample spectral contrastive loss spans the CCA subspace (k = 3, style unshared: a² = 0)
cov0 = linear_theory.content_style_views_covariance(a2=0.0, b2=1.0, noise_var=0.1, seed=seed)
opt_w = linear_theory.spectral_contrastive_optimum(cov0.sigma, cov0.sigma_plus, 3).W
g_sgd = run.generator(5)
W = (0.1 * torch.randn(3, 20, generator=g_sgd, dtype=torch.float64)).requires_grad_()
opt = torch.optim.Adam([W], lr=1e-2)
for _ in range(max(200, P.steps // 2)):
    v = cov0.sample(512, generator=g_sgd)
    loss = linear_theory.spectral_contrastive_loss(v.x1 @ W.T, v.x2 @ W.T)
    opt.zero_grad()
    loss.backward()
    opt.step()
angle = linear_theory.principal_angles(W.detach(), opt_w).max().item()
r_sgd = linear_theory.population_r2(W.detach(), cov0)
check(
    "E5 SGD-trained linear spectral-contrastive encoder finds the CCA subspace",
    f"largest principal angle {angle:.2f}°, R²_s {r_sgd.style:.4f}, R²_c {r_sgd.content:.3f}",
    "angle ≤ 5°, R²_s ≤ 0.02",
    angle <= 5 and r_sgd.style <= 0.02,
)

# %% [markdown]
# ## 5 · Alignment and uniformity (Wang & Isola 2020)
#
# `L_align = E‖f(x) − f(x⁺)‖²` over positive pairs and `L_uniform = log E exp(−2‖f(x) − f(y)‖²)` over all
# pairs, on ℓ2-normalised representations of held-out views (section 1's sphere data, d = 8). The optimum of
# `L_uniform` on S⁷ is the uniform distribution. Every objective *aligns*: positives are much closer than
# random pairs.

# %%
opt_u = geometry.uniformity_optimum(D_S)
au = clusters.drop(["true latents z", "raw x"])[["alignment", "uniformity"]].copy()
random_pairs = {}
for method, trained in sphere_models.items():
    if method == "clip":
        hn = ha_n
    else:
        hn = F.normalize(encode_views(trained, held_s)[:, 0], dim=-1)
    perm = torch.roll(torch.arange(len(hn)), 1)
    random_pairs[LABEL[method]] = float(geometry.alignment(hn, hn[perm]))
au["random-pair distance²"] = pd.Series(random_pairs)
print(f"uniformity optimum on S^{D_S - 1}: {opt_u:.3f}")
display(au.round(3))
check(
    "alignment: positives closer than random pairs for every method",
    f"max ratio align / random {(au['alignment'] / au['random-pair distance²']).max():.3f}",
    "≤ 0.5",
    bool((au["alignment"] <= 0.5 * au["random-pair distance²"]).all()),
)
check(
    "uniformity never beats the closed-form optimum (sanity of the estimator)",
    f"min {au['uniformity'].min():.3f} vs optimum {opt_u:.3f}",
    "≥ optimum − 0.05",
    bool((au["uniformity"] >= opt_u - 0.05).all()),
    enforce="always",
)
fig, ax = plt.subplots(figsize=(5.5, 4))
ax.scatter(au["uniformity"], au["alignment"])
for name, row in au.iterrows():
    ax.annotate(
        name, (row["uniformity"], row["alignment"]), fontsize=7, xytext=(3, 3), textcoords="offset points"
    )
ax.axvline(opt_u, color="k", ls=":", lw=0.8, label=f"optimal uniformity on S^{D_S - 1}")
ax.set_xlabel("L_uniform (lower = more uniform)")
ax.set_ylabel("L_align (lower = positives closer)")
ax.legend(fontsize=7)
run.savefig(fig, "alignment_uniformity")

# %% [markdown]
# ## 6 · Fashion-MNIST: SimVAE against discriminative SSL, same encoder and budget
#
# The authors' MLP encoder (784-2000-500-500-d, d = 10), the authors' augmentations (random resized crop
# 0.4–1 and vertical flip), 64 images × 2 views per step, Adam 1e-3, notebook 05's budget. Discriminative
# methods use their official projection heads scaled to d (see `simvae_core.learning.models.HEAD_DEFAULTS`) and are
# evaluated *before* the head. Content: class from the clean image (linear and kNN probes, plus MLP in
# `full`; settings on val, test once). Style: the crop scale of held-out augmented views (R², MLP probe).
# SimCLR, VICReg and MoCo are the paper's baselines; the `full` profile adds the other methods.

# %%
# SimCLR's 2-layer head said explicitly: then its seed-0 model is notebook 04's, from the model cache
FM_METHODS = {
    "SimVAE": ("simvae", dict(sigma2=0.15)),
    "SimCLR": ("simclr", dict(head_layers=2)),
    "VICReg": ("vicreg", {}),
}
FM_METHODS["MoCo v2"] = ("moco", {})
if profile == "full":
    for m in ("instance_discrimination", "barlow_twins", "byol", "simsiam", "dino", "swav"):
        FM_METHODS[LABEL[m]] = (m, {})
EVAL = {
    "smoke": dict(
        max_train=1_000, max_style=500, probes=("linear",), style_probes=("linear",), clustering=False
    ),
    "default": dict(max_train=20_000, max_style=5_000, probes=("linear", "knn"), clustering=False),
    "full": dict(max_train=None, max_style=10_000, probes=("linear", "mlp", "knn"), clustering=False),
}[profile]
SP = EVAL.get("style_probes", ("linear", "mlp"))[-1]
fashion = load_dataset("fashion_mnist")
n_fm = max(256, int(P.dataset_fraction * len(fashion.train)))
COMMON = dict(latent_dim=10, epochs=P.epochs, batch_size=64, n_views=2, lr=1e-3, arch="mlp")
COMMON.update(augment="authors_fashion", max_train=n_fm, progress=False, cache=True)
print("budget per method and seed:", {k: v for k, v in COMMON.items() if k != "progress"})
fm_rows = []
for label, (method, options) in FM_METHODS.items():
    for s in range(P.n_seeds):
        t0 = time.perf_counter()
        trained = fit(method, fashion, seed=seed + s, **COMMON, **options)
        t_fit = time.perf_counter() - t0
        scores = evaluate.evaluate_trained(
            trained, fashion, seed=seed + s, style_names=("crop_scale", "vflip"), **EVAL
        )
        fm_rows.append(
            {
                "method": label,
                "seed": seed + s,
                "fit_s": t_fit,
                "views_per_s": float(np.median(trained.history["views_per_s"])),
                **{key: r.test for key, r in scores.items()},
            }
        )
        if s == 0:
            fm_protocols = {key: r.protocol for key, r in scores.items()}
        print(
            f"{label:8s} seed {seed + s}: fit {t_fit:5.1f} s; content linear {scores['content/linear'].test:.3f}; "
            f"style crop-scale R² ({SP}) {scores[f'style/crop_scale/{SP}'].test:.3f}",
            flush=True,
        )
fm = pd.DataFrame(fm_rows)

# %%
for key in sorted(fm_protocols):
    print(f"{key}: {fm_protocols[key]}")
cols = [c for c in fm.columns if c.startswith("content/") or c.startswith("style/")]
summary = fm.groupby("method", sort=False)[cols].agg(["mean", "std"])
display(summary.round(3))
speed = fm.groupby("method", sort=False)["views_per_s"].median()
print("training throughput relative to SimVAE (same network, this machine):")
print((speed / speed["SimVAE"]).round(2).to_string())

# %%
style_key = f"style/crop_scale/{SP}"
means = fm.groupby("method", sort=False)[[style_key, "content/linear"]].mean()
disc = [m for m in means.index if m != "SimVAE"]
check(
    "C3/C6 Fashion-MNIST: SimVAE's style R² exceeds every discriminative method's",
    ", ".join(f"{m} {means.loc[m, style_key]:.3f}" for m in means.index),
    "SimVAE > max discriminative (crop-scale R², mean over seeds)",
    means.loc["SimVAE", style_key] > means.loc[disc, style_key].max(),
)
gap = means.loc["SimVAE", "content/linear"] - means.loc[disc, "content/linear"].max()
print(f"content gap (linear probe) SimVAE − best discriminative: {gap:+.3f} (reported)")

fig, ax = plt.subplots(figsize=(6, 4.2))
for m in means.index:
    sub = fm[fm.method == m]
    ax.errorbar(
        sub["content/linear"].mean(),
        sub[style_key].mean(),
        xerr=sub["content/linear"].std() if len(sub) > 1 else None,
        yerr=sub[style_key].std() if len(sub) > 1 else None,
        fmt="*" if m == "SimVAE" else "o",
        ms=12 if m == "SimVAE" else 7,
        label=m,
    )
ax.set_xlabel("content accuracy (linear probe, test)")
ax.set_ylabel(f"style: crop-scale R² ({SP} probe, test)")
ax.set_title(f"Fashion-MNIST, {P.n_seeds} seed(s), {P.epochs} epochs on {n_fm} images")
ax.legend(fontsize=8)
run.savefig(fig, "fashion_content_vs_style")

# %% [markdown]
# ## Verdicts
#
# Claims C2 and C3, each measured and asserted above (the `smoke` profile enforces only closed forms).

# %%
table = pd.DataFrame(verdicts, columns=["claim", "measured", "criterion", "passed"])
with pd.option_context("display.max_colwidth", 120):
    display(table)
print(f"{table.passed.sum()} of {len(table)} checks passed; runtime {time.perf_counter() - t_start:.0f} s")
print(run.describe())
