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

# %%

# %% [markdown]
# # 02 · Discriminative SSL and the latent-variable model (claims C2 and C3)
#
# *In the docs:* claims [C2](../docs/claims.md#c2-discriminative-ssl-induces-the-same-structure) and
# [C3](../docs/claims.md#c3-style-collapses); theory: [the posterior over groups is a
# softmax](../docs/theory.md#the-posterior-over-groups-is-a-softmax); experiments
# [E1](../docs/experiments.md#e1-infonce-inverts-the-generator),
# [E2](../docs/experiments.md#e2-augmentations-isolate-content),
# [E3](../docs/experiments.md#e3-multimodal-block-identifiability),
# [E5](../docs/experiments.md#e5-linear-gaussian-closed-form),
# [E6](../docs/experiments.md#e6-within-group-variance-collapse),
# [E7](../docs/experiments.md#e7-alignment-and-uniformity); [how a claim is
# checked](../docs/experiments.md#how-a-claim-is-checked).
#
# **Claim C2.** Instance discrimination, contrastive InfoNCE (SimCLR, MoCo, CLIP), latent clustering (DINO,
# SwAV) and the non-contrastive objectives (VICReg, Barlow Twins, BYOL, SimSiam) all pull the views of one
# group together and push groups apart: they induce representations that cluster by the content `y`, like
# the SSL model's `p(z | y)`. For unit-norm representations the InfoNCE softmax at temperature τ *is* the
# Bayes posterior over groups of a model with `σ² = τ` (notebook 01 derives it):
#
# $$p(y = i \mid z) = \operatorname{softmax}_i\!\Big(-\tfrac{\lVert z - y_i\rVert^2}{2\sigma^2}\Big)
# = \operatorname{softmax}_i\!\big(z^\top y_i / \sigma^2\big) \quad (\lVert z\rVert = \lVert y_i\rVert = 1).$$
#
# **Claim C3.** Nothing in these objectives keeps the spread *within* a group: the cluster of each `y`
# shrinks, and what varies within a group — style — is lost. A generative fit (SimVAE) keeps it.
#
# **How a claim is checked here.** Every claim compares a measured statistic with a *reference*: a
# **control** measured in the same run (raw input `x`; the same network at its initialisation, i.e. the
# *untrained encoder*, which shares each seed with the trained one), or a **theory** value (the true
# latents, a closed form). The **margin** is written in the code before the experiment runs, with its
# source. Every trained-model claim runs over `n_seeds` seeds (3 in the default profile); a claim holds when
# the 95 % interval of the difference (value − reference), paired by seed, lies beyond the margin. Each
# section also runs at least one **negative control** — the same check on a representation where it must
# fail — so a reader sees that the check can fail. `simvae_core.claims` implements this; the notebook
# ends with the verdict table and writes it to `verdicts.json` beside the figures. In the `smoke` profile
# (seconds of training) claims about trained networks are reported, not enforced.
#
# Plan, with ground truth known because the data come from the SSL model itself:
#
# 1. **Clusters (C2)** — every method, trained on views of the SSL model on the sphere, identifies the
#    group of a held-out view and recovers `y`, measured as a gain over its untrained encoder and over
#    raw `x`.
# 2. **Posterior (C2)** — the learned InfoNCE softmax against the analytic posterior, when the keys are the
#    group centres (Zimmermann et al. 2021) and when they are other noisy views (what SimCLR sees); the
#    temperature as a sweep.
# 3. **Collapse (C3)** — the within-group variance ratio during training, at equal capacity, against its
#    value in the true latents.
# 4. **Style (C3)** — how much style each representation keeps at d = 5, 10, 20 (equal capacity for every
#    method); CLIP across two modalities; the linear-Gaussian closed form.
# 5. **Alignment and uniformity** (Wang & Isola 2020) of every method (reported).
# 6. **Fashion-MNIST** — SimVAE against SimCLR and VICReg with the same encoder and budget.

# %% tags=["parameters"]
profile = "default"  # smoke | default | full: sizes come from simvae_core.notebook.profiles
seed = 0
overrides = {}  # profile fields to change, e.g. n_seeds; the pipeline's --param fills it
strict = True  # False: report every claim and carry on (calibration runs); the test suite keeps True

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
from simvae_core import claims
from simvae_core.analysis import evaluate, geometry, metrics, probes
from simvae_core.data import load_dataset
from simvae_core.learning.train import fit, initial_model
from simvae_core.theory import linear as linear_theory
from simvae_core.theory import ssl_model as ssl
from simvae_core.theory.generators import make_decoder

# Notebook sizes (recorded with every figure). n_samples: groups of the synthetic data sets; steps:
# optimisation steps per synthetic run; n_seeds: seeds of every trained-model claim; epochs /
# dataset_fraction: the Fashion-MNIST benchmark (notebook 05's budget).
SIZES = {
    "smoke": dict(n_samples=512, steps=30, epochs=1, dataset_fraction=0.02, n_seeds=1, batch_size=128),
    "default": dict(n_samples=4096, steps=600, epochs=8, dataset_fraction=0.15, n_seeds=3, batch_size=256),
    "full": dict(n_samples=16384, steps=20000, epochs=100, dataset_fraction=1.0, n_seeds=5, batch_size=512),
}
run = sc.start_run(
    "02_discriminative_ssl_correspondence", profile=profile, seed=seed, overrides=overrides, **SIZES[profile]
)
P = run.profile
# Claims that the calibration run of the default profile (this code, these seeds, strict=False) measured
# NOT to hold, with the margins unchanged. They stay in the verdict table as failed; they are reported, not
# enforced, so that the rest of the notebook runs, and the Verdicts section discusses each. Every other
# trained-model claim is enforced. Numbers: mean difference from the reference [95 % interval].
NOT_SUPPORTED = {
    **{
        f"C2.ncc.{m}": "NCC gain over the untrained encoder not beyond 0.02 by its interval"
        for m in ("instance_discrimination", "vicreg", "barlow_twins", "byol", "simsiam", "dino", "simvae")
    },
    "C2.ncc.clip": "cross-modal retrieval gain over the untrained CLIP below 0.02",
    **{
        f"C2.ncc_vs_raw.{m}": "NCC below that of raw x"
        for m in ("instance_discrimination", "vicreg", "barlow_twins", "byol", "simsiam", "dino", "simvae")
    },
    "C2.r2y.byol": "R²(y) gain over the untrained encoder below 0.05",
    "C2.r2y.simsiam": "R²(y) gain over the untrained encoder below 0.05",
    "C2.posterior.tv_target": "TV 0.38 at 600 steps, margin 0.15 (the TV gain over untrained holds)",
    "C2.noisy_keys.tv_target": "TV 0.30 at 600 steps, margin 0.15 (the TV gain over untrained holds)",
    "C3.collapse.simclr": "ρ_w below the true latents by 0.103 [0.090, 0.116]: the interval reaches past 0.1",
    "C3.style.d10": "SimVAE − SimCLR style R² −0.14: SimCLR with excess capacity keeps more style",
    "C3.style.d20": "SimVAE − SimCLR style R² −0.11: SimCLR with excess capacity keeps more style",
    "C3.discards_style.simclr_d5": "style drop −0.19 [−0.288, −0.099]: the interval reaches past −0.1",
    "C3.clip.discards_style": "style drop −0.12 [−0.15, −0.09]: the interval reaches past −0.1",
    "C3.clip.discards_modality": "modality drop −0.11 [−0.18, −0.03]: the interval reaches past −0.1",
}
book = run.claims(strict=strict, not_supported=NOT_SUPPORTED)
torch.manual_seed(seed)
t_start = time.perf_counter()
SEEDS = [seed + s for s in range(P.n_seeds)]
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
}
print(
    f"profile {profile}: {P.n_samples} groups, {P.steps} steps of {P.batch_size} groups × 2 views, "
    f"seeds {SEEDS}"
)


def ci_text(values):
    """'mean [lo, hi]' over seeds (95 % t-interval), as the verdict table prints it."""
    return str(claims.estimate(values))


def ci_err(values):
    """(mean, half-width of the 95 % interval) for error bars; half-width 0 for one seed."""
    e = claims.estimate(values)
    return e.mean, (e.ci[1] - e.ci[0]) / 2


# %% [markdown]
# ## 0 · Training on view groups
#
# Every method trains through the same `fit(method, views, …)`: `views` is a tensor `(N, J, D)` of J views
# per group, and each step draws 2 distinct views of each group from this *pool*, so pairs are fresh each
# epoch, like fresh augmentations. Views 0–3 of every group form the pool; views 4–5 are held out to
# evaluate. The synthetic runs use no projection head (`head_layers=0`): the loss acts on the
# representation itself (notebook 04 studies the head). SimVAE uses the same encoder with a mirrored
# decoder. `initial_model(trained, views)` rebuilds a trained network at its initialisation — same seed,
# same initial weights — which is the untrained control of every claim about what training did.

# %%
N_POOL, N_HELD = 4, 2


def train_on_groups(method, views, latent_dim, seed, **options):
    """Train `method` on the view pool for P.steps steps of P.batch_size groups; return (model, seconds)."""
    n = views.shape[0]
    epochs = max(1, math.ceil(P.steps * P.batch_size / n))
    if method != "simvae":
        options = {"head_layers": 0, **options}
    t0 = time.perf_counter()
    trained = fit(
        method,
        views,
        epochs=epochs,
        latent_dim=latent_dim,
        seed=seed,
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


def probe_r2(features, target, kind="linear", per_output=False):
    """R² of `target` (N, m) from `features` (N, d), settings chosen on val, test scored once."""
    tr, va, te = split_groups(len(features))
    splits = [(features[s], target[s]) for s in (tr, va, te)]
    if kind == "linear":
        res = probes.linear_probe(*splits, task="regression")
    else:
        res = probes.mlp_probe(*splits, task="regression", hidden=256, grid=[1e-4], seed=seed, patience=10)
    return np.asarray(res.params["r2_per_output"]) if per_output else res.test


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
# τ = 1/κ), observed through a fixed random injective MLP `x = g(z)` (the mixing of von Kügelgen et al.
# 2021). d = 8, κ = 50: groups are tight compared with their spread on the sphere.
#
# **Measures**, on held-out views of all N groups: (a) nearest-centroid identification (NCC) of the group
# of a held-out view among all N groups (centroids from the 4 pool views; chance 1/N); (b) linear R² of `y`
# from one held-out view (groups split 70/15/15, ridge strength on val, test once); (c) the within-group
# variance ratio ρ_w = E tr Cov(h | y) / tr Cov(h), reported (1 for features blind to the group, 0 for
# collapsed groups).
#
# **Claims and margins, fixed before the run.** For each method, over seeds:
#
# - `C2.ncc.<method>`: NCC of the trained encoder exceeds that of *its own untrained encoder* by more than
#   **0.02** (two percentage points among thousands of groups, 80× chance at N = 4096);
# - `C2.r2y.<method>`: R²(y) exceeds the untrained encoder's by more than **0.05**;
# - `C2.ncc_vs_raw.<method>`: NCC exceeds that of raw `x` (the observations themselves, a fixed number) —
#   margin **0**: is the learned representation better clustered than its input?
#
# **Negative control** `C2.ncc_vs_raw.untrained`: the same raw-x check applied to the untrained SimCLR
# encoder, which has learnt nothing about the groups; it must fail.

# %%
D_S, KAPPA_S = 8, 50.0
M_NCC, M_R2 = 0.02, 0.05  # margins of the cluster claims (see above), fixed before the run
g_data = run.generator(1)
mix_s = make_decoder("mlp", D_S, generator=g_data)
with torch.no_grad():
    sphere = ssl.sample_spherical_groups(P.n_samples, N_POOL + N_HELD, D_S, KAPPA_S, mix_s, g_data)
    xs = sphere.x.float()
    xs = (xs - xs.mean((0, 1))) / xs.std((0, 1))  # standardised observations (N, 6, 8)
pool_s, held_s = xs[:, :N_POOL], xs[:, N_POOL:]
y_s, z_s = sphere.y.float(), sphere.z.float()


def cluster_scores(h_pool, h_held, y):
    return {
        "NCC": group_identification(h_pool, h_held),
        "R2_y": probe_r2(h_held[:, 0], y),
        "rho_w": geometry.within_group_variance_ratio(h_held),
    }


ceiling = cluster_scores(z_s[:, :N_POOL], z_s[:, N_POOL:], y_s)
raw = cluster_scores(pool_s, held_s, y_s)
print(f"true latents z: {ceiling}")
print(f"raw x:          {raw}")

# CLIP needs two modalities: view 0 through one mixing, view 1 through another (same groups).
mix_s_b = make_decoder("mlp", D_S, generator=g_data)
with torch.no_grad():
    pair = ssl.sample_spherical_groups(P.n_samples, 2, D_S, KAPPA_S, None, g_data)
    xa, xb = mix_s(pair.z[:, 0].float()), mix_s_b(pair.z[:, 1].float())
    clip_views = torch.stack([(xa - xa.mean(0)) / xa.std(0), (xb - xb.mean(0)) / xb.std(0)], dim=1)


def clip_scores(model, y):
    """CLIP's shared space is the embedding after its two projections; NCC = cross-modal retrieval A→B."""
    ha = F.normalize(model.encode(clip_views[:, 0], after_head=True), dim=-1)
    hb = F.normalize(model.encode(clip_views[:, 1], modality=1, after_head=True), dim=-1)
    cross = (ha @ hb.T).argmax(1)
    return {
        "NCC": float((cross == torch.arange(len(cross))).float().mean()),
        "R2_y": probe_r2(ha, y),
        "rho_w": geometry.within_group_variance_ratio(torch.stack([ha, hb], 1)),
    }, (ha, hb)


S_METHODS = {m: {} for m in DISCRIMINATIVE}
S_METHODS["simclr"] = dict(temperature=0.1)
S_METHODS["simvae"] = dict(sigma2=1 / KAPPA_S)
S_METHODS["clip"] = dict(head_layers=1)
cluster_rows, sphere_models, clip_embeddings = [], {}, None
for method, options in S_METHODS.items():
    data = clip_views if method == "clip" else pool_s
    for s in SEEDS:
        trained, seconds = train_on_groups(method, data, D_S, s, **options)
        untrained = initial_model(trained, data)
        for state, model in (("trained", trained), ("untrained", untrained)):
            if method == "clip":
                scores, emb = clip_scores(model, pair.y.float())
            else:
                scores = cluster_scores(encode_views(model, pool_s), encode_views(model, held_s), y_s)
            cluster_rows.append({"method": LABEL[method], "seed": s, "state": state, **scores})
        if s == seed:
            sphere_models[method] = trained
            if method == "clip":
                clip_embeddings = emb
    print(f"{LABEL[method]:12s} {P.n_seeds} seeds, last fit {seconds:5.1f} s", flush=True)
clusters = pd.DataFrame(cluster_rows)
print(
    f"protocol: {P.n_samples} groups, d = {D_S}, κ = {KAPPA_S}, {P.steps} steps, seeds {SEEDS}; NCC: "
    f"centroid of pool views 0-3, held-out views 4-5, cosine, chance {1 / P.n_samples:.1e}; R²: ridge on "
    "held-out view 4, groups split 70/15/15, alpha on val; CLIP: embeddings after its two projections, "
    "NCC = cross-modal retrieval A→B among all groups; untrained = the same network at initialisation"
)
table = clusters.groupby(["method", "state"], sort=False)[["NCC", "R2_y", "rho_w"]].agg(["mean", "std"])
display(table.round(3))
print(f"true latents z: {ceiling}\nraw x: {raw}")

# %%
for method in S_METHODS:
    sub = clusters[clusters.method == LABEL[method]]
    tr, un = sub[sub.state == "trained"], sub[sub.state == "untrained"]
    book.compare(
        f"C2.ncc.{method}",
        f"{LABEL[method]} identifies the group of a held-out view better than its untrained encoder",
        "NCC accuracy",
        tr.NCC.tolist(),
        claims.control("untrained encoder", un.NCC.tolist()),
        margin=M_NCC,
        direction="greater",
        source="fixed before the run: 2 points of accuracy among N groups",
    )
    book.compare(
        f"C2.r2y.{method}",
        f"{LABEL[method]} recovers the content y better than its untrained encoder",
        "R²(y), linear probe",
        tr.R2_y.tolist(),
        claims.control("untrained encoder", un.R2_y.tolist()),
        margin=M_R2,
        direction="greater",
        source="fixed before the run: 0.05 of R²",
    )
    book.compare(
        f"C2.ncc_vs_raw.{method}",
        f"{LABEL[method]} identifies groups better than the raw observations x",
        "NCC accuracy",
        tr.NCC.tolist(),
        claims.control("raw x", raw["NCC"]) if method != "clip" else claims.theory("chance", 1 / P.n_samples),
        margin=0.0,
        direction="greater",
        source="control: raw x (for CLIP, chance: x_A and x_B live in different spaces)",
    )
untrained_simclr = clusters[(clusters.method == "SimCLR") & (clusters.state == "untrained")]
book.compare(
    "C2.ncc_vs_raw.untrained",
    "negative control: the untrained SimCLR encoder identifies groups better than raw x",
    "NCC accuracy",
    untrained_simclr.NCC.tolist(),
    claims.control("raw x", raw["NCC"]),
    margin=0.0,
    direction="greater",
    source="the claim's own check",
    expect="fail",
)

# %%
fig, ax = plt.subplots(figsize=(10, 3.8))
names = [LABEL[m] for m in S_METHODS]
xpos = np.arange(len(names))
for offset, state, colour in ((-0.18, "trained", "C0"), (0.18, "untrained", "C7")):
    stats_ = [ci_err(clusters[(clusters.method == n) & (clusters.state == state)].NCC) for n in names]
    ax.bar(
        xpos + offset,
        [m for m, _ in stats_],
        0.36,
        yerr=[e for _, e in stats_],
        capsize=3,
        color=colour,
        label=f"{state} (mean, 95 % interval over {P.n_seeds} seeds)",
    )
ax.axhline(raw["NCC"], color="k", ls="--", lw=1, label="raw x")
ax.axhline(ceiling["NCC"], color="C2", ls=":", lw=1.2, label="true latents z")
ax.set_xticks(xpos, names, rotation=20)
ax.set_ylabel("NCC accuracy of held-out views")
ax.set_title(f"group identification among {P.n_samples} groups (chance {1 / P.n_samples:.1e})")
ax.legend(fontsize=8, ncol=2)
run.savefig(fig, "clusters_vs_controls")

fig, axes = plt.subplots(2, 6, figsize=(12, 4.4))
show = torch.arange(6)  # six groups, every view
for ax, (method, trained) in zip(axes.flat, sphere_models.items(), strict=False):
    if method == "clip":
        h = torch.stack([clip_embeddings[0][show], clip_embeddings[1][show]], 1)
    else:
        h = encode_views(trained, xs[show])
    flat = h.reshape(-1, h.shape[-1])
    _, _, v = torch.pca_lowrank(flat - flat.mean(0), q=2)
    p2 = ((flat - flat.mean(0)) @ v[:, :2]).reshape(h.shape[0], h.shape[1], 2)
    for k in range(len(show)):
        ax.scatter(p2[k, :, 0], p2[k, :, 1], s=12, color=plt.cm.tab10(k))
    ax.set_title(LABEL[method], fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
flat = z_s[show].reshape(-1, D_S)
_, _, v = torch.pca_lowrank(flat - flat.mean(0), q=2)
p2 = ((flat - flat.mean(0)) @ v[:, :2]).reshape(len(show), -1, 2)
for k in range(len(show)):
    axes.flat[-1].scatter(p2[k, :, 0], p2[k, :, 1], s=12, color=plt.cm.tab10(k))
axes.flat[-1].set_title("true latents z", fontsize=9)
axes.flat[-1].set_xticks([])
axes.flat[-1].set_yticks([])
fig.suptitle(f"six groups × six views (colour = group), first two principal components; seed {seed}")
run.savefig(fig, "clusters_by_group")


# %% [markdown]
# ## 2 · (C2) The InfoNCE softmax and the Bayes posterior over groups
#
# **Keys that are the centres** (Zimmermann et al. 2021, "Contrastive learning inverts the data
# generating process"): an anchor `x = g(y)` and a positive `x̃ = g(z̃)`, `z̃ ~ vMF(y, κ)`, `y ~ U(S⁴)`,
# κ = 10. Given a positive, the Bayes posterior over K candidate anchors is `p(i | z̃) = softmax_i(κ z̃ᵀ
# y_i)`. InfoNCE (NT-Xent on normalised embeddings) at temperature τ learns `q(i | x̃) = softmax_i(f(x̃)ᵀ
# f(x_i) / τ)`, which has that form at τ = 1/κ = 0.1 if f inverts g up to a rotation.
#
# **Keys that are other noisy views** (what SimCLR sees: both views of a pair are augmented). With two
# views `z̃, z_i ~ vMF(y, κ)` of an unknown centre, integrating the centre out gives
# `p(i | z̃, keys) = softmax_i(log I_ν(κ‖z̃ + z_i‖) − ν log(κ‖z̃ + z_i‖))`, ν = d/2 − 1
# (`ssl.posterior_over_noisy_keys`, tested against Monte Carlo). It is monotone in `z̃ᵀz_i` but not linear
# in it. For large arguments `log I_ν(a) − ν log a ≈ a − (ν + ½) log a`, and near `z̃ᵀz_i = 1` the norm
# `‖z̃ + z_i‖ = √(2 + 2 z̃ᵀz_i)` changes by ½ per unit of `z̃ᵀz_i`: to first order the logit is `(κ/2) z̃ᵀz_i`,
# so the matching temperature is **τ = 2/κ = 0.2**, and no temperature makes the cosine softmax exact.
#
# **Measures** over K = 64 held-out candidates (4096 test pairs): total-variation distance TV between the
# learned and the analytic posterior, and calibration (ECE = expected |confidence − accuracy|; the Bayes
# posterior is calibrated, ECE → 0).
#
# **Claims and margins, fixed before the run** (3 seeds):
#
# - `C2.posterior.tv_gain` / `C2.noisy_keys.tv_gain`: training lowers TV by more than **0.05** compared
#   with the untrained encoder at the same τ;
# - `C2.posterior.tv_target` / `C2.noisy_keys.tv_target`: TV lies within **0.15** of 0, the value at the
#   InfoNCE optimum (a softmax within TV 0.15 of Bayes moves at most 15 % of the probability mass);
# - `C2.posterior.ece`: ECE within **0.05** of 0;
# - negative control `C2.posterior.tv_target.untrained`: the untrained encoder through the same target check.
#
# The temperature is reported as a **sweep** (τ = 0.05 … 1, one seed each), each model compared at its own
# τ: a mismatched τ is not a straw man here, only a curve.

# %%
D_E1, KAPPA_E1, K_CAND = 5, 10.0, 64
M_TV_GAIN, M_TV, M_ECE = 0.05, 0.15, 0.05  # margins, fixed before the run
TAU_MATCHED, TAU_NOISY = 1 / KAPPA_E1, 2 / KAPPA_E1
g_e1 = run.generator(2)
mix_e1 = make_decoder("mlp", D_E1, generator=g_e1)
n_e1 = 4 * P.n_samples


def e1_data(anchor_view):
    with torch.no_grad():
        d = ssl.sample_spherical_groups(n_e1 + 4096, 2, D_E1, KAPPA_E1, mix_e1, g_e1, anchor_view=anchor_view)
        x = d.x.float()
        x = (x - x[:n_e1].mean((0, 1))) / x[:n_e1].std((0, 1))
    return x[:n_e1], x[n_e1:], d.z[n_e1:].float()


train_e1, test_e1, z_test = e1_data(anchor_view=True)  # view 0 is y itself
train_nk, test_nk, z_test_nk = e1_data(anchor_view=False)  # both views noisy


def posterior_comparison(model, tau, test_x, z, keys="centres"):
    """TV(learned, Bayes) and ECE over K candidates; R² of the positive's latent from f (identifiability)."""
    emb = F.normalize(encode_views(model, test_x), dim=-1)  # (M, 2, d)
    m = (emb.shape[0] // K_CAND) * K_CAND
    a, pos = emb[:m, 0].reshape(-1, K_CAND, D_E1), emb[:m, 1].reshape(-1, K_CAND, D_E1)
    za, zp = z[:m, 0].reshape(-1, K_CAND, D_E1), z[:m, 1].reshape(-1, K_CAND, D_E1)
    learned = torch.softmax(pos @ a.mT / tau, dim=-1)  # (batches, K, K): row = positive, col = candidate
    if keys == "centres":
        analytic = torch.softmax(KAPPA_E1 * zp @ za.mT, dim=-1)
    else:  # keys are noisy views: the centre integrated out
        b = zp.shape[0]
        analytic = ssl.posterior_over_noisy_keys(
            zp.reshape(b * K_CAND, D_E1), za.repeat_interleave(K_CAND, 0), KAPPA_E1
        ).reshape(b, K_CAND, K_CAND)
    target = torch.arange(K_CAND).repeat(learned.shape[0])  # the positive of row k is candidate k
    h = F.normalize(encode_views(model, test_x)[:, 1], dim=-1)
    return {
        "TV": 0.5 * (learned - analytic).abs().sum(-1).mean().item(),
        "ECE": metrics.expected_calibration_error(learned.reshape(-1, K_CAND), target),
        "ECE Bayes": metrics.expected_calibration_error(analytic.reshape(-1, K_CAND), target),
        "top-1": (learned.reshape(-1, K_CAND).argmax(1) == target).float().mean().item(),
        "top-1 Bayes": (analytic.reshape(-1, K_CAND).argmax(1) == target).float().mean().item(),
        "R2(z|f)": probe_r2(h, z[:, 1]),
    }


post_rows = []
for keys, tau, data, test_x, z in (
    ("centres", TAU_MATCHED, train_e1, test_e1, z_test),
    ("noisy views", TAU_NOISY, train_nk, test_nk, z_test_nk),
):
    for s in SEEDS:
        trained, _ = train_on_groups("simclr", data, D_E1, s, temperature=tau)
        for state, model in (("trained", trained), ("untrained", initial_model(trained, data))):
            scores = posterior_comparison(model, tau, test_x, z, keys)
            post_rows.append({"keys": keys, "τ": tau, "seed": s, "state": state, **scores})
sweep_rows = []
for tau in (0.05, 0.1, 0.2, 0.5, 1.0):
    trained, _ = train_on_groups("simclr", train_e1, D_E1, seed, temperature=tau)
    sweep_rows.append({"τ": tau, **posterior_comparison(trained, tau, test_e1, z_test)})
posterior = pd.DataFrame(post_rows)
sweep = pd.DataFrame(sweep_rows).set_index("τ")
print(
    f"protocol: {n_e1} training pairs, κ = {KAPPA_E1}, d = {D_E1}, SimCLR (NT-Xent, no head), {P.steps} "
    f"steps, seeds {SEEDS}; posteriors over K = {K_CAND} held-out candidates (4096 test pairs)"
)
display(
    posterior.groupby(["keys", "state"], sort=False).agg(["mean", "std"]).drop(columns=["seed", "τ"]).round(3)
)
print("temperature sweep (keys = centres, seed", seed, "):")
display(sweep.round(3))

# %%
for keys, prefix in (("centres", "C2.posterior"), ("noisy views", "C2.noisy_keys")):
    sub = posterior[posterior["keys"] == keys]
    tr, un = sub[sub.state == "trained"], sub[sub.state == "untrained"]
    tau = tr["τ"].iloc[0]
    book.compare(
        f"{prefix}.tv_gain",
        f"training moves SimCLR's softmax towards the Bayes posterior (keys = {keys}, τ = {tau:g})",
        "TV(learned, Bayes)",
        tr.TV.tolist(),
        claims.control("untrained encoder", un.TV.tolist()),
        margin=M_TV_GAIN,
        direction="less",
        source="fixed before the run",
    )
    book.compare(
        f"{prefix}.tv_target",
        f"SimCLR's softmax is close to the Bayes posterior (keys = {keys}, τ = {tau:g})",
        "TV(learned, Bayes)",
        tr.TV.tolist(),
        claims.theory("InfoNCE optimum (TV 0)", 0.0),
        margin=M_TV,
        direction="within",
        source="fixed before the run: at most 15 % of the mass moved",
    )
    if keys == "centres":
        book.compare(
            f"{prefix}.tv_target.untrained",
            "negative control: the untrained encoder's softmax is close to the Bayes posterior",
            "TV(learned, Bayes)",
            un.TV.tolist(),
            claims.theory("InfoNCE optimum (TV 0)", 0.0),
            margin=M_TV,
            direction="within",
            source="the claim's own check",
            expect="fail",
        )
        book.compare(
            f"{prefix}.ece",
            f"SimCLR's softmax at τ = {tau:g} is calibrated like the Bayes posterior",
            "ECE",
            tr.ECE.tolist(),
            claims.theory("calibrated (ECE 0)", 0.0),
            margin=M_ECE,
            direction="within",
            source="fixed before the run",
        )
        book.compare(
            "C2.posterior.identifiability",
            "f(x̃) recovers the latent linearly (Zimmermann et al. 2021 report R² ≥ 0.95 after 300 000 steps)",
            "R²(z̃ | f(x̃))",
            tr["R2(z|f)"].tolist(),
            claims.literature("Zimmermann et al. 2021 criterion", 0.95),
            margin=0.0,
            direction="greater",
            source="literature",
            enforce=False,
            note=f"reported: their budget is 300 000 steps, ours {P.steps}",
        )

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
axes[0].plot(sweep.index, sweep.TV, "o-", label="TV(learned at τ, Bayes), seed 0")
for keys, tau, colour in (("centres", TAU_MATCHED, "C3"), ("noisy views", TAU_NOISY, "C2")):
    m, e = ci_err(posterior[(posterior["keys"] == keys) & (posterior.state == "trained")].TV)
    axes[0].errorbar(
        [tau],
        [m],
        yerr=[e],
        fmt="s",
        color=colour,
        capsize=4,
        label=f"keys = {keys}, τ = {tau:g} ({P.n_seeds} seeds, 95 % interval)",
    )
m, e = ci_err(posterior[(posterior["keys"] == "centres") & (posterior.state == "untrained")].TV)
axes[0].errorbar([TAU_MATCHED], [m], yerr=[e], fmt="x", color="k", capsize=4, label="untrained, τ = 1/κ")
axes[0].axvline(TAU_MATCHED, color="C3", ls=":", lw=0.8)
axes[0].axhline(M_TV, color="grey", ls="--", lw=0.8, label=f"target margin {M_TV}")
axes[0].set_xscale("log")
axes[0].set_xlabel("temperature τ")
axes[0].set_ylabel("TV distance to the Bayes posterior")
axes[0].legend(fontsize=7)
axes[0].set_title("learned softmax vs Bayes, K = 64 candidates")
axes[1].plot(sweep.index, sweep.ECE, "o-", label="ECE learned")
axes[1].plot(sweep.index, sweep["ECE Bayes"], "k:", label="ECE Bayes")
axes[1].set_xscale("log")
axes[1].set_xlabel("temperature τ")
axes[1].set_ylabel("expected calibration error")
axes[1].legend(fontsize=7)
axes[1].set_title("calibration (keys = centres, seed 0)")
run.savefig(fig, "posterior_temperature")


# %% [markdown]
# ## 3 · (C3) Discriminative objectives collapse the within-group spread; SimVAE keeps it
#
# **Data: the content/style block model** (von Kügelgen et al. 2021, "Self-supervised learning with data
# augmentations provably isolates content from style"): 5 content coordinates `c ~ N(0, I)` shared by the
# views of a group and 5 style coordinates `s̃_j = s + ε_j`, `s ~ N(0, I)`, `ε_j ~ N(0, I)` drawn per view
# (half the style variance changes within a group), mixed by a fixed injective MLP `x = g(c, s̃)` in R¹⁰.
# In the SSL model's terms content has σ² = 0 and style σ² = 1. In the true latents a third of the
# variance lies within the groups: ρ_w(z) = (5 · 1) / (5 · 1 + 5 · 2) = 1/3.
#
# **Equal capacity.** Every method here gets the same representation size d = 10, enough to keep all ten
# latents, so what decides is the objective, not a bottleneck. We track ρ_w of held-out views after every
# epoch (`fit(..., callback=...)`), over seeds.
#
# **Claims and margins, fixed before the run:** `C3.collapse.<method>` — SimCLR's and VICReg's final ρ_w
# lies below the true-latent value 1/3 by more than **0.1**; `C3.keeps_spread.simvae` — SimVAE's final ρ_w
# lies within **0.1** of it. Negative control `C3.collapse.simvae`: the collapse check applied to SimVAE.

# %%
M_RHO = 0.1  # margin of the collapse claims, fixed before the run
g_g1 = run.generator(3)
prior_var, sigma2 = ssl.content_style_variances(5, 5, content_var=1.0, style_var=1.0, shared_style_var=1.0)
g1_model = ssl.SSLModel(10, sigma2=sigma2, prior_var=prior_var, decoder="mlp", generator=g_g1)
with torch.no_grad():
    g1 = g1_model.sample(P.n_samples, N_POOL + N_HELD, generator=g_g1)
    xg = g1.x.float()
    xg = (xg - xg.mean((0, 1))) / xg.std((0, 1))
pool_g, held_g = xg[:, :N_POOL], xg[:, N_POOL:]
factors_g = g1.z[:, N_POOL].float()  # content (5) and style (5) of held-out view 4
rho_true = geometry.within_group_variance_ratio(g1.z[:, N_POOL:].float())
print(f"ρ_w of the true latents (held-out views): {rho_true:.3f} (theory 1/3)")

G1_METHODS = {"simclr": dict(temperature=0.1), "vicreg": {}, "simvae": dict(sigma2=0.15)}
curves, g1_models = [], {}
for method, options in G1_METHODS.items():
    for s in SEEDS:

        def track(epoch, trained, method=method, s=s):
            rho = geometry.within_group_variance_ratio(encode_views(trained, held_g))
            curves.append({"method": LABEL[method], "seed": s, "epoch": epoch, "rho_w": rho})

        trained, _ = train_on_groups(method, pool_g, 10, s, callback=track, **options)
        g1_models[(method, 10, s)] = trained
curves = pd.DataFrame(curves)
steps_per_epoch = max(1, P.n_samples // min(P.batch_size, P.n_samples))
final = curves[curves.epoch == curves.epoch.max()]
display(final.groupby("method", sort=False).rho_w.agg(["mean", "std"]).round(3))

# %%
for method in ("simclr", "vicreg", "simvae"):
    values = final[final.method == LABEL[method]].sort_values("seed").rho_w.tolist()
    book.compare(
        f"C3.collapse.{method}",
        f"{LABEL[method]} (d = 10) collapses the within-group spread below that of the true latents"
        + (" (negative control)" if method == "simvae" else ""),
        "final ρ_w of held-out views",
        values,
        claims.theory("true latents", rho_true),
        margin=M_RHO,
        direction="less",
        source="fixed before the run",
        expect="fail" if method == "simvae" else "pass",
    )
book.compare(
    "C3.keeps_spread.simvae",
    "SimVAE (d = 10) keeps the within-group spread of the true latents",
    "final ρ_w of held-out views",
    final[final.method == "SimVAE"].sort_values("seed").rho_w.tolist(),
    claims.theory("true latents", rho_true),
    margin=M_RHO,
    direction="within",
    source="fixed before the run",
)

fig, ax = plt.subplots(figsize=(6.5, 4))
for i, method in enumerate(G1_METHODS):
    sub = curves[curves.method == LABEL[method]]
    by_epoch = sub.groupby("epoch").rho_w.apply(list)
    stats_ = np.array([ci_err(v) for v in by_epoch])
    steps = by_epoch.index.to_numpy() * steps_per_epoch
    ax.plot(steps, stats_[:, 0], color=f"C{i}", label=f"{LABEL[method]} (mean of {P.n_seeds} seeds)")
    ax.fill_between(steps, stats_[:, 0] - stats_[:, 1], stats_[:, 0] + stats_[:, 1], color=f"C{i}", alpha=0.2)
ax.axhline(rho_true, color="k", ls=":", lw=1, label="true latents (1/3)")
ax.set_xlabel("optimisation step")
ax.set_ylabel("ρ_w = within-group / total variance")
ax.set_title("within-group spread during training (d = 10; bands: 95 % interval)")
ax.legend(fontsize=8)
run.savefig(fig, "within_group_collapse")

# %% [markdown]
# ## 4 · (C3) Style kept, at equal capacity: d = 5, 10, 20
#
# How much of the content `c` and the style `s̃` of a held-out view each representation keeps: R² of an
# MLP probe (`smoke`: linear; 10 outputs, R² averaged over the 5 content and the 5 style coordinates),
# against the same network untrained. Raw `x` is shown too: g is invertible, so both are in principle fully
# recoverable from it.
#
# **Excess capacity.** Von Kügelgen et al. prove that contrastive learning isolates the content when the
# representation has the content's dimension (d = 5). With more dimensions the loss no longer forces the
# extra ones to carry nothing: style can *leak* into them (their Fig. 3 and Table 1; a 10-d SimCLR keeps
# most style there). So the style claim is made at each d, SimVAE against SimCLR at the **same** d, and the
# leakage is shown as a curve. (SimCLR's and SimVAE's untrained encoders share architecture and seed, so
# their dotted curves nearly coincide.)
#
# **Claims and margins, fixed before the run:**
#
# - `C3.style.d<d>`: SimVAE keeps more style than SimCLR at the same d, by more than **0.1** of R²;
# - `C3.discards_style.simclr_d5`: SimCLR at the content dimension keeps less style than its untrained
#   encoder, by more than **0.1** (training *removed* style);
# - `C3.keeps_content.simclr_d5`: and more content than its untrained encoder, by more than **0.1**;
# - negative control `C3.discards_style.simvae_d10`: the style-discard check on SimVAE.

# %%
M_STYLE = 0.1  # margin of the style claims, fixed before the run
KIND = "mlp" if profile != "smoke" else "linear"
D_SWEEP = (5, 10, 20)


def content_style(features):
    r2 = probe_r2(features, factors_g, KIND, per_output=True)
    return float(r2[:5].mean()), float(r2[5:].mean())


style_rows = []
for method in ("simclr", "simvae"):
    for d in D_SWEEP:
        for s in SEEDS:
            if (method, d, s) not in g1_models:
                g1_models[(method, d, s)], _ = train_on_groups(method, pool_g, d, s, **G1_METHODS[method])
            trained = g1_models[(method, d, s)]
            for state, model in (("trained", trained), ("untrained", initial_model(trained, pool_g))):
                c, st = content_style(model.encode(held_g[:, 0]))
                style_rows.append(
                    {
                        "method": LABEL[method],
                        "d": d,
                        "seed": s,
                        "state": state,
                        "content R²": c,
                        "style R²": st,
                    }
                )
style = pd.DataFrame(style_rows)
raw_c, raw_st = content_style(held_g[:, 0])
print(f"protocol: {KIND} probe on one held-out view of {P.n_samples} groups (70/15/15), settings on val")
display(style.groupby(["method", "d", "state"])[["content R²", "style R²"]].agg(["mean", "std"]).round(3))
print(f"raw x: content R² {raw_c:.3f}, style R² {raw_st:.3f}")


def col(method, d, state, key):
    sub = style[(style.method == method) & (style.d == d) & (style.state == state)].sort_values("seed")
    return sub[key].tolist()


# %%
for d in D_SWEEP:
    book.compare(
        f"C3.style.d{d}",
        f"SimVAE keeps more style than SimCLR at equal capacity d = {d}",
        "style R²",
        col("SimVAE", d, "trained", "style R²"),
        claims.control(f"SimCLR, d = {d}", col("SimCLR", d, "trained", "style R²")),
        margin=M_STYLE,
        direction="greater",
        source="fixed before the run",
    )
for method, d, expect in (("SimCLR", 5, "pass"), ("SimVAE", 10, "fail")):
    book.compare(
        f"C3.discards_style.{method.lower()}_d{d}",
        f"{method} (d = {d}) keeps less style than its untrained encoder"
        + (" (negative control)" if expect == "fail" else ""),
        "style R²",
        col(method, d, "trained", "style R²"),
        claims.control("untrained encoder", col(method, d, "untrained", "style R²")),
        margin=M_STYLE,
        direction="less",
        source="fixed before the run",
        expect=expect,
    )
book.compare(
    "C3.keeps_content.simclr_d5",
    "SimCLR (d = 5) keeps more content than its untrained encoder",
    "content R²",
    col("SimCLR", 5, "trained", "content R²"),
    claims.control("untrained encoder", col("SimCLR", 5, "untrained", "content R²")),
    margin=M_STYLE,
    direction="greater",
    source="fixed before the run",
)
leak = [
    a - b
    for a, b in zip(
        col("SimCLR", 20, "trained", "style R²"), col("SimCLR", 5, "trained", "style R²"), strict=True
    )
]
print(f"excess-capacity leakage, SimCLR style R² at d = 20 minus d = 5: {ci_text(leak)} (reported)")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharex=True)
for ax, key in zip(axes, ("content R²", "style R²"), strict=True):
    for i, method in enumerate(("SimCLR", "SimVAE")):
        for state, ls in (("trained", "-"), ("untrained", ":")):
            st = np.array([ci_err(col(method, d, state, key)) for d in D_SWEEP])
            ax.errorbar(
                D_SWEEP,
                st[:, 0],
                yerr=st[:, 1],
                fmt="o" + ls,
                color=f"C{i}",
                capsize=3,
                label=f"{method}, {state}",
            )
    ax.axhline(raw_c if key == "content R²" else raw_st, color="k", ls="--", lw=0.8, label="raw x")
    ax.set_xscale("log", base=2)
    ax.set_xticks(D_SWEEP, [str(d) for d in D_SWEEP])
    ax.set_xlabel("representation dimension d (content has 5)")
    ax.set_ylabel(f"{key} ({KIND} probe)")
    ax.legend(fontsize=7)
axes[0].set_title("content kept")
axes[1].set_title(f"style kept (mean and 95 % interval over {P.n_seeds} seeds)")
run.savefig(fig, "style_vs_capacity")


# %% [markdown]
# ### CLIP discards what the modalities do not share
#
# Two modalities (after Daunhawer et al. 2023, "Identifiability results for multimodal contrastive
# learning"): `x_A = g_A(c, s̃_A, m_A)`, `x_B = g_B(c, s̃_B, m_B)` with different injective mixings, shared
# content `c ∈ R⁵`, style `s̃ = s + ε` perturbed per modality and modality-specific `m_A, m_B ∈ R²`. CLIP
# (two encoders, symmetric InfoNCE, learnable temperature), d = 5. Daunhawer et al. report content R²
# 0.95–1.00 and style and modality-specific R² ≈ 0.
#
# **Claims, margins fixed before the run:** `C3.clip.discards_style` and `C3.clip.discards_modality` —
# modality A's representation keeps less style, and less of `m_A`, than its untrained encoder, by more than
# **0.1**; `C3.clip.keeps_content` — more content, by more than **0.1**.

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
e3_rows = []
for s in SEEDS:
    clip_e3, _ = train_on_groups("clip", views_e3, 5, s, head_layers=1)
    for state, model in (("trained", clip_e3), ("untrained", initial_model(clip_e3, views_e3))):
        r2 = probe_r2(model.encode(views_e3[:, 0]), lat_a, KIND, per_output=True)
        e3_rows.append(
            {
                "seed": s,
                "state": state,
                "content R²": r2[:5].mean(),
                "style R²": r2[5:10].mean(),
                "modality-specific R²": r2[10:].mean(),
            }
        )
e3 = pd.DataFrame(e3_rows)
print(f"protocol: CLIP, modality A encoder, {KIND} probe (12 outputs), {P.steps} steps, seeds {SEEDS}")
display(e3.groupby("state").agg(["mean", "std"]).drop(columns="seed").round(3))
tr3, un3 = e3[e3.state == "trained"], e3[e3.state == "untrained"]
for key, cid, direction in (
    ("style R²", "C3.clip.discards_style", "less"),
    ("modality-specific R²", "C3.clip.discards_modality", "less"),
    ("content R²", "C3.clip.keeps_content", "greater"),
):
    book.compare(
        cid,
        f"CLIP {'keeps more' if direction == 'greater' else 'keeps less'} {key.removesuffix(' R²')} than its "
        "untrained encoder",
        key,
        tr3[key].tolist(),
        claims.control("untrained encoder", un3[key].tolist()),
        margin=M_STYLE,
        direction=direction,
        source="fixed before the run",
    )

# %% [markdown]
# ### The closed form: linear-Gaussian views
#
# With linear encoders and Gaussian data everything is a population computation. Views
# `x_j = A [c; s₀ + e_j] + n_j` (D = 20, c ∈ R³ shared, style s₀ ~ N(0, a²) shared and e_j ~ N(0, b²)
# per view, noise σ_n² = 0.1). The spectral contrastive loss (HaoChen et al. 2021) with a linear encoder
# `f = Wx` is minimised by the top-k CCA directions, `W = diag(√λ) Vᵀ Σ^{-1/2}` with `(λ, V)` the
# eigenpairs of `Σ^{-1/2} Σ₊ Σ^{-1/2}`: it keeps what the views *share*, in order of canonical
# correlation (content 1/(1+σ_n²) = 0.909, style a²/(a²+b²+σ_n²) = 0.3125). The generative optimum
# (probabilistic PCA) keeps what has the most *variance*. These are derivations, checked in every profile
# against their closed-form values (`always`), and a minibatch SGD run that must find the same subspace.

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
theory_values = {
    ("a²=0.5, b²=1, k=3", "spectral R²_c"): 1 / 1.1,
    ("a²=0.5, b²=1, k=3", "spectral R²_s"): 0.0,
    ("a²=0.5, b²=1, k=3", "PCA R²_c"): 0.0,
    ("a²=0.5, b²=1, k=3", "PCA R²_s"): 1.5 / 1.6,
    ("a²=0.5, b²=1, k=6", "spectral R²_s"): 1.5 / 1.6,
    ("a²=0.0, b²=1, k=6", "spectral R²_c"): 1 / 1.1,
    ("a²=0.0, b²=1, k=6", "spectral R²_s"): 0.0,
}
err = max(abs(e5.loc[r, c] - v) for (r, c), v in theory_values.items())
book.compare(
    "C3.linear.population_optima",
    "population optima: spectral contrastive keeps the shared directions, PCA the high-variance ones",
    "max |R² − closed form|",
    err,
    claims.theory("closed form", 0.0),
    margin=1e-6,
    direction="within",
    source="float64 round-off",
    always=True,
)

# SGD on the sample spectral contrastive loss spans the CCA subspace (k = 3, style unshared: a² = 0)
cov0 = linear_theory.content_style_views_covariance(a2=0.0, b2=1.0, noise_var=0.1, seed=seed)
opt_w = linear_theory.spectral_contrastive_optimum(cov0.sigma, cov0.sigma_plus, 3).W
g_sgd = run.generator(5)
W = (0.1 * torch.randn(3, 20, generator=g_sgd, dtype=torch.float64)).requires_grad_()
opt = torch.optim.Adam([W], lr=1e-2)
for _ in range(max(200, P.steps)):
    v = cov0.sample(512, generator=g_sgd)
    loss = linear_theory.spectral_contrastive_loss(v.x1 @ W.T, v.x2 @ W.T)
    opt.zero_grad()
    loss.backward()
    opt.step()
angle = linear_theory.principal_angles(W.detach(), opt_w).max().item()
print(f"SGD-trained linear encoder: largest principal angle to the CCA subspace {angle:.2f}°")
book.compare(
    "C3.linear.sgd_subspace",
    "a minibatch-SGD linear spectral-contrastive encoder finds the CCA subspace",
    "largest principal angle (degrees)",
    angle,
    claims.theory("CCA subspace", 0.0),
    margin=5.0,
    direction="within",
    source="fixed before the run: 5° of SGD noise",
)

# %% [markdown]
# ## 5 · Alignment and uniformity (Wang & Isola 2020), reported
#
# `L_align = E‖f(x) − f(x⁺)‖²` over positive pairs and `L_uniform = log E exp(−2‖f(x) − f(y)‖²)` over all
# pairs, on ℓ2-normalised representations of held-out views (section 1's sphere data, d = 8, seed 0). The
# optimum of `L_uniform` on S⁷ is the uniform distribution, and a random-pair distance² is shown beside the
# alignment as its scale.

# %%
opt_u = geometry.uniformity_optimum(D_S)
au_rows = {}
for method, trained in sphere_models.items():
    if method == "clip":
        hn, hp = clip_embeddings
    else:
        h = F.normalize(encode_views(trained, held_s), dim=-1)
        hn, hp = h[:, 0], h[:, 1]
    perm = torch.roll(torch.arange(len(hn)), 1)
    au_rows[LABEL[method]] = {
        "alignment": float(geometry.alignment(hn, hp)),
        "uniformity": float(geometry.uniformity(hn)),
        "random-pair distance²": float(geometry.alignment(hn, hn[perm])),
    }
au = pd.DataFrame(au_rows).T
print(f"uniformity optimum on S^{D_S - 1}: {opt_u:.3f}")
display(au.round(3))
fig, ax = plt.subplots(figsize=(6, 4.2))
markers = "os^vDPX*<>p"
for i, (name, row) in enumerate(au.iterrows()):
    ax.scatter(row["uniformity"], row["alignment"], marker=markers[i % len(markers)], s=50, label=name)
ax.axvline(opt_u, color="k", ls=":", lw=0.8, label=f"optimal uniformity on S^{D_S - 1}")
ax.set_xlabel("L_uniform (lower = more uniform)")
ax.set_ylabel("L_align (lower = positives closer)")
ax.set_title(f"alignment and uniformity, seed {seed}")
ax.legend(fontsize=7, ncol=2)
run.savefig(fig, "alignment_uniformity")

# %% [markdown]
# ## 6 · Fashion-MNIST: SimVAE against discriminative SSL, same encoder and budget
#
# The authors' MLP encoder (784-2000-500-500-d, d = 10), their augmentations (random resized crop 0.4–1
# and vertical flip), 64 images × 2 views per step, Adam 1e-3, on 15 % of the training images for 8 epochs
# in the default profile. Discriminative methods use their official projection heads scaled to d
# (`simvae_core.learning.models.HEAD_DEFAULTS`) and are evaluated *before* the head. Content: the class
# from the clean image (linear and kNN probes; settings on val, test once). Style: the crop scale of
# held-out augmented views (R², MLP probe; `smoke`: linear). MoCo and the other methods join in `full`.
#
# **Claim, margin fixed before the run:** `C3.fashion.style_vs_<method>` — SimVAE's crop-scale R² exceeds
# the method's by more than **0.05**, paired by seed. Content is reported with its interval: the paper's
# claim is that SimVAE narrows the content gap, and its Table 1 (at 400 epochs) has SimVAE above SimCLR
# and VICReg on Fashion-MNIST; at our budget we report what we measure.

# %%
FM_METHODS = {
    "SimVAE": ("simvae", dict(sigma2=0.15)),
    "SimCLR": ("simclr", dict(head_layers=2)),
    "VICReg": ("vicreg", {}),
}
if profile == "full":
    for m in ("moco", "instance_discrimination", "barlow_twins", "byol", "simsiam", "dino", "swav"):
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
    for s in SEEDS:
        t0 = time.perf_counter()
        trained = fit(method, fashion, seed=s, **COMMON, **options)
        t_fit = time.perf_counter() - t0
        scores = evaluate.evaluate_trained(
            trained, fashion, seed=s, style_names=("crop_scale", "vflip"), **EVAL
        )
        fm_rows.append(
            {
                "method": label,
                "seed": s,
                "fit_s": t_fit,
                "views_per_s": float(np.median(trained.history["views_per_s"])),
                **{key: r.test for key, r in scores.items()},
            }
        )
        if s == seed:
            fm_protocols = {key: r.protocol for key, r in scores.items()}
        print(
            f"{label:8s} seed {s}: fit {t_fit:5.1f} s; content linear {scores['content/linear'].test:.3f}; "
            f"style crop-scale R² ({SP}) {scores[f'style/crop_scale/{SP}'].test:.3f}",
            flush=True,
        )
fm = pd.DataFrame(fm_rows)

# %%
for key in sorted(fm_protocols):
    print(f"{key}: {fm_protocols[key]}")
cols = [c for c in fm.columns if c.startswith("content/") or c.startswith("style/")]
display(fm.groupby("method", sort=False)[cols].agg(["mean", "std"]).round(3))
speed = fm.groupby("method", sort=False)["views_per_s"].median()
print("training throughput relative to SimVAE (same network, this machine):")
print((speed / speed["SimVAE"]).round(2).to_string())
style_key = f"style/crop_scale/{SP}"


def fm_col(method, key):
    return fm[fm.method == method].sort_values("seed")[key].tolist()


for label in FM_METHODS:
    if label == "SimVAE":
        continue
    book.compare(
        f"C3.fashion.style_vs_{FM_METHODS[label][0]}",
        f"Fashion-MNIST: SimVAE keeps more style (crop scale) than {label}",
        f"crop-scale R² ({SP} probe)",
        fm_col("SimVAE", style_key),
        claims.control(label, fm_col(label, style_key)),
        margin=0.05,
        direction="greater",
        source="fixed before the run",
    )
    gap = [
        a - b
        for a, b in zip(fm_col("SimVAE", "content/linear"), fm_col(label, "content/linear"), strict=True)
    ]
    print(f"content gap (linear probe) SimVAE − {label}: {ci_text(gap)} (reported)")

fig, ax = plt.subplots(figsize=(6.2, 4.2))
for i, label in enumerate(FM_METHODS):
    mx, ex = ci_err(fm_col(label, "content/linear"))
    my, ey = ci_err(fm_col(label, style_key))
    ax.errorbar(
        mx,
        my,
        xerr=ex,
        yerr=ey,
        fmt="*" if label == "SimVAE" else "o",
        ms=12 if label == "SimVAE" else 7,
        color=f"C{i}",
        capsize=3,
        label=label,
    )
ax.set_xlabel("content accuracy (linear probe, test)")
ax.set_ylabel(f"style: crop-scale R² ({SP} probe, test)")
ax.set_title(f"Fashion-MNIST, {P.n_seeds} seeds (95 % intervals), {P.epochs} epochs on {n_fm} images")
ax.legend(fontsize=8)
run.savefig(fig, "fashion_content_vs_style")

# %% [markdown]
# ## Verdicts
#
# Every claim of this notebook, its value over seeds (mean and 95 % interval), its reference, the margin
# and whether it held; negative controls are expected to fail. The table is also written to
# `verdicts.json` beside the figures, with the profile, seed and code version.
#
# **What the default budget (600 steps, 3 seeds) supports, and what it does not.** The numbers below are
# those of the committed default run (seed 0, 3 seeds); the table under this cell is the run you are reading.
#
# - *Clusters (C2).* Every method's clusters are far above chance, but the fair test is the gain over the
#   same network untrained, and over `x`. A random MLP of standardised `x` keeps neighbourhoods: its NCC is
#   already near that of `x`, which is high because κ = 50 groups are tight. SimCLR, MoCo and SwAV beat
#   both controls by the margin; instance discrimination (whose seeds disagree: NCC 0.09 [0.04, 0.15]),
#   VICReg, Barlow Twins, BYOL, SimSiam, DINO and SimVAE do **not** improve group identification over their
#   untrained encoders by 0.02 by the interval, nor beat raw `x`, within 600 steps (NCC among 4 096 groups: raw x 0.057, untrained SimCLR 0.037, SimCLR 0.18, MoCo 0.11,
#   SwAV 0.09). R²(y) rises over the untrained encoder for every method except BYOL and SimSiam. So
#   C2 holds here for the contrastive and clustering objectives; for the others it is **not supported at
#   this budget**.
# - *Posterior (C2).* Training moves SimCLR's softmax towards the Bayes posterior (TV falls by 0.37 with
#   centre keys and 0.30 with noisy keys, both beyond the 0.05 margin), and it is calibrated (ECE 0.03).
#   But it does not come within TV 0.15 of Bayes (0.38 and 0.30): the closeness half of the claim is **not
#   supported at 600 steps**; Zimmermann et al. train for 300 000.
# - *Collapse (C3).* VICReg ends below the true-latent ρ_w by more than 0.1 and SimVAE within 0.1 of it;
#   SimCLR ends 0.103 below, with an interval [0.090, 0.116] that crosses the margin: **not supported** by
#   the interval, although its mean is beyond it.
# - *Style (C3).* At the content dimension d = 5 SimVAE keeps more style than SimCLR (by 0.37 of R²). At
#   d = 10 and 20 SimCLR keeps *more* style than SimVAE (by 0.14 and 0.11): the excess-capacity leakage
#   that von Kügelgen et al. describe (SimCLR's style R² rises by 0.58 from d = 5 to d = 20). So "SimVAE
#   keeps more style" holds only where the discriminative loss is forced to choose, and the claim that
#   SimCLR *removes* style is, at d = 5, a drop of 0.19 whose interval [0.099, 0.29] reaches past the 0.1
#   margin (**not supported** by the interval). CLIP's drops of style and of the modality-specific factors
#   (0.12, 0.11) have the same fate. On Fashion-MNIST SimVAE keeps far more of the crop scale than SimCLR
#   and VICReg (R² 0.39 against 0.13 and 0.12), with content accuracy within 0.03 of both (SimVAE − SimCLR
#   0.000 [−0.020, 0.020], SimVAE − VICReg +0.023 [−0.012, 0.058]).

# %%
with pd.option_context("display.max_colwidth", 90, "display.max_rows", 200):
    display(book.table())
print(book.summary())
print("verdicts written to", book.write())
print(f"runtime {time.perf_counter() - t_start:.0f} s")
print(run.describe())
