"""The trainable models behind ``fit``: the VAE family, and the discriminative family with projection heads.

Every model answers the same three calls, so one training loop (:mod:`simvae_core.learning.train`) serves
them all:

- ``training_loss(views, index, generator=, amp=)`` → ``LossOutput`` for a batch of view groups
  ``views (B, J, *x_shape)`` of the instances ``index (B,)``;
- ``after_step()`` — the updates that are not gradient steps: EMA targets (MoCo, BYOL, DINO), the MoCo
  queue, the instance-discrimination memory bank, DINO's centre;
- ``encode(x, after_head=False)`` — the representation evaluated downstream: the posterior mean ``μ(x)``
  for the VAE family, the encoder output ``h = f(x)`` *before* the projection head for the discriminative
  family, or with ``after_head=True`` the embedding ``g(h)`` the loss acts on (claim C5).

Discriminative models are an encoder ``f`` (the same networks as the VAEs' encoders, :mod:`nets`) and a
projection head ``g`` whose official shape is scaled to our networks (:data:`HEAD_DEFAULTS`):
``head_layers = 0`` (no head, ``g`` = identity), ``1`` (linear) or ``L ≥ 2`` (an MLP with ``L`` linear
layers), hidden width ``head_width`` (default ``max(64, 4 d)``, as the official heads are wider than the
representation) and output ``embed_dim``. The losses themselves are pure functions in
:mod:`simvae_core.objectives.discriminative`.

All state that changes during training (EMA weights, queue, memory bank, centre, the step counter) lives in
parameters and buffers, so a checkpoint's ``state_dict`` resumes a run exactly.

In a distributed ``fit`` every objective passes what it compares across the batch through
:func:`~simvae_core.learning.distributed.global_batch` (embeddings with gradient, MoCo's keys, DINO's
teacher outputs, instance indices), so the loss, the queue, the memory bank and the centre are those of the
global batch on every rank; the VAE family's losses are per group, and DDP's average of the gradients is
already the global one.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..checks import check_fraction, check_int, check_positive
from ..data import as_float
from ..objectives import discriminative
from ..objectives.elbo import reparameterize
from ..objectives.output import LossOutput
from .distributed import current, global_batch
from .nets import build_encoder

__all__ = [
    "EMBEDDING_MODELS",
    "HEAD_DEFAULTS",
    "BarlowTwinsModel",
    "BYOLModel",
    "CLIPModel",
    "DINOModel",
    "EmbeddingModel",
    "InstanceDiscriminationModel",
    "MoCoModel",
    "SimCLRModel",
    "SimSiamModel",
    "SwAVModel",
    "VAEModel",
    "VICRegModel",
    "build_head",
]


def _prepare(x: torch.Tensor, x_shape: tuple[int, ...], param: torch.Tensor) -> torch.Tensor:
    """uint8 or float inputs ``(N, *x_shape)`` → floats on the model's device and dtype."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"inputs must be a torch.Tensor of shape (N, {x_shape}), got {type(x).__name__}")
    x = as_float(x.to(param.device)).to(param.dtype)
    if tuple(x.shape[1:]) != x_shape:
        raise ValueError(
            f"expected inputs of shape (N, {', '.join(map(str, x_shape))}), got {tuple(x.shape)}"
        )
    return x


# --------------------------------------------------------------------------------------------------------
# VAE family
# --------------------------------------------------------------------------------------------------------
class VAEModel(nn.Module):
    """Gaussian encoder q(z|x) = N(μ(x), diag exp(logvar(x))) and a decoder p(x|z), for the VAE family.

    ``loss`` is one of the group objectives of :mod:`simvae_core.objectives.elbo` (``simvae_elbo``,
    ``vae_elbo``, …), called as ``loss(x, x_params, mu, logvar, z, likelihood=, decoder_logvar=,
    **loss_options)``.
    ``encode(x)`` returns the posterior mean μ(x) — the representation evaluated downstream.
    A per-coordinate option (a list, e.g. ``sigma2`` with one variance per latent coordinate) reaches the
    loss as a tensor that moves with the model (a buffer outside the state dict), made once, not per step.
    ``prior_var``: the variance of the marginal p(z) that :meth:`sample` draws from, a number or one per
    coordinate (None: not samplable).
    """

    def __init__(
        self,
        encoder: nn.Module,
        decoder: nn.Module,
        x_shape: tuple[int, ...],
        latent_dim: int,
        likelihood: str,
        decoder_var: float | str,
        prior_var: float | Sequence[float] | None = 1.0,
        loss: Callable[..., Any] | None = None,
        loss_options: Mapping[str, Any] | None = None,
    ):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.x_shape, self.latent_dim, self.likelihood = tuple(x_shape), latent_dim, likelihood
        self.prior_var = prior_var  # variance of the marginal p(z) used by sample(); None = not samplable
        if decoder_var == "learned":
            self.decoder_logvar = nn.Parameter(torch.zeros(()))
        else:
            self.register_buffer("decoder_logvar", torch.tensor(math.log(float(decoder_var))))
        self.learned_decoder_var = decoder_var == "learned"
        self.loss_fn, self.loss_options = loss, dict(loss_options or {})
        self._tensor_options = [k for k, v in self.loss_options.items() if isinstance(v, (list, tuple))]
        for key in self._tensor_options:
            value = torch.tensor(self.loss_options[key], dtype=torch.get_default_dtype())
            self.register_buffer(f"option_{key}", value, persistent=False)

    # (N, *x_shape) -> (N, d), (N, d)
    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)  # (N, 2d)
        mu, logvar = h.chunk(2, dim=-1)
        return mu, logvar.clamp(-30.0, 20.0)  # keeps exp(logvar) finite in float32 and bfloat16

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        return _prepare(x, self.x_shape, next(self.parameters()))

    def training_loss(
        self, views: torch.Tensor, index: torch.Tensor, *, generator: torch.Generator, amp: bool = False
    ):
        """The group objective on ``views (B, J, *x_shape)`` (floats in the data's scale)."""
        B, J = views.shape[:2]
        flat = views.reshape(B * J, *self.x_shape)  # (B·J, *x_shape)
        device = flat.device
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=amp):
            mu, logvar = self.posterior(flat)  # (B·J, d) each
            z = self._reparameterize(mu.float(), logvar.float(), generator)  # float32 even under autocast
            x_params = self.decoder(z)
        # The decoder variance only enters a Gaussian likelihood (the Bernoulli has none of its own).
        decoder_logvar = self.decoder_logvar if self.likelihood == "gaussian" else None
        return self.loss_fn(
            views,
            x_params.float().reshape(B, J, *self.x_shape),
            mu.float().reshape(B, J, -1),
            logvar.float().reshape(B, J, -1),
            z.reshape(B, J, -1),
            likelihood=self.likelihood,
            decoder_logvar=decoder_logvar,
            **{
                key: getattr(self, f"option_{key}") if key in self._tensor_options else value
                for key, value in self.loss_options.items()
            },
        )

    @staticmethod
    def _reparameterize(mu: torch.Tensor, logvar: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """z = μ + σ·ε. In a distributed ``fit`` every rank draws the noise of the global batch (the same
        generator state on every rank) and keeps its own rows, so ε does not depend on the number of ranks."""
        rank, size = current()
        if size == 1:
            return reparameterize(mu, logvar, generator)
        n = mu.shape[0]
        eps = torch.randn((size * n, *mu.shape[1:]), generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps[rank * n : (rank + 1) * n]

    def after_step(self) -> None:
        """Nothing besides the gradient step."""

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch_size: int = 2048, after_head: bool = False) -> torch.Tensor:
        """Posterior means μ(x) for a batch of inputs (uint8 or float): (N, *x_shape) -> (N, d)."""
        if after_head:
            raise ValueError("VAE-family models have no projection head; call encode(x) without after_head")
        was_training = self.training
        self.eval()
        out = [self.posterior(self._prepare(x[i : i + batch_size]))[0] for i in range(0, len(x), batch_size)]
        self.train(was_training)
        return torch.cat(out)

    def decode_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x | z]: sigmoid of the logits (Bernoulli) or the Gaussian mean."""
        params = self.decoder(z)
        return torch.sigmoid(params) if self.likelihood == "bernoulli" else params

    @torch.no_grad()
    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """E[x | z = μ(x)] for inputs (N, *x_shape), in the data's scale (floats)."""
        return self.decode_mean(self.posterior(self._prepare(x))[0])

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Decoder means at z drawn from the model's marginal prior N(0, diag prior_var): (n, *x_shape)."""
        if self.prior_var is None:
            raise ValueError(
                "this model's prior is flat (prior='flat'), which cannot be sampled; "
                "train with prior='gaussian' to sample"
            )
        param = next(self.parameters())
        z = torch.randn(n, self.latent_dim, generator=generator, dtype=param.dtype)  # (n, d)
        scale = torch.as_tensor(self.prior_var, dtype=torch.float64).sqrt().to(param.dtype)  # () or (d,)
        return self.decode_mean((z * scale).to(param.device))


# --------------------------------------------------------------------------------------------------------
# Projection heads
# --------------------------------------------------------------------------------------------------------
# Official head shapes (layers, normalisation, activation), scaled: widths follow ``head_width``.
#   SimCLR: Linear-BN-ReLU-Linear (Chen et al. 2020);  MoCo v2: Linear-ReLU-Linear (Chen et al. 2020b)
#   VICReg / Barlow Twins: 3-layer expander Linear-BN-ReLU ×2, Linear, wider than the representation
#   BYOL: Linear-BN-ReLU-Linear (projector and predictor);  SimSiam: 3-layer projector with BN, the last BN
#   without affine; bottleneck predictor;  DINO: 3-layer GELU MLP → bottleneck → ℓ2 → weight-normed
#   prototypes;  SwAV: Linear-BN-ReLU-Linear → ℓ2 → prototypes;  instance discrimination (Wu et al.):
#   linear + ℓ2;  CLIP: a linear projection per modality.
HEAD_DEFAULTS: dict[str, dict[str, Any]] = {
    "simclr": {"head_layers": 2, "norm": "bn", "activation": "relu", "embed": "latent"},
    "moco": {"head_layers": 2, "norm": None, "activation": "relu", "embed": "latent"},
    "instance_discrimination": {"head_layers": 1, "norm": None, "activation": "relu", "embed": "latent"},
    "clip": {"head_layers": 1, "norm": None, "activation": "relu", "embed": "latent"},
    "vicreg": {"head_layers": 3, "norm": "bn", "activation": "relu", "embed": "width"},
    "barlow_twins": {"head_layers": 3, "norm": "bn", "activation": "relu", "embed": "width"},
    "byol": {"head_layers": 2, "norm": "bn", "activation": "relu", "embed": "latent"},
    "simsiam": {"head_layers": 3, "norm": "bn", "activation": "relu", "embed": "latent", "last_norm": True},
    "dino": {"head_layers": 3, "norm": None, "activation": "gelu", "embed": "latent"},
    "swav": {"head_layers": 2, "norm": "bn", "activation": "relu", "embed": "latent"},
}


def build_head(
    in_dim: int,
    out_dim: int,
    layers: int,
    width: int,
    norm: str | None = "bn",
    activation: str = "relu",
    last_norm: bool = False,
) -> nn.Module:
    """Projection head ``(N, in_dim) → (N, out_dim)``: identity (0 layers), linear (1) or an MLP.

    An MLP with ``L`` linear layers has ``L − 1`` hidden layers of width ``width``, each followed by
    BatchNorm (``norm="bn"``) and ``activation``; ``last_norm`` adds a BatchNorm without affine parameters
    after the last layer (SimSiam's projector).
    """
    layers = check_int(layers, "head_layers", minimum=0)
    if layers == 0:
        if out_dim != in_dim:
            raise ValueError(
                f"head_layers=0 keeps the representation (dim {in_dim}); embed_dim must equal it"
            )
        return nn.Identity()
    if norm not in (None, "bn"):
        raise ValueError(f"head norm must be 'bn' or None, got {norm!r}")
    acts = {"relu": nn.ReLU, "gelu": nn.GELU}
    if activation not in acts:
        raise ValueError(f"head activation must be one of {sorted(acts)}, got {activation!r}")
    modules: list[nn.Module] = []
    dims = [in_dim, *([width] * (layers - 1)), out_dim]
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        last = i == layers - 1
        modules.append(nn.Linear(a, b, bias=not (norm == "bn" and (not last or last_norm))))
        if not last:
            if norm == "bn":
                modules.append(nn.BatchNorm1d(b))
            modules.append(acts[activation]())
    if last_norm:
        modules.append(nn.BatchNorm1d(out_dim, affine=False))
    return nn.Sequential(*modules)


# --------------------------------------------------------------------------------------------------------
# Discriminative family
# --------------------------------------------------------------------------------------------------------
class EmbeddingModel(nn.Module):
    """Encoder ``f`` (representation ``h``) followed by a projection head ``g`` (embedding ``g(h)``).

    Subclasses implement :meth:`objective` on the embeddings of the views and, where needed,
    :meth:`after_step`. The loss is evaluated in float32 even when the networks run in bfloat16 (``amp``).
    """

    method = ""

    def __init__(
        self,
        x_shape: tuple[int, ...],
        latent_dim: int,
        arch: str = "auto",
        *,
        head_layers: int | None = None,
        head_width: int | None = None,
        embed_dim: int | None = None,
    ):
        super().__init__()
        spec = HEAD_DEFAULTS[self.method]
        self.x_shape, self.latent_dim = tuple(x_shape), check_int(latent_dim, "latent_dim")
        self.head_layers = spec["head_layers"] if head_layers is None else head_layers
        self.head_layers = check_int(self.head_layers, "head_layers", minimum=0)
        self.head_width = check_int(
            max(64, 4 * latent_dim) if head_width is None else head_width, "head_width"
        )
        if self.head_layers == 0:
            if embed_dim not in (None, latent_dim):
                raise ValueError(
                    f"head_layers=0 (no head) embeds in the representation itself (dim {latent_dim}); "
                    f"embed_dim={embed_dim} is only possible with a head"
                )
            embed_dim = latent_dim
        elif embed_dim is None:
            embed_dim = self.head_width if spec["embed"] == "width" else latent_dim
        self.embed_dim = check_int(embed_dim, "embed_dim")
        self.encoder = build_encoder(self.x_shape, latent_dim, arch=arch)
        self.head = build_head(
            latent_dim,
            self.embed_dim,
            self.head_layers,
            self.head_width,
            norm=spec["norm"],
            activation=spec["activation"],
            last_norm=spec.get("last_norm", False) and self.head_layers >= 2,
        )

    # (N, *x_shape) -> (N, d), (N, embed_dim)
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return h, self.head(h)

    def _views_forward(
        self, views: torch.Tensor, amp: bool, networks: nn.Module | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Representations and embeddings of all views, ``(B, J, d)`` and ``(B, J, e)``, in float32."""
        B, J = views.shape[:2]
        flat = views.reshape(B * J, *self.x_shape)  # (B·J, *x_shape)
        net = self if networks is None else networks
        with torch.autocast(device_type=flat.device.type, dtype=torch.bfloat16, enabled=amp):
            h, e = net(flat)
        return h.float().reshape(B, J, -1), e.float().reshape(B, J, -1)

    def training_loss(
        self, views: torch.Tensor, index: torch.Tensor, *, generator: torch.Generator, amp: bool = False
    ):
        """The method's loss on ``views (B, J, *x_shape)`` of instances ``index (B,)``."""
        return self.objective(views, index, amp)

    def objective(self, views: torch.Tensor, index: torch.Tensor, amp: bool):  # pragma: no cover
        raise NotImplementedError

    def after_step(self) -> None:
        """Updates that are not gradient steps (none by default)."""

    def _prepare(self, x: torch.Tensor) -> torch.Tensor:
        return _prepare(x, self.x_shape, next(self.parameters()))

    def _encode_batch(self, x: torch.Tensor, after_head: bool) -> torch.Tensor:
        h, e = self(x)
        return e if after_head else h

    @torch.no_grad()
    def encode(self, x: torch.Tensor, batch_size: int = 2048, after_head: bool = False) -> torch.Tensor:
        """Representation ``h = f(x)`` (default) or the embedding ``g(h)`` (``after_head=True``): (N, ·)."""
        was_training = self.training
        self.eval()
        out = [
            self._encode_batch(self._prepare(x[i : i + batch_size]), after_head)
            for i in range(0, len(x), batch_size)
        ]
        self.train(was_training)
        return torch.cat(out)


@torch.no_grad()
def _ema_update(target: nn.Module, online: nn.Module, momentum: float) -> None:
    """θ_target ← m θ_target + (1 − m) θ_online; buffers (BatchNorm statistics) are copied."""
    for t, o in zip(target.parameters(), online.parameters(), strict=True):
        t.mul_(momentum).add_(o.detach(), alpha=1.0 - momentum)
    for t, o in zip(target.buffers(), online.buffers(), strict=True):
        t.copy_(o)


def _frozen_copy(module: nn.Module) -> nn.Module:
    target = copy.deepcopy(module)
    for p in target.parameters():
        p.requires_grad_(False)
    return target


class _Online(nn.Module):
    """``x ↦ (f(x), g(f(x)))`` for a given encoder and head (the shape EMA targets copy)."""

    def __init__(self, encoder: nn.Module, head: nn.Module):
        super().__init__()
        self.encoder, self.head = encoder, head

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(x)
        return h, self.head(h)


class SimCLRModel(EmbeddingModel):
    """SimCLR (Chen et al. 2020): NT-Xent between all views of a batch, temperature τ (0.5 in their CIFAR
    setup; the InfoNCE softmax at τ is the Bayes posterior of the SSL model with σ² = τ, claim C2)."""

    method = "simclr"

    def __init__(self, x_shape, latent_dim, arch="auto", *, temperature: float = 0.5, **head):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.temperature = check_positive(temperature, "temperature")

    def objective(self, views, index, amp):
        (e,) = global_batch(self._views_forward(views, amp)[1])
        return discriminative.nt_xent(e, self.temperature, return_terms=True)


class VICRegModel(EmbeddingModel):
    """VICReg (Bardes et al. 2022): invariance, variance and covariance terms on the expander's output."""

    method = "vicreg"

    def __init__(
        self,
        x_shape,
        latent_dim,
        arch="auto",
        *,
        sim_weight: float = 25.0,
        var_weight: float = 25.0,
        cov_weight: float = 1.0,
        **head,
    ):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.weights = {"sim_weight": sim_weight, "var_weight": var_weight, "cov_weight": cov_weight}
        for name, value in self.weights.items():
            self.weights[name] = check_positive(value, name, allow_zero=True)

    def objective(self, views, index, amp):
        (e,) = global_batch(self._views_forward(views, amp)[1])
        return discriminative.vicreg(e, **self.weights, return_terms=True)


class BarlowTwinsModel(EmbeddingModel):
    """Barlow Twins (Zbontar et al. 2021): drives the two branches' cross-correlation to the identity."""

    method = "barlow_twins"

    def __init__(self, x_shape, latent_dim, arch="auto", *, lambd: float = 0.0051, **head):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.lambd = check_positive(lambd, "lambd", allow_zero=True)

    def objective(self, views, index, amp):
        (e,) = global_batch(self._views_forward(views, amp)[1])
        return discriminative.barlow_twins(e, self.lambd, return_terms=True)


class MoCoModel(EmbeddingModel):
    """MoCo v2 (He et al. 2020; Chen et al. 2020b): queries from the online network, keys from a momentum
    (EMA) copy without gradient, negatives from a FIFO queue of ``queue_size`` past keys.

    Official: query = view 0, key = view 1; ``symmetric=True`` averages over all ordered view pairs.
    Momentum 0.99 (official 0.999 for 800-epoch ImageNet runs; our budgets are ~100× shorter).
    """

    method = "moco"

    def __init__(
        self,
        x_shape,
        latent_dim,
        arch="auto",
        *,
        temperature: float = 0.2,
        momentum: float = 0.99,
        queue_size: int = 4096,
        symmetric: bool = False,
        **head,
    ):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.temperature = check_positive(temperature, "temperature")
        self.momentum = check_fraction(momentum, "momentum", include_one=False)
        self.symmetric = bool(symmetric)
        queue_size = check_int(queue_size, "queue_size")
        self.target = _frozen_copy(_Online(self.encoder, self.head))
        self.register_buffer("queue", F.normalize(torch.randn(queue_size, self.embed_dim), dim=1))
        self.register_buffer("queue_ptr", torch.zeros((), dtype=torch.long))
        self._pending: torch.Tensor | None = None

    def objective(self, views, index, amp):
        _, q = self._views_forward(views, amp)  # (B, J, e)
        with torch.no_grad():
            _, k = self._views_forward(views, amp, self.target)
        q, k = global_batch(q, k)  # every rank enqueues the global batch's keys: identical queues
        queue = self.queue.clone()  # enqueued after the step, so the graph keeps this version
        if self.symmetric:
            out = discriminative.moco_symmetric(q, k, queue, self.temperature, return_terms=True)
            self._pending = k.reshape(-1, k.shape[-1])
        else:
            out = discriminative.moco(q[:, 0], k[:, 1], queue, self.temperature, return_terms=True)
            self._pending = k[:, 1]
        return out

    @torch.no_grad()
    def after_step(self) -> None:
        _ema_update(self.target, _Online(self.encoder, self.head), self.momentum)
        if self._pending is None:
            return
        keys = F.normalize(self._pending, dim=1)  # (n, e)
        self._pending = None
        size, n = self.queue.shape[0], keys.shape[0]
        if n >= size:
            self.queue.copy_(keys[-size:])
            self.queue_ptr.zero_()
            return
        rows = (self.queue_ptr + torch.arange(n, device=keys.device)) % size
        self.queue[rows] = keys.to(self.queue.dtype)
        self.queue_ptr.copy_((self.queue_ptr + n) % size)


class InstanceDiscriminationModel(EmbeddingModel):
    """Instance discrimination (Wu et al. 2018): every training instance is its own class; the softmax runs
    over a memory bank of all N instances' unit-norm embeddings (exact, not their NCE approximation),
    updated with ``memory_momentum`` after each step. ``parametric=True`` learns the class vectors
    (normalised prototypes w_i, experiment E6) instead of a memory bank.
    """

    method = "instance_discrimination"

    def __init__(
        self,
        x_shape,
        latent_dim,
        arch="auto",
        *,
        n_train: int,
        temperature: float = 0.07,
        memory_momentum: float = 0.5,
        parametric: bool = False,
        **head,
    ):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.temperature = check_positive(temperature, "temperature")
        self.memory_momentum = check_fraction(memory_momentum, "memory_momentum", include_one=False)
        self.parametric = bool(parametric)
        n_train = check_int(n_train, "n_train")
        bank = F.normalize(torch.randn(n_train, self.embed_dim), dim=1)
        if self.parametric:
            self.prototypes = nn.Parameter(bank)
        else:
            self.register_buffer("memory", bank)
        self._pending: tuple[torch.Tensor, torch.Tensor] | None = None

    def objective(self, views, index, amp):
        e, index = global_batch(self._views_forward(views, amp)[1], index)  # (B, J, e), (B,)
        if self.parametric:
            z = F.normalize(e, dim=-1)
            logits = z @ F.normalize(self.prototypes, dim=1).T / self.temperature  # (B, J, N)
            target = index[:, None].expand(-1, e.shape[1])
            loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1))
            return LossOutput(loss, {"loss": loss.detach()})
        self._pending = (e.detach(), index)
        return discriminative.instance_discrimination(
            e, self.memory, index, self.temperature, return_terms=True
        )

    @torch.no_grad()
    def after_step(self) -> None:
        if self._pending is not None:
            e, index = self._pending
            self._pending = None
            discriminative.update_memory(self.memory, e, index, self.memory_momentum)


class BYOLModel(EmbeddingModel):
    """BYOL (Grill et al. 2020): an online predictor regresses the EMA target's projection of another view.

    Momentum 0.99 held constant (official: 0.996 → 1 on a cosine schedule over 1000 epochs).
    """

    method = "byol"

    def __init__(self, x_shape, latent_dim, arch="auto", *, momentum: float = 0.99, **head):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.momentum = check_fraction(momentum, "momentum", include_one=False)
        self.predictor = build_head(self.embed_dim, self.embed_dim, 2, self.head_width, norm="bn")
        self.target = _frozen_copy(_Online(self.encoder, self.head))

    def objective(self, views, index, amp):
        _, e = self._views_forward(views, amp)
        B, J, _ = e.shape
        with torch.autocast(device_type=e.device.type, dtype=torch.bfloat16, enabled=amp):
            p = self.predictor(e.reshape(B * J, -1))
        with torch.no_grad():
            _, t = self._views_forward(views, amp, self.target)
        p, t = global_batch(p.float().reshape(B, J, -1), t)
        return discriminative.byol(p, t, return_terms=True)

    @torch.no_grad()
    def after_step(self) -> None:
        _ema_update(self.target, _Online(self.encoder, self.head), self.momentum)


class SimSiamModel(EmbeddingModel):
    """SimSiam (Chen & He 2021): BYOL without the EMA — a predictor and a stop-gradient on the other view."""

    method = "simsiam"

    def __init__(self, x_shape, latent_dim, arch="auto", **head):
        super().__init__(x_shape, latent_dim, arch, **head)
        bottleneck = max(16, self.embed_dim // 4)  # official: 2048 → 512 → 2048
        self.predictor = build_head(self.embed_dim, self.embed_dim, 2, bottleneck, norm="bn")

    def objective(self, views, index, amp):
        _, e = self._views_forward(views, amp)
        B, J, _ = e.shape
        with torch.autocast(device_type=e.device.type, dtype=torch.bfloat16, enabled=amp):
            p = self.predictor(e.reshape(B * J, -1))
        p, e = global_batch(p.float().reshape(B, J, -1), e)
        return discriminative.simsiam(p, e, return_terms=True)


class _PrototypeHead(nn.Module):
    """ℓ2-normalised embedding followed by a bias-free linear map to ``K`` prototype scores."""

    def __init__(self, head: nn.Module, embed_dim: int, n_prototypes: int, weight_norm: bool):
        super().__init__()
        self.head = head
        self.prototypes = nn.Linear(embed_dim, n_prototypes, bias=False)
        self.weight_norm = weight_norm

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        e = F.normalize(self.head(h), dim=-1)
        w = self.prototypes.weight
        if self.weight_norm:  # DINO's weight-normalised last layer with the norm fixed to 1
            w = F.normalize(w, dim=1)
        return e @ w.T.to(e.dtype)


class _PrototypeModel(EmbeddingModel):
    """Methods that score an ℓ2-normalised embedding against prototypes (DINO, SwAV): ``encode(x,
    after_head=True)`` returns that normalised embedding, not the prototype scores."""

    def _encode_batch(self, x, after_head):
        h = self.encoder(x)
        return F.normalize(self.head(h), dim=-1) if after_head else h


class DINOModel(_PrototypeModel):
    """DINO (Caron et al. 2021): self-distillation; the student matches the centred, sharpened teacher's
    distribution over ``n_prototypes``; the teacher is an EMA of the student (momentum 0.99 held constant;
    official 0.996 → 1). Two global views, no multi-crop. ``encode(after_head=True)`` gives the ℓ2-normalised
    bottleneck embedding."""

    method = "dino"

    def __init__(
        self,
        x_shape,
        latent_dim,
        arch="auto",
        *,
        n_prototypes: int = 256,
        student_temperature: float = 0.1,
        teacher_temperature: float = 0.04,
        center_momentum: float = 0.9,
        momentum: float = 0.99,
        **head,
    ):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.n_prototypes = check_int(n_prototypes, "n_prototypes", minimum=2)
        self.student_temperature = check_positive(student_temperature, "student_temperature")
        self.teacher_temperature = check_positive(teacher_temperature, "teacher_temperature")
        self.center_momentum = check_fraction(center_momentum, "center_momentum", include_one=False)
        self.momentum = check_fraction(momentum, "momentum", include_one=False)
        self.scores = _PrototypeHead(self.head, self.embed_dim, self.n_prototypes, weight_norm=True)
        self.teacher = _frozen_copy(_Online(self.encoder, self.scores))
        self.register_buffer("center", torch.zeros(1, self.n_prototypes))
        self._pending: torch.Tensor | None = None

    def objective(self, views, index, amp):
        student = _Online(self.encoder, self.scores)
        _, s = self._views_forward(views, amp, student)  # (B, J, K)
        with torch.no_grad():
            _, t = self._views_forward(views, amp, self.teacher)
        s, t = global_batch(s, t)  # the centre moves with the global batch's mean: identical on every rank
        self._pending = t
        return discriminative.dino(
            s, t, self.center, self.student_temperature, self.teacher_temperature, return_terms=True
        )

    @torch.no_grad()
    def after_step(self) -> None:
        _ema_update(self.teacher, _Online(self.encoder, self.scores), self.momentum)
        if self._pending is not None:
            self.center.copy_(discriminative.update_center(self.center, self._pending, self.center_momentum))
            self._pending = None


class SwAVModel(_PrototypeModel):
    """SwAV (Caron et al. 2020): swapped prediction of Sinkhorn–Knopp codes over ``n_prototypes`` normalised
    prototypes (no queue, no multi-crop, prototypes trained from the first step)."""

    method = "swav"

    def __init__(
        self,
        x_shape,
        latent_dim,
        arch="auto",
        *,
        n_prototypes: int = 100,
        temperature: float = 0.1,
        epsilon: float = 0.05,
        sinkhorn_iterations: int = 3,
        **head,
    ):
        super().__init__(x_shape, latent_dim, arch, **head)
        self.n_prototypes = check_int(n_prototypes, "n_prototypes", minimum=2)
        self.temperature = check_positive(temperature, "temperature")
        self.epsilon = check_positive(epsilon, "epsilon")
        self.sinkhorn_iterations = check_int(sinkhorn_iterations, "sinkhorn_iterations")
        self.scores = _PrototypeHead(self.head, self.embed_dim, self.n_prototypes, weight_norm=False)

    def objective(self, views, index, amp):
        with torch.no_grad():  # the official code normalises the prototypes before every step
            w = self.scores.prototypes.weight
            w.copy_(F.normalize(w, dim=1))
        _, s = self._views_forward(views, amp, _Online(self.encoder, self.scores))  # (B, J, K)
        (s,) = global_batch(s)  # Sinkhorn's equal-partition constraint is over the global batch
        return discriminative.swav(
            s, self.temperature, self.epsilon, self.sinkhorn_iterations, return_terms=True
        )


class CLIPModel(EmbeddingModel):
    """CLIP (Radford et al. 2021): two modalities, two encoders; view 0 of a group goes through encoder A,
    view 1 through encoder B; symmetric cross-modal InfoNCE with a learnable temperature (logit scale
    initialised at 1/0.07, clamped at 100). ``encode(x, modality=1)`` uses encoder B."""

    method = "clip"

    def __init__(self, x_shape, latent_dim, arch="auto", *, init_temperature: float = 0.07, **head):
        super().__init__(x_shape, latent_dim, arch, **head)
        init_temperature = check_positive(init_temperature, "init_temperature")
        spec = HEAD_DEFAULTS["clip"]
        self.encoder_b = build_encoder(self.x_shape, latent_dim, arch=arch)
        self.head_b = build_head(
            latent_dim, self.embed_dim, self.head_layers, self.head_width, spec["norm"], spec["activation"]
        )
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / init_temperature)))

    def objective(self, views, index, amp):
        if views.shape[1] != 2:
            raise ValueError(f"CLIP takes exactly 2 views (one per modality), got {views.shape[1]}")
        a = self._views_forward(views[:, :1], amp)[1]
        b = self._views_forward(views[:, 1:], amp, _Online(self.encoder_b, self.head_b))[1]
        a, b = global_batch(a, b)
        temperature = discriminative.clip_temperature(self.log_scale)
        out = discriminative.clip(torch.cat([a, b], dim=1), temperature, return_terms=True)
        out.terms["temperature"] = temperature.detach()
        return out

    @torch.no_grad()
    def encode(self, x, batch_size: int = 2048, after_head: bool = False, modality: int = 0):
        """Representation (or embedding) of modality ``modality`` (0 = encoder A, 1 = encoder B)."""
        if modality not in (0, 1):
            raise ValueError(f"modality must be 0 or 1, got {modality!r}")
        if modality == 0:
            return super().encode(x, batch_size, after_head)
        net = _Online(self.encoder_b, self.head_b)
        was_training = self.training
        self.eval()
        out = [
            net(self._prepare(x[i : i + batch_size]))[int(after_head)] for i in range(0, len(x), batch_size)
        ]
        self.train(was_training)
        return torch.cat(out)


EMBEDDING_MODELS: dict[str, type[EmbeddingModel]] = {
    cls.method: cls
    for cls in (
        SimCLRModel,
        CLIPModel,
        MoCoModel,
        InstanceDiscriminationModel,
        VICRegModel,
        BarlowTwinsModel,
        BYOLModel,
        SimSiamModel,
        DINOModel,
        SwAVModel,
    )
}
