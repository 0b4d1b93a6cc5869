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
# # 03 · Mutual information between views (claim C4)
#
# *In the docs:* claim [C4](../docs/claims.md#c4-mutual-information-is-not-the-mechanism); theory: [MI
# between views](../docs/theory.md#mutual-information-between-views),
# [ELBO_SSL](../docs/theory.md#elbo_ssl); experiments
# [E8](../docs/experiments.md#e8-variational-mi-bounds-benchmark),
# [E9](../docs/experiments.md#e9-mi-saturation-in-the-ssl-model) (with [MI inside the SSL
# model](../docs/experiments.md#mi-inside-the-ssl-model)),
# [E10](../docs/experiments.md#e10-mi-invariance-under-bijections); [how a claim is
# checked](../docs/experiments.md#how-a-claim-is-checked).
#
# **Claim C4.** The InfoNCE objective is a lower bound on the mutual information between views, and
# never more than $\log K$ for $K$ candidates (Oord et al. 2018). The SSL model explains why the MI
# between views is the relevant quantity — the views of a group share the content $y$, so
# $I(z_1; z_2) = -\tfrac d2 \log(1-\rho^2)$ with $\rho = s^2/(s^2+\sigma^2)$ — and also why maximising it is not
# the whole mechanism.
#
# This notebook makes that quantitative, with `simvae_core.objectives.mi_bounds` (every bound is a function of one
# `scores` matrix, `scores[i, j] = critic(x_i, y_j)`, positives on the diagonal):
#
# 1. **ground truth** — the MI of correlated Gaussians and its optimal critic, derived with sympy;
# 2. **the bounds** and their optimal critics (InfoNCE, NWJ, TUBA, DV, JS, SMILE, Poole et al.'s $I_\alpha$,
#    Barber–Agakov), derived and checked;
# 3. **Poole et al.'s staircase** (experiment E8): true MI 2 → 10 nats, d = 20, batch 64; each
#    estimator's bias and variance with the analytic and with learned critics;
# 4. **MI in the SSL model** (E9): InfoNCE with the true critic saturates at $\log K$ long before
#    $\sigma^2 \to 0$; then **is maximising MI the mechanism?** (C4) — a SimCLR-style encoder trained past
#    the point where its bound could saturate (does the representation keep changing while the bound is
#    flat?), on style that carries cross-view MI and style that carries none (is style discarded because it
#    carries no MI, or regardless?), and at two temperatures (equal bound, different representations?);
# 5. **MI is invariant to bijections, representation quality is not** (E10; Tschannen et al. 2020);
# 6. **ELBO$_\text{SSL}$'s prior term contains the pointwise MI between views**, without the $\log K$ cap.
#
# Every check is a claim of `simvae_core.claims`: a measured statistic, a reference (a closed form, a
# value from the literature or a control measured in the same run) and a margin written in the code before
# the run. Closed-form and analytic-critic claims are enforced in every profile. Claims about *trained*
# critics and probes need training length: the smoke profile (a few hundred steps, run by `make test`) only
# reports them; `default` and `full` enforce them. Statements that hold by construction (InfoNCE ≤ log K for
# any scores) are unit tests, printed here as derivation lines. The table at the end lists every claim and
# whether it was enforced.

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
import sympy as sp
import torch
from IPython.display import display

import simvae_core as sc
from simvae_core import claims, teaching
from simvae_core.analysis import probes
from simvae_core.learning import critics
from simvae_core.objectives import mi_bounds as bounds
from simvae_core.theory import known_mi
from simvae_core.theory import ssl_model as ssl
from simvae_core.theory.generators import random_orthonormal_columns

# Training length of the staircase (E8: 5 MI steps × 1 500 steps in default), recorded with every figure.
SIZES = {"smoke": dict(steps=750), "default": dict(steps=7_500), "full": dict(steps=20_000)}
run = sc.start_run("03_mutual_information", profile=profile, seed=seed, overrides=overrides, **SIZES[profile])
P = run.profile
# Every network here is small (batches of 64–512): one thread is fastest and does not fight other jobs.
torch.set_num_threads(1)
STEPS = P.steps // 5  # training steps per MI level (staircase) or per setting (other sections)
N_EVAL = min(P.n_samples // 64, 2_000)  # fresh batches of 64 for each analytic-critic estimate
# Claims that a calibration run (strict=False) measured NOT to hold, margins unchanged: id -> why.
NOT_SUPPORTED = {
    "C4.saturate.reached": "final InfoNCE 2.17 [2.14, 2.21] after 4 000 steps, ceiling 2.77",
    "C4.saturate.bound_flat": "the bound still rises by 0.048 [0.041, 0.055] nats over the last quarter",
    "C4.saturate.spread_moves": "log σ²_eff changes by −0.004 [−0.081, 0.073] over the last quarter",
    "C4.style.shared_dropped": "shared style R² rises from 0.51 to 0.65: the encoder keeps style that carries MI",
    "C4.equal_mi.style_differs": "|style R² gap| 0.048 [−0.011, 0.108] at equal bound",
    "C4.e10.mlp_span": "the MLP-probe R² spans 0.036 over the 20 bijections",
}
book = run.claims(strict=strict, not_supported=NOT_SUPPORTED)
t_start = time.perf_counter()


def stream(k):
    """An integer seed for independent random stream k of this run (for `mi` functions taking `seed=`)."""
    return run.generator(k).initial_seed()


def mean_se(values):
    values = np.asarray(values)
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def ci_err(values):
    """(mean, half-width of the 95 % interval over seeds) for error bands; half-width 0 for one seed."""
    e = claims.estimate(values)
    return e.mean, (e.ci[1] - e.ci[0]) / 2


# %% [markdown]
# ## 1 · Ground truth: the MI of correlated Gaussians, derived
#
# Poole et al.'s benchmark draws $x \sim \mathcal N(0, I_d)$ and $y = \rho x + \sqrt{1-\rho^2}\,\varepsilon$. Per
# coordinate the pair is bivariate normal with correlation $\rho$. Its **pointwise MI**
# $\mathrm{pmi}(x, y) = \log \frac{p(x, y)}{p(x)p(y)}$ is the optimal critic of every bound below (up to a
# constant); its mean under $p(x, y)$ is the MI. Both, derived with sympy from the densities:

# %%
xs, ys = sp.symbols("x y", real=True)
rho_s = sp.Symbol("rho", positive=True)
d_s, I_s = sp.symbols("d I", positive=True)


def log_normal(u, var):
    return -sp.log(2 * sp.pi * var) / 2 - u**2 / (2 * var)


log_joint = (
    -sp.log(2 * sp.pi)
    - sp.log(1 - rho_s**2) / 2
    - (xs**2 - 2 * rho_s * xs * ys + ys**2) / (2 * (1 - rho_s**2))
)
pmi_sym = sp.simplify(log_joint - log_normal(xs, 1) - log_normal(ys, 1))
claimed_pmi = -sp.log(1 - rho_s**2) / 2 - (rho_s**2 * xs**2 - 2 * rho_s * xs * ys + rho_s**2 * ys**2) / (
    2 * (1 - rho_s**2)
)
book.compare(
    "C4.gauss.pmi_sympy",
    "sympy: pmi = −½log(1−ρ²) − (ρ²x² − 2ρxy + ρ²y²)/(2(1−ρ²))",
    "number of non-zero symbolic residuals",
    float(sp.simplify(pmi_sym - claimed_pmi) != 0),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)


def expect_quadratic(expr, moments, variables):
    """E[expr] for a polynomial of degree ≤ 2 in `variables`, given E of each monomial."""
    poly = sp.Poly(sp.expand(expr), *variables)
    total = 0
    for powers, coeff in zip(poly.monoms(), poly.coeffs(), strict=True):
        monomial = sp.Mul(*[v**e for v, e in zip(variables, powers, strict=True)])
        total += coeff * (1 if monomial == 1 else moments[monomial])
    return sp.simplify(total)


mi_per_coord = expect_quadratic(pmi_sym, {xs**2: 1, ys**2: 1, xs * ys: rho_s}, (xs, ys))
print("E_p[pmi] per coordinate =", mi_per_coord)
book.compare(
    "C4.gauss.mi_sympy",
    "sympy: I = E_p[pmi] = −½ log(1 − ρ²) per coordinate",
    "number of non-zero symbolic residuals",
    float(sp.simplify(mi_per_coord + sp.log(1 - rho_s**2) / 2) != 0),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)
rho_of_mi = [r for r in sp.solve(sp.Eq(d_s * mi_per_coord, I_s), rho_s) if r.is_positive is not False]
print("ρ(I) =", rho_of_mi)

# The same against simvae_core: rho_to_mi / mi_to_rho, and the critic on random inputs.
f_mi = sp.lambdify((rho_s,), mi_per_coord)
f_rho = sp.lambdify((I_s, d_s), rho_of_mi[0])
grid = [(r, d) for r in (0.05, 0.3, 0.6, 0.9, 0.99) for d in (1, 10, 20)]
err_mi = max(abs(known_mi.rho_to_mi(r, d) - d * f_mi(r)) for r, d in grid)
err_rho = max(abs(known_mi.mi_to_rho(d * f_mi(r), d) - f_rho(d * f_mi(r), d)) for r, d in grid)
book.compare(
    "C4.gauss.mi_rho_package",
    "rho_to_mi, mi_to_rho = the sympy expressions",
    "max |package − sympy| over the grid",
    float(max(err_mi, err_rho)),
    claims.theory("closed form", 0.0),
    margin=1e-12,
    direction="within",
    source="floating-point tolerance 1e-12",
    always=True,
)
f_pmi = sp.lambdify((xs, ys, rho_s), pmi_sym, "numpy")
xg, yg = known_mi.correlated_gaussian(8, 20, mi=6.0, generator=run.generator(1), dtype=torch.float64)
rho6 = known_mi.mi_to_rho(6.0, 20)
sym_scores = f_pmi(xg.numpy()[:, None, :], yg.numpy()[None, :, :], rho6).sum(-1)  # (K, K)
err = np.abs(sym_scores - known_mi.gaussian_log_critic(xg, yg, rho6).numpy()).max()
book.compare(
    "C4.gauss.critic_package",
    "gaussian_log_critic = sympy pmi on all pairs",
    "max |package − sympy| over the K × K pairs",
    float(err),
    claims.theory("closed form", 0.0),
    margin=1e-10,
    direction="within",
    source="floating-point tolerance 1e-10",
    always=True,
)

# %% [markdown]
# In the SSL model two views are such a pair: per coordinate $\mathrm{Var}(z_j) = s^2 + \sigma^2$ and
# $\mathrm{Cov}(z_1, z_2) = s^2$, so $\rho = s^2/(s^2+\sigma^2)$; `ssl.view_mutual_information` is
# `ssl_model.view_mutual_information`, not a copy. We also need, for Section 3, how fast the density ratio's
# second moment grows — it sets the variance of NWJ-type bounds: $\mathbb E_{p(x)p(y)}[(p/q)^2] =
# \mathbb E_p[e^{\mathrm{pmi}}]$, a Gaussian integral (sympy, via the Hessian of the exponent).

# %%
s2_s, sig2_s = sp.symbols("s2 sigma2", positive=True)
rho_ssl = s2_s / (s2_s + sig2_s)
ssl_grid = [(0.15, 1.0), (1.0, 1.0), (0.01, 2.0), (0.5, 0.3)]
err = max(
    abs(ssl.view_mutual_information(10, sg, pv) - 10 * f_mi(float(rho_ssl.subs({s2_s: pv, sig2_s: sg}))))
    for sg, pv in ssl_grid
)
book.compare(
    "C4.gauss.ssl_view_mi",
    "SSL model: view_mutual_information = d · (−½ log(1 − ρ²)), ρ = s²/(s² + σ²)",
    "max |package − sympy| over (σ², s²)",
    float(err),
    claims.theory("closed form", 0.0),
    margin=1e-12,
    direction="within",
    source="floating-point tolerance 1e-12",
    always=True,
)

exponent = sp.expand(log_joint + pmi_sym)  # log[p · p/q], quadratic in (x, y)
hess = -sp.hessian(exponent, (xs, ys))
second_moment = sp.simplify(
    sp.exp(exponent.subs({xs: 0, ys: 0})) * 2 * sp.pi / sp.sqrt(sp.factor(hess.det()))
)
print("E_q[(p/q)²] per coordinate =", second_moment)
book.compare(
    "C4.gauss.ratio_second_moment_sympy",
    "sympy: E_q[(p/q)²] = 1/(1 − ρ²) per coordinate, i.e. exp(2I) over d coordinates",
    "number of non-zero symbolic residuals",
    float(sp.simplify(second_moment - 1 / (1 - rho_s**2)) != 0),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)

# Monte Carlo: the diagonal of the analytic critic averages to I.
for true_mi in (2.0, 10.0):
    rho = known_mi.mi_to_rho(true_mi, 20)
    x_mc, y_mc = known_mi.correlated_gaussian(
        P.n_samples, 20, rho=rho, generator=run.generator(2), dtype=torch.float64
    )
    diag_pmi = f_pmi(x_mc.numpy(), y_mc.numpy(), rho).sum(-1)
    m, se = mean_se(diag_pmi)
    book.compare(
        f"C4.gauss.pmi_mean_mc.I{true_mi:g}",
        f"the sampler's pairs: E_p[pmi] = I by Monte Carlo (I = {true_mi:g} nats, {P.n_samples} draws)",
        "Monte Carlo mean of the sympy pmi",
        float(m),
        claims.theory("I", true_mi),
        margin=5 * se,
        direction="within",
        source="5 Monte Carlo standard errors",
        always=True,
    )

# %% [markdown]
# ## 2 · The bounds, one scores matrix each
#
# With $s_{ij} = f(x_i, y_j)$, $\mathbb E_p$ = mean of the diagonal (positive pairs) and $\mathbb E_q$ = mean
# of the $K(K-1)$ off-diagonal entries (stand-ins for $p(x)p(y)$):
#
# | `simvae_core.objectives.mi_bounds` | value (nats) | optimal critic |
# | --- | --- | --- |
# | `infonce(s)` | $\log K + \frac1K\sum_i [s_{ii} - \log\sum_j e^{s_{ij}}]$ | pmi + c(x) |
# | `tuba(s, b)` | $1 + \mathbb E_p[s-b] - \mathbb E_q[e^{s-b}]$ | pmi + b |
# | `nwj(s)` | `tuba(s, 1)` $= \mathbb E_p[s] - \mathbb E_q[e^{s-1}]$ | pmi + 1 |
# | `dv(s)` | $\mathbb E_p[s] - \log \mathbb E_q[e^s]$ (MINE; not a bound at finite K) | pmi + c |
# | `js(s)` | value `tuba(s, 0)`, gradient of the f-GAN JS objective | pmi |
# | `smile(s, τ)` | value $\mathbb E_p[s] - \log\mathbb E_q[e^{\mathrm{clip}(s,-τ,τ)}]$, gradient of JS | pmi + c |
# | `interpolated(s, α, b)` | Poole et al.'s $I_\alpha$: InfoNCE's leave-one-out baseline mixed with $e^b$ | pmi + b |
# | `ba(s, h)` | $h(X) + \mathbb E_p[\log q(x\mid y)]$ (needs the entropy h(X)) | log p(x \| y) |
#
# **InfoNCE ≤ log K for any critic:** each bracket is a log-softmax, hence ≤ 0. This holds by construction,
# so it is a unit test (`tests/test_mi.py::test_infonce_never_exceeds_log_k`), not a claim; the cell below
# only prints it for a few extreme scores matrices. **Optimal offsets:** with
# $f = \mathrm{pmi} + c$ and $\mathbb E_q[e^{\mathrm{pmi}}] = 1$, TUBA's population value is
# $1 + I + c - b - e^{c-b}$; sympy maximises it over c. The JS objective
# $\mathbb E_p[\log\sigma(f)] + \mathbb E_q[\log(1-\sigma(f))]$ is maximised at $\sigma(f) = p/(p+q)$, i.e.
# $f = \mathrm{pmi}$ with **no** offset: $\partial_c$ at $c = 0$ is
# $\mathbb E_p[\sigma(-\mathrm{pmi})] - \mathbb E_q[\sigma(\mathrm{pmi})] = \int \frac{pq}{p+q} - \int\frac{qp}{p+q} = 0$.
# So a JS-trained critic should be read with `tuba(s, 0)`; Poole et al.'s code reads it with `nwj(s)`,
# which at the JS optimum gives $I - 1/e$ — checked below with the analytic critic.

# %%
c_s, b_s = sp.symbols("c b", real=True)
tuba_value = 1 + I_s + c_s - b_s - sp.exp(c_s - b_s)
c_star = sp.solve(sp.diff(tuba_value, c_s), c_s)
print("TUBA's optimal critic offset c* =", c_star)
book.compare(
    "C4.bounds.tuba_optimum",
    "sympy: TUBA(b) is maximised at critic pmi + b, with value I (NWJ: b = 1)",
    "number of non-zero symbolic residuals (c* ≠ b, value ≠ I)",
    float((c_star != [b_s]) + (sp.simplify(tuba_value.subs(c_s, b_s) - I_s) != 0)),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)

extreme = [
    torch.randn(64, 64, generator=run.generator(3), dtype=torch.float64) * sc_ for sc_ in (0.1, 10, 1e4)
]
perfect = torch.full((64, 64), -1e6, dtype=torch.float64).fill_diagonal_(1e6)
values = [bounds.infonce(s).item() for s in [*extreme, perfect]]
print(
    "derivation (holds for any scores, see tests): max InfoNCE on random, extreme and perfectly separated "
    f"scores {max(values):.6f} ≤ log K = {math.log(64):.6f}"
)

rho2 = known_mi.mi_to_rho(2.0, 20)


def sampler_i2(_, g):
    return known_mi.correlated_gaussian(64, 20, rho=rho2, generator=g, dtype=torch.float64)


def pmi_i2(x, y):
    return known_mi.gaussian_log_critic(x, y, rho2)


slopes = []
for k in range(min(N_EVAL, 500)):
    x_, y_ = sampler_i2(k, run.generator(1000 + k))
    c_ = torch.zeros((), dtype=torch.float64, requires_grad=True)
    bounds.js_fgan(pmi_i2(x_, y_) + c_).backward()
    slopes.append(c_.grad.item())
m, se = mean_se(slopes)
book.compare(
    "C4.bounds.js_offset_zero",
    "JS objective: its optimal critic is pmi with no offset (∂/∂c = 0 at pmi + c, c = 0; I = 2 nats)",
    "Monte Carlo mean of ∂/∂c at c = 0",
    float(m),
    claims.theory("stationary point", 0.0),
    margin=5 * se,
    direction="within",
    source="5 Monte Carlo standard errors",
    always=True,
)
read_nwj = critics.evaluate_critic(pmi_i2, "nwj", sampler_i2, n_batches=N_EVAL, seed=stream(4))
read_js = critics.evaluate_critic(pmi_i2, "js", sampler_i2, n_batches=N_EVAL, seed=stream(4))
(m1, se1), (m2, se2) = mean_se(read_nwj), mean_se(read_js)
book.compare(
    "C4.bounds.js_read_nwj",
    "the JS-optimal critic read with nwj (Poole et al.'s code) gives I − 1/e (true I = 2)",
    "Monte Carlo mean of nwj",
    float(m1),
    claims.theory("I − 1/e", 2 - math.exp(-1)),
    margin=5 * se1,
    direction="within",
    source="5 Monte Carlo standard errors",
    always=True,
)
book.compare(
    "C4.bounds.js_read_tuba0",
    "the JS-optimal critic read with tuba(·, 0) (ours) gives I (true I = 2)",
    "Monte Carlo mean of tuba(·, 0)",
    float(m2),
    claims.theory("I", 2.0),
    margin=5 * se2,
    direction="within",
    source="5 Monte Carlo standard errors",
    always=True,
)

# %% [markdown]
# ## 3 · Poole et al.'s staircase (E8)
#
# Exactly Poole et al.'s task — d = 20, batch K = 64, true MI raised 2 → 4 → 6 → 8 → 10 nats — but, to fit
# a CPU, the separable critic (two 2 × 256 ReLU MLPs, 32-dimensional embeddings), Adam 5·10⁻⁴ and
# `steps / 5` training steps per level (1 500 in `default`). Learned estimators: InfoNCE, NWJ, JS (JS-trained,
# read with `tuba(·, 0)`), SMILE (τ = 5) and $I_\alpha$ (α = 0.01, b = 1). All five see the same stream of
# batches. The **analytic critic** (pmi plus each bound's optimal offset; no training) separates what the
# bound itself does from what learning does; the "TNCE" of the reference table is InfoNCE with this critic.

# %%
MIS = [2.0, 4.0, 6.0, 8.0, 10.0]
D8, K8 = 20, 64
RHOS = [known_mi.mi_to_rho(v, D8) for v in MIS]
LOG_K8 = math.log(K8)
LEARNED = {
    "InfoNCE": ("infonce", {}),
    "NWJ": ("nwj", {}),
    "JS": ("js", {}),
    "SMILE (τ=5)": ("smile", {"clip": 5.0}),
    "Iα (α=0.01)": ("interpolated", {"alpha": 0.01}),
}
H_X = D8 / 2 * math.log(2 * math.pi * math.e)  # h(X) of N(0, I_20), for Barber–Agakov

analytic = {label: [] for label in [*LEARNED, "BA"]}  # label -> per MI level: array of batch estimates
for level, rho in enumerate(RHOS):

    def sampler(_, g, rho=rho):
        return known_mi.correlated_gaussian(K8, D8, rho=rho, generator=g, dtype=torch.float64)

    for label, (name, options) in LEARNED.items():
        offset = bounds.optimal_critic_offset(name, **options)
        analytic[label].append(
            critics.evaluate_critic(
                lambda x, y, rho=rho, offset=offset: known_mi.gaussian_log_critic(x, y, rho) + offset,
                name,
                sampler,
                n_batches=N_EVAL,
                seed=stream(10 + level),  # the same batches for every bound
                **options,
            )
        )
    analytic["BA"].append(
        critics.evaluate_critic(
            lambda x, y, rho=rho: known_mi.gaussian_log_critic(x, y, rho, conditional=True),
            bounds.ba,
            sampler,
            n_batches=N_EVAL,
            seed=stream(10 + level),
            entropy=H_X,
        )
    )


def summary(per_level):
    return [(v.mean(), v.std(ddof=1)) for v in per_level]


table_analytic = pd.DataFrame(
    {label: [f"{m:.2f} ± {s:.2f}" for m, s in summary(v)] for label, v in analytic.items()},
    index=[f"I = {v:g}" for v in MIS],
).T
print(f"analytic critic, mean ± sd over {N_EVAL} batches of {K8}:")
print(table_analytic.to_string())

tnce_table = [1.82, 3.06, 3.74, 4.02, 4.12]  # E8 reference: InfoNCE, analytic critic, by Monte Carlo
tnce = [m for m, _ in summary(analytic["InfoNCE"])]
for true_mi, value, ref in zip(MIS, tnce, tnce_table, strict=True):
    book.compare(
        f"C4.e8.tnce.I{true_mi:g}",
        f"InfoNCE with the analytic critic (TNCE) at I = {true_mi:g} nats = the reference value computed by "
        "Monte Carlo",
        f"mean over {N_EVAL} batches of {K8}",
        float(value),
        claims.theory("the reference value computed by Monte Carlo", ref),
        margin=0.1,
        direction="within",
        source="0.1 nats (the reference's rounding and Monte Carlo error)",
        always=True,
    )
print(
    "derivation (holds for any scores, see tests): max analytic-critic InfoNCE estimate "
    f"{max(v.max() for v in analytic['InfoNCE']):.4f} ≤ log K = {LOG_K8:.4f}"
)
print(f"Barber–Agakov: sd {summary(analytic['BA'])[-1][1]:.3f} at every level")
for (m, sd_), true_mi in zip(summary(analytic["BA"]), MIS, strict=True):
    book.compare(
        f"C4.e8.ba_unbiased.I{true_mi:g}",
        f"Barber–Agakov with the true conditional is unbiased (I = {true_mi:g} nats)",
        f"mean over {N_EVAL} batches",
        float(m),
        claims.theory("I", true_mi),
        margin=5 * sd_ / math.sqrt(N_EVAL),
        direction="within",
        source="5 Monte Carlo standard errors",
        always=True,
    )
for (m, sd_), true_mi in zip(summary(analytic["NWJ"])[:2], MIS, strict=False):
    book.compare(
        f"C4.e8.nwj_unbiased.I{true_mi:g}",
        f"NWJ with its optimal critic 1 + pmi is unbiased at {true_mi:g} nats "
        "(above ~6 nats the sample mean is dominated by rare batches)",
        f"mean over {N_EVAL} batches",
        float(m),
        claims.theory("I", true_mi),
        margin=5 * sd_ / math.sqrt(N_EVAL),
        direction="within",
        source="5 Monte Carlo standard errors",
        always=True,
    )


def rms_sd(per_level, levels=(3, 4)):
    """Spread at 8–10 nats: root mean square of the per-level standard deviations."""
    return math.sqrt(np.mean([per_level[i].std(ddof=1) ** 2 for i in levels]))


ratio = rms_sd(analytic["NWJ"]) / rms_sd(analytic["InfoNCE"])
print(
    f"analytic critic, sd at 8–10 nats: NWJ {rms_sd(analytic['NWJ']):.2f}, InfoNCE {rms_sd(analytic['InfoNCE']):.3f}"
)
book.compare(
    "C4.e8.nwj_sd_ratio_analytic",
    "E8 (analytic critic): sd(NWJ) at 8–10 nats ≥ 3 × sd(InfoNCE)",
    "sd(NWJ) / sd(InfoNCE), rms over 8 and 10 nats",
    float(ratio),
    claims.theory("equal spread", 1.0),
    margin=2.0,
    direction="greater",
    source="fixed before the run: a ratio of at least 3",
    always=True,
)
nwj_sd = [s for _, s in summary(analytic["NWJ"])]
population_sd = [math.sqrt(math.expm1(2 * v) / (K8 * (K8 - 1))) for v in MIS]
print(
    "NWJ, optimal critic: sample sd "
    + " ".join(f"{v:.2f}" for v in nwj_sd)
    + " | leading-order population sd of its E_q term, sqrt((e^{2I} − 1)/(K(K − 1))): "
    + " ".join(f"{v:.3g}" for v in population_sd)
)
book.compare(
    "C4.e8.nwj_sd_I2",
    "NWJ sd with the optimal critic at 2 nats = the reference value computed by Monte Carlo",
    f"sd over {N_EVAL} batches of {K8}",
    float(nwj_sd[0]),
    claims.theory("the reference value computed by Monte Carlo", 0.26),
    margin=0.03,
    direction="within",
    source="0.03 (the reference's rounding and Monte Carlo error)",
    always=True,
)

# %% [markdown]
# **Reading.** With the analytic critic, InfoNCE is pinned below $\log 64 = 4.16$ (1.82 → 4.12: already
# 2.3 nats short at 6 nats of MI), with a *small* spread; NWJ, JS (the same numbers: at the JS optimum
# `tuba(·, 0)` is NWJ at its optimal offset) and BA are unbiased; DV and SMILE overshoot (the log of a
# sample mean is biased upwards, and clipping at τ = 5 removes the large ratios from the partition estimate);
# $I_\alpha$ sits in between. NWJ's spread is the problem: $\mathbb E_q[(p/q)^2] = e^{2I}$ (derived above),
# so its marginal term has a population sd of about $e^I/K$ — **343 nats at 10 nats** — while any finite
# run sees a much smaller *sample* sd because the batches that carry the variance are rare. Our sample sd
# at 10 nats (printed above) therefore differs from the reference run's "≈ 9.3": both are draws of a
# heavy-tailed statistic, not estimates of a finite number; we assert only the robust statements
# (unbiased at low MI, ≥ 3 × InfoNCE's spread at 8–10 nats). That every InfoNCE estimate, analytic or
# learned, stays ≤ log 64 holds by construction for any critic, so it is a unit test, printed here only.
#
# Now the learned critics, trained through the staircase:

# %%
traces = {}
t0 = time.perf_counter()
for k, (label, (name, options)) in enumerate(LEARNED.items()):

    def staircase(step, g):
        return known_mi.correlated_gaussian(K8, D8, rho=RHOS[min(step // STEPS, len(MIS) - 1)], generator=g)

    critic = critics.SeparableCritic(D8, hidden=256, layers=2, embed_dim=32, seed=stream(20 + k))
    traces[label] = critics.train_critic(
        critic, name, staircase, steps=STEPS * len(MIS), lr=5e-4, seed=stream(30), **options
    )
print(f"staircase: {len(LEARNED)} critics × {STEPS * len(MIS)} steps in {time.perf_counter() - t0:.0f} s")

# Statistics over the second half of each level (the critic has adapted to the new MI by then).
learned = {
    label: [tr.reshape(len(MIS), STEPS)[i, STEPS // 2 :] for i in range(len(MIS))]
    for label, tr in traces.items()
}
rows = {}
for label in LEARNED:
    rows[(label, "learned")] = [f"{m:.2f} ± {s:.2f}" for m, s in summary(learned[label])]
    rows[(label, "analytic")] = [f"{m:.2f} ± {s:.2f}" for m, s in summary(analytic[label])]
rows[("BA", "analytic")] = [f"{m:.2f} ± {s:.2f}" for m, s in summary(analytic["BA"])]
table_e8 = pd.DataFrame(rows, index=[f"I = {v:g}" for v in MIS]).T
table_e8.index.names = ["estimator", "critic"]
print(f"E8: mean ± sd (learned: last {STEPS - STEPS // 2} steps of each level; analytic: {N_EVAL} batches)")
print(table_e8.to_string())

print(
    "derivation (holds for any scores, see tests): max learned InfoNCE estimate (float32 training batches) "
    f"{traces['InfoNCE'].max():.4f} ≤ log K = {LOG_K8:.4f}"
)
nce10 = learned["InfoNCE"][-1].mean()
book.compare(
    "C4.e8.nce_saturates",
    "E8: learned InfoNCE at true MI 10 saturates: at least 3.6 nats, within log 64 − 3.6 of log 64",
    "mean over the second half of the last level",
    float(nce10),
    claims.theory("log 64", LOG_K8),
    margin=LOG_K8 - 3.6,
    direction="within",
    source="fixed before the run: ≥ 3.6 nats (≤ log 64 holds by construction)",
)
sd_nwj, sd_nce, sd_smile = (rms_sd(learned[label]) for label in ("NWJ", "InfoNCE", "SMILE (τ=5)"))
print(f"learned critics, sd at 8–10 nats: NWJ {sd_nwj:.2f}, InfoNCE {sd_nce:.3f}, SMILE {sd_smile:.2f}")
book.compare(
    "C4.e8.nwj_sd_ratio_learned",
    "E8: learned sd(NWJ) at 8–10 nats ≥ 3 × sd(InfoNCE)",
    "sd(NWJ) / sd(InfoNCE), rms over 8 and 10 nats",
    float(sd_nwj / sd_nce),
    claims.theory("equal spread", 1.0),
    margin=2.0,
    direction="greater",
    source="fixed before the run: a ratio of at least 3",
)
book.compare(
    "C4.e8.smile_sd_vs_nwj",
    "E8: learned sd(SMILE τ=5) ≤ sd(NWJ) at 8–10 nats",
    "sd(SMILE), rms over 8 and 10 nats",
    float(sd_smile),
    claims.control("learned NWJ's sd", float(sd_nwj)),
    margin=0.0,
    direction="less",
    source="fixed before the run: no larger than NWJ's",
)

# %%
colors = dict(zip([*LEARNED, "BA"], plt.rcParams["axes.prop_cycle"].by_key()["color"], strict=False))
truth_curve = np.repeat(MIS, STEPS)
fig, axes = plt.subplots(1, len(LEARNED), figsize=(16, 3.4), sharey=True)
for ax, (label, trace) in zip(axes, traces.items(), strict=True):
    ax.plot(trace, color=colors[label], alpha=0.25, lw=0.6)
    smooth = pd.Series(trace).ewm(alpha=0.02).mean()
    ax.plot(smooth, color=colors[label], lw=1.5, label="EMA")
    ax.plot(truth_curve, color="k", lw=1.2, label="true MI")
    ax.axhline(LOG_K8, color="k", ls=":", lw=1, label="log 64")
    ax.set_title(label)
    ax.set_xlabel("training step")
    ax.set_ylim(-1, 14)
axes[0].set_ylabel("estimate (nats)")
axes[0].legend(fontsize=8, loc="upper left")
fig.suptitle(
    f"Poole et al.'s staircase: d = {D8}, K = {K8}, separable critic, {STEPS} steps per level", y=1.08
)
run.savefig(fig, "staircase")

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for label in [*LEARNED, "BA"]:
    for kind, source, style in (("learned", learned, "-o"), ("analytic", analytic, "--s")):
        if label not in source:
            continue
        stats = summary(source[label])
        axes[0].plot(
            MIS,
            [m - t for (m, _), t in zip(stats, MIS, strict=True)],
            style,
            color=colors[label],
            ms=4,
            label=f"{label} ({kind})",
        )
        axes[1].plot(MIS, [s**2 for _, s in stats], style, color=colors[label], ms=4)
axes[0].axhline(0, color="k", lw=0.8)
axes[0].plot(MIS, [LOG_K8 - v for v in MIS], color="k", ls=":", lw=1, label="log 64 − I (InfoNCE's cap)")
axes[0].set_xlabel("true MI (nats)")
axes[0].set_ylabel("bias: mean − true MI (nats)")
axes[0].legend(fontsize=7, ncol=2)
axes[1].set_yscale("log")
axes[1].set_xlabel("true MI (nats)")
axes[1].set_ylabel("variance of the estimate (nats²)")
axes[1].set_title("solid: learned critic; dashed: analytic critic")
run.savefig(fig, "bias_variance")

# %% [markdown]
# ## 4 · MI in the SSL model (E9), and what an MI maximiser does to the representation (C4)
#
# Two views of the SSL model, $z_j = y + \varepsilon_j$ with $y \sim \mathcal N(0, I_{10})$,
# $\varepsilon_j \sim \mathcal N(0, \sigma^2 I)$: the true MI grows without bound as $\sigma^2 \to 0$. InfoNCE
# with the true critic $\log p(z_2 \mid z_1)$ (softmax over the conditioning $z_1$'s: `known_mi.ssl_log_critic`)
# is the best any critic can do at that K (the pointwise MI is InfoNCE's optimal critic, a derivation: a
# learned critic's excess over it is only reported). We estimate it by Monte Carlo for six σ², compare
# with a reference table computed independently by Monte Carlo, and learn a separable critic for each σ²
# (on batches of 64, evaluated at 64 and 512).

# %%
D9 = 10
SIGMA2 = [1.0, 0.5, 0.3305, 0.15, 0.05, 0.01]
TABLE_E9 = {  # independent Monte Carlo reference: σ² -> (true I, E[I_NCE] K = 64, its sd, E[I_NCE] K = 512)
    1.0: (1.438, 1.332, 0.174, 1.429),
    0.5: (2.939, 2.501, 0.195, 2.829),
    0.3305: (4.161, 3.186, 0.166, 3.857),
    0.15: (7.056, 3.984, 0.077, 5.529),
    0.05: (11.877, 4.155, 0.013, 6.214),
    0.01: (19.635, 4.159, 0.000, 6.238),
}
KS = (64, 512)


def view_sampler(model, K):
    def sampler(_, g):
        z = model.sample(K, 2, generator=g).z  # (K, 2, d)
        return z[:, 1], z[:, 0]  # scores[i, j] = f(z2_i, z1_j): softmax over the conditioning z1's

    return sampler


ssl_rows = []
for level, s2 in enumerate(SIGMA2):
    model64 = ssl.SSLModel(D9, s2, 1.0, dtype=torch.float64)
    row = {"σ²": s2, "true I": ssl.view_mutual_information(D9, s2, 1.0)}
    for K in KS:
        values = critics.evaluate_critic(
            lambda a, b, s2=s2: known_mi.ssl_log_critic(a, b, s2, 1.0),
            "infonce",
            view_sampler(model64, K),
            n_batches=max(min(P.n_samples // K, 2_000), 20),
            seed=stream(40 + level),
        )
        row[f"analytic K={K}"], row[f"sd K={K}"] = values.mean(), values.std(ddof=1)
        row[f"se K={K}"] = values.std(ddof=1) / math.sqrt(len(values))
    model32 = ssl.SSLModel(D9, s2, 1.0)
    critic = critics.SeparableCritic(D9, hidden=256, layers=2, embed_dim=32, seed=stream(50 + level))
    critics.train_critic(
        critic, "infonce", view_sampler(model32, 64), steps=STEPS, lr=5e-4, seed=stream(60 + level)
    )
    for K, n in zip(KS, (200, 30), strict=True):
        values = critics.evaluate_critic(
            critic, "infonce", view_sampler(model32, K), n_batches=n, seed=stream(70 + level)
        )
        row[f"learned K={K}"], row[f"learned se K={K}"] = mean_se(values)
    ssl_rows.append(row)
ssl_table = pd.DataFrame(ssl_rows)
show = [
    "σ²",
    "true I",
    "analytic K=64",
    "se K=64",
    "analytic K=512",
    "se K=512",
    "learned K=64",
    "learned K=512",
]
print(ssl_table[show].round(4).to_string(index=False))

# %% [markdown]
# **Checks.** The true MI is a closed form (`C4.e9.true_mi`, within the table's rounding 5·10⁻⁴). Our
# analytic-critic estimates are compared with the reference table within **4 standard errors** of our
# mean plus the table's rounding (`C4.e9.table`); the table's own Monte Carlo error is not known, so this
# comparison is reported, not enforced. InfoNCE with the true critic rises as σ² shrinks
# (`C4.e9.monotone`) and saturates: from σ² = 0.05 to 0.01 the MI grows by 7.8 nats and InfoNCE (K = 64)
# by less than **0.01** (`C4.e9.saturation`). That InfoNCE never exceeds log K holds for any scores (a unit
# test of `mi_bounds.infonce`), so it is printed, not claimed.

# %%
err_true = max(abs(r["true I"] - TABLE_E9[r["σ²"]][0]) for r in ssl_rows)
book.compare(
    "C4.e9.true_mi",
    "the view MI of the SSL model, −(d/2) log(1 − ρ²), matches the reference table",
    "max |I − table| (nats)",
    err_true,
    claims.theory("closed form", 0.0),
    margin=5e-4,
    direction="within",
    source="the table's rounding",
    always=True,
)
dev = [(abs(r["analytic K=64"] - TABLE_E9[r["σ²"]][1]) - 4 * r["se K=64"] - 5e-4) for r in ssl_rows] + [
    (abs(r["analytic K=512"] - TABLE_E9[r["σ²"]][3]) - 4 * r["se K=512"] - 5e-4) for r in ssl_rows
]
book.compare(
    "C4.e9.table",
    "analytic-critic InfoNCE (K = 64, 512) matches the reference table",
    "max over entries of |ours − table| − (4 SE + 5e-4) (nats)",
    max(dev),
    claims.theory("agreement", 0.0),
    margin=0.0,
    direction="less",
    source="4 Monte Carlo standard errors of our mean + the table's rounding",
    enforce=False,
    note="the table's own Monte Carlo error is unknown; see the per-entry differences printed below",
)
print(
    "|ours − table| in our standard errors (σ²: K = 64, K = 512): "
    + "; ".join(
        f"{r['σ²']:g}: {abs(r['analytic K=64'] - TABLE_E9[r['σ²']][1]) / r['se K=64']:.1f}, "
        f"{abs(r['analytic K=512'] - TABLE_E9[r['σ²']][3]) / r['se K=512']:.1f}"
        for r in ssl_rows
    )
)
for K in KS:
    col = [r[f"analytic K={K}"] for r in ssl_rows]
    steps_up = [b - a for a, b in zip(col, col[1:], strict=False)]
    book.compare(
        f"C4.e9.monotone.K{K}",
        f"analytic InfoNCE (K = {K}) increases as σ² shrinks",
        "smallest increase between neighbouring σ² (nats)",
        min(steps_up),
        claims.theory("no increase", 0.0),
        margin=0.0,
        direction="greater",
        source="theory: a larger MI gives a larger expected InfoNCE at fixed K",
        always=True,
    )
    print(f"derivation (any scores): max InfoNCE at K = {K} is {max(col):.4f} ≤ log K = {math.log(K):.4f}")
sat = {r["σ²"]: r for r in ssl_rows}
gain_nce = sat[0.01]["analytic K=64"] - sat[0.05]["analytic K=64"]
gain_true = sat[0.01]["true I"] - sat[0.05]["true I"]
book.compare(
    "C4.e9.saturation",
    f"σ² 0.05 → 0.01 adds {gain_true:.1f} nats of MI but almost nothing to InfoNCE (K = 64)",
    "InfoNCE gain (nats)",
    gain_nce,
    claims.theory("no gain", 0.0),
    margin=0.01,
    direction="within",
    source="fixed before the run: 0.01 nats",
    always=True,
)
excess = max(r[f"learned K={K}"] - r[f"analytic K={K}"] for r in ssl_rows for K in KS)
print(
    f"derivation (the pmi is InfoNCE's optimal critic): worst learned − analytic = {excess:+.3f} nats (reported)"
)
learned64 = [r["learned K=64"] for r in ssl_rows]
book.compare(
    "C4.e9.learned_monotone",
    "a learned separable critic's InfoNCE (K = 64) increases as σ² shrinks",
    "smallest increase between neighbouring σ² (nats)",
    min(b - a for a, b in zip(learned64, learned64[1:], strict=False)),
    claims.theory("no increase", 0.0),
    margin=0.01,
    direction="greater",
    source="fixed before the run: a 0.01-nat dip counts as a decrease",
)

# %% [markdown]
# **Live: the log K ceiling.** In JupyterLab, move σ², s², K and d: the views' MI (closed form) against
# InfoNCE with the Bayes critic at that K (Monte Carlo) and its ceiling $\log K$. The bound follows the MI
# while $I \ll \log K$ and flattens at $\log K$ long before σ² → 0; a larger K only raises the ceiling
# logarithmically. In batch runs the cell draws once at the values below (those of the table above, at
# K = 64); nothing here is a claim.

# %%
teaching.mi_explorer(sigma2=0.15, s2=1.0, K=64, d=D9).show()

# %% [markdown]
# ### C4: is maximising MI the mechanism?
#
# Now the learner chooses its representation. Views are decoded by a fixed random injective MLP (10 → 20)
# from a content/style SSL model: five **content** coordinates shared by the two views up to a small noise
# ($s^2 = 1$, $\sigma^2 = 0.01$) and five **style** coordinates, in two variants:
#
# - *unshared style* ($s^2 = 0$, $\sigma^2 = 1$): drawn afresh for each view, it carries **no** cross-view MI;
#   an MI maximiser has no reason to keep it, so discarding it says nothing about MI being the mechanism;
# - *shared style* ($s^2 = 1$, $\sigma^2 = 1$, ρ = ½): partly shared, it carries 5 · ½ log(4/3) = 0.72 nats of
#   cross-view MI; an MI maximiser has reason to keep it — *if* it is not already at its cap.
#
# A SimCLR-style encoder (one shared MLP 20 → 2 × 256 → 16, unit-normalised, cosine similarity / τ) maximises
# InfoNCE on batches of K = 16, so that its ceiling, log 16 = 2.77 nats, sits far below the content's
# 9.8 nats of MI: the bound *can* saturate on content alone. We follow, over 3 seeds, its InfoNCE at
# K = 16, the within-group spread of its representation
# $\sigma^2_\text{eff} = \frac{\mathbb E\,\mathrm{tr\,Cov}(r \mid \text{group})}{\mathrm{tr\,Cov}(\mathbb E[r \mid \text{group}])}$
# and the content and style a linear probe recovers (held-out groups 4 000 / 1 000 / 1 000, strength on
# val, test once), against the same encoder untrained.
#
# **Claims and margins, fixed before the run:**
#
# - `C4.saturate.reached`: the final InfoNCE lies within **0.1** nats of the analytic ceiling (K = 16);
# - `C4.saturate.bound_flat`: over the last quarter of training the bound changes by less than **0.05** nats;
# - `C4.saturate.spread_moves`: over the same quarter, log σ²_eff falls by more than **0.1** (10 %) — the
#   representation keeps changing while the MI estimate is flat; negative control
#   `C4.saturate.spread_moves.frozen`: the same check on the final encoder measured twice (no training);
# - `C4.style.unshared_dropped`: unshared style R² falls below the untrained encoder's by more than **0.1**;
# - `C4.style.shared_dropped`: the same for shared style — C4's prediction (the loss removes what varies
#   within a group, MI or not); `C4.content.kept`: content R² rises over the untrained encoder's by **0.1**;
# - `C4.equal_mi.*` (after Tschannen et al. 2020): at τ = 0.05 and τ = 0.1 (unshared style) the final
#   InfoNCE values agree within **0.1** nats while the style R² differs by more than **0.05**: the bound's value
#   does not determine the representation.

# %%
C4_STEPS = {"smoke": 300, "default": 4_000, "full": 12_000}[profile]
N_CHUNKS, K_C4 = 8, 16
SEEDS = [seed + s for s in range(3 if profile != "smoke" else 1)]
sig_cs = torch.tensor([0.01] * 5 + [1.0] * 5)
C4_DATA = {}
for variant, style_s2 in (("unshared", 0.0), ("shared", 1.0)):
    pri = torch.tensor([1.0] * 5 + [style_s2] * 5)
    model = ssl.SSLModel(10, sig_cs, pri, decoder="mlp", obs_dim=20, seed=stream(80), dtype=torch.float32)
    C4_DATA[variant] = (model, pri, model.sample(6_000, 2, generator=run.generator(81)))
for variant, (_, pri, _) in C4_DATA.items():
    mi_style = ssl.view_mutual_information(5, sig_cs[5:], pri[5:])
    print(
        f"{variant} style: view MI {ssl.view_mutual_information(10, sig_cs, pri):.2f} nats, of it in the style {mi_style:.2f}"
    )


def c4_views(model, K):
    def sampler(_, g):
        x = model.sample(K, 2, generator=g).x  # (K, 2, 20)
        return x[:, 0], x[:, 1]

    return sampler


def ceiling(model, pri, K):
    """Analytic-critic InfoNCE at K: the best any critic can reach."""

    def latents(_, g):
        z = model.sample(K, 2, generator=g).z.double()
        return z[:, 0], z[:, 1]

    crit = lambda a, b: known_mi.ssl_log_critic(a, b, sig_cs.double(), pri.double())  # noqa: E731
    return critics.evaluate_critic(crit, "infonce", latents, n_batches=500, seed=stream(82)).mean()


def encoder_state(encoder, held):
    """σ²_eff and linear-probe R² of content and style of the held-out views' representation."""
    with torch.no_grad():
        r1, r2 = encoder.embed_x(held.x[:, 0]), encoder.embed_x(held.x[:, 1])
    within = 0.5 * (r1 - r2).pow(2).sum(1).mean().item()  # E tr Cov(r | group), two views
    total = torch.cat([r1, r2]).var(0).sum().item()
    splits = [
        (r1[a:b].double(), held.z[a:b, 0].double()) for a, b in ((0, 4_000), (4_000, 5_000), (5_000, 6_000))
    ]
    r2s = probes.linear_probe(*splits, task="regression").params["r2_per_output"]
    return within / (total - within), float(np.mean(r2s[:5])), float(np.mean(r2s[5:]))


def trajectory(variant, tau, s):
    model, _, held = C4_DATA[variant]
    enc = critics.SeparableCritic(
        20,
        hidden=256,
        layers=2,
        embed_dim=16,
        shared=True,
        normalize=True,
        temperature=tau,
        seed=stream(83) + s,
    )
    rows = []
    for chunk in range(N_CHUNKS + 1):
        if chunk:
            critics.train_critic(
                enc,
                "infonce",
                c4_views(model, K_C4),
                steps=C4_STEPS // N_CHUNKS,
                lr=1e-3,
                seed=stream(90 + chunk) + s,
            )
        nce = critics.evaluate_critic(
            enc, "infonce", c4_views(model, K_C4), n_batches=200, seed=stream(89)
        ).mean()
        s2_eff, r2_c, r2_s = encoder_state(enc, held)
        rows.append(
            dict(
                variant=variant,
                τ=tau,
                seed=s,
                step=chunk * (C4_STEPS // N_CHUNKS),
                nce=nce,
                s2_eff=s2_eff,
                content=r2_c,
                style=r2_s,
            )
        )
    return rows, enc


t0 = time.perf_counter()
c4_rows, final_encoders = [], {}
for variant, tau in (("unshared", 0.1), ("shared", 0.1), ("unshared", 0.05)):
    for s in SEEDS:
        rows, final_encoders[(variant, tau, s)] = trajectory(variant, tau, s)
        c4_rows += rows
c4 = pd.DataFrame(c4_rows)
ceil16 = {v: ceiling(m, pri, K_C4) for v, (m, pri, _) in C4_DATA.items()}
print(
    f"protocol: InfoNCE on batches of K = {K_C4}, {C4_STEPS} Adam steps (lr 1e-3) in {N_CHUNKS} chunks, seeds "
    f"{SEEDS}; InfoNCE evaluated on 200 fresh batches of {K_C4}; probes on 6 000 held-out groups; analytic "
    f"ceiling at K = {K_C4}: {ceil16}; {time.perf_counter() - t0:.0f} s"
)
display(
    c4[c4.step.isin([0, N_CHUNKS // 2 * (C4_STEPS // N_CHUNKS), N_CHUNKS * (C4_STEPS // N_CHUNKS)])]
    .groupby(["variant", "τ", "step"])
    .mean(numeric_only=True)
    .drop(columns="seed")
    .round(3)
)


# %%
def at(variant, tau, step, key):
    sub = c4[(c4.variant == variant) & (c4["τ"] == tau) & (c4.step == step)].sort_values("seed")
    return sub[key].to_numpy(float)


CHUNK = C4_STEPS // N_CHUNKS
END, QUARTER = N_CHUNKS * CHUNK, (N_CHUNKS - 2) * CHUNK  # the last recorded step, and a quarter before
book.compare(
    "C4.saturate.reached",
    f"the InfoNCE encoder reaches the bound's ceiling at K = {K_C4} (unshared style)",
    f"final InfoNCE (K = {K_C4})",
    at("unshared", 0.1, END, "nce"),
    claims.theory("analytic-critic ceiling", ceil16["unshared"]),
    margin=0.1,
    direction="within",
    source="fixed before the run: 0.1 nats",
)
book.compare(
    "C4.saturate.bound_flat",
    "over the last quarter of training the InfoNCE bound is flat",
    "InfoNCE change (nats)",
    at("unshared", 0.1, END, "nce") - at("unshared", 0.1, QUARTER, "nce"),
    claims.theory("no change", 0.0),
    margin=0.05,
    direction="within",
    source="fixed before the run: 0.05 nats",
)
spread_change = np.log(at("unshared", 0.1, END, "s2_eff")) - np.log(at("unshared", 0.1, QUARTER, "s2_eff"))
book.compare(
    "C4.saturate.spread_moves",
    "over the same quarter the within-group spread keeps shrinking",
    "change of log σ²_eff",
    spread_change,
    claims.theory("no change", 0.0),
    margin=0.1,
    direction="less",
    source="fixed before the run: a 10 % decrease",
)
frozen = []
for s in SEEDS:  # the final encoder, measured twice: nothing trained in between
    enc, (_, _, held) = final_encoders[("unshared", 0.1, s)], C4_DATA["unshared"]
    frozen.append(
        math.log(encoder_state(enc, held)[0]) - math.log(at("unshared", 0.1, END, "s2_eff")[SEEDS.index(s)])
    )
book.compare(
    "C4.saturate.spread_moves.frozen",
    "negative control: the spread of a frozen encoder keeps shrinking",
    "change of log σ²_eff",
    frozen,
    claims.theory("no change", 0.0),
    margin=0.1,
    direction="less",
    source="the claim's own check",
    expect="fail",
)
for variant in ("unshared", "shared"):
    book.compare(
        f"C4.style.{variant}_dropped",
        f"the InfoNCE encoder discards {variant} style"
        + (" (zero cross-view MI)" if variant == "unshared" else " (0.72 nats of cross-view MI)"),
        "style R² (linear probe)",
        at(variant, 0.1, END, "style"),
        claims.control("untrained encoder", at(variant, 0.1, 0, "style")),
        margin=0.1,
        direction="less",
        source="fixed before the run",
    )
book.compare(
    "C4.content.kept",
    "the InfoNCE encoder learns the content",
    "content R² (linear probe)",
    at("unshared", 0.1, END, "content"),
    claims.control("untrained encoder", at("unshared", 0.1, 0, "content")),
    margin=0.1,
    direction="greater",
    source="fixed before the run",
)
book.compare(
    "C4.content.dropped",
    "negative control: the style-discard check applied to the content",
    "content R² (linear probe)",
    at("unshared", 0.1, END, "content"),
    claims.control("untrained encoder", at("unshared", 0.1, 0, "content")),
    margin=0.1,
    direction="less",
    source="the claim's own check",
    expect="fail",
)
book.compare(
    "C4.equal_mi.bound",
    "τ = 0.05 and τ = 0.1 reach the same InfoNCE",
    "final InfoNCE, τ 0.05 − τ 0.1 (nats)",
    at("unshared", 0.05, END, "nce") - at("unshared", 0.1, END, "nce"),
    claims.theory("equal", 0.0),
    margin=0.1,
    direction="within",
    source="fixed before the run: 0.1 nats",
)
style_gap = at("unshared", 0.05, END, "style") - at("unshared", 0.1, END, "style")
book.compare(
    "C4.equal_mi.style_differs",
    "... while keeping different amounts of style",
    "|style R², τ 0.05 − τ 0.1|",
    np.abs(style_gap),
    claims.theory("equal", 0.0),
    margin=0.05,
    direction="greater",
    source="fixed before the run: 0.05 of R²",
)

fig, axes = plt.subplots(1, 3, figsize=(17, 4.4))
ax = axes[0]
sig_grid = np.array(SIGMA2)
ax.plot(sig_grid, ssl_table["true I"], "k-o", ms=4, label="true $I(z_1; z_2)$")
for K, color in zip(KS, ("C0", "C1"), strict=True):
    ax.plot(
        sig_grid,
        ssl_table[f"analytic K={K}"],
        "-s",
        color=color,
        ms=4,
        label=f"InfoNCE, true critic, K = {K}",
    )
    ax.plot(
        sig_grid, ssl_table[f"learned K={K}"], "o", mfc="none", color=color, label=f"learned critic, K = {K}"
    )
    ax.axhline(math.log(K), color=color, ls=":", lw=1)
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel(r"$\sigma^2$ (style variance; $s^2 = 1$, $d = 10$)")
ax.set_ylabel("nats (dotted: log K)")
ax.set_title("SSL model: MI grows, InfoNCE stops at log K")
ax.legend(fontsize=7)
for ax, key, label in (
    (axes[1], "nce", f"InfoNCE, K = {K_C4} (nats)"),
    (axes[2], "style", "style R² (linear probe)"),
):
    for (variant, tau), colour in zip(
        (("unshared", 0.1), ("shared", 0.1), ("unshared", 0.05)), ("C0", "C3", "C2"), strict=True
    ):
        sub = c4[(c4.variant == variant) & (c4["τ"] == tau)]
        stats_ = sub.groupby("step")[key].apply(lambda v: ci_err(v.tolist())).tolist()
        m = np.array([a for a, _ in stats_])
        e = np.array([b for _, b in stats_])
        steps_ = sorted(sub.step.unique())
        ax.plot(
            steps_, m, "-o", ms=3, color=colour, label=f"{variant} style, τ = {tau:g} ({len(SEEDS)} seeds)"
        )
        ax.fill_between(steps_, m - e, m + e, color=colour, alpha=0.2)
    ax.set_xlabel("training step")
    ax.set_ylabel(label)
    ax.legend(fontsize=7)
for variant, ls in (("unshared", "--"), ("shared", ":")):
    axes[1].axhline(ceil16[variant], color="k", ls=ls, lw=1, label=f"ceiling ({variant})")
axes[1].legend(fontsize=7)
axes[1].set_title("the bound during training (bands: 95 % interval)")
axes[2].set_title("the style kept during training")
run.savefig(fig, "ssl_model_mi")

# %% [markdown]
# **Reading** (numbers of the committed default run, 3 seeds). *Saturation did not happen.* After 4 000
# steps the encoder's InfoNCE is 2.17 [2.14, 2.21] nats against a ceiling of 2.77 at K = 16, still rising
# (+0.048 over the last quarter), and over that quarter the within-group spread no longer shrinks
# (log σ²_eff −0.004 [−0.081, 0.073]). So the phase C4 needs — the bound flat at its cap while the
# representation keeps changing — is **not reached at this budget**, and the notebook cannot say whether it
# exists. *Style is discarded when it carries no MI, and kept when it does.* The unshared style falls from
# R² 0.43 (untrained) to 0.08; the shared style, 0.72 nats of cross-view MI, *rises* from 0.51 to 0.65. That
# is what an MI maximiser does, and it **contradicts** the stronger reading of C4 (that the loss removes
# whatever varies within a group, MI or not) at this budget; C4's weaker reading — InfoNCE is capped at
# log K, so the objective cannot be *measuring* the MI once it exceeds log K — stands on the analytic
# results above. *Equal bound, different representations*: τ = 0.05 and τ = 0.1 reach the same InfoNCE
# (difference 0.015 [−0.021, 0.052]), but their style R² differ by only 0.048 [−0.011, 0.108]: not the
# 0.05 we declared, by its interval. Section 5 shows the cleaner version of Tschannen et al.'s point: equal
# MI by construction (bijections), very different linear-probe quality.
#
# ## 5 · MI is invariant to bijections; representation quality is not (E10)
#
# Take a representation $r = c + n$ of a 5-dimensional content $c \sim \mathcal N(0, I)$ with
# $n \sim \mathcal N(0, 0.1\, I)$: linearly it recovers $R^2 = 1/1.1 = 0.909$ of the content, like the
# InfoNCE encoder of E2. Apply 20 random bijections $B_k = Q_2 \circ \phi_k \circ Q_1$ ($Q$ random rotations;
# $\phi_k$ elementwise $\sinh(a u)$ or $u + a u^3$, $a \sim U(0.5, 2)$ per coordinate). Each $B_k$ is
# invertible, so **every MI is unchanged**: $I(B_k(r); c) = I(r; c) = \tfrac52\log 11 = 6.0$ nats, and for two
# views $I(B_k(r_1); B_k(r_2)) = I(r_1; r_2)$ — an InfoNCE objective cannot prefer $r$ over $B_k(r)$. A linear
# probe can; an MLP probe (`probes.mlp_probe`: one hidden layer of 256, 20 000 training samples in `default`,
# trained until early stopping on the validation split) should not. The probe must be trained to convergence:
# capped at 100 epochs, it was still improving on the heavy-tailed $\sinh$ bijections and lost up to 0.04 R²
# there (span 0.041 in our first default run).

# %%
D10, ETA2 = 5, 0.1
n_train = min(20_000, P.n_samples // 10)
n_hold = max(n_train // 5, 500)
N_BIJ = 4 if profile == "smoke" else 20
MLP_EPOCHS = 30 if profile == "smoke" else 300  # early stopping (patience 10) ends it first
g10 = run.generator(100)
c10 = torch.randn(n_train + 2 * n_hold, D10, generator=g10, dtype=torch.float64)
r10 = c10 + math.sqrt(ETA2) * torch.randn(c10.shape, generator=g10, dtype=torch.float64)
mi_rc = D10 / 2 * math.log1p(1 / ETA2)
print(f"I(r; c) = {mi_rc:.3f} nats for every B_k (closed form; invariant under bijections)")


def make_bijection(k):
    g = run.generator(200 + k)
    q1, q2 = random_orthonormal_columns(D10, D10, g), random_orthonormal_columns(D10, D10, g)
    a = 0.5 + 1.5 * torch.rand(D10, generator=g, dtype=torch.float64)
    kind = ("sinh", "cubic")[k % 2]

    def bijection(u):
        v = u / math.sqrt(1 + ETA2) @ q1.T  # standardise, rotate
        v = torch.sinh(a * v) if kind == "sinh" else v + a * v**3  # strictly increasing per coordinate
        return v @ q2.T

    return bijection, kind


def probe_both(features):
    cut = (0, n_train, n_train + n_hold, n_train + 2 * n_hold)
    splits = [(features[a:b].float(), c10[a:b]) for a, b in zip(cut, cut[1:], strict=False)]
    linear = probes.linear_probe(*splits, task="regression").test
    mlp = probes.mlp_probe(
        *splits, task="regression", hidden=256, grid=[0.0], max_epochs=MLP_EPOCHS, seed=0
    ).test
    return linear, mlp


t0 = time.perf_counter()
bij_rows = [dict(k=0, kind="identity", **dict(zip(("linear", "mlp"), probe_both(r10), strict=True)))]
bijections = {0: lambda u: u}
for k in range(1, N_BIJ + 1):
    bijections[k], kind = make_bijection(k)
    bij_rows.append(
        dict(k=k, kind=kind, **dict(zip(("linear", "mlp"), probe_both(bijections[k](r10)), strict=True)))
    )
bij_table = pd.DataFrame(bij_rows)
print(f"probes on {N_BIJ} bijections in {time.perf_counter() - t0:.0f} s")
print(bij_table.round(3).to_string(index=False))
span_linear = bij_table.linear.max() - bij_table.linear.min()
span_mlp = bij_table.mlp[1:].max() - bij_table.mlp[1:].min()
print(
    f"linear-probe R² {bij_table.linear.min():.3f} … {bij_table.linear.max():.3f}; MLP-probe R² "
    f"{bij_table.mlp[1:].min():.3f} … {bij_table.mlp[1:].max():.3f} (identity {bij_table.mlp[0]:.3f})"
)
book.compare(
    "C4.e10.linear_span",
    "E10: linear-probe R² across bijections spans ≥ 0.2",
    "max − min linear-probe R² (identity and bijections)",
    float(span_linear),
    claims.theory("no spread", 0.0),
    margin=0.2,
    direction="greater",
    source="fixed before the run: 0.2 of R²",
)
book.compare(
    "C4.e10.mlp_span",
    f"E10: MLP-probe R² across the {N_BIJ} bijections varies by ≤ 0.03",
    "max − min MLP-probe R² over the bijections",
    float(span_mlp),
    claims.theory("invariant (no spread)", 0.0),
    margin=0.03,
    direction="within",
    source="fixed before the run: 0.03 of R²",
)

# %% [markdown]
# The MI between two views is the same for every $B_k$; an *estimate* of it depends on the critic. We train
# InfoNCE critics (K = 128) on the views $(B(r_1), B(r_2))$ of three encoders — the identity, and the
# bijections with the lowest and the highest linear R² — with a flexible critic (separable MLPs) and with a
# bilinear one (linear embeddings, the critic of a linear evaluation). The view MI is
# $-\tfrac52\log(1-1/1.1^2) = 4.37$ nats; the analytic critic's InfoNCE at K = 128 is the reference. The MLP
# critics get 4 × `steps / 5` steps: on the heavy-tailed $\sinh$ encoders they are still climbing after
# `steps / 5` (in our first default run the worst encoder's critic stood at 2.25 nats after 1 500 steps,
# against 3.64 for the identity); the table prints both read-outs.

# %%
K10 = 128
rho10 = 1 / (1 + ETA2)
order = bij_table[bij_table.k > 0].sort_values("linear")
chosen = {"identity": 0, "worst linear": int(order.k.iloc[0]), "best linear": int(order.k.iloc[-1])}


def bijected_views(bijection, scale):
    def sampler(_, g):
        c = torch.randn(K10, D10, generator=g, dtype=torch.float64)
        v1, v2 = (
            bijection(c + math.sqrt(ETA2) * torch.randn(c.shape, generator=g, dtype=torch.float64))
            for _ in range(2)
        )
        return (v1 / scale).float(), (v2 / scale).float()

    return sampler


reference = critics.evaluate_critic(
    lambda a, b: known_mi.gaussian_log_critic(a.double(), b.double(), rho10, var=1 + ETA2),
    "infonce",
    bijected_views(lambda u: u, 1.0),
    n_batches=200,
    seed=stream(110),
).mean()
view_mi = known_mi.rho_to_mi(rho10, D10)
mi_rows = []
for label, k in chosen.items():
    scale = bijections[k](r10[:n_train]).std(0)  # per-coordinate standardisation: affine, so also a bijection
    row = {"encoder": label, "k": k, "linear R²": bij_table.linear[k]}
    for critic_name, layers, steps in (("MLP critic", 2, 4 * STEPS), ("bilinear critic", 0, STEPS)):
        critic = critics.SeparableCritic(D10, hidden=128, layers=layers, embed_dim=32, seed=stream(120 + k))
        trace = critics.train_critic(
            critic, "infonce", bijected_views(bijections[k], scale), steps=steps, lr=1e-3, seed=stream(130)
        )
        if layers:  # training-batch estimate over the last 10 % of the first quarter, for comparison
            row["MLP critic @ steps/5"] = trace[STEPS - STEPS // 10 : STEPS].mean()
        row[critic_name] = critics.evaluate_critic(
            critic, "infonce", bijected_views(bijections[k], scale), n_batches=100, seed=stream(140)
        ).mean()
    mi_rows.append(row)
mi_table = pd.DataFrame(mi_rows)
print(f"view MI {view_mi:.3f} nats for every encoder; analytic-critic InfoNCE at K = {K10}: {reference:.3f}")
print(mi_table.round(3).to_string(index=False))
spread_mlp = mi_table["MLP critic"].max() - mi_table["MLP critic"].min()
# Reported, not gated: the MI is invariant exactly (closed form above); how close a *trained* critic gets on a
# heavy-tailed encoder depends on its training length and seed (one pilot reached 3.55 nats on the worst
# encoder, our first full run 3.00, both after 6 000 steps), so this is a statement about estimation.
print(
    "MLP critic: "
    + " / ".join(f"{v:.3f}" for v in mi_table["MLP critic"])
    + f" (analytic {reference:.3f}; at ¼ of training "
    + " / ".join(f"{v:.2f}" for v in mi_table["MLP critic @ steps/5"])
    + ")"
)
book.compare(
    "C4.e10.mlp_critic_spread",
    "E10: a flexible critic estimates the same view MI for every encoder",
    "max − min MLP-critic InfoNCE over the three encoders",
    float(spread_mlp),
    claims.theory("invariant MI (no spread)", 0.0),
    margin=0.15,
    direction="within",
    source="fixed before the run: 0.15 nats",
    enforce=False,
    note="a statement about estimation: the MI is invariant exactly (closed form); how close a trained critic "
    "gets on a heavy-tailed encoder depends on its training length and seed",
)
book.compare(
    "C4.e10.bilinear_drop",
    "E10: a bilinear critic's estimate drops for the worst-linear bijection",
    "bilinear-critic InfoNCE on the worst-linear encoder",
    float(mi_table["bilinear critic"].iloc[1]),
    claims.control("the identity encoder's", float(mi_table["bilinear critic"].iloc[0])),
    margin=0.2,
    direction="less",
    source="fixed before the run: a drop of 0.2 nats",
)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
ax = axes[0]
is_sinh = bij_table.kind == "sinh"
ax.scatter(bij_table.linear[is_sinh], bij_table.mlp[is_sinh], label=r"$\sinh$ bijections", color="C0")
ax.scatter(
    bij_table.linear[bij_table.kind == "cubic"],
    bij_table.mlp[bij_table.kind == "cubic"],
    label="cubic bijections",
    color="C1",
)
ax.scatter(bij_table.linear[:1], bij_table.mlp[:1], marker="*", s=160, color="k", label="identity (r itself)")
ax.plot([0, 1], [0, 1], color="k", ls=":", lw=1)
ax.axhline(1 / (1 + ETA2), color="0.5", ls="--", lw=1, label="Bayes R² = 1/1.1")
ax.set_xlim(0, 1)
ax.set_ylim(0, 1)
ax.set_xlabel("linear-probe R² of content")
ax.set_ylabel("MLP-probe R² of content")
ax.set_title(f"same MI ({mi_rc:.2f} nats) for every point")
ax.legend(fontsize=8, loc="lower right")
ax = axes[1]
xpos = np.arange(len(mi_table))
ax.bar(
    xpos - 0.27,
    mi_table["MLP critic @ steps/5"],
    0.27,
    color="C0",
    alpha=0.4,
    label="MLP critic, ¼ of training",
)
ax.bar(xpos, mi_table["MLP critic"], 0.27, color="C0", label="MLP critic")
ax.bar(xpos + 0.27, mi_table["bilinear critic"], 0.27, color="C1", label="bilinear critic")
ax.axhline(reference, color="k", ls="--", lw=1, label=f"analytic critic (K = {K10})")
ax.axhline(view_mi, color="k", lw=1, label="true view MI")
ax.set_xticks(
    xpos, [f"{e}\n(linear R² {v:.2f})" for e, v in zip(mi_table.encoder, mi_table["linear R²"], strict=True)]
)
ax.set_ylabel("InfoNCE estimate (nats)")
ax.set_title("InfoNCE on the views of each encoder")
ax.set_ylim(min(0, mi_table["bilinear critic"].min() - 0.2), view_mi + 1.5)
ax.legend(fontsize=8, loc="upper right", ncol=2)
run.savefig(fig, "bijections")

# %% [markdown]
# **Reading.** All the encoders hold the same information — an MLP probe recovers the same content from each
# (span ≤ 0.03 once trained to convergence) — but a linear probe, the usual measure of representation
# quality, ranks them very differently. A flexible InfoNCE critic gets close to the same MI on the mildly
# bent encoders, but on the most heavy-tailed one it needs far longer training and still falls short in our
# runs: the MI is invariant, *estimating* it is not equally easy (reported above, not gated).
# Maximising MI between views therefore cannot by itself explain why contrastive encoders are *linearly*
# useful: that comes from the critic's form (a bilinear/cosine score makes the encoder linearise the content,
# as the bilinear critic's lower estimates on bent encoders show) and from what the objective throws away
# (Section 4). This is Tschannen et al.'s (2020) argument, measured.
#
# ## 6 · ELBO$_\text{SSL}$'s prior term and the MI between views
#
# For J = 2 the group prior factorises exactly as
# $$\log p(z_1, z_2) = \log p(z_1) + \log p(z_2) + \mathrm{pmi}(z_1, z_2), \qquad p(z_j) = \mathcal N(0, (s^2+\sigma^2) I),$$
# so ELBO$_\text{SSL}$ = two ordinary VAE ELBOs (prior $\mathcal N(0, (s^2+\sigma^2)I)$) **+ the expected
# pointwise MI of the two views' latents**, $\mathbb E_q[\mathrm{pmi}(z_1, z_2)]$. With $q_j = \mathcal N(\mu_j, \mathrm{diag}\,v_j)$
# the pmi is quadratic, so per coordinate
# $\mathbb E_q[\mathrm{pmi}] = \mathrm{pmi}(\mu_1, \mu_2) - \rho^2 (v_1 + v_2) / (2(1-\rho^2)(s^2+\sigma^2))$,
# and when the latents are the model's own (a point-mass q on the true $z$) its average over the data is
# exactly $I(z_1; z_2) = -\tfrac d2\log(1-\rho^2)$ — that is the definition of the MI, so the cell prints it as a
# derivation line rather than claiming it. InfoNCE with the same optimal critic is
# $\mathbb E[\mathrm{pmi}_{ii}] - \mathbb E_i \log \tfrac1K\sum_j e^{\mathrm{pmi}_{ij}}$: **the same positive term
# minus a log-partition estimate over the negatives** — and that second term is what caps InfoNCE at
# $\log K$. ELBO$_\text{SSL}$ keeps the positive term, with no cap, and replaces the negatives by the marginal
# terms $\log p(z_j) + H[q_j]$ (and the reconstruction), which is what stops its clusters from collapsing.

# %%
z1_s, z2_s, m1_s, m2_s, v1_s, v2_s = sp.symbols("z1 z2 mu1 mu2 v1 v2", real=True)
var_tot = s2_s + sig2_s
zbar = (z1_s + z2_s) / 2
log_p_group = (  # the model's closed form (notebook 01) for J = 2, one coordinate
    -((z1_s - zbar) ** 2 + (z2_s - zbar) ** 2) / (2 * sig2_s)
    - 2 * zbar**2 / (2 * (sig2_s + 2 * s2_s))
    - (2 * sp.log(2 * sp.pi) + sp.log(sig2_s) + sp.log(sig2_s + 2 * s2_s)) / 2
)
coupling = log_p_group - log_normal(z1_s, var_tot) - log_normal(z2_s, var_tot)
pmi_views = pmi_sym.subs({xs: z1_s / sp.sqrt(var_tot), ys: z2_s / sp.sqrt(var_tot), rho_s: rho_ssl})
diff = sp.simplify(sp.expand(coupling - pmi_views))
diff = sp.simplify(sp.expand_log(diff.replace(sp.log, lambda arg: sp.log(sp.factor(arg))), force=True))
book.compare(
    "C4.elbo.coupling_is_pmi_sympy",
    "sympy: log p(z1, z2) − log p(z1) − log p(z2) = pmi of the views, ρ = s²/(s²+σ²)",
    "number of non-zero symbolic residuals",
    float(diff != 0),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)
moments_q = {
    z1_s**2: m1_s**2 + v1_s,
    z2_s**2: m2_s**2 + v2_s,
    z1_s * z2_s: m1_s * m2_s,
    z1_s: m1_s,
    z2_s: m2_s,
}
expected_coupling = expect_quadratic(coupling, moments_q, (z1_s, z2_s))
claimed = pmi_views.subs({z1_s: m1_s, z2_s: m2_s}) - rho_ssl**2 * (v1_s + v2_s) / (
    2 * (1 - rho_ssl**2) * var_tot
)
diff = sp.simplify(expected_coupling - claimed)
book.compare(
    "C4.elbo.expected_pmi_sympy",
    "sympy: E_q[pmi] = pmi(μ1, μ2) − ρ²(v1 + v2)/(2(1 − ρ²)(s² + σ²))",
    "number of non-zero symbolic residuals",
    float(diff != 0),
    claims.theory("closed form", 0.0),
    margin=0.0,
    direction="within",
    source="exact algebra",
    always=True,
)

# The package's exact prior term against the decomposition, on random Gaussian q's (J = 2, d = 10).
g6 = run.generator(150)
mu6 = torch.randn(256, 2, 10, generator=g6, dtype=torch.float64)
var6 = 0.01 + torch.rand(256, 2, 10, generator=g6, dtype=torch.float64)
for s2 in (0.15, 1.0):
    vt = 1.0 + s2
    marginal = (-0.5 * math.log(2 * math.pi * vt) - (mu6**2 + var6) / (2 * vt)).sum((-1, -2))
    rho6 = 1.0 / vt
    e_pmi = known_mi.ssl_log_critic(mu6[:, 0], mu6[:, 1], s2, 1.0, conditional=False).diagonal() - (
        rho6**2 * var6.sum(1) / (2 * (1 - rho6**2) * vt)
    ).sum(-1)
    err = (ssl.expected_log_p_z(mu6, var6, s2, 1.0) - marginal - e_pmi).abs().max().item()
    book.compare(
        f"C4.elbo.prior_term_decomposition.s{s2:g}",
        f"expected_log_p_z = Σ_j E_q log p(z_j) + E_q[pmi] (package, σ² = {s2})",
        "max |package − decomposition| over 256 random q's",
        float(err),
        claims.theory("closed form", 0.0),
        margin=1e-10,
        direction="within",
        source="floating-point tolerance 1e-10",
        always=True,
    )

elbo_rows = []
for level, s2 in enumerate(SIGMA2):
    z = (
        ssl.SSLModel(D9, s2, 1.0, dtype=torch.float64)
        .sample(P.n_samples // 2, 2, generator=run.generator(160 + level))
        .z
    )
    point_mass = torch.zeros_like(z)
    coupling_values = ssl.expected_log_p_z(z, point_mass, s2, 1.0) - (
        -0.5 * math.log(2 * math.pi * (1 + s2)) - z**2 / (2 * (1 + s2))
    ).sum((-1, -2))
    m, se = mean_se(coupling_values.numpy())
    # InfoNCE with the same critic, split into its positive term and its log-partition over the negatives
    sampler = view_sampler(ssl.SSLModel(D9, s2, 1.0, dtype=torch.float64), 64)
    positive, partition, g = [], [], run.generator(170 + level)
    for b in range(100):
        scores = known_mi.ssl_log_critic(*sampler(b, g), s2, 1.0, conditional=False)  # (64, 64) pmi
        positive.append(scores.diagonal().mean().item())
        partition.append((torch.logsumexp(scores, 1) - math.log(64)).mean().item())
    elbo_rows.append(
        {
            "σ²": s2,
            "true I": ssl.view_mutual_information(D9, s2, 1.0),
            "coupling (MC)": m,
            "se": se,
            "InfoNCE K=64": ssl_rows[level]["analytic K=64"],
            "NCE positive": np.mean(positive),
            "NCE positive se": np.std(positive, ddof=1) / math.sqrt(len(positive)),
            "NCE log-partition": np.mean(partition),
        }
    )
elbo_table = pd.DataFrame(elbo_rows)
print(elbo_table.round(4).to_string(index=False))
worst = max(abs(r["coupling (MC)"] - r["true I"]) / r["se"] for r in elbo_rows)
print(
    f"derivation (E[pmi] = I by definition): ELBO_SSL's coupling term with a point-mass q is within {worst:.2f} "
    f"SE of I(z1; z2) at every σ²; at σ² = 0.01: {elbo_rows[-1]['coupling (MC)']:.2f} vs InfoNCE "
    f"{elbo_rows[-1]['InfoNCE K=64']:.2f} (no log K cap)"
)

low_noise = elbo_rows[-1]
print(
    f"at σ² = 0.01: InfoNCE = positive term {low_noise['NCE positive']:.2f} − log-partition "
    f"{low_noise['NCE log-partition']:.2f} = {low_noise['NCE positive'] - low_noise['NCE log-partition']:.2f}"
)
for r in elbo_rows:
    book.compare(
        f"C4.elbo.nce_positive.s{r['σ²']:g}",
        f"InfoNCE's positive term (optimal critic) is the same E[pmi] = I (σ² = {r['σ²']:g}); "
        "its log-partition makes the cap",
        "mean of the diagonal pmi over 100 batches of 64",
        float(r["NCE positive"]),
        claims.theory("I(z1; z2)", r["true I"]),
        margin=5 * r["NCE positive se"],
        direction="within",
        source="5 Monte Carlo standard errors",
        always=True,
    )

fig, ax = plt.subplots(figsize=(5.8, 3.8))
ax.plot(sig_grid, elbo_table["true I"], "k-", label=r"$I(z_1; z_2)$")
ax.plot(
    sig_grid,
    elbo_table["coupling (MC)"],
    "o",
    color="C2",
    label=r"ELBO$_\mathrm{SSL}$ coupling term $\mathbb{E}[\mathrm{pmi}]$ (MC)",
)
ax.plot(sig_grid, elbo_table["InfoNCE K=64"], "-s", color="C0", ms=4, label="InfoNCE, true critic, K = 64")
ax.axhline(LOG_K8, color="C0", ls=":", lw=1)
ax.set_xscale("log")
ax.invert_xaxis()
ax.set_xlabel(r"$\sigma^2$ ($s^2 = 1$, $d = 10$)")
ax.set_ylabel("nats")
ax.set_title("same positive term; only InfoNCE subtracts a capped partition")
ax.legend(fontsize=8)
run.savefig(fig, "elbo_prior_term")

# %% [markdown]
# ## Verdict
#
# **What this budget supports.** The analytic half of C4 holds in every profile: the bounds and their
# optimal critics derived with sympy and checked by Monte Carlo, the staircase's bias and variance, InfoNCE
# saturating at log K long before σ² → 0 (σ² 0.05 → 0.01 adds 7.8 nats of MI and 0.003 nats of InfoNCE),
# MI's invariance to bijections against a linear probe's spread, and ELBO$_\text{SSL}$'s uncapped prior
# term. The reference table of E9 agrees with our estimates within 4 standard errors except at σ² = 1 and
# 0.33 (K = 64), where it is about 0.017 nats low — the table's own Monte Carlo error (reported). The
# trained half is mixed: InfoNCE discards style that carries no cross-view MI and keeps style that does;
# the bound does not saturate within 4 000 steps, so "the representation keeps collapsing after the bound
# is flat" is **not tested** here; equal bounds at two temperatures do not give style retention that differs
# by our margin; the MLP probe's R² over 20 bijections spans 0.036, just over the 0.03 declared.
#
# Every claim above, with its measured value, its reference, its criterion, and whether it was enforced in
# this profile (smoke runs report but do not enforce the claims that need training length), written to
# `verdicts.json` next to the figures.

# %%
with pd.option_context("display.max_colwidth", 90, "display.max_rows", 200):
    display(book.table())
print(book.summary())
print("verdicts written to", book.write())
print(f"runtime {time.perf_counter() - t_start:.0f} s")
print(run.describe())
