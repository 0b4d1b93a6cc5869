"""Fixed random decoders ``x = g(z)`` for synthetic data with known latents.

All decoders map ``(N, d) -> (N, *obs_shape)`` (leading batch dimensions are allowed), hold no trainable
parameters (weights are buffers), and take every random draw from a caller-seeded ``torch.Generator`` at
construction, so two decoders built from the same seed are identical. They are injective, so the
information in ``z`` survives in ``x`` (e.g. ``I(x_1; x_2) = I(z_1; z_2)``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from ..checks import check_int, check_tensor, resolve_generator

__all__ = [
    "DECODER_NAMES",
    "IdentityDecoder",
    "InjectiveMLP",
    "LinearDecoder",
    "condition_number",
    "ShapeRenderer",
    "make_decoder",
    "random_orthonormal_columns",
    "unit_column_uniform",
]

DECODER_NAMES = ("identity", "linear", "mlp", "image")


def random_orthonormal_columns(
    rows: int, cols: int, generator: torch.Generator, dtype: torch.dtype = torch.float64
) -> torch.Tensor:
    """Haar-random ``(rows, cols)`` matrix ``Q`` with ``QᵀQ = I`` (needs ``rows >= cols``)."""
    a = torch.randn(rows, cols, generator=generator, dtype=torch.float64, device=generator.device)
    q, r = torch.linalg.qr(a)
    # QR is unique only up to column signs; fixing sign(diag R) = + makes Q Haar-distributed.
    signs = torch.sign(torch.diagonal(r))
    signs = torch.where(signs == 0, torch.ones_like(signs), signs)
    return (q * signs).to(dtype)


def unit_column_uniform(shape: Sequence[int], generator: torch.Generator) -> torch.Tensor:
    """``U(-1, 1)`` matrices of shape ``(..., n, n)`` with every column rescaled to unit norm (float64)."""
    w = torch.rand(*shape, generator=generator, dtype=torch.float64, device=generator.device) * 2 - 1
    return w / torch.linalg.vector_norm(w, dim=-2, keepdim=True)


def condition_number(w: torch.Tensor) -> torch.Tensor:
    """2-norm condition numbers ``σ_max / σ_min`` of a batch of square matrices ``(..., n, n)`` -> ``(...)``.

    Computed as ``sqrt(λ_max / λ_min)`` of the Gram matrix ``WᵀW`` in float64 (its eigenvalues are the
    squared singular values): same value as ``torch.linalg.cond`` to ~1e-8 relative for the matrices used
    here, and far faster for large batches (a batched SVD of 2000 64×64 matrices takes close to a minute on
    some CPU builds). Singular matrices give ``inf``.
    """
    w = w.to(torch.float64)
    eig = torch.linalg.eigvalsh(w.mT @ w)  # (..., n), ascending
    ratio = eig[..., -1] / eig[..., 0]
    return torch.where(eig[..., 0] > 0, ratio.sqrt(), torch.full_like(ratio, math.inf))


def _check_last_dim(z: torch.Tensor, d: int, who: str) -> None:
    if z.ndim < 1 or z.shape[-1] != d:
        raise ValueError(f"{who} expects inputs of shape (..., {d}), got {tuple(z.shape)}.")


def _injective_dims(in_dim: object, out_dim: object, who: str) -> tuple[int, int]:
    """Validate (in_dim, out_dim) of an injective map; ``out_dim=None`` means square."""
    in_dim = check_int(in_dim, "in_dim")
    out_dim = in_dim if out_dim is None else check_int(out_dim, "out_dim")
    if out_dim < in_dim:
        raise ValueError(
            f"{who} needs out_dim >= in_dim to be injective, got out_dim={out_dim} < "
            f"in_dim={in_dim}; pass out_dim >= {in_dim} or out_dim=None."
        )
    return in_dim, out_dim


class IdentityDecoder(nn.Module):
    """``x = z``: the latent space itself is observed."""

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        return x


class LinearDecoder(nn.Module):
    """``x = W z`` with ``W`` a Haar-random ``(out_dim, in_dim)`` matrix with orthonormal columns.

    ``WᵀW = I`` so the map is an isometric embedding (injective, distances preserved) and ``inverse(x) = Wᵀx``
    recovers ``z`` from any point of its image.
    """

    weight: torch.Tensor

    def __init__(
        self,
        in_dim: int,
        out_dim: int | None = None,
        generator: torch.Generator | None = None,
        *,
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
    ) -> None:
        super().__init__()
        in_dim, out_dim = _injective_dims(in_dim, out_dim, "LinearDecoder")
        generator = resolve_generator(generator, seed, "LinearDecoder")
        self.in_dim, self.out_dim = in_dim, out_dim
        self.register_buffer("weight", random_orthonormal_columns(out_dim, in_dim, generator, dtype))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = check_tensor(z, "z", finite=False)
        _check_last_dim(z, self.in_dim, "LinearDecoder")
        return z @ self.weight.to(z.dtype).mT

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """Left inverse ``z = Wᵀx`` (exact on the image of the decoder, a projection elsewhere)."""
        x = check_tensor(x, "x", finite=False)
        _check_last_dim(x, self.out_dim, "LinearDecoder.inverse")
        return x @ self.weight.to(x.dtype)


class InjectiveMLP(nn.Module):
    """Invertible leaky-ReLU MLP: the mixing of Zimmermann et al. (2021) and von Kügelgen et al. (2021).

    ``g(z) = W_L σ(⋯ σ(W_1 σ(E z)))`` where ``E`` (only if ``out_dim > in_dim``) is an ``(out_dim, in_dim)``
    embedding with orthonormal columns, each ``W_l`` is a square ``(out_dim, out_dim)`` matrix and ``σ`` is
    ``LeakyReLU(negative_slope)``, applied between layers but not after the last one. Each ``W_l`` is a
    ``U(-1, 1)`` matrix with unit-norm columns, rejection-sampled until its condition number is at most
    ``cond_threshold``: the ``cond_quantile`` quantile of the condition numbers of ``pool_size`` such
    matrices (computed once per construction). Well-conditioned layers keep the map far from singular.
    """

    def __init__(
        self,
        in_dim: int,
        out_dim: int | None = None,
        n_layers: int = 3,
        negative_slope: float = 0.2,
        generator: torch.Generator | None = None,
        pool_size: int = 2000,
        cond_quantile: float = 0.25,
        *,
        seed: int | None = None,
        dtype: torch.dtype = torch.float32,
        max_draws: int = 100_000,
    ) -> None:
        super().__init__()
        in_dim, out_dim = _injective_dims(in_dim, out_dim, "InjectiveMLP")
        n_layers = check_int(n_layers, "n_layers")
        pool_size = check_int(pool_size, "pool_size")
        if not (isinstance(negative_slope, (int, float)) and negative_slope > 0):
            raise ValueError(
                f"negative_slope must be > 0 for the LeakyReLU to be invertible, got {negative_slope!r}."
            )
        if not (0.0 < float(cond_quantile) <= 1.0):
            raise ValueError(f"cond_quantile must be in (0, 1], got {cond_quantile!r}.")
        generator = resolve_generator(generator, seed, "InjectiveMLP")
        self.in_dim, self.out_dim = in_dim, out_dim
        self.n_layers = n_layers
        self.negative_slope = float(negative_slope)

        if out_dim > in_dim:
            self.register_buffer("embedding", random_orthonormal_columns(out_dim, in_dim, generator, dtype))
        else:
            self.embedding = None

        # the pool is drawn in chunks of <= 2^22 entries so a large out_dim does not need GBs of memory
        chunk = max(1, 2**22 // out_dim**2)
        pool_cond = torch.cat(
            [
                condition_number(
                    unit_column_uniform((min(chunk, pool_size - start), out_dim, out_dim), generator)
                )
                for start in range(0, pool_size, chunk)
            ]
        )  # (pool_size,)
        self.cond_threshold = float(torch.quantile(pool_cond, float(cond_quantile)))

        self._layer_names = []
        for i in range(n_layers):
            w = self._draw_well_conditioned(out_dim, generator, max_draws)
            name = f"weight_{i}"
            self.register_buffer(name, w.to(dtype))
            self._layer_names.append(name)

    def _draw_well_conditioned(self, n: int, generator: torch.Generator, max_draws: int) -> torch.Tensor:
        # Candidates are drawn in batches; the expected acceptance rate is cond_quantile.
        batch, drawn = 64, 0
        while drawn < max_draws:
            candidates = unit_column_uniform((batch, n, n), generator)
            accepted = torch.nonzero(condition_number(candidates) <= self.cond_threshold)
            if accepted.numel() > 0:
                return candidates[accepted[0, 0]]
            drawn += batch
        raise RuntimeError(
            f"InjectiveMLP: no matrix with condition number <= {self.cond_threshold:.3g} in {max_draws} "
            "draws; raise cond_quantile."
        )

    @property
    def weights(self) -> list[torch.Tensor]:
        """The square layer matrices ``W_1..W_L`` in order of application."""
        return [getattr(self, name) for name in self._layer_names]

    def _leaky(self, h: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.leaky_relu(h, self.negative_slope)

    def _leaky_inverse(self, h: torch.Tensor) -> torch.Tensor:
        return torch.where(h >= 0, h, h / self.negative_slope)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        z = check_tensor(z, "z", finite=False)
        _check_last_dim(z, self.in_dim, "InjectiveMLP")
        h = z
        first = True
        if self.embedding is not None:
            h = h @ self.embedding.to(h.dtype).mT
            first = False
        for w in self.weights:
            if not first:
                h = self._leaky(h)
            h = h @ w.to(h.dtype).mT
            first = False
        return h

    def inverse(self, x: torch.Tensor) -> torch.Tensor:
        """``z = g⁻¹(x)``, exact for ``x`` in the image of ``g`` (every ``x`` when ``out_dim == in_dim``)."""
        x = check_tensor(x, "x", finite=False)
        _check_last_dim(x, self.out_dim, "InjectiveMLP.inverse")
        lead = x.shape[:-1]
        h = x.reshape(-1, self.out_dim)  # (N, out_dim)
        for i, w in enumerate(reversed(self.weights)):
            h = torch.linalg.solve(w.to(h.dtype), h.mT).mT
            if i < self.n_layers - 1 or self.embedding is not None:
                h = self._leaky_inverse(h)
        if self.embedding is not None:
            h = h @ self.embedding.to(h.dtype)
        return h.reshape(*lead, self.in_dim)


class ShapeRenderer(nn.Module):
    """Deterministic soft rasteriser of one grey blob: an image decoder with known, interpretable latents.

    Latent layout (8 dims, see ``latent_names``), each squashed from the real line:

    - content-like, the outline's shape: ``r(θ) = r0·scale·(1 + a2 cos2θ + b2 sin2θ + a3 cos3θ + b3 sin3θ)``
      with ``(a2, b2, a3, b3) = AMPLITUDE·tanh(z[:4])``, so ``r > 0`` always;
    - style-like: centre ``(cx, cy) = CENTRE_RANGE·tanh(z[4:6]/2)`` (keeps the blob inside the image with a
      margin), ``scale = SCALE_MIN + (SCALE_MAX − SCALE_MIN)·sigmoid(z[6])`` and intensity
      ``INTENSITY_MIN + (1 − INTENSITY_MIN)·sigmoid(z[7])``, i.e. in [0.3, 1].

    Pixel value (polar coordinates ``(ρ, θ)`` about the centre, image spanning [-1, 1]²):
    ``intensity · sigmoid((r(θ) − ρ)/softness)``, so the output lies in [0, 1] and is differentiable in ``z``.
    There is deliberately no rotation latent: a rotation by ``φ`` only shifts the harmonics' phases
    (``(a_m, b_m)`` rotates by ``mφ``), so it would be confounded with the shape latents and the map would not
    be injective. Input ``(..., 8)``, output ``(..., 1, size, size)``.
    """

    latent_names = ("shape_a2", "shape_b2", "shape_a3", "shape_b3", "x", "y", "scale", "intensity")
    latent_dim = 8
    R0 = 0.4
    AMPLITUDE = 0.25
    SCALE_MIN, SCALE_MAX = 0.6, 1.0
    INTENSITY_MIN = 0.3
    # max radius R0·SCALE_MAX·(1 + 2·√2·AMPLITUDE) ≈ 0.68, so a centre within ±0.25 stays ~1 pixel inside.
    CENTRE_RANGE = 0.25

    def __init__(self, size: int = 16, softness: float = 0.5) -> None:
        super().__init__()
        self.size = check_int(size, "size", minimum=4)
        if not (isinstance(softness, (int, float)) and softness > 0):
            raise ValueError(f"softness (in pixels) must be > 0, got {softness!r}.")
        self.softness = float(softness)
        self.obs_shape = (1, self.size, self.size)

    def factors(self, z: torch.Tensor) -> dict[str, torch.Tensor]:
        """The squashed, interpretable parameters (each of shape ``z.shape[:-1]``) that ``z`` renders to."""
        z = check_tensor(z, "z", finite=False)
        _check_last_dim(z, self.latent_dim, "ShapeRenderer")
        amp = self.AMPLITUDE * torch.tanh(z[..., :4])
        centre = self.CENTRE_RANGE * torch.tanh(z[..., 4:6] / 2)
        scale = self.SCALE_MIN + (self.SCALE_MAX - self.SCALE_MIN) * torch.sigmoid(z[..., 6])
        intensity = self.INTENSITY_MIN + (1 - self.INTENSITY_MIN) * torch.sigmoid(z[..., 7])
        return {
            "a2": amp[..., 0],
            "b2": amp[..., 1],
            "a3": amp[..., 2],
            "b3": amp[..., 3],
            "cx": centre[..., 0],
            "cy": centre[..., 1],
            "scale": scale,
            "intensity": intensity,
        }

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        f = self.factors(z)
        lead = z.shape[:-1]
        n = self.size
        # pixel centres on [-1, 1]; a pixel is 2/n wide
        grid = (torch.arange(n, dtype=z.dtype, device=z.device) + 0.5) * (2.0 / n) - 1.0
        u = grid.view(1, 1, n)  # columns: horizontal coordinate
        v = grid.view(1, n, 1)  # rows: vertical coordinate

        def per_item(t: torch.Tensor) -> torch.Tensor:
            return t.reshape(-1, 1, 1)  # (N, 1, 1)

        dx = u - per_item(f["cx"])  # (N, 1, n) -> broadcasts to (N, n, n)
        dy = v - per_item(f["cy"])  # (N, n, 1)
        eps = 1e-3 / n
        # cos θ and sin θ from (dx, dy) directly: atan2 has an undefined gradient at the centre.
        rho = torch.sqrt(dx**2 + dy**2 + eps**2)  # (N, n, n)
        cos1, sin1 = dx / rho, dy / rho
        cos2, sin2 = cos1**2 - sin1**2, 2 * sin1 * cos1
        cos3, sin3 = 4 * cos1**3 - 3 * cos1, 3 * sin1 - 4 * sin1**3
        harmonics = (
            per_item(f["a2"]) * cos2
            + per_item(f["b2"]) * sin2
            + per_item(f["a3"]) * cos3
            + per_item(f["b3"]) * sin3
        )
        radius = self.R0 * per_item(f["scale"]) * (1 + harmonics)  # (N, n, n)
        softness = self.softness * 2.0 / n
        img = per_item(f["intensity"]) * torch.sigmoid((radius - rho) / softness)  # (N, n, n)
        return img.reshape(*lead, 1, n, n)


def make_decoder(
    name: str,
    in_dim: int,
    out_dim: int | None = None,
    generator: torch.Generator | None = None,
    *,
    dtype: torch.dtype = torch.float32,
) -> nn.Module:
    """Build a decoder by name: ``"identity"``, ``"linear"``, ``"mlp"`` or ``"image"``.

    ``out_dim`` defaults to ``in_dim``; ``"linear"`` and ``"mlp"`` draw their weights from ``generator``
    (required for them); ``"image"`` is the ``ShapeRenderer`` and needs ``in_dim == 8``.
    """
    if not isinstance(name, str) or name not in DECODER_NAMES:
        raise ValueError(
            f"unknown decoder {name!r}; valid names are {', '.join(map(repr, DECODER_NAMES))}, "
            "or pass a callable / nn.Module mapping (N, d) -> (N, *obs_shape)."
        )
    in_dim = check_int(in_dim, "in_dim")
    if name == "identity":
        if out_dim is not None and out_dim != in_dim:
            raise ValueError(
                f"decoder='identity' observes z itself, so obs_dim must be None or {in_dim}, got {out_dim}; "
                "use decoder='linear' or 'mlp' for a larger observation space."
            )
        return IdentityDecoder()
    if name == "image":
        if in_dim != ShapeRenderer.latent_dim:
            raise ValueError(
                f"decoder='image' (ShapeRenderer) has a fixed layout of {ShapeRenderer.latent_dim} latents "
                f"{ShapeRenderer.latent_names}; pass latent_dim=8, got {in_dim}."
            )
        if out_dim is not None:
            raise ValueError(
                "decoder='image' renders (1, 16, 16) images and takes no obs_dim; for another size pass "
                "decoder=ShapeRenderer(size=...)."
            )
        return ShapeRenderer()
    if generator is None:
        raise ValueError(
            f"decoder={name!r} draws random weights and needs a caller-seeded source: pass "
            "generator=torch.Generator().manual_seed(0) or seed=0."
        )
    if name == "linear":
        return LinearDecoder(in_dim, out_dim, generator, dtype=dtype)
    return InjectiveMLP(in_dim, out_dim, generator=generator, dtype=dtype)
