"""The SSL generative model and its closed forms.

Model (d = latent dimension, J = views per group, B = groups):

    y ~ N(0, s² I),    z_j | y ~ N(y, σ² I)  (j = 1..J),    x_j = g(z_j) (+ Gaussian noise).

``sigma2`` (σ²) and ``prior_var`` (s²) may be scalars or per-coordinate tensors of shape ``(d,)``;
``prior_var=None`` is the flat prior (the limit s² → ∞). Integrating out y, a group is jointly Gaussian,
``z_{1:J} ~ N(0, (σ² I_J + s² 1 1ᵀ) ⊗ I_d)``, and everything below follows from that covariance.

All closed forms are batched, differentiable, keep the input's dtype and device, and need σ² > 0; the
sampler also accepts zeros (σ²_k = 0: pure content coordinate, s²_k = 0: pure style coordinate).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from ..checks import (
    as_positive_scalar,
    as_variance,
    check_compatible,
    check_int,
    check_same_shape,
    check_tensor,
    resolve_generator,
    values_checked,
)
from .generators import DECODER_NAMES, make_decoder

__all__ = [
    "sample_spherical_groups",
    "sample_uniform_sphere",
    "sample_von_mises_fisher",
    "GroupSample",
    "Posterior",
    "SSLModel",
    "content_mutual_information",
    "content_style_variances",
    "expected_log_p_z",
    "instance_discrimination_softmax",
    "log_p_z",
    "posterior_over_groups",
    "posterior_y",
    "view_mutual_information",
]

_LOG_2PI = math.log(2 * math.pi)
_GROUP_SHAPE = "with shape (B, J, d) = (groups, views per group, latent dim)"


class Posterior(NamedTuple):
    """Gaussian posterior ``N(mean, diag var)`` of the content y given a group."""

    mean: torch.Tensor  # (B, d)
    var: torch.Tensor  # (d,), the same for every group


class GroupSample(NamedTuple):
    """One draw of B groups of J views: ``x`` (B, J, *obs_shape), ``z`` (B, J, d), ``y`` (B, d)."""

    x: torch.Tensor
    z: torch.Tensor
    y: torch.Tensor


def _closed_form_variances(
    like: torch.Tensor, sigma2: object, prior_var: object
) -> tuple[torch.Tensor, torch.Tensor | None]:
    d = like.shape[-1]
    kw = {"d": d, "dtype": like.dtype, "device": like.device}
    s2 = as_variance(sigma2, "sigma2", strictly_positive=True, **kw)
    pv = as_variance(prior_var, "prior_var", strictly_positive=False, allow_none=True, **kw)
    return s2, pv


def _log_density_from_moments(
    within_ss: torch.Tensor,
    mean_sq: torch.Tensor,
    n_views: int,
    sigma2: torch.Tensor,
    prior_var: torch.Tensor | None,
) -> torch.Tensor:
    """Per-group log density from ``Σ_j (z_jk − z̄_k)²`` and ``z̄_k²`` (both (B, d)); returns (B,).

    The group covariance σ² I_J + s² 11ᵀ has eigenvalue σ² + J s² along 1 (the z̄ direction) and σ² on
    its (J−1)-dim complement (the within-group deviations), which gives the two quadratic terms and the
    log-determinant (J−1) log σ² + log(σ² + J s²).
    """
    J = n_views
    log_p = -within_ss / (2 * sigma2)  # (B, d)
    if prior_var is None:
        # ∫ Π_j N(z_j; y, σ²) dy: the Gaussian integral over y leaves (2πσ²)^{-(J-1)/2} J^{-1/2}.
        log_p = log_p - 0.5 * ((J - 1) * (_LOG_2PI + torch.log(sigma2)) + math.log(J))
    else:
        total = sigma2 + J * prior_var  # (d,) variance of Σ_j z_j / √J
        log_p = (
            log_p
            - J * mean_sq / (2 * total)
            - 0.5 * (J * _LOG_2PI + (J - 1) * torch.log(sigma2) + torch.log(total))
        )
    return log_p.sum(dim=-1)


def log_p_z(
    z: torch.Tensor, sigma2: float | torch.Tensor, prior_var: float | torch.Tensor | None = None
) -> torch.Tensor:
    """Exact log density of each group, y integrated out. ``z`` (B, J, d) -> (B,).

    Per coordinate k, with z̄ = mean_j z_j, summed over k:
    ``−Σ_j (z_jk − z̄_k)²/(2σ²_k) − J z̄_k²/(2(σ²_k + J s²_k))
    − ½[J log 2π + (J−1) log σ²_k + log(σ²_k + J s²_k)]``.
    Flat prior (``prior_var=None``): no z̄² term and constant
    ``−½[(J−1) log(2πσ²_k) + log J]`` (a density per unit of the flat prior density). J = 1 is allowed.
    """
    z = check_tensor(z, "z", ndim=3, shape_hint=_GROUP_SHAPE)
    s2, pv = _closed_form_variances(z, sigma2, prior_var)
    z_bar = z.mean(dim=1)  # (B, d)
    within_ss = (z - z_bar.unsqueeze(1)).pow(2).sum(dim=1)  # (B, d)
    return _log_density_from_moments(within_ss, z_bar.pow(2), z.shape[1], s2, pv)


def expected_log_p_z(
    mu: torch.Tensor,
    var: torch.Tensor,
    sigma2: float | torch.Tensor,
    prior_var: float | torch.Tensor | None = None,
) -> torch.Tensor:
    """Exact ``E_q[log p(z_{1:J})]`` for ``q(z_j) = N(mu_j, diag var_j)``; ``mu``, ``var`` (B, J, d) -> (B,).

    log p is quadratic in z, so only two moments are needed (per coordinate k):
    ``E Σ_j (z_jk − z̄_k)² = Σ_j (μ_jk − μ̄_k)² + (1 − 1/J) Σ_j v_jk`` and ``E z̄_k² = μ̄_k² + Σ_j v_jk / J²``.
    """
    mu = check_tensor(mu, "mu", ndim=3, shape_hint=_GROUP_SHAPE)
    var = check_tensor(var, "var", ndim=3, shape_hint=_GROUP_SHAPE)
    check_same_shape(mu, var, "mu", "var")
    if values_checked() and not bool((var.detach() >= 0).all()):
        raise ValueError("var must be >= 0 everywhere (it is a variance); pass exp(log_var) or softplus(.).")
    s2, pv = _closed_form_variances(mu, sigma2, prior_var)
    J = mu.shape[1]
    mu_bar = mu.mean(dim=1)  # (B, d)
    var_sum = var.sum(dim=1)  # (B, d)
    within_ss = (mu - mu_bar.unsqueeze(1)).pow(2).sum(dim=1) + (1 - 1 / J) * var_sum  # (B, d)
    mean_sq = mu_bar.pow(2) + var_sum / J**2  # (B, d)
    return _log_density_from_moments(within_ss, mean_sq, J, s2, pv)


def posterior_y(
    z: torch.Tensor, sigma2: float | torch.Tensor, prior_var: float | torch.Tensor | None = None
) -> Posterior:
    """Posterior of the content, ``y | z_{1:J} ~ N(J s² z̄ / (σ² + J s²), σ² s² / (σ² + J s²))``.

    ``z`` (B, J, d) -> ``Posterior(mean (B, d), var (d,))``. Flat prior: ``N(z̄, σ²/J)``.
    """
    z = check_tensor(z, "z", ndim=3, shape_hint=_GROUP_SHAPE)
    s2, pv = _closed_form_variances(z, sigma2, prior_var)
    J = z.shape[1]
    z_bar = z.mean(dim=1)  # (B, d)
    if pv is None:
        return Posterior(z_bar, s2 / J)
    total = s2 + J * pv  # (d,)
    return Posterior(J * pv * z_bar / total, s2 * pv / total)


def _mi_variances(d: int, sigma2: object, prior_var: object) -> tuple[torch.Tensor, torch.Tensor]:
    d = check_int(d, "d")
    kw = {"d": d, "dtype": torch.float64, "device": "cpu"}
    s2 = as_variance(sigma2, "sigma2", strictly_positive=True, **kw)
    if prior_var is None:
        raise ValueError(
            "prior_var=None (flat prior) gives infinite mutual information; pass a finite prior_var."
        )
    pv = as_variance(prior_var, "prior_var", strictly_positive=False, **kw)
    return s2.detach(), pv.detach()


def view_mutual_information(d: int, sigma2: float | torch.Tensor, prior_var: float | torch.Tensor) -> float:
    """``I(z_1; z_2)`` in nats for two views: ``Σ_k −½ log(1 − ρ_k²)``, ``ρ_k = s²_k / (s²_k + σ²_k)``.

    Computed as ``−½ log[σ²(σ² + 2s²) / (σ² + s²)²]`` (= 1 − ρ², without cancellation for small ρ).
    """
    s2, pv = _mi_variances(d, sigma2, prior_var)
    one_minus_rho_sq = s2 * (s2 + 2 * pv) / (s2 + pv) ** 2  # (d,)
    return float(-0.5 * torch.log(one_minus_rho_sq).sum())


def content_mutual_information(
    d: int, sigma2: float | torch.Tensor, prior_var: float | torch.Tensor
) -> float:
    """``I(y; z_1)`` in nats: ``Σ_k ½ log(1 + s²_k / σ²_k)``."""
    s2, pv = _mi_variances(d, sigma2, prior_var)
    return float(0.5 * torch.log1p(pv / s2).sum())


def _check_points_and_centers(z: torch.Tensor, centers: torch.Tensor) -> None:
    check_tensor(z, "z", ndim=2, shape_hint="with shape (N, d)")
    check_tensor(centers, "centers", ndim=2, shape_hint="with shape (K, d)")
    check_compatible(z, centers, "z", "centers")
    if z.shape[1] != centers.shape[1]:
        raise ValueError(
            f"z and centers must share the latent dim d, got z {tuple(z.shape)} and centers "
            f"{tuple(centers.shape)}."
        )


def posterior_over_groups(
    z: torch.Tensor, centers: torch.Tensor, sigma2: float | torch.Tensor
) -> torch.Tensor:
    """Bayes over K equally weighted groups: ``p(y = y_i | z) = softmax_i(−‖z − y_i‖² / (2σ²))``.

    ``z`` (N, d), ``centers`` (K, d) -> probabilities (N, K). The logits are evaluated as
    ``(zᵀy_i − ½‖y_i‖²)/σ²``: they differ from the above by ``‖z‖²/(2σ²)``, constant in i, which the
    softmax ignores, and this avoids large squared distances cancelling each other.
    """
    _check_points_and_centers(z, centers)
    s2 = as_positive_scalar(sigma2, "sigma2", dtype=z.dtype, device=z.device)
    logits = (z @ centers.mT - 0.5 * centers.pow(2).sum(dim=1)) / s2  # (N, K)
    return torch.softmax(logits, dim=1)


def instance_discrimination_softmax(
    z: torch.Tensor, centers: torch.Tensor, temperature: float | torch.Tensor
) -> torch.Tensor:
    """InfoNCE / instance-discrimination probabilities ``softmax_i(zᵀy_i / τ)``; (N, d), (K, d) -> (N, K).

    When all centers have the same norm (e.g. unit-norm, as in InfoNCE) this equals
    ``posterior_over_groups`` with ``σ² = τ`` for any z, because
    ``−‖z − y_i‖² / (2σ²) = zᵀy_i / σ² − (‖z‖² + ‖y_i‖²) / (2σ²)`` and the last term is then common to all i.
    """
    _check_points_and_centers(z, centers)
    tau = as_positive_scalar(temperature, "temperature", dtype=z.dtype, device=z.device)
    return torch.softmax(z @ centers.mT / tau, dim=1)


def posterior_over_noisy_keys(query: torch.Tensor, keys: torch.Tensor, kappa: float) -> torch.Tensor:
    """Bayes over K candidate *keys that are noisy views themselves* (what SimCLR's softmax sees).

    Model: every group has ``y ~ U(S^{d−1})`` and its views are ``vMF(y, κ)``. Given a query view ``q`` and
    K keys of which exactly one shares ``q``'s group, integrating the unknown centre out gives
    ``p(q, k_i same group) ∝ ∫ vMF(q; y, κ) vMF(k_i; y, κ) dy ∝ 1 / C_d(κ‖q + k_i‖)`` with the vMF
    normaliser ``C_d(a) = a^ν / ((2π)^{d/2} I_ν(a))``, ``ν = d/2 − 1``. Hence
    ``p(i | q, keys) = softmax_i(log I_ν(κ‖q + k_i‖) − ν log(κ‖q + k_i‖))``: monotone in ``qᵀk_i`` but not
    linear in it, so no temperature makes the cosine softmax exact (unlike keys that are the centres).
    ``query`` (N, d), ``keys`` (N, K, d) or (K, d), unit norm -> probabilities (N, K).
    """
    from scipy import special

    if query.dim() != 2:
        raise ValueError(f"query must be (N, d), got shape {tuple(query.shape)}")
    if keys.dim() == 2:
        keys = keys.expand(query.shape[0], *keys.shape)
    if keys.dim() != 3 or keys.shape[0] != query.shape[0] or keys.shape[2] != query.shape[1]:
        raise ValueError(f"keys must be (N, K, d) or (K, d) matching query {tuple(query.shape)}")
    k = as_positive_scalar(kappa, "kappa", dtype=torch.float64, device=query.device)
    d = query.shape[1]
    nu = d / 2 - 1
    a = (k * (query.double().unsqueeze(1) + keys.double()).norm(dim=-1)).clamp_min(1e-12)  # (N, K)
    a_np = a.detach().cpu().numpy()
    logits = np.log(special.ive(nu, a_np)) + a_np - nu * np.log(a_np)  # log I_ν(a) − ν log a
    return torch.softmax(torch.from_numpy(logits), dim=1).to(dtype=query.dtype, device=query.device)


def sample_uniform_sphere(
    n: int, dim: int, generator: torch.Generator | None = None, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """``n`` points uniform on the unit sphere ``S^{dim−1}`` (normalised Gaussians): (n, dim)."""
    n, dim = check_int(n, "n"), check_int(dim, "dim", minimum=2)
    g = torch.randn(n, dim, generator=generator, dtype=dtype or torch.get_default_dtype())
    return g / g.norm(dim=1, keepdim=True)


def sample_von_mises_fisher(
    mean: torch.Tensor, kappa: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """One draw per row from vMF(mean_i, κ) on ``S^{m−1}``: the spherical version of ``p(z | y)``.

    ``mean`` (N, m) unit rows. Density ∝ exp(κ μᵀz), so for unit-norm views the InfoNCE softmax at
    temperature ``τ = 1/κ`` is the exact posterior over candidate groups (Zimmermann et al. 2021). Wood's
    (1994) rejection sampler for ``w = μᵀz``, then a uniform tangent direction: ``z = w μ + √(1−w²) v``.
    """
    check_tensor(mean, "mean", ndim=2)
    n, m = mean.shape
    if m < 2:
        raise ValueError(f"the sphere needs dimension m >= 2, got mean of shape {tuple(mean.shape)}")
    if not bool(torch.allclose(mean.norm(dim=1), torch.ones((), dtype=mean.dtype), atol=1e-5)):
        raise ValueError("every row of mean must be unit-norm; divide by mean.norm(dim=1, keepdim=True)")
    kappa = float(as_positive_scalar(kappa, "kappa", dtype=torch.float64, device=None))
    seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    rng = np.random.default_rng(seed)
    b = (m - 1) / (2 * kappa + math.sqrt(4 * kappa**2 + (m - 1) ** 2))  # = Wood's b, stable for large κ
    x0 = (1 - b) / (1 + b)
    c = kappa * x0 + (m - 1) * math.log(1 - x0**2)
    w = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        beta = rng.beta((m - 1) / 2, (m - 1) / 2, size=todo.size)
        cand = (1 - (1 + b) * beta) / (1 - (1 - b) * beta)
        accept = kappa * cand + (m - 1) * np.log(1 - x0 * cand) - c >= np.log(rng.uniform(size=todo.size))
        w[todo[accept]] = cand[accept]
        todo = todo[~accept]
    w_t = torch.as_tensor(w, dtype=mean.dtype, device=mean.device)[:, None]  # (N, 1)
    v = torch.as_tensor(rng.standard_normal((n, m)), dtype=mean.dtype, device=mean.device)
    v = v - (v * mean).sum(1, keepdim=True) * mean  # tangent at the mean
    v = v / v.norm(dim=1, keepdim=True)
    return w_t * mean + torch.sqrt((1 - w_t**2).clamp_min(0)) * v


def sample_spherical_groups(
    n_groups: int,
    n_views: int,
    dim: int,
    kappa: float,
    decoder: Callable[[torch.Tensor], torch.Tensor] | None = None,
    generator: torch.Generator | None = None,
    *,
    anchor_view: bool = False,
    dtype: torch.dtype | None = None,
) -> GroupSample:
    """The SSL model on the sphere: ``y ~ U(S^{dim−1})``, ``z_j | y ~ vMF(y, κ)``, ``x_j = decoder(z_j)``.

    For unit-norm latents, ``p(y = i | z) = softmax_i(κ zᵀy_i)``: the InfoNCE softmax at ``τ = 1/κ``
    (claim C2). ``anchor_view=True`` makes view 0 the noiseless ``z_0 = y`` (Zimmermann et al.'s
    anchor/positive pairs, experiment E1 of notebook 02).
    Returns ``GroupSample(x (B, J, ·), z (B, J, dim), y (B, dim))``.
    """
    B, J = check_int(n_groups, "n_groups"), check_int(n_views, "n_views")
    y = sample_uniform_sphere(B, dim, generator, dtype)  # (B, dim)
    z = sample_von_mises_fisher(y.repeat_interleave(J, 0), kappa, generator).reshape(B, J, dim)
    if anchor_view:
        z[:, 0] = y
    x = z if decoder is None else decoder(z.reshape(B * J, dim)).reshape(B, J, -1)
    return GroupSample(x, z, y)


def content_style_variances(
    n_content: int,
    n_style: int,
    content_var: float = 1.0,
    style_var: float = 1.0,
    shared_style_var: float = 0.0,
    *,
    dtype: torch.dtype | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-coordinate ``(prior_var, sigma2)`` of length ``n_content + n_style`` for a content/style split.

    Content coordinates: ``s² = content_var``, ``σ² = 0`` (identical across a group's views). Style
    coordinates: ``s² = shared_style_var``, ``σ² = style_var`` (independent per view when the shared part
    is 0). This is the content/style block model of von Kügelgen et al. (2021) as a special case.
    """
    n_content = check_int(n_content, "n_content", minimum=0)
    n_style = check_int(n_style, "n_style", minimum=0)
    if n_content + n_style == 0:
        raise ValueError("n_content + n_style must be >= 1.")
    values = {"content_var": content_var, "style_var": style_var, "shared_style_var": shared_style_var}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
        if not (math.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {value}.")
    dtype = torch.get_default_dtype() if dtype is None else dtype
    prior_var = torch.tensor([content_var] * n_content + [shared_style_var] * n_style, dtype=dtype)
    sigma2 = torch.tensor([0.0] * n_content + [style_var] * n_style, dtype=dtype)
    return prior_var, sigma2


class SSLModel(nn.Module):
    """The generative model ``y ~ N(0, s² I)``, ``z_j | y ~ N(y, σ² I)``, ``x_j = g(z_j) + √noise_var ε``.

    ``sigma2`` and ``prior_var`` are scalars or ``(d,)`` tensors, zeros allowed (pure content / pure style
    coordinates); ``prior_var=None`` (flat prior) is allowed for the closed forms but cannot be sampled.
    ``decoder`` is one of ``"identity"``, ``"linear"``, ``"mlp"``, ``"image"`` or a callable mapping
    ``(N, d) -> (N, *obs_shape)``. Random decoders draw their weights once, here, from ``generator`` (or a
    generator seeded with ``seed``).
    """

    sigma2: torch.Tensor
    prior_var: torch.Tensor | None

    def __init__(
        self,
        latent_dim: int,
        sigma2: float | torch.Tensor,
        prior_var: float | torch.Tensor | None = 1.0,
        decoder: str | Callable[[torch.Tensor], torch.Tensor] = "identity",
        obs_dim: int | None = None,
        noise_var: float = 0.0,
        generator: torch.Generator | None = None,
        dtype: torch.dtype | None = None,
        *,
        seed: int | None = None,
    ) -> None:
        super().__init__()
        d = check_int(latent_dim, "latent_dim")
        dtype = torch.get_default_dtype() if dtype is None else dtype  # like torch.zeros
        if not (isinstance(dtype, torch.dtype) and dtype.is_floating_point):
            raise TypeError(f"dtype must be a floating torch.dtype such as torch.float32, got {dtype!r}.")
        self.latent_dim = d
        kw = {"d": d, "dtype": dtype, "device": None, "strictly_positive": False}
        self.register_buffer("sigma2", as_variance(sigma2, "sigma2", **kw).detach().clone())
        pv = as_variance(prior_var, "prior_var", allow_none=True, **kw)
        self.register_buffer("prior_var", None if pv is None else pv.detach().clone())
        if isinstance(noise_var, bool) or not isinstance(noise_var, (int, float)):
            raise TypeError(f"noise_var must be a number, got {type(noise_var).__name__}.")
        if not (math.isfinite(noise_var) and noise_var >= 0):
            raise ValueError(f"noise_var must be a finite number >= 0, got {noise_var}.")
        self.noise_var = float(noise_var)

        if isinstance(decoder, str):
            needs_weights = decoder in ("linear", "mlp")
            gen = (
                resolve_generator(generator, seed, f"SSLModel(decoder={decoder!r})")
                if needs_weights
                else None
            )
            self.decoder = make_decoder(decoder, d, obs_dim, gen, dtype=dtype)
        elif callable(decoder):
            if obs_dim is not None:
                raise ValueError(
                    "obs_dim only applies to the named decoders; a callable decoder sets its own output."
                )
            self.decoder = decoder
        else:
            raise TypeError(
                f"decoder must be one of {DECODER_NAMES} or a callable (N, d) -> (N, *obs_shape), "
                f"got {type(decoder).__name__}."
            )
        self.obs_shape = self._probe_obs_shape()

    @property
    def dtype(self) -> torch.dtype:
        return self.sigma2.dtype

    @property
    def device(self) -> torch.device:
        return self.sigma2.device

    def _probe_obs_shape(self) -> tuple[int, ...]:
        probe = torch.zeros(2, self.latent_dim, dtype=self.dtype, device=self.device)
        try:
            with torch.no_grad():
                out = self.decoder(probe)
        except Exception as err:
            raise ValueError(
                f"the decoder failed on a probe input of shape (2, {self.latent_dim}); it must map "
                f"(N, latent_dim) -> (N, *obs_shape): {err}"
            ) from err
        if not isinstance(out, torch.Tensor) or out.ndim < 1 or out.shape[0] != 2:
            shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise ValueError(
                f"the decoder must return a tensor of shape (N, *obs_shape) for an (N, d) input, got {shape}."
            )
        return tuple(out.shape[1:])

    def extra_repr(self) -> str:
        prior = "flat" if self.prior_var is None else tuple(self.prior_var.tolist())
        return (
            f"latent_dim={self.latent_dim}, sigma2={tuple(self.sigma2.tolist())}, prior_var={prior}, "
            f"obs_shape={self.obs_shape}, noise_var={self.noise_var}"
        )

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``x = g(z)`` for ``z`` of shape (..., d) -> (..., *obs_shape) (no observation noise)."""
        z = check_tensor(z, "z")
        if z.ndim < 1 or z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must have shape (..., {self.latent_dim}), got {tuple(z.shape)}.")
        lead = z.shape[:-1]
        x = self.decoder(z.reshape(-1, self.latent_dim))  # (N, *obs_shape)
        return x.reshape(*lead, *self.obs_shape)

    def sample(
        self,
        n_groups: int,
        n_views: int,
        generator: torch.Generator | None = None,
        *,
        seed: int | None = None,
    ) -> GroupSample:
        """Draw B = ``n_groups`` groups of J = ``n_views`` views; every draw comes from ``generator``.

        Returns ``GroupSample(x (B, J, *obs_shape), z (B, J, d), y (B, d))``.
        """
        B = check_int(n_groups, "n_groups")
        J = check_int(n_views, "n_views")
        if self.prior_var is None:
            raise ValueError(
                "cannot sample y from the flat prior (prior_var=None); build the model with finite prior_var."
            )
        g = resolve_generator(generator, seed, "SSLModel.sample")
        d = self.latent_dim

        def standard_normal(*shape: int) -> torch.Tensor:
            eps = torch.randn(*shape, generator=g, dtype=self.dtype, device=g.device)
            return eps.to(self.device)

        with torch.no_grad():
            y = self.prior_var.sqrt() * standard_normal(B, d)  # (B, d)
            z = y.unsqueeze(1) + self.sigma2.sqrt() * standard_normal(B, J, d)  # (B, J, d)
            x = self.decode(z)  # (B, J, *obs_shape)
            if self.noise_var > 0:
                x = x + math.sqrt(self.noise_var) * standard_normal(*x.shape)
        return GroupSample(x, z, y)

    def latent_covariance(self, n_views: int) -> torch.Tensor:
        """Covariance (J·d, J·d) of ``z.reshape(B, J·d)``: ``1 1ᵀ ⊗ diag(s²) + I_J ⊗ diag(σ²)``."""
        J = check_int(n_views, "n_views")
        if self.prior_var is None:
            raise ValueError(
                "the flat prior (prior_var=None) has no finite covariance; pass a finite prior_var."
            )
        ones = torch.ones(J, J, dtype=self.dtype, device=self.device)
        eye = torch.eye(J, dtype=self.dtype, device=self.device)
        return torch.kron(ones, torch.diag(self.prior_var)) + torch.kron(eye, torch.diag(self.sigma2))

    def log_p_z(self, z: torch.Tensor) -> torch.Tensor:
        """``log_p_z(z, self.sigma2, self.prior_var)``; (B, J, d) -> (B,)."""
        return log_p_z(z, self.sigma2, self.prior_var)

    def expected_log_p_z(self, mu: torch.Tensor, var: torch.Tensor) -> torch.Tensor:
        """``expected_log_p_z(mu, var, self.sigma2, self.prior_var)``; (B, J, d) twice -> (B,)."""
        return expected_log_p_z(mu, var, self.sigma2, self.prior_var)

    def posterior_y(self, z: torch.Tensor) -> Posterior:
        """``posterior_y(z, self.sigma2, self.prior_var)``."""
        return posterior_y(z, self.sigma2, self.prior_var)

    def view_mutual_information(self) -> float:
        """``I(z_1; z_2)`` in nats for this model's variances."""
        return view_mutual_information(self.latent_dim, self.sigma2, self.prior_var)

    def content_mutual_information(self) -> float:
        """``I(y; z_1)`` in nats for this model's variances."""
        return content_mutual_information(self.latent_dim, self.sigma2, self.prior_var)
