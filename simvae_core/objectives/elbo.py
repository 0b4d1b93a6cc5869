"""Training objectives of SimVAE and the VAE-family baselines, as pure functions on tensors.

Shapes (B groups, J views per group, d latent dimensions):

- ``x``: data, ``(B, J, *x_shape)``;
- ``x_params``: the decoder's output at the sampled ``z``, ``(B, J, *x_shape)``: Bernoulli logits or
  Gaussian means;
- ``mu``, ``logvar``: the encoder's Gaussian posterior ``q(z_j | x_j) = N(mu_j, diag exp(logvar_j))``,
  ``(B, J, d)``;
- ``z``: one reparameterised sample from ``q``, ``(B, J, d)``.

Every loss returns ``LossOutput(loss, terms)``. ``loss`` is the 0-dim tensor to *minimise*: minus the
objective, averaged over groups. ``terms`` holds 0-dim detached tensors, each a group average:

- ``recon``: ``Σ_j log p(x_j | z_j)`` at the sampled z (a one-sample Monte-Carlo estimate of its expectation);
- ``entropy``: ``Σ_j H[q(z_j | x_j)]``; ``prior``: ``E_q log p(z_{1:J})``; ``kl = −(entropy + prior)``,
  the KL divergence from q to the latent prior (exact when the prior term is);
- ``elbo = recon − kl``: the evidence lower bound of the group;
- ``objective = −loss``: what is maximised (equals ``elbo`` except for β-VAE, CR-VAE and the reference
  mode of SimVAE), and ``loss`` itself (detached), for logging; method-specific terms are listed in each
  function.

Convention: every term is summed over data dimensions, latent dimensions and the views of a group, and
averaged over groups. Values are in nats per group; divide by J for nats per view.

The discriminative SSL losses (SimCLR, CLIP, MoCo, ..., SwAV) are in :mod:`.discriminative`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import TypeAlias

import torch
import torch.nn.functional as F

from ..checks import (
    as_variance,
    check_choice,
    check_compatible,
    check_positive,
    check_same_shape,
    check_tensor,
    values_checked,
)
from ..theory import ssl_model
from .output import LossOutput

__all__ = [
    "LIKELIHOODS",
    "Variance",
    "LOSSES",
    "REFERENCE_DECODER_LOGVAR",
    "beta_vae",
    "cr_vae",
    "gaussian_entropy",
    "gaussian_kl",
    "log_likelihood",
    "reparameterize",
    "simvae_elbo",
    "vae_elbo",
]

_LOG_2PI = math.log(2 * math.pi)
LIKELIHOODS = ("bernoulli", "gaussian")
_PRIORS = ("gaussian", "flat", "uniform")  # "uniform" is the authors' name for the flat prior
_EXPECTATIONS = ("exact", "mc")
# The authors' fixed decoder log-variance (their flag log_var_x): σ_x² = exp(−4.6) ≈ 0.01.
REFERENCE_DECODER_LOGVAR = -4.6

# A variance of the latent model: one number for every coordinate, or one per coordinate (length d).
Variance: TypeAlias = float | Sequence[float] | torch.Tensor


# ---------------------------------------------------------------------------------------------------------
# building blocks


def reparameterize(
    mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One sample ``z = mu + exp(logvar / 2) · ε``, ``ε ~ N(0, I)``, differentiable in ``mu`` and ``logvar``.

    Any shape (``mu`` and ``logvar`` equal). ``generator`` makes the draw reproducible; ``None`` uses torch's
    global generator. This is the draw every VAE-family model trains with
    (:meth:`simvae_core.learning.models.VAEModel.training_loss`), so it checks only what costs nothing on
    a GPU (types, shapes, devices): NaN in ``mu`` or ``logvar`` gives NaN in ``z``, which ``fit`` reports.
    """
    mu = check_tensor(mu, "mu", finite=False)
    logvar = check_tensor(logvar, "logvar", finite=False)
    check_same_shape(mu, logvar, "mu", "logvar")
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    return mu + torch.exp(0.5 * logvar) * eps


def gaussian_entropy(logvar: torch.Tensor) -> torch.Tensor:
    """Entropy of ``N(mu, diag exp(logvar))``, ``½ Σ_k (logvar_k + log 2π + 1)``; ``(..., d) -> (...)``."""
    logvar = check_tensor(logvar, "logvar")
    return _entropy(logvar)


def _entropy(logvar: torch.Tensor) -> torch.Tensor:
    return 0.5 * (logvar + _LOG_2PI + 1).sum(dim=-1)


def gaussian_kl(
    mu_q: torch.Tensor, logvar_q: torch.Tensor, mu_p: torch.Tensor, logvar_p: torch.Tensor
) -> torch.Tensor:
    """``KL(N(mu_q, diag v_q) ‖ N(mu_p, diag v_p))`` summed over the last dimension; ``(..., d) -> (...)``.

    Per coordinate ``½ [log v_p − log v_q + (v_q + (mu_q − mu_p)²) / v_p − 1]``.
    """
    diff_sq = (mu_q - mu_p).pow(2)
    return 0.5 * (logvar_p - logvar_q + (logvar_q.exp() + diff_sq) * torch.exp(-logvar_p) - 1).sum(dim=-1)


def _kl_to_standard_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """``KL(N(mu, diag v) ‖ N(0, I)) = ½ Σ_k (mu_k² + v_k − 1 − log v_k)``; ``(..., d) -> (...)``."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=-1)


def log_likelihood(
    x: torch.Tensor,
    x_params: torch.Tensor,
    likelihood: str = "bernoulli",
    decoder_logvar: float | torch.Tensor | None = None,
) -> torch.Tensor:
    """``log p(x | params)`` summed over the data dimensions: ``(B, J, *x_shape)`` twice -> ``(B, J)``.

    - ``"bernoulli"``: ``x`` in [0, 1] (binary, or grey levels as soft targets), ``x_params`` logits ``ℓ``:
      ``Σ x ℓ − softplus(ℓ)``, i.e. minus the binary cross-entropy, computed from the logits so that it
      stays finite for any ``ℓ``. ``decoder_logvar`` must be ``None``.
    - ``"gaussian"``: ``x_params`` means ``m``, log-variance ``decoder_logvar`` (``None`` means 0, unit
      variance): a float (fixed), or a tensor broadcastable to ``x_shape`` (a scalar, one per dimension,
      one per channel ``(C, 1, 1)``; pass an ``nn.Parameter`` to learn it):
      ``−½ Σ [(x − m)² / σ² + log σ² + log 2π]``.
    """
    check_tensor(x, "x", finite=False)
    check_tensor(x_params, "x_params", finite=False)
    check_same_shape(x, x_params, "x", "x_params")
    if x.ndim < 3:
        raise ValueError(
            f"x must have shape (B, J, *x_shape) (groups, views, data), got {tuple(x.shape)}; add a view "
            "axis with x.unsqueeze(1) for single views."
        )
    likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
    _check_finite({"x": x, "x_params": x_params}, unit_interval_x=likelihood == "bernoulli")
    return _log_likelihood(x, x_params, likelihood, _likelihood_logvar(likelihood, decoder_logvar, x))


def _log_likelihood(
    x: torch.Tensor, x_params: torch.Tensor, likelihood: str, logvar_x: torch.Tensor | None
) -> torch.Tensor:
    """``log_likelihood`` on checked inputs; ``logvar_x`` is None for the Bernoulli."""
    data_dims = tuple(range(2, x.ndim))
    if likelihood == "bernoulli":
        return -F.binary_cross_entropy_with_logits(x_params, x, reduction="none").sum(dim=data_dims)
    nll = 0.5 * ((x - x_params).pow(2) * torch.exp(-logvar_x) + logvar_x + _LOG_2PI)
    return -nll.sum(dim=data_dims)


def _likelihood_logvar(likelihood: str, decoder_logvar: object, x: torch.Tensor) -> torch.Tensor | None:
    if likelihood == "bernoulli":
        if decoder_logvar is not None:
            raise ValueError(
                "decoder_logvar only applies to likelihood='gaussian'; a Bernoulli has no variance parameter."
            )
        return None
    return _decoder_logvar(decoder_logvar, x)


# ---------------------------------------------------------------------------------------------------------
# SimVAE


def simvae_elbo(
    x: torch.Tensor,
    x_params: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    *,
    sigma2: Variance = 0.15,
    prior: str = "gaussian",
    prior_var: Variance | None = 1.0,
    likelihood: str = "bernoulli",
    decoder_logvar: float | torch.Tensor | None = None,
    expectation: str = "exact",
    reference: bool = False,
) -> LossOutput:
    """SimVAE: minus ELBO_SSL of the model ``y ~ N(0, s² I)``, ``z_j | y ~ N(y, σ² I)``, ``x_j ~ p(x | z_j)``.

    ``ELBO_SSL = Σ_j E_q log p(x_j | z_j) + Σ_j H[q(z_j | x_j)] + E_q log p(z_{1:J})``, with y integrated
    out of ``p(z_{1:J})`` (``ssl_model.log_p_z``). Shapes in the module docstring; needs J ≥ 2 views per
    group (``vae_elbo`` is the J = 1 case with a standard-normal prior).

    - reconstruction: ``log_likelihood`` at the sampled ``z`` (one-sample Monte Carlo, as in any VAE);
    - entropy: exact, ``½ Σ (logvar + log 2π + 1)`` per view;
    - prior term: ``expectation="exact"`` (default) uses the closed form ``ssl_model.expected_log_p_z(mu,
      exp(logvar), σ², s²)`` (the log density is quadratic in z, so this is exact and has no sampling
      noise); ``"mc"`` evaluates ``ssl_model.log_p_z`` at the sampled ``z`` (unbiased for the same value).
    - ``sigma2`` = σ², the variance of ``p(z | y)`` (a number, or one per coordinate: a length-d sequence
      or ``(d,)`` tensor; > 0); it is the authors' flag ``beta_start``. Its default, 0.15, is the one
      ``fit("simvae", ...)`` uses: the registry reads it from this signature. ``prior="gaussian"`` uses
      ``p(y) = N(0, diag prior_var)`` (``prior_var`` a number or one per coordinate, like ``sigma2``);
      ``prior="flat"`` (alias ``"uniform"``) the improper flat prior (``prior_var`` is then ignored), whose
      density is per unit of the flat density of y.

    ``reference=True`` reproduces the objective of the authors' public code instead (notebook 01 derives
    and compares the differences), term by term as their code computes it, so without the additive
    constants it drops:

    - prior: plug-in ``y = z̄``, the mean of the sampled ``z_j``, and no integral over y:
      ``−Σ_j ‖z_j − z̄‖² / (2σ²) + log p(z̄)`` with ``log p(z̄) = −‖z̄‖² / (2 s²)`` (their ``"gaussian"``,
      which has s² = 1, the default here) or 0 (``"flat"`` / their ``"uniform"``; their code adds the
      constant log(dataset size) instead). It always uses the sampled z (``expectation`` is not used) and
      drops the ``−(d/2) log 2πσ²`` per view of ``log N(z_j; z̄, σ² I)``. With the flat prior it exceeds
      the exact ``log p(z_{1:J})`` by the constant ``Σ_k ½[(J − 1) log 2πσ²_k + log J]`` (same gradients);
      with the Gaussian prior its weight on ``‖z̄‖²`` is ``1/(2s²)`` instead of ``J/(2(σ² + J s²))``.
    - entropy: ``π Σ_k log v_k`` instead of ``½ Σ_k (log v_k + log 2π + 1)`` (a 2π reweighting: it
      multiplies the optimal posterior variance by 2π, see notebook 01).
    - reconstruction: fixed decoder variance ``σ_x² = exp(decoder_logvar)``, default
      ``exp(−4.6) ≈ 0.01`` (their ``log_var_x``), which also divides the Bernoulli log-likelihood:
      ``recon = log Bern(x; ℓ) / σ_x²`` (≈ 99.5 × the Bernoulli term), and for ``"gaussian"``
      ``−‖x − m‖² / (2σ_x²)`` without the ``log 2πσ_x²`` constant. (Their decoder also squashes the
      Gaussian mean with a sigmoid; that belongs to the decoder passed in, not to this loss.)
    - scale: their code sums over the batch, this loss averages over groups (a factor B that Adam nearly
      ignores). In ``terms``, ``elbo`` and ``objective`` then both hold their objective (it is no bound).

    Returns ``LossOutput(loss, terms)`` with terms ``recon``, ``entropy``, ``prior``, ``kl``, ``elbo``,
    ``objective``.
    """
    likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
    _check_groups(x, x_params, mu, logvar, z, likelihood)
    J, d = mu.shape[1:]
    if J < 2:
        raise ValueError(
            f"SimVAE needs >= 2 views per group (J >= 2) to share a content latent, got J={J}; use "
            "vae_elbo for single views (J = 1)."
        )
    prior = check_choice(prior, _PRIORS, "prior")
    expectation = check_choice(expectation, _EXPECTATIONS, "expectation")
    s2 = _variance(sigma2, "sigma2", mu)
    pv = _variance(prior_var, "prior_var", mu) if prior == "gaussian" else None

    if reference:
        return _simvae_reference(x, x_params, logvar, z, s2, pv, likelihood, decoder_logvar)

    recon = _log_likelihood(x, x_params, likelihood, _likelihood_logvar(likelihood, decoder_logvar, x))
    recon = recon.sum(dim=1)  # (B,)
    entropy = _entropy(logvar).sum(dim=1)  # (B,)
    if expectation == "exact":
        log_prior = ssl_model.expected_log_p_z(mu, logvar.exp(), s2, pv)  # (B,)
    else:
        log_prior = ssl_model.log_p_z(z, s2, pv)  # (B,)
    elbo = recon + entropy + log_prior
    return _output(elbo, recon=recon, entropy=entropy, prior=log_prior, elbo=elbo)


def _simvae_reference(
    x: torch.Tensor,
    x_params: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    sigma2: float | torch.Tensor,
    prior_var: float | torch.Tensor | None,
    likelihood: str,
    decoder_logvar: float | torch.Tensor | None,
) -> LossOutput:
    """The authors' objective (see ``simvae_elbo``); per group, returned as a ``LossOutput``."""
    logvar_x = REFERENCE_DECODER_LOGVAR if decoder_logvar is None else decoder_logvar
    logvar_x = _decoder_logvar(logvar_x, x)
    data_dims = tuple(range(2, x.ndim))
    if likelihood == "bernoulli":
        log_bern = -F.binary_cross_entropy_with_logits(x_params, x, reduction="none")
        recon = (log_bern * torch.exp(-logvar_x)).sum(dim=(1, *data_dims))
    else:
        recon = (-0.5 * (x - x_params).pow(2) * torch.exp(-logvar_x)).sum(dim=(1, *data_dims))
    entropy = math.pi * logvar.sum(dim=(1, 2))
    z_bar = z.mean(dim=1, keepdim=True)  # (B, 1, d): the plug-in estimate of the content y
    log_prior = -((z - z_bar).pow(2) / (2 * sigma2)).sum(dim=(1, 2))
    if prior_var is not None:
        log_prior = log_prior - (z_bar.squeeze(1).pow(2) / (2 * prior_var)).sum(dim=1)
    objective = recon + entropy + log_prior
    return _output(objective, recon=recon, entropy=entropy, prior=log_prior, elbo=objective)


# ---------------------------------------------------------------------------------------------------------
# VAE, β-VAE, CR-VAE


def vae_elbo(
    x: torch.Tensor,
    x_params: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    *,
    beta: float = 1.0,
    likelihood: str = "bernoulli",
    decoder_logvar: float | torch.Tensor | None = None,
) -> LossOutput:
    """The VAE (Kingma & Welling 2014), with β-weighted KL (Higgins et al. 2017) when ``beta != 1``.

    Each view is an independent datum with prior ``p(z) = N(0, I)`` (any J; J = 1 is typical):
    ``objective = Σ_j [log p(x_j | z_j) − β KL(q(z_j | x_j) ‖ N(0, I))]``, the KL in closed form
    ``½ Σ_k (μ_k² + v_k − 1 − log v_k)``. ``z`` is only checked for shape (``x_params`` was decoded from it).
    Terms: ``recon``, ``entropy``, ``prior`` (``E_q log N(z; 0, I)``), ``kl``, ``elbo`` (the true ELBO,
    β = 1) and ``objective`` (``recon − β kl``).
    """
    likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
    _check_groups(x, x_params, mu, logvar, z, likelihood)
    beta = check_positive(beta, "beta", allow_zero=True)
    recon = _log_likelihood(x, x_params, likelihood, _likelihood_logvar(likelihood, decoder_logvar, x))
    recon = recon.sum(dim=1)  # (B,)
    kl = _kl_to_standard_normal(mu, logvar).sum(dim=1)  # (B,)
    entropy = _entropy(logvar).sum(dim=1)
    return _output(recon - beta * kl, recon=recon, entropy=entropy, prior=-kl - entropy, elbo=recon - kl)


def beta_vae(
    x: torch.Tensor,
    x_params: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    *,
    beta: float = 4.0,
    capacity: float | None = None,
    likelihood: str = "bernoulli",
    decoder_logvar: float | torch.Tensor | None = None,
) -> LossOutput:
    """β-VAE (Higgins et al. 2017): ``vae_elbo`` with ``beta = 4`` by default.

    ``capacity`` = C (nats per group, the KL summed over its views) gives the rate-constrained objective of
    Burgess et al. 2018, ``Σ_j log p(x_j | z_j) − β |KL − C|``: the KL is pulled to C from either side, so
    the rate is set by C rather than by β (notebook 05 sets C to SimVAE's rate, seed by seed). ``None``:
    the ordinary β-VAE. Terms as ``vae_elbo`` (``kl`` is the rate; ``elbo`` the true ELBO, β = 1).
    """
    if capacity is None:
        return vae_elbo(
            x, x_params, mu, logvar, z, beta=beta, likelihood=likelihood, decoder_logvar=decoder_logvar
        )
    capacity = check_positive(capacity, "capacity", allow_zero=True)
    beta = check_positive(beta, "beta", allow_zero=True)
    likelihood = check_choice(likelihood, LIKELIHOODS, "likelihood")
    _check_groups(x, x_params, mu, logvar, z, likelihood)
    recon = _log_likelihood(x, x_params, likelihood, _likelihood_logvar(likelihood, decoder_logvar, x))
    recon = recon.sum(dim=1)  # (B,)
    kl = _kl_to_standard_normal(mu, logvar).sum(dim=1)  # (B,)
    entropy = _entropy(logvar).sum(dim=1)
    objective = recon - beta * (kl - capacity).abs()
    return _output(objective, recon=recon, entropy=entropy, prior=-kl - entropy, elbo=recon - kl)


def cr_vae(
    x: torch.Tensor,
    x_params: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    *,
    gamma: float = 1e-3,
    beta: float = 1.0,
    likelihood: str = "bernoulli",
    decoder_logvar: float | torch.Tensor | None = None,
) -> LossOutput:
    """Consistency-regularised VAE (Sinha & Dieng, NeurIPS 2021, their eq. 3 with λ = ``gamma``).

    Needs J = 2: view 0 is the observation x, view 1 a random semantics-preserving transformation t(x):
    ``objective = ELBO_β(x) + ELBO_β(t(x)) − γ KL(q(z | t(x)) ‖ q(z | x))``, where ``ELBO_β`` is the
    (β-)VAE objective of one view (``vae_elbo``; their β₁ = β₂ = ``beta``) and the KL between the two
    diagonal Gaussians is in closed form (``gaussian_kl``); gradients reach the encoder through both
    arguments, as in their code. ``gamma`` defaults to 1e-3, the default of their released code (the
    paper tunes it); notebook 05 also reports γ = 1, a much stronger pull between the two views.
    Terms: as ``vae_elbo`` (summed over both views) plus ``consistency`` (the KL).
    """
    check_tensor(mu, "mu", finite=False)
    if mu.ndim == 3 and mu.shape[1] != 2:
        raise ValueError(
            f"cr_vae needs exactly J = 2 views per group (x, then its transformation t(x)), got "
            f"J={mu.shape[1]}."
        )
    gamma = check_positive(gamma, "gamma", allow_zero=True)
    base = vae_elbo(
        x, x_params, mu, logvar, z, beta=beta, likelihood=likelihood, decoder_logvar=decoder_logvar
    )
    consistency = gaussian_kl(mu[:, 1], logvar[:, 1], mu[:, 0], logvar[:, 0])  # (B,)
    loss = base.loss + gamma * consistency.mean()
    terms = dict(base.terms)
    terms["consistency"] = consistency.detach().mean()
    terms["objective"] = -loss.detach()
    terms["loss"] = loss.detach()
    return LossOutput(loss, terms)


LOSSES: dict[str, Callable[..., LossOutput]] = {
    "simvae": simvae_elbo,
    "vae": vae_elbo,
    "beta_vae": beta_vae,
    "cr_vae": cr_vae,
}


# ---------------------------------------------------------------------------------------------------------
# checks and assembly


def _output(objective: torch.Tensor, **terms: torch.Tensor) -> LossOutput:
    """Group averages: ``loss = −mean(objective)``; terms detached, plus ``loss``, ``kl``, ``objective``."""
    out = {name: value.detach().mean() for name, value in terms.items()}
    if "kl" not in out:
        out["kl"] = -(out["entropy"] + out["prior"])
    loss = -objective.mean()
    out["objective"] = -loss.detach()
    return LossOutput(loss, {"loss": loss.detach(), **out})


def _check_groups(
    x: torch.Tensor,
    x_params: torch.Tensor,
    mu: torch.Tensor,
    logvar: torch.Tensor,
    z: torch.Tensor,
    likelihood: str,
) -> None:
    """Check the inputs shared by all losses: x, x_params (B, J, *x_shape); mu, logvar, z (B, J, d)."""
    hint = "with shape (B, J, d) = (groups, views per group, latent dim)"
    named = {"x": x, "x_params": x_params, "mu": mu, "logvar": logvar, "z": z}
    for name, t in named.items():
        check_tensor(t, name, finite=False)
    check_same_shape(x, x_params, "x", "x_params")
    if x.ndim < 3:
        raise ValueError(f"x must have shape (B, J, *x_shape) (groups, views, data), got {tuple(x.shape)}.")
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"x must hold at least one group and one view, got shape {tuple(x.shape)}.")
    for name in ("mu", "logvar", "z"):
        if named[name].ndim != 3:
            raise ValueError(f"{name} must be 3-D {hint}, got shape {tuple(named[name].shape)}.")
    check_same_shape(mu, logvar, "mu", "logvar")
    check_same_shape(mu, z, "mu", "z")
    check_compatible(mu, x, "mu", "x")
    if mu.shape[:2] != x.shape[:2]:
        raise ValueError(
            f"x and mu must agree on (groups B, views J), got x {tuple(x.shape)} and mu {tuple(mu.shape)}."
        )
    _check_finite(named, unit_interval_x=likelihood == "bernoulli")


def _check_finite(named: dict[str, torch.Tensor], unit_interval_x: bool) -> None:
    """NaN/inf in any tensor (and, for the Bernoulli, x outside [0, 1]) -> ValueError naming it.

    ``aminmax`` propagates NaN and ±inf, so "min and max finite" is "all finite" in one cheap pass. All
    flags are reduced on the tensors' device and read back once: one host synchronisation per loss call
    instead of one per check, which matters on a GPU.
    """
    if not values_checked():
        return
    names, flags = [], []
    lo = hi = None
    for name, t in named.items():
        if t.numel() == 0:
            continue
        t_lo, t_hi = torch.aminmax(t.detach())
        names.append(name)
        flags.append(torch.isfinite(t_lo) & torch.isfinite(t_hi))
        if name == "x":
            lo, hi = t_lo, t_hi
    if unit_interval_x and lo is not None:
        names.append("x in [0, 1]")
        flags.append((lo >= 0) & (hi <= 1))
    if not flags:
        return
    for name, good in zip(names, torch.stack(flags).tolist(), strict=True):
        if good:
            continue
        if name == "x in [0, 1]":
            raise ValueError(
                "the Bernoulli likelihood needs x in [0, 1] (pixel intensities); got values in "
                f"[{float(lo):.3g}, {float(hi):.3g}]. Use likelihood='gaussian' for real-valued data."
            )
        raise ValueError(f"{name} contains NaN or inf values; pass finite values only.")


def _variance(value: object, name: str, like: torch.Tensor) -> float | torch.Tensor:
    """A variance argument: a Python number is checked on the host and kept a float (no device sync)."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be > 0 and finite, got {value}.")
        return float(value)
    hint = "Pass prior='flat' for the flat (improper) prior of y." if name == "prior_var" else ""
    return as_variance(
        value,
        name,
        d=like.shape[-1],
        dtype=like.dtype,
        device=like.device,
        strictly_positive=True,
        none_hint=hint,
    )


def _decoder_logvar(value: object, x: torch.Tensor) -> torch.Tensor:
    """The Gaussian decoder's log-variance as a tensor broadcastable to ``x_shape`` (None -> 0)."""
    x_shape = tuple(x.shape[2:])
    if value is None:
        return torch.zeros((), dtype=x.dtype, device=x.device)
    if isinstance(value, bool):
        raise TypeError("decoder_logvar must be a number or a tensor, got bool.")
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise ValueError(f"decoder_logvar must be finite, got {value}.")
        return torch.tensor(float(value), dtype=x.dtype, device=x.device)
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"decoder_logvar must be None, a number or a tensor (log-variance), got {type(value).__name__}."
        )
    value = check_tensor(value, "decoder_logvar")
    check_compatible(value, x, "decoder_logvar", "x")
    try:
        ok = torch.broadcast_shapes(value.shape, x_shape) == x_shape
    except RuntimeError:
        ok = False
    if not ok:
        raise ValueError(
            f"decoder_logvar of shape {tuple(value.shape)} must broadcast to x_shape {x_shape} (a scalar, "
            "one value per data dimension, or e.g. one per channel (C, 1, 1))."
        )
    return value
