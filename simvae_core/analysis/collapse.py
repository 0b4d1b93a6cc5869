"""Dimensional collapse in contrastive learning: the two toy cases of Jing et al. (2022).

L. Jing, P. Vincent, Y. LeCun, Y. Tian, "Understanding dimensional collapse in contrastive self-supervised
learning" (ICLR 2022). Contrastive embeddings can span a low-dimensional subspace although the loss asks
for spread-out embeddings. Two mechanisms, each with a linear toy (their §4 and §5; experiment E13 of
notebook 04):

- ``augmentation_collapse`` (case 1, strong augmentation). Data ``x ~ N(0, I_16)`` (a fixed set of
  10 000 points); two views ``x + (0, n₁)`` and ``x + (0, n₂)`` with noise ``n ~ N(0, noise² I_8)`` on the
  last 8 coordinates only; one linear layer ``z = W x + b`` (16 × 16); InfoNCE with dot-product logits
  ``z₁ᵢᵀ z₂ⱼ / τ`` (τ = 0.1, no normalisation), the first view of each pair the anchor, the second views
  of the batch the candidates; plain SGD (lr 1e-3, batch 128, 10 000 steps). Without the bias,
  ``∂L/∂W = W M`` with ``M = Σ_ij c_ij (x_i x′_jᵀ + x′_j x_iᵀ)``, ``c_ij = (α_ij − δ_ij) / (N τ)``, α the
  softmax. Writing ``d_ij = x′_j − x_i``, ``M = (Σ_i d_ii d_iiᵀ − Σ_ij α_ij d_ij d_ijᵀ) / (N τ)`` up to a
  term that vanishes when α's columns also sum to one: the spread of positive pairs (the augmentation)
  minus the α-weighted spread of negative pairs (the data). Gradient flow ``Ẇ = −W M`` shrinks W
  exponentially along every direction where M is positive, i.e. where the augmentation outweighs the data.
  With noise 1.5 the 8 augmented directions collapse (eigenvalue ratios ≤ 0.1 after 10 000 steps), with
  noise 0.01 none; in between they shrink progressively.
- ``implicit_collapse`` (case 2, implicit regularisation). The same data with weak isotropic noise
  (0.001 on every coordinate) but a two-layer linear network ``z = W₂ W₁ x`` (16 × 16 each, no bias),
  each layer initialised as ``U diag(exp(−0.35 k)) Vᵀ`` (k = 0..15; U, V from the SVD of a uniform random
  matrix), SGD lr 1e-2. Jing et al.'s Theorem 2: the layers align (``V₂ᵀ U₁ → I``, V₂ the right singular
  vectors of W₂, U₁ the left ones of W₁), after which each embedding singular value is the product
  ``σ_k(W₂) σ_k(W₁)`` and grows at a rate proportional to itself: the small ones stay small, and the
  embedding collapses even though the augmentation is harmless. The representation ``W₁ x`` (one factor
  fewer) is less collapsed than the embedding ``W₂ W₁ x`` — the two-layer net read as encoder + linear
  projection head (claim C5; DirectCLR's motivation).

Spectra are the eigenvalues of the sample covariance of the embeddings of 1 000 fresh points
``N(0, I_16)`` (descending), as in the authors' toy code; the effective rank is RankMe of the centred
embedding matrix, ``exp H(√λ / Σ√λ)`` (``geometry.effective_rank(z, center=True)``). Every draw comes from
a ``torch.Generator`` seeded by ``seed`` (data, batches, noise, initialisation), so a run is reproducible.
``augmentation_collapse`` trains one model per noise level at once (batched), with common random numbers.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..checks import check_int, check_positive
from .geometry import effective_rank

__all__ = [
    "AugmentationCollapseResult",
    "ImplicitCollapseResult",
    "augmentation_collapse",
    "decaying_init",
    "effective_rank_from_spectrum",
    "implicit_collapse",
    "infonce_dot",
]


def infonce_dot(z1: torch.Tensor, z2: torch.Tensor, temperature: float = 0.1) -> torch.Tensor:
    """Jing et al.'s InfoNCE: ``mean_i −log softmax_j(z1_i · z2_j / τ)[i]``, no normalisation.

    ``z1``, ``z2``: ``(N, d)`` or batched ``(R, N, d)`` (R independent models; the result is then ``(R,)``).
    Row i of ``z1`` is the anchor, row i of ``z2`` its positive, the other rows of ``z2`` its negatives.
    """
    logits = z1 @ z2.transpose(-1, -2) / temperature  # (..., N, N)
    return -torch.diagonal(logits.log_softmax(dim=-1), dim1=-2, dim2=-1).mean(-1)


def effective_rank_from_spectrum(
    eigenvalues: np.ndarray, *, of: str = "singular_values", eps: float = 1e-7
) -> np.ndarray:
    """Entropy rank ``exp H(p)``, ``p_k = σ_k / Σ σ + eps``, from covariance eigenvalues λ ``(..., d)``.

    ``of="singular_values"`` (default): σ = √λ, the singular values of the centred embedding matrix up to a
    constant — RankMe (Garrido et al. 2023) of the centred embeddings. ``of="eigenvalues"``: σ = λ, the
    entropy rank of the covariance spectrum itself (what an early pilot of E13 called RankMe); it is
    smaller whenever the spectrum is uneven, since squaring sharpens it.
    """
    if of not in ("singular_values", "eigenvalues"):
        raise ValueError(f"of must be 'singular_values' or 'eigenvalues', got {of!r}.")
    lam = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    sv = np.sqrt(lam) if of == "singular_values" else lam
    rows = sv.reshape(-1, sv.shape[-1])  # geometry.effective_rank takes one spectrum at a time
    ranks = [effective_rank(torch.from_numpy(row), eps=eps) for row in rows]
    return np.asarray(ranks, dtype=np.float64).reshape(sv.shape[:-1])


def _spectrum(z: torch.Tensor) -> torch.Tensor:
    """Eigenvalues of the sample covariance, descending: ``(..., N, d) -> (..., d)``."""
    zc = z - z.mean(-2, keepdim=True)
    cov = zc.transpose(-1, -2) @ zc / (z.shape[-2] - 1)
    return torch.linalg.eigvalsh(cov.double()).flip(-1).clamp(min=0.0)


def decaying_init(dim: int, decay: float, generator: torch.Generator) -> torch.Tensor:
    """``U diag(exp(−decay · k)) Vᵀ`` (k = 0..dim−1) with U, V the singular vectors of a U(0, 1) matrix:
    Jing et al.'s case-2 initialisation, a matrix whose singular values decay geometrically."""
    dim = check_int(dim, "dim")
    u, _, vh = torch.linalg.svd(torch.rand(dim, dim, generator=generator, dtype=torch.float64))
    return (u * torch.exp(-decay * torch.arange(dim, dtype=torch.float64))) @ vh


@dataclass(frozen=True)
class AugmentationCollapseResult:
    """Outcome of ``augmentation_collapse``: one model per noise level (axis R).

    ``spectrum`` (T, R, d): covariance eigenvalues of the embeddings of the evaluation points at each of
    ``record_steps`` (T,); ``loss`` (T, R) the training loss of the batch at that step; ``W`` (R, d, d)
    and ``b`` (R, d) the final weights; ``noisy`` the indices of the augmented coordinates.
    """

    noise: np.ndarray
    record_steps: np.ndarray
    spectrum: np.ndarray
    loss: np.ndarray
    W: np.ndarray
    b: np.ndarray
    noisy: np.ndarray
    seconds: float
    settings: dict

    @property
    def final_spectrum(self) -> np.ndarray:
        """(R, d) eigenvalues of Cov(z) after training, descending."""
        return self.spectrum[-1]

    @property
    def ratios(self) -> np.ndarray:
        """(R, d) final eigenvalues divided by the largest (Jing et al.'s log-spectrum plot, normalised)."""
        s = self.final_spectrum
        return s / s[:, :1]

    def effective_rank(self, of: str = "singular_values") -> np.ndarray:
        """(R,) RankMe of the centred final embeddings (``of``: see ``effective_rank_from_spectrum``)."""
        return effective_rank_from_spectrum(self.final_spectrum, of=of)

    @property
    def noisy_weight_share(self) -> np.ndarray:
        """(R,) ``‖W[:, noisy]‖²_F / ‖W‖²_F``: how much of the embedding reads the augmented coordinates
        (0.5 for a map that treats all 16 alike, → 0 when the augmented directions collapse)."""
        w2 = self.W**2
        return w2[:, :, self.noisy].sum((1, 2)) / w2.sum((1, 2))


def augmentation_collapse(
    noise: float | Sequence[float] = (0.01, 1.5),
    *,
    steps: int = 10_000,
    lr: float = 1e-3,
    batch_size: int = 128,
    n_data: int = 10_000,
    dim: int = 16,
    n_noisy: int = 8,
    temperature: float = 0.1,
    n_eval: int = 1_000,
    seed: int = 0,
    record_every: int | None = None,
) -> AugmentationCollapseResult:
    """Jing et al.'s case 1 (module docstring): a linear embedding z = W x + b trained by InfoNCE with
    strong augmentation noise on the last ``n_noisy`` of ``dim`` coordinates, one model per ``noise`` value.

    Weights start as ``torch.nn.Linear``'s default, U(±1/√dim), the same draw for every model. Float32.
    Cost: ~0.5 ms per step on a CPU core for a handful of noise levels (10 000 steps ≈ 5 s).
    """
    values = [noise] if isinstance(noise, (int, float)) else list(noise)
    noises = torch.as_tensor(values, dtype=torch.float32)
    if noises.ndim != 1 or noises.numel() == 0 or not bool((torch.isfinite(noises) & (noises >= 0)).all()):
        raise ValueError(f"noise must be a number or a non-empty sequence of numbers >= 0, got {noise!r}.")
    steps = check_int(steps, "steps")
    lr = check_positive(lr, "lr")
    temperature = check_positive(temperature, "temperature")
    dim = check_int(dim, "dim")
    n_noisy = check_int(n_noisy, "n_noisy", minimum=0)
    if n_noisy > dim:
        raise ValueError(f"n_noisy must be <= dim = {dim}, got {n_noisy}.")
    n_data = check_int(n_data, "n_data", minimum=2)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    if batch_size > n_data:
        raise ValueError(f"batch_size ({batch_size}) must be <= n_data ({n_data}).")
    n_eval = check_int(n_eval, "n_eval", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    every = max(1, steps // 100) if record_every is None else check_int(record_every, "record_every")

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_data, dim, generator=g)
    x_eval = torch.randn(n_eval, dim, generator=g)
    r = noises.numel()
    bound = 1.0 / math.sqrt(dim)
    w = ((torch.rand(dim, dim, generator=g) * 2 - 1) * bound).expand(r, dim, dim).clone().requires_grad_()
    b = ((torch.rand(dim, generator=g) * 2 - 1) * bound).expand(r, 1, dim).clone().requires_grad_()
    scale = torch.zeros(r, 1, dim)
    scale[:, 0, dim - n_noisy :] = noises[:, None]  # (R, 1, d): noise std per model and coordinate

    records: dict[str, list] = {"step": [], "spectrum": [], "loss": []}

    def record(step: int, loss: torch.Tensor) -> None:
        with torch.no_grad():
            records["step"].append(step)
            records["spectrum"].append(_spectrum(x_eval @ w.transpose(1, 2) + b).numpy())
            records["loss"].append(loss.detach().numpy().copy())

    start = time.perf_counter()
    for step in range(1, steps + 1):
        xi = x[torch.randperm(n_data, generator=g)[:batch_size]]  # (B, d)
        x1 = xi + torch.randn(batch_size, dim, generator=g) * scale  # (R, B, d), common random numbers
        x2 = xi + torch.randn(batch_size, dim, generator=g) * scale
        z1 = x1 @ w.transpose(1, 2) + b  # (R, B, d)
        z2 = x2 @ w.transpose(1, 2) + b
        losses = infonce_dot(z1, z2, temperature)  # (R,)
        if step == 1:
            record(0, losses)
        gw, gb = torch.autograd.grad(losses.sum(), (w, b))  # the models are independent: sum = each one's
        with torch.no_grad():
            w -= lr * gw
            b -= lr * gb
        if not bool(torch.isfinite(losses).all()):
            raise FloatingPointError(f"augmentation_collapse diverged at step {step} (lr={lr:g}).")
        if step % every == 0 or step == steps:
            record(step, losses)
    seconds = time.perf_counter() - start
    return AugmentationCollapseResult(
        noise=noises.numpy().astype(np.float64),
        record_steps=np.asarray(records["step"]),
        spectrum=np.stack(records["spectrum"]),
        loss=np.stack(records["loss"]),
        W=w.detach().numpy().astype(np.float64),
        b=b.detach()[:, 0].numpy().astype(np.float64),
        noisy=np.arange(dim - n_noisy, dim),
        seconds=seconds,
        settings={
            "steps": steps,
            "lr": lr,
            "batch_size": batch_size,
            "n_data": n_data,
            "dim": dim,
            "n_noisy": n_noisy,
            "temperature": temperature,
            "n_eval": n_eval,
            "seed": seed,
            "record_every": every,
        },
    )


@dataclass(frozen=True)
class ImplicitCollapseResult:
    """Outcome of ``implicit_collapse``, traced at ``record_steps`` (T,).

    ``embedding_spectrum`` (T, d): covariance eigenvalues of ``W₂W₁x``; ``representation_spectrum`` (T, d)
    those of ``W₁x``; ``w1_singular``, ``w2_singular`` (T, d); ``alignment`` (T,) the mean of
    ``|diag(V₂ᵀU₁)|`` (1 when the layers are aligned); ``alignment_matrix`` (d, d) the final ``|V₂ᵀU₁|``.
    """

    record_steps: np.ndarray
    embedding_spectrum: np.ndarray
    representation_spectrum: np.ndarray
    w1_singular: np.ndarray
    w2_singular: np.ndarray
    alignment: np.ndarray
    alignment_matrix: np.ndarray
    loss: np.ndarray
    seconds: float
    settings: dict

    def ratios(self, which: str = "embedding", step: int = -1) -> np.ndarray:
        """(d,) eigenvalues over the largest, of the ``"embedding"`` or the ``"representation"``."""
        if which not in ("embedding", "representation"):
            raise ValueError(f"which must be 'embedding' or 'representation', got {which!r}.")
        s = (self.embedding_spectrum if which == "embedding" else self.representation_spectrum)[step]
        return s / s[0]

    def effective_rank(self, which: str = "embedding", step: int = -1, of: str = "singular_values") -> float:
        """RankMe of the centred embedding (or representation) at a recorded step (``of``: see
        ``effective_rank_from_spectrum``)."""
        s = (self.embedding_spectrum if which == "embedding" else self.representation_spectrum)[step]
        return float(effective_rank_from_spectrum(s, of=of))


def implicit_collapse(
    noise: float = 0.001,
    *,
    steps: int = 10_000,
    lr: float = 1e-2,
    batch_size: int = 128,
    n_data: int = 10_000,
    dim: int = 16,
    init_decay: float = 0.35,
    temperature: float = 0.1,
    n_eval: int = 1_000,
    seed: int = 0,
    record_every: int | None = None,
) -> ImplicitCollapseResult:
    """Jing et al.'s case 2 (module docstring): a two-layer linear net z = W₂W₁x trained by InfoNCE with
    weak isotropic noise; float32 SGD, each layer from ``decaying_init(dim, init_decay)``.
    Cost: ~0.4 ms per step on a CPU core (10 000 steps ≈ 4 s)."""
    noise = check_positive(noise, "noise", allow_zero=True)
    steps = check_int(steps, "steps")
    lr = check_positive(lr, "lr")
    temperature = check_positive(temperature, "temperature")
    init_decay = check_positive(init_decay, "init_decay", allow_zero=True)
    dim = check_int(dim, "dim")
    n_data = check_int(n_data, "n_data", minimum=2)
    batch_size = check_int(batch_size, "batch_size", minimum=2)
    if batch_size > n_data:
        raise ValueError(f"batch_size ({batch_size}) must be <= n_data ({n_data}).")
    n_eval = check_int(n_eval, "n_eval", minimum=2)
    seed = check_int(seed, "seed", minimum=0)
    every = max(1, steps // 100) if record_every is None else check_int(record_every, "record_every")

    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_data, dim, generator=g)
    x_eval = torch.randn(n_eval, dim, generator=g)
    w1 = decaying_init(dim, init_decay, g).float().requires_grad_()
    w2 = decaying_init(dim, init_decay, g).float().requires_grad_()

    records: dict[str, list] = {k: [] for k in ("step", "emb", "rep", "s1", "s2", "align", "loss")}

    def record(step: int, loss: float) -> None:
        with torch.no_grad():
            a, b = w1.double(), w2.double()
            u1, s1, _ = torch.linalg.svd(a)
            _, s2, v2h = torch.linalg.svd(b)
            align = (v2h @ u1).abs()  # (d, d): |V₂ᵀU₁|, rows = W₂'s input directions
            h = x_eval.double() @ a.T
            records["step"].append(step)
            records["emb"].append(_spectrum(h @ b.T).numpy())
            records["rep"].append(_spectrum(h).numpy())
            records["s1"].append(s1.numpy())
            records["s2"].append(s2.numpy())
            records["align"].append(align.numpy())
            records["loss"].append(loss)

    start = time.perf_counter()
    for step in range(1, steps + 1):
        xi = x[torch.randperm(n_data, generator=g)[:batch_size]]
        x1 = xi + noise * torch.randn(batch_size, dim, generator=g)
        x2 = xi + noise * torch.randn(batch_size, dim, generator=g)
        loss = infonce_dot(x1 @ w1.T @ w2.T, x2 @ w1.T @ w2.T, temperature)
        if step == 1:
            record(0, loss.item())
        g1, g2 = torch.autograd.grad(loss, (w1, w2))
        with torch.no_grad():
            w1 -= lr * g1
            w2 -= lr * g2
        value = loss.item()
        if not math.isfinite(value):
            raise FloatingPointError(f"implicit_collapse diverged at step {step} (lr={lr:g}).")
        if step % every == 0 or step == steps:
            record(step, value)
    seconds = time.perf_counter() - start
    align = np.stack(records["align"])
    return ImplicitCollapseResult(
        record_steps=np.asarray(records["step"]),
        embedding_spectrum=np.stack(records["emb"]),
        representation_spectrum=np.stack(records["rep"]),
        w1_singular=np.stack(records["s1"]),
        w2_singular=np.stack(records["s2"]),
        alignment=np.diagonal(align, axis1=1, axis2=2).mean(1),
        alignment_matrix=align[-1],
        loss=np.asarray(records["loss"]),
        seconds=seconds,
        settings={
            "noise": noise,
            "steps": steps,
            "lr": lr,
            "batch_size": batch_size,
            "n_data": n_data,
            "dim": dim,
            "init_decay": init_decay,
            "temperature": temperature,
            "n_eval": n_eval,
            "seed": seed,
            "record_every": every,
        },
    )
