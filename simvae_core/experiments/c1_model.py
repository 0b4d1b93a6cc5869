"""C1, the SSL latent-variable model (notebook 01): its derivations, checked against the package.

The model: for each group of J related samples ``y ~ N(0, s² I)``, ``z_j | y ~ N(y, σ² I)``,
``x_j ~ p_θ(x | z_j)``. Every check here is a *derivation* (software and algebra, counted apart from
evidence): a sympy identity, the package against a closed form, a Monte Carlo estimate of a closed form,
an optimisation against its closed-form optimum, or a property that holds by construction.

- :data:`SIZES`                  typed sizes per profile (Monte Carlo draws per check)
- :func:`derive`                 the sympy derivations (group marginal, posterior, MI, ELBO terms, the
  authors' objective), once per run
- runners, one per notebook section, each returning a tidy table of checks (one row per claim: ``claim``,
  ``value``, ``reference``, ``margin`` (NaN where the spec fixes it), ``detail``) and, where a figure
  needs it, a second table: :func:`sampler_checks`, :func:`marginal_checks`, :func:`posterior_checks`,
  :func:`mi_checks`, :func:`elbo_term_checks`, :func:`elbo_bound_checks`, :func:`softmax_checks`,
  :func:`authors_checks`
- :func:`record`                 records a table of checks in a :class:`~simvae_core.claims.ClaimBook`
- figures: :func:`draw_graphical_model`, :func:`draw_groups`, :func:`draw_monte_carlo`,
  :func:`draw_mutual_information`, :func:`draw_softmax`, :func:`draw_entropy_weight`

Runners take ``stream``: a function ``k -> torch.Generator`` of independent seeded streams (the run's
``run.generator``), so a runner reads nothing but its arguments. They compute in float64 (closed forms
agree to ~1e-12) and leave torch's default dtype as they found it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import sympy as sp
import torch

from ..notebook.sizes import RunSizes, SizeTable
from ..specs.c1_model import (
    CALIBRATION_MARGIN,
    MC_GROUPS,
    MI_SIGMA2,
    NEAR_MISS_TAUS,
    SPEC,
)
from ..theory import ssl_model as ssl
from .plots import image_grid, margin

__all__ = [
    "SIZES",
    "SPEC",
    "Derivations",
    "Sizes",
    "authors_checks",
    "calibration_error",
    "derive",
    "draw_entropy_weight",
    "draw_graphical_model",
    "draw_groups",
    "draw_monte_carlo",
    "draw_mutual_information",
    "draw_softmax",
    "elbo_bound_checks",
    "elbo_term_checks",
    "marginal_checks",
    "mi_checks",
    "posterior_checks",
    "record",
    "sample_groups",
    "sampler_checks",
    "softmax_checks",
]

Stream = Callable[[int], torch.Generator]


@dataclass(frozen=True)
class Sizes(RunSizes):
    """``n_mc``: Monte Carlo draws per check (prior draws, pairs, points of the softmax checks).
    ``n_seeds`` is 1: derivations are recorded once per run."""

    n_mc: int


SIZES = SizeTable(
    smoke=Sizes(n_seeds=1, n_mc=20_000),
    default=Sizes(n_seeds=1, n_mc=200_000),
    full=Sizes(n_seeds=1, n_mc=1_000_000),
)

MC_SE = 5  # Monte Carlo tolerance: this many standard errors (the spec's MC_RULE)


@contextmanager
def _float64() -> Iterator[None]:
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)


def _row(claim: str, value: float, reference: float, margin: float = math.nan, detail: str = "", **extra):
    return {
        "claim": claim,
        "value": float(value),
        "reference": float(reference),
        "margin": margin,
        "detail": detail,
        **extra,
    }


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def record(book: Any, checks: pd.DataFrame) -> None:
    """``book.check`` every row of ``checks`` (a margin only where the spec leaves it to the run)."""
    for r in checks.itertuples(index=False):
        margin = None if math.isnan(r.margin) else float(r.margin)
        book.check(r.claim, r.value, r.reference, margin=margin, detail=r.detail)


# ------------------------------------------------------------------------------------------ derivations
def log_normal(x: sp.Expr, mean: sp.Expr, var: sp.Expr) -> sp.Expr:
    """log N(x; mean, var), symbolically."""
    return -((x - mean) ** 2) / (2 * var) - sp.log(2 * sp.pi * var) / 2


def gaussian_expectation(polynomial: sp.Expr, variables, means, variances) -> sp.Expr:
    """E[polynomial] for independent Gaussian variables of degree ≤ 2: E z = μ, E z² = μ² + v."""
    poly = sp.Poly(sp.expand(polynomial), *variables)
    moments = [lambda m, v: 1, lambda m, v: m, lambda m, v: m**2 + v]
    return sp.expand(
        sum(
            coeff * sp.Mul(*[moments[p](m, v) for p, m, v in zip(powers, means, variances, strict=True)])
            for powers, coeff in poly.terms()
        )
    )


@dataclass
class Derivations:
    """The sympy results of notebook 01 (J = 3 views, one coordinate; coordinates are independent)."""

    J: int
    y: sp.Symbol
    zs: tuple[sp.Symbol, ...]
    sigma2: sp.Symbol
    s2: sp.Symbol
    gaussian_integral: sp.Expr  # ∫ exp(−A y² + B y) dy
    log_marginal: dict[str, sp.Expr]  # "gaussian" / "flat": derived log p(z_1:J)
    stated_marginal: dict[str, sp.Expr]  # the closed forms the notebook states
    post_mean: sp.Expr
    post_var: sp.Expr
    mi_views: sp.Expr
    mi_content: sp.Expr
    entropy: sp.Expr
    mus: tuple[sp.Symbol, ...]
    vs: tuple[sp.Symbol, ...]
    expected_prior: sp.Expr  # E_q log p(z_1:J), Gaussian prior
    residual_within: sp.Expr
    residual_mean_sq: sp.Expr
    plug_in_offset: sp.Expr  # flat prior: exact − plug-in
    weight_exact: sp.Expr  # exact weight on z̄² (Gaussian prior)
    entropy_weight_ratio: sp.Expr  # v*(weight π) / v*(weight ½)


def derive(J: int = 3) -> Derivations:
    """Every symbolic derivation of notebook 01 (a few seconds of sympy)."""
    y, B = sp.symbols("y B", real=True)
    A = sp.Symbol("A", positive=True)
    integral = sp.simplify(sp.integrate(sp.exp(-A * y**2 + B * y), (y, -sp.oo, sp.oo)).rewrite(sp.erf))
    zs = sp.symbols(f"z1:{J + 1}", real=True)
    sigma2, s2 = sp.symbols("sigma2 s2", positive=True)

    def integrate_out_y(log_joint: sp.Expr) -> sp.Expr:
        a2, a1, a0 = sp.Poly(sp.expand(log_joint), y).all_coeffs()  # quadratic in y
        return sp.expand_log(a0 + sp.log(integral.subs({A: -a2, B: a1})), force=True)

    log_lik = sum(log_normal(z, y, sigma2) for z in zs)
    marginal = {"gaussian": integrate_out_y(log_normal(y, 0, s2) + log_lik), "flat": integrate_out_y(log_lik)}
    zbar = sum(zs) / J
    within = sum((z - zbar) ** 2 for z in zs)
    stated = {
        "gaussian": -within / (2 * sigma2)
        - J * zbar**2 / (2 * (sigma2 + J * s2))
        - (J * sp.log(2 * sp.pi) + (J - 1) * sp.log(sigma2) + sp.log(sigma2 + J * s2)) / 2,
        "flat": -within / (2 * sigma2) - ((J - 1) * sp.log(2 * sp.pi * sigma2) + sp.log(J)) / 2,
    }
    log_joint = log_normal(y, 0, s2) + log_lik
    cov_views = sp.Matrix([[s2 + sigma2, s2], [s2, s2 + sigma2]])  # (z1, z2), one coordinate
    cov_content = sp.Matrix([[s2, s2], [s2, s2 + sigma2]])  # (y, z1)
    z, mu, v = sp.Symbol("z", real=True), sp.Symbol("mu", real=True), sp.Symbol("v", positive=True)
    q = sp.exp(-((z - mu) ** 2) / (2 * v)) / sp.sqrt(2 * sp.pi * v)
    entropy = sp.simplify(
        sp.integrate(sp.expand(-q * sp.expand_log(sp.log(q), force=True)), (z, -sp.oo, sp.oo))
    )
    mus = sp.symbols(f"mu1:{J + 1}", real=True)
    vs = sp.symbols(f"v1:{J + 1}", positive=True)
    mubar = sum(mus) / J
    e_within = gaussian_expectation(within, zs, mus, vs)
    e_mean_sq = gaussian_expectation(zbar**2, zs, mus, vs)
    offset = sp.simplify(
        sp.logcombine(
            sp.expand(marginal["flat"] - sum(log_normal(zj, zbar, sigma2) for zj in zs)), force=True
        )
    )
    t = sp.Symbol("t", real=True)  # all z_j = z̄ = t: the Gaussian prior's extra term, read off in t²
    prior_part = sp.expand((marginal["gaussian"] - marginal["flat"]).subs({zj: t for zj in zs}))
    c, a = sp.symbols("c a", positive=True)
    v_star = sp.solve(sp.diff(c * sp.log(v) - a * v, v), v)[0]  # optimum of c log v − a v
    return Derivations(
        J=J,
        y=y,
        zs=zs,
        sigma2=sigma2,
        s2=s2,
        gaussian_integral=integral,
        log_marginal=marginal,
        stated_marginal=stated,
        post_mean=sp.simplify(sp.solve(sp.diff(log_joint, y), y)[0]),
        post_var=sp.simplify(-1 / sp.diff(log_joint, y, 2)),
        mi_views=sp.simplify(sp.log(cov_views[0, 0] * cov_views[1, 1] / cov_views.det()) / 2),
        mi_content=sp.simplify(sp.log(cov_content[0, 0] * cov_content[1, 1] / cov_content.det()) / 2),
        entropy=entropy,
        mus=mus,
        vs=vs,
        expected_prior=gaussian_expectation(marginal["gaussian"], zs, mus, vs),
        residual_within=sp.expand(
            e_within - (sum((m - mubar) ** 2 for m in mus) + (1 - sp.Rational(1, J)) * sum(vs))
        ),
        residual_mean_sq=sp.expand(e_mean_sq - (mubar**2 + sum(vs) / J**2)),
        plug_in_offset=offset,
        weight_exact=sp.simplify(-sp.Poly(prior_part, t).coeff_monomial(t**2)),
        entropy_weight_ratio=sp.simplify(v_star.subs(c, sp.pi) / v_star.subs(c, sp.Rational(1, 2))),
    )


def _nonzero(*residuals: sp.Expr) -> int:
    """How many of ``residuals`` sympy cannot simplify to zero."""
    return sum(sp.simplify(r) != 0 for r in residuals)


def _random_inputs(stream: Stream, d: int = 5, n: int = 64, J: int = 3) -> dict[str, torch.Tensor]:
    """Random groups and per-coordinate variances on which the package meets the sympy expressions."""
    g = stream(10)
    return {
        "z": torch.randn(n, J, d, generator=g) * 1.5,  # (n, J, d)
        "sigma2": 0.05 + torch.rand(d, generator=g),  # (d,)
        "prior_var": 0.1 + 2 * torch.rand(d, generator=g),  # (d,)
        "mu": torch.randn(n, J, d, generator=g),
        "var": 0.01 + torch.rand(n, J, d, generator=g),
    }


def _per_coordinate(
    f: Callable, inputs: list[torch.Tensor], sig: torch.Tensor, pri: torch.Tensor
) -> np.ndarray:
    """Σ_k f([input[:, j, k] for j], σ²_k, s²_k) over coordinates (the model factorises over them)."""
    d = sig.shape[0]
    arrays = [x.numpy() for x in inputs]
    return sum(
        f(*[[a[:, j, k] for j in range(a.shape[1])] for a in arrays], sig[k].item(), pri[k].item())
        for k in range(d)
    )


# ------------------------------------------------------------------------------------------- 2 sampler
class GroupSamples(NamedTuple):
    latent: ssl.GroupSample  # 12 groups × 25 views, 2-d latents
    images: ssl.GroupSample  # 4 groups × 6 rendered views


def sample_groups(stream: Stream, sigma2: float = 0.05, prior_var: float = 1.0) -> GroupSamples:
    """Groups drawn from the model: 2-d latents (identity decoder) and rendered blobs (image decoder, 4
    content and 4 style coordinates)."""
    latent = ssl.SSLModel(latent_dim=2, sigma2=sigma2, prior_var=prior_var, decoder="identity")
    pri, sig = ssl.content_style_variances(n_content=4, n_style=4, content_var=1.0, style_var=1.0)
    image = ssl.SSLModel(latent_dim=8, sigma2=sig, prior_var=pri, decoder="image", generator=stream(2))
    return GroupSamples(latent.sample(12, 25, generator=stream(1)), image.sample(4, 6, generator=stream(3)))


def sampler_checks(n_mc: int, stream: Stream, sigma2: float = 0.3, prior_var: float = 2.0) -> pd.DataFrame:
    """The sampler against its parameters: within-group variance σ², variance of y s² (5 standard errors
    of a χ² variance estimate), pure-content coordinates identical within a group, pure-style ones
    uncorrelated across views."""
    with _float64():
        big = ssl.SSLModel(latent_dim=4, sigma2=sigma2, prior_var=prior_var).sample(
            max(n_mc // 4, 2000), 4, generator=stream(4)
        )  # z: (n, 4 views, 4 dims)
        n = big.z.shape[0]
        within = big.z.var(dim=1, unbiased=True).mean().item()  # E Var(z_j | group) = σ²
        between = big.y.var(unbiased=True).item()
        pri, sig = ssl.content_style_variances(n_content=4, n_style=4, content_var=1.0, style_var=1.0)
        img = ssl.SSLModel(latent_dim=8, sigma2=sig, prior_var=pri).sample(2000, 2, generator=stream(5))
        identical = (img.z[:, 0, :4] - img.z[:, 1, :4]).abs().max().item()
        corr = np.corrcoef(img.z[:, 0, 4:].flatten(), img.z[:, 1, 4:].flatten())[0, 1]
    se_within = sigma2 * math.sqrt(2 / (3 * n * 4))  # sd of a χ²₃ variance estimate, pooled over 4 dims
    se_between = prior_var * math.sqrt(2 / (n * 4))
    groups = f"over {n} groups"
    return _table(
        [
            _row("C1.sampler.within_variance", within, sigma2, MC_SE * se_within + 1e-9, groups),
            _row("C1.sampler.content_variance", between, prior_var, MC_SE * se_between + 1e-9, groups),
            _row("C1.sampler.content_identical", identical, 0.0),
            _row("C1.sampler.style_uncorrelated", corr, 0.0),
        ]
    )


# --------------------------------------------------------------------------------------- 3.1 marginal
def mc_log_marginal(z: torch.Tensor, sigma2: float, prior_var: float, n: int, generator: torch.Generator):
    """log E_y[Π_j N(z_j; y, σ²)] for one group ``z (J, d)`` by sampling y from the prior: (estimate, its
    standard error by the delta method)."""
    y = torch.randn(n, z.shape[-1], generator=generator) * math.sqrt(prior_var)  # (n, d)
    log_w = torch.distributions.Normal(y[:, None, :], math.sqrt(sigma2)).log_prob(z).sum((-1, -2))  # (n,)
    est = torch.logsumexp(log_w, 0) - math.log(n)
    w = torch.exp(log_w - log_w.max())
    return est.item(), (w.std() / (w.mean() * math.sqrt(n))).item()


MC_MODEL = {"sigma2": 0.5, "prior_var": 1.0}  # the model of the Monte Carlo checks of sections 3.1-3.2


def _mc_groups(stream: Stream) -> torch.Tensor:
    return ssl.SSLModel(latent_dim=3, **MC_MODEL).sample(MC_GROUPS, 3, generator=stream(11)).z  # (G, 3, 3)


def marginal_checks(der: Derivations, n_mc: int, stream: Stream) -> pd.DataFrame:
    """log p(z_1:J): derived = stated (sympy), package = derived (random groups, per-coordinate
    variances), package = Monte Carlo over the prior (``MC_GROUPS`` groups)."""
    rows = []
    for prior in ("gaussian", "flat"):
        residual = sp.logcombine(sp.expand(der.log_marginal[prior] - der.stated_marginal[prior]), force=True)
        rows.append(_row(f"C1.marginal.sympy_{prior}", _nonzero(residual), 0.0))
    with _float64():
        x = _random_inputs(stream)
        for prior in ("gaussian", "flat"):
            f = sp.lambdify((der.zs, der.sigma2, der.s2), der.log_marginal[prior], "numpy")
            pri = x["prior_var"] if prior == "gaussian" else torch.ones_like(x["prior_var"])
            ours = ssl.log_p_z(x["z"], x["sigma2"], x["prior_var"] if prior == "gaussian" else None).numpy()
            err = np.abs(_per_coordinate(f, [x["z"]], x["sigma2"], pri) - ours).max()
            rows.append(
                _row(f"C1.marginal.package_{prior}", err, 0.0, detail=f"over {len(ours)} random groups")
            )
        for i, z in enumerate(_mc_groups(stream)):
            est, se = mc_log_marginal(z, MC_MODEL["sigma2"], MC_MODEL["prior_var"], n_mc, stream(12 + i))
            exact = ssl.log_p_z(z[None], **MC_MODEL).item()
            rows.append(_row(f"C1.marginal.mc.group{i}", est, exact, MC_SE * se, f"{n_mc} prior draws"))
    return _table(rows)


# -------------------------------------------------------------------------------------- 3.2 posterior
def posterior_checks(der: Derivations, n_mc: int, stream: Stream) -> pd.DataFrame:
    """p(y | z_1:J): sympy = stated closed form, package = sympy, and self-normalised importance sampling
    from the prior against the closed-form mean (one group; 5 standard errors from the effective sample
    size)."""
    J, zbar = der.J, sum(der.zs) / der.J
    stated_mean = J * der.s2 * zbar / (der.sigma2 + J * der.s2)
    stated_var = der.sigma2 * der.s2 / (der.sigma2 + J * der.s2)
    rows = [_row("C1.posterior.sympy", _nonzero(der.post_mean - stated_mean, der.post_var - stated_var), 0.0)]
    with _float64():
        x = _random_inputs(stream)
        post = ssl.posterior_y(x["z"], x["sigma2"], x["prior_var"])
        f_mean = sp.lambdify((der.zs, der.sigma2, der.s2), der.post_mean, "numpy")
        zn, sig, pri = x["z"].numpy(), x["sigma2"].numpy(), x["prior_var"].numpy()
        mean = np.stack(
            [f_mean([zn[:, j, k] for j in range(J)], sig[k], pri[k]) for k in range(len(sig))], -1
        )
        var = np.array(
            [float(der.post_var.subs({der.sigma2: s, der.s2: p})) for s, p in zip(sig, pri, strict=True)]
        )
        err = max(np.abs(mean - post.mean.numpy()).max(), np.abs(var - post.var.numpy()).max())
        rows.append(_row("C1.posterior.package", err, 0.0))
        z = _mc_groups(stream)[0]  # (3 views, 3 dims)
        y = torch.randn(n_mc, 3, generator=stream(30)) * math.sqrt(MC_MODEL["prior_var"])
        log_w = (
            torch.distributions.Normal(y[:, None, :], math.sqrt(MC_MODEL["sigma2"])).log_prob(z).sum((-1, -2))
        )
        w = torch.softmax(log_w, 0)[:, None]
        exact = ssl.posterior_y(z[None], **MC_MODEL)
        se = (exact.var.sqrt() / math.sqrt(1 / (w**2).sum().item())).max().item()
        diff = ((w * y).sum(0) - exact.mean[0]).abs().max().item()
    rows.append(_row("C1.posterior.importance_sampling", diff, 0.0, MC_SE * se, f"{n_mc} prior draws"))
    return _table(rows)


# ----------------------------------------------------------------------------------------------- 3.3 MI
def mi_checks(der: Derivations, n_mc: int, stream: Stream, d: int = 10) -> pd.DataFrame:
    """I(z1; z2) and I(y; z1): sympy = stated, package = sympy, and the Monte Carlo mean of the pointwise
    MI ``log p(z1, z2) − log p(z1) − log p(z2)`` against the closed form at each σ² of ``MI_SIGMA2``
    (rows carry ``sigma2``, ``se`` and ``content``, I(y; z1), for the figure)."""
    rho = der.s2 / (der.s2 + der.sigma2)
    rows = [
        _row("C1.mi.views_sympy", _nonzero(sp.exp(2 * der.mi_views) - 1 / (1 - rho**2)), 0.0),
        _row("C1.mi.content_sympy", _nonzero(sp.exp(2 * der.mi_content) - (1 + der.s2 / der.sigma2)), 0.0),
    ]
    with _float64():
        x = _random_inputs(stream)
        sig, pri = x["sigma2"].numpy(), x["prior_var"].numpy()
        f_views = sp.lambdify((der.sigma2, der.s2), der.mi_views, "numpy")
        f_content = sp.lambdify((der.sigma2, der.s2), der.mi_content, "numpy")
        err = max(
            abs(f_views(sig, pri).sum() - ssl.view_mutual_information(len(sig), x["sigma2"], x["prior_var"])),
            abs(
                f_content(sig, pri).sum()
                - ssl.content_mutual_information(len(sig), x["sigma2"], x["prior_var"])
            ),
        )
        rows.append(_row("C1.mi.package", err, 0.0))
        for s in MI_SIGMA2:
            pair = ssl.SSLModel(latent_dim=d, sigma2=s, prior_var=1.0).sample(n_mc, 2, generator=stream(40))
            pmi = (
                ssl.log_p_z(pair.z, s, 1.0)
                - ssl.log_p_z(pair.z[:, :1], s, 1.0)
                - ssl.log_p_z(pair.z[:, 1:], s, 1.0)
            )
            se = pmi.std().item() / math.sqrt(n_mc)
            rows.append(
                _row(
                    f"C1.mi.mc.s{s:g}",
                    pmi.mean().item(),
                    ssl.view_mutual_information(d, s, 1.0),
                    MC_SE * se,
                    f"over {n_mc} pairs",
                    sigma2=s,
                    se=se,
                    content=ssl.content_mutual_information(d, s, 1.0),
                )
            )
    return _table(rows)


# ------------------------------------------------------------------------------------- 3.4 ELBO terms
def elbo_term_checks(der: Derivations, n_mc: int, stream: Stream) -> pd.DataFrame:
    """The terms of ELBO_SSL: the Gaussian entropy and the two moments of the prior term (sympy), the
    package's exact E_q log p(z_1:J) against sympy and against Monte Carlo over q (two groups), and the
    VAE as the case J = 1 against ``torch.distributions``."""
    J = der.J
    v = next(s for s in der.entropy.free_symbols if s.name == "v")
    rows = [
        _row("C1.elbo.entropy_sympy", _nonzero(der.entropy - (sp.log(v) + sp.log(2 * sp.pi) + 1) / 2), 0.0),
        _row("C1.elbo.within_sympy", _nonzero(der.residual_within), 0.0),
        _row("C1.elbo.mean_sq_sympy", _nonzero(der.residual_mean_sq), 0.0),
    ]
    with _float64():
        x = _random_inputs(stream)
        mu, var, sig, pri = x["mu"], x["var"], x["sigma2"], x["prior_var"]
        f = sp.lambdify((der.mus, der.vs, der.sigma2, der.s2), der.expected_prior, "numpy")
        err = np.abs(
            _per_coordinate(f, [mu, var], sig, pri) - ssl.expected_log_p_z(mu, var, sig, pri).numpy()
        ).max()
        rows.append(_row("C1.elbo.prior_term_package", err, 0.0, detail=f"over {len(mu)} random q's"))
        for i in range(2):
            zq = mu[i] + var[i].sqrt() * torch.randn(n_mc, J, mu.shape[-1], generator=stream(50 + i))
            vals = ssl.log_p_z(zq, sig, pri)
            exact = ssl.expected_log_p_z(mu[i : i + 1], var[i : i + 1], sig, pri).item()
            margin = MC_SE * vals.std().item() / math.sqrt(n_mc)
            rows.append(
                _row(
                    f"C1.elbo.prior_term_mc.group{i}",
                    vals.mean().item(),
                    exact,
                    margin,
                    f"over {n_mc} draws from q",
                )
            )
        mu1, var1 = mu[:, :1], var[:, :1]  # J = 1, and s² + σ² = 1: the standard normal prior
        ours = 0.5 * (var1.log() + math.log(2 * math.pi) + 1).sum((-1, -2)) + ssl.expected_log_p_z(
            mu1, var1, 0.3, 0.7
        )
        q1 = torch.distributions.Normal(mu1, var1.sqrt())
        torch_kl = torch.distributions.kl_divergence(q1, torch.distributions.Normal(0.0, 1.0)).sum((-1, -2))
        err = (ours + torch_kl).abs().max().item()
    rows.append(_row("C1.elbo.vae_special_case", err, 0.0, detail=f"over {len(mu)} random q's"))
    return _table(rows)


BOUND_MODEL = {"noise_var": 0.1, "sigma2": 0.15, "prior_var": 1.0, "J": 2, "d": 4}


def _elbo_identity(x: torch.Tensor, mu: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
    """ELBO_SSL (B,) for the identity decoder with Gaussian noise: reconstruction + entropy + prior term."""
    m = BOUND_MODEL
    recon = (
        -((x - mu) ** 2 + var) / (2 * m["noise_var"]) - 0.5 * math.log(2 * math.pi * m["noise_var"])
    ).sum((-1, -2))
    entropy = 0.5 * (var.log() + math.log(2 * math.pi) + 1).sum((-1, -2))
    return recon + entropy + ssl.expected_log_p_z(mu, var, m["sigma2"], m["prior_var"])


def elbo_bound_checks(
    stream: Stream, n_groups: int = 256, n_random: int = 20, steps: int = 600
) -> pd.DataFrame:
    """ELBO_SSL ≤ log p(x_1:J), exact for the identity decoder with noise (x is again an SSL model, of
    style variance σ² + σ_x²): for ``n_random`` random q's, and for q optimised by Adam, whose gap must stay
    ≥ 0 and be small (only what a per-view q cannot represent)."""
    m = BOUND_MODEL
    with _float64():
        model = ssl.SSLModel(
            latent_dim=m["d"], sigma2=m["sigma2"], prior_var=m["prior_var"], noise_var=m["noise_var"]
        )
        x = model.sample(n_groups, m["J"], generator=stream(60)).x  # (B, J, d)
        log_px = ssl.log_p_z(x, m["sigma2"] + m["noise_var"], m["prior_var"])
        g = stream(61)
        worst = max(
            (
                _elbo_identity(
                    x,
                    x + 0.3 * torch.randn(x.shape, generator=g),
                    0.01 + 0.2 * torch.rand(x.shape, generator=g),
                )
                - log_px
            )
            .max()
            .item()
            for _ in range(n_random)
        )
        mu, log_var = x.clone().requires_grad_(True), torch.full_like(x, -3.0).requires_grad_(True)
        opt = torch.optim.Adam([mu, log_var], lr=0.05)
        for _ in range(steps):
            opt.zero_grad()
            (-_elbo_identity(x, mu, log_var.exp()).sum()).backward()
            opt.step()
        gap = (log_px - _elbo_identity(x, mu, log_var.exp())).detach()
    return _table(
        [
            _row("C1.elbo.lower_bound", worst, 0.0, detail=f"{n_random} q's × {n_groups} groups"),
            _row("C1.elbo.optimised_gap_nonnegative", gap.min().item(), -1e-6, detail=f"{n_groups} groups"),
            _row("C1.elbo.optimised_gap_small", gap.mean().item(), 0.0, detail=f"{n_groups} groups"),
        ]
    )


# ------------------------------------------------------------------------------- 4 softmax = posterior
def calibration_error(
    probs: torch.Tensor, labels: torch.Tensor, bins: int = 15
) -> tuple[float, pd.DataFrame]:
    """Expected calibration error of the top class over ``bins`` equal-width confidence bins, and the
    reliability table (``confidence``, ``accuracy``, ``weight`` per non-empty bin)."""
    conf, pred = probs.max(-1)
    correct = (pred == labels).double()
    edges = torch.linspace(0, 1, bins + 1)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            rows.append(
                {
                    "confidence": conf[mask].mean().item(),
                    "accuracy": correct[mask].mean().item(),
                    "weight": mask.double().mean().item(),
                }
            )
    table = pd.DataFrame(rows)
    return float((table.weight * (table.accuracy - table.confidence).abs()).sum()), table


class SoftmaxResult(NamedTuple):
    checks: pd.DataFrame
    cross_entropy: pd.DataFrame  # ratio (τ/σ²), nll
    reliability: pd.DataFrame  # ratio, ece, confidence, accuracy, weight (one row per bin)


SOFTMAX_MODEL = {"K": 16, "d": 8, "sigma2": 0.15}
RATIOS = 2.0 ** np.linspace(-2, 2, 41)  # τ/σ² grid of the cross-entropy (steps of 2^0.1)


def softmax_checks(n_mc: int, stream: Stream) -> SoftmaxResult:
    """K unit-norm centres, ``n_mc`` points z = y_i + N(0, σ² I): the Bayes posterior over groups equals
    the instance-discrimination softmax at τ = σ² (any z; here model draws and their unit-norm versions),
    the softmax cross-entropy is minimised at τ = σ² on the grid :data:`RATIOS`, the softmax is calibrated
    there, and (negative controls) not at the near-miss temperatures ``NEAR_MISS_TAUS``."""
    K, d, sig = SOFTMAX_MODEL["K"], SOFTMAX_MODEL["d"], SOFTMAX_MODEL["sigma2"]
    with _float64():
        centres = torch.nn.functional.normalize(torch.randn(K, d, generator=stream(70)), dim=-1)
        labels = torch.randint(K, (n_mc,), generator=stream(71))
        z = centres[labels] + math.sqrt(sig) * torch.randn(n_mc, d, generator=stream(72))  # (n, d)
        identity = max(
            (
                ssl.posterior_over_groups(p, centres, sig)
                - ssl.instance_discrimination_softmax(p, centres, temperature=sig)
            )
            .abs()
            .max()
            .item()
            for p in (z, torch.nn.functional.normalize(z, dim=-1))
        )
        nll = [
            -ssl.instance_discrimination_softmax(z, centres, temperature=sig * r)[torch.arange(n_mc), labels]
            .clamp_min(1e-300)
            .log()
            .mean()
            .item()
            for r in RATIOS
        ]
        parts = []
        ece = {}
        for r in sorted({0.25, *NEAR_MISS_TAUS, 1.0, 4.0}):
            ece[r], curve = calibration_error(
                ssl.instance_discrimination_softmax(z, centres, temperature=sig * r), labels
            )
            parts.append(curve.assign(ratio=r, ece=ece[r]))
    points = f"{n_mc} points"
    rows = [
        _row("C1.bayes.softmax_identity", identity, 0.0, detail=f"{2 * n_mc} points"),
        _row("C1.bayes.cross_entropy_argmin", math.log2(RATIOS[int(np.argmin(nll))]), 0.0, detail=points),
        _row("C1.bayes.calibrated", ece[1.0], 0.0, detail=points),
        *(_row(f"C1.bayes.calibrated.tau_{r:g}sigma2", ece[r], 0.0, detail=points) for r in NEAR_MISS_TAUS),
        _row("C1.bayes.calibrated_best", ece[1.0], min(ece[r] for r in NEAR_MISS_TAUS), detail=points),
    ]
    return SoftmaxResult(
        _table(rows), pd.DataFrame({"ratio": RATIOS, "nll": nll}), pd.concat(parts, ignore_index=True)
    )


# --------------------------------------------------------------------------------- 5 authors' objective
class AuthorsResult(NamedTuple):
    checks: pd.DataFrame
    optimum: pd.DataFrame  # decoder strength w²/σ_x², v* exact, v* authors, ratio


AUTHORS_MODEL = {"sigma2": 0.15, "prior_var": 1.0, "J": 2}
DECODER_STRENGTHS = (0.0, 1.0, 10.0, 100.0)  # w²/σ_x²: the pull of a linear-Gaussian decoder on v


def authors_checks(der: Derivations, stream: Stream) -> AuthorsResult:
    """The authors' objective against the exact one: with the flat prior the plug-in y = z̄ differs by a
    constant in z; with the Gaussian prior the weight on ‖z̄‖² is J/(2(σ²+J s²)), not ½; the entropy
    weight π multiplies the optimal posterior variance by 2π (sympy, then L-BFGS on the package's prior
    term with a linear-Gaussian decoder term of each strength in ``DECODER_STRENGTHS``)."""
    m = AUTHORS_MODEL
    rows = [
        _row(
            "C1.authors.flat_plug_in_constant",
            sum(sp.simplify(sp.diff(der.plug_in_offset, z)) != 0 for z in der.zs),
            0.0,
        ),
        _row(
            "C1.authors.gaussian_prior_weight",
            _nonzero(der.weight_exact - sp.Rational(der.J) / (2 * (der.sigma2 + der.J * der.s2))),
            0.0,
        ),
        _row("C1.authors.entropy_weight_sympy", _nonzero(der.entropy_weight_ratio - 2 * sp.pi), 0.0),
    ]
    with _float64():
        strength = torch.tensor(DECODER_STRENGTHS)  # one per coordinate
        mu = torch.randn(32, m["J"], len(DECODER_STRENGTHS), generator=stream(80))
        v_opt = {}
        for name, weight in (("exact", 0.5), ("authors", math.pi)):
            log_v = torch.zeros_like(mu, requires_grad=True)
            opt = torch.optim.LBFGS([log_v], lr=1, max_iter=200, line_search_fn="strong_wolfe")

            def closure(log_v=log_v, opt=opt, weight=weight):
                opt.zero_grad()
                v = log_v.exp()
                loss = -(
                    weight * log_v.sum()
                    + ssl.expected_log_p_z(mu, v, m["sigma2"], m["prior_var"]).sum()
                    - (v * strength / 2).sum()
                )
                loss.backward()
                return loss

            opt.step(closure)
            v_opt[name] = log_v.detach().exp().mean((0, 1)).numpy()
    ratio = v_opt["authors"] / v_opt["exact"]
    rows.append(_row("C1.authors.entropy_weight_optimised", np.abs(ratio - 2 * math.pi).max(), 0.0))
    optimum = pd.DataFrame(
        {
            "w²/σ_x²": DECODER_STRENGTHS,
            "v* exact": v_opt["exact"],
            "v* authors": v_opt["authors"],
            "ratio": ratio,
        }
    )
    return AuthorsResult(_table(rows), optimum)


def optimal_posterior_variance(
    sigma2: float, J: int = 2, prior_var: float = 1.0, weight: float = 0.5
) -> float:
    """v* = weight / a without a decoder term, a = −∂E_q log p(z_1:J)/∂v_j (the prior term is linear in v,
    so autograd at any v gives the slope)."""
    with _float64():
        v = torch.ones(1, J, 1, requires_grad=True)
        ssl.expected_log_p_z(torch.zeros(1, J, 1), v, sigma2, prior_var).sum().backward()
        return weight / -v.grad[0, 0, 0].item()


# ---------------------------------------------------------------------------------------------- figures
def draw_graphical_model(ax: Any) -> None:
    """The plate diagram y → z_j → x_j, j = 1..J, inside a plate of groups."""
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 5)
    ax.axis("off")
    nodes = {"y": (1.5, 2.5), "z": (4.8, 2.5), "x": (8.0, 2.5)}
    for key, (cx, cy) in nodes.items():
        face = "0.8" if key == "x" else "white"  # x is observed
        ax.add_patch(plt.Circle((cx, cy), 0.62, facecolor=face, edgecolor="k", lw=1.5))
        ax.text(
            cx, cy, {"y": r"$y$", "z": r"$z_j$", "x": r"$x_j$"}[key], ha="center", va="center", fontsize=15
        )
    for a, b, label in (("y", "z", r"$\mathcal{N}(y,\sigma^2 I)$"), ("z", "x", r"$p_\theta(x\mid z)$")):
        (x0, y0), (x1, _) = nodes[a], nodes[b]
        ax.annotate(
            "", xy=(x1 - 0.66, y0), xytext=(x0 + 0.66, y0), arrowprops={"arrowstyle": "-|>", "lw": 1.5}
        )
        ax.text((x0 + x1) / 2, y0 + 0.45, label, ha="center", fontsize=10)
    ax.add_patch(plt.Rectangle((3.7, 1.3), 5.4, 2.6, fill=False, lw=1.2))
    ax.text(8.95, 1.45, r"$j = 1..J$", ha="right", fontsize=10)
    ax.add_patch(plt.Rectangle((0.4, 0.5), 9.0, 4.0, fill=False, lw=1.2))
    ax.text(9.25, 0.65, "groups", ha="right", fontsize=10)
    ax.text(1.5, 1.55, r"$\mathcal{N}(0, s^2 I)$", ha="center", fontsize=10)


def draw_groups(fig: Any, samples: GroupSamples) -> None:
    """Left: 2-d latents of 12 groups with their y (×); right: rendered views, one group per row."""
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.45])
    ax = left.subplots()
    for z, y in zip(samples.latent.z, samples.latent.y, strict=True):
        ax.scatter(z[:, 0].numpy(), z[:, 1].numpy(), s=10, alpha=0.7)
        ax.scatter(*y.numpy(), marker="x", color="k", s=30)
    ax.set_title(r"latents $z_j$ of 12 groups; × = their $y$")
    ax.set_aspect("equal")
    x = samples.images.x  # (4 groups, 6 views, C, H, W)
    image_grid(right.subplots(), x.reshape(-1, *x.shape[2:]).numpy(), nrow=x.shape[1])
    right.suptitle(
        "rendered views: a row shares its shape (content); position, scale, intensity vary", fontsize=10
    )


def draw_mutual_information(ax: Any, mi: pd.DataFrame, d: int = 10) -> None:
    """I(z1; z2) and I(y; z1) against σ² (s² = 1), with the Monte Carlo estimates and their ±5 SE margins."""
    grid = np.logspace(-2.2, 0.5, 100)
    ax.plot(grid, [ssl.view_mutual_information(d, s, 1.0) for s in grid], label=r"$I(z_1; z_2)$")
    ax.plot(grid, [ssl.content_mutual_information(d, s, 1.0) for s in grid], "--", label=r"$I(y; z_1)$")
    mc = mi.dropna(subset=["sigma2"])
    ax.errorbar(
        mc.sigma2, mc.value, yerr=mc.margin, fmt="o", color="k", ms=4, label="Monte Carlo (margin ±5 SE)"
    )
    for k in (64, 512):  # InfoNCE with K candidates can never exceed log K (notebook 03)
        ax.axhline(math.log(k), color="0.5", lw=0.8, ls=":")
        ax.text(grid[-1], math.log(k) + 0.2, f"log {k}", ha="right", fontsize=8, color="0.4")
    ax.set_xscale("log")
    ax.set_xlabel(rf"style variance $\sigma^2$ ($s^2 = 1$, $d = {d}$)")
    ax.set_ylabel("nats")
    ax.legend(fontsize=8)


def draw_softmax(axes: Any, result: SoftmaxResult) -> None:
    """Cross-entropy against τ/σ² with the argmin's margin; reliability curves; ECE per τ with its margin."""
    ce, rel = result.cross_entropy, result.reliability
    axes[0].plot(ce.ratio, ce.nll)
    axes[0].axvspan(2**-0.1, 2**0.1, color="k", alpha=0.1, lw=0, label="margin: one grid step")
    axes[0].set_xscale("log", base=2)
    axes[0].set(xlabel=r"$\tau / \sigma^2$", ylabel="cross-entropy (nats)", title="minimised at τ = σ²")
    axes[0].legend(fontsize=8)
    for r in (0.25, 1.0, 4.0):
        part = rel[rel.ratio == r]
        axes[1].plot(part.confidence, part.accuracy, "o-", ms=3, label=rf"$\tau = {r:g}\,\sigma^2$")
    axes[1].plot([0, 1], [0, 1], color="k", ls=":", lw=1)
    axes[1].set(xlabel="softmax confidence", ylabel="accuracy", title="reliability")
    axes[1].legend(fontsize=8)
    ece = rel.drop_duplicates("ratio")
    axes[2].bar(
        [f"{r:g}" for r in ece.ratio], ece.ece, color=["C2" if r == 1.0 else "0.6" for r in ece.ratio]
    )
    margin(axes[2], 0.0, CALIBRATION_MARGIN, "greater", label=f"margin {CALIBRATION_MARGIN:g}")
    axes[2].set_yscale("log")
    axes[2].set(xlabel=r"$\tau / \sigma^2$", ylabel="ECE", title="calibrated only at τ = σ²")
    axes[2].legend(fontsize=8)


def draw_entropy_weight(ax: Any, optimum: pd.DataFrame) -> None:
    """v* against σ² for entropy weight ½ (exact) and π (authors), with the optimised v* of each decoder
    strength at σ² = 0.15 (the 2π ratio is the check; relative tolerance 1e-4 is invisible at this scale)."""
    grid = np.logspace(-2, 0.5, 60)
    v = np.array([optimal_posterior_variance(s) for s in grid])
    ax.plot(grid, v, label=r"exact ELBO$_\mathrm{SSL}$ (entropy weight ½)")
    ax.plot(grid, 2 * math.pi * v, "--", label="authors' code (entropy weight π)")
    ax.plot(grid, grid, color="k", ls=":", lw=1, label=r"$\sigma^2$")
    ax.axhline(AUTHORS_MODEL["prior_var"], color="0.5", lw=0.8, label=r"$s^2$")
    free = optimum[optimum["w²/σ_x²"] == 0]  # no decoder pull: the optimisation lands on the curves
    sig = AUTHORS_MODEL["sigma2"]
    ax.scatter(
        [sig, sig],
        [free["v* exact"].iloc[0], free["v* authors"].iloc[0]],
        color="k",
        s=15,
        zorder=3,
        label="L-BFGS optimum, no decoder",
    )
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=r"$\sigma^2$ ($J = 2$, $s^2 = 1$)",
        ylabel=r"optimal posterior variance $v^\ast$",
    )
    ax.legend(fontsize=8)


def draw_monte_carlo(ax: Any, *checks: pd.DataFrame) -> None:
    """Every check of the ``checks`` tables whose tolerance the run sets (Monte Carlo: 5 standard errors),
    as its difference from the closed form in units of that margin, inside the band ±1 it must stay in."""
    mc = pd.concat(checks, ignore_index=True)
    mc = mc[mc.margin.notna()]
    scaled = (mc.value - mc.reference) / mc.margin
    ax.plot(range(len(mc)), scaled, "o", color="k", ms=4)
    margin(ax, 0.0, 1.0, "within", label="margin: ±5 Monte Carlo SE")
    ax.set_xticks(
        range(len(mc)), [c.removeprefix("C1.") for c in mc.claim], rotation=30, ha="right", fontsize=7
    )
    ax.set_ylabel("(estimate − closed form) / margin")
    ax.set_ylim(-1.5, 1.5)
    ax.legend(fontsize=8, loc="upper right")
