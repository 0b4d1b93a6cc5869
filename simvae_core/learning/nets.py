"""Trainable encoders and decoders for SimVAE and the VAE-family baselines.

Shapes: an encoder maps ``x`` of shape ``(N, *x_shape)`` (images as floats in [0, 1], vectors as floats) to
``(N, out_dim)``; for a Gaussian posterior pass ``out_dim = 2 d`` and split the output into ``(mu, logvar)``.
A decoder maps ``z`` of shape ``(N, d)`` to ``(N, *x_shape)`` *distribution parameters*: Bernoulli logits or
Gaussian means. Decoders end without a nonlinearity: the likelihoods in ``losses`` take logits, which is
numerically stabler than a sigmoid followed by a log.

Architectures (``ARCHITECTURES``; ``build_encoder`` / ``build_decoder`` pick one from the data shape):

- ``"mlp"``: the authors' MLP for 28×28 images, ``784-2000-500-500-out`` with ReLU, mirrored decoder
  ``d-500-500-2000-784``; it flattens, so it works for any input size (e.g. 8×8 digits).
- ``"conv28"``: a small conv net for ``(C, 28, 28)``: two stride-2 convolutions (32, 64 channels) and a
  linear layer, mirrored with transposed convolutions.
- ``"resnet"``: the authors' half-width, three-stage ResNet-18-like encoder (BasicBlocks, two per stage,
  stride 2 between stages, widths 32/64/128, global average pooling, linear head) for ``(C, 32, 32)`` and
  ``(C, 64, 64)``, and a transposed-convolution decoder (linear to ``(128, H/8, W/8)``, three ×2 upsampling
  stages, a 3×3 convolution to C channels).
- ``"vector_mlp"``: a plain MLP for vector data ``(D,)``.

Every builder returns an ``Encoder`` / ``Decoder`` wrapper that checks the input shape and says what it
expected, so a wrong shape fails here and not as a matmul error deep inside torch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import nn

from ..checks import check_int

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "Decoder",
    "Encoder",
    "build_decoder",
    "build_encoder",
    "conv28_decoder",
    "conv28_encoder",
    "count_parameters",
    "mlp_decoder",
    "mlp_encoder",
    "mlp_flops_per_view",
    "resnet_decoder",
    "resnet_encoder",
    "vector_mlp_decoder",
    "vector_mlp_encoder",
]

# The authors' MLP hidden widths, input side first (their decoder uses them reversed).
MLP_HIDDEN = (2000, 500, 500)
RESNET_WIDTHS = (32, 64, 128)


def _as_shape(x_shape: object, name: str = "x_shape") -> tuple[int, ...]:
    """``x_shape`` as a tuple of positive ints; a bare int means a vector ``(D,)``."""
    if isinstance(x_shape, int) and not isinstance(x_shape, bool):
        x_shape = (x_shape,)
    if isinstance(x_shape, torch.Size):
        x_shape = tuple(x_shape)
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) == 0:
        raise TypeError(
            f"{name} must be a non-empty tuple of ints such as (1, 28, 28) or (20,), got {x_shape!r}."
        )
    return tuple(check_int(s, f"{name}[{i}]") for i, s in enumerate(x_shape))


def _numel(shape: Sequence[int]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


class Encoder(nn.Module):
    """``(N, *x_shape) -> (N, out_dim)``: a network with an input-shape check.

    Attributes ``x_shape``, ``out_dim`` and ``net`` (the wrapped module).
    """

    def __init__(self, net: nn.Module, x_shape: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        self.net = net
        self.x_shape = x_shape
        self.out_dim = out_dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != len(self.x_shape) + 1 or tuple(x.shape[1:]) != self.x_shape:
            raise ValueError(
                f"this encoder expects inputs of shape (N, {', '.join(map(str, self.x_shape))}), got "
                f"{tuple(x.shape)}; flatten groups (B, J, ...) to (B*J, ...) first."
            )
        return self.net(x)


class Decoder(nn.Module):
    """``(N, latent_dim) -> (N, *x_shape)`` distribution parameters, with an input-shape check."""

    def __init__(self, net: nn.Module, latent_dim: int, x_shape: tuple[int, ...]) -> None:
        super().__init__()
        self.net = net
        self.latent_dim = latent_dim
        self.x_shape = x_shape

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"this decoder expects latents of shape (N, {self.latent_dim}), got {tuple(z.shape)}; "
                "flatten groups (B, J, d) to (B*J, d) first."
            )
        return self.net(z)


def _mlp(sizes: Sequence[int]) -> list[nn.Module]:
    """Linear layers between consecutive ``sizes`` with ReLU between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return layers


# ---------------------------------------------------------------------------------------------------------
# the authors' MLP


def mlp_encoder(x_shape: Sequence[int] | int, out_dim: int) -> Encoder:
    """The authors' MLP encoder: flatten, then ``D-2000-500-500-out_dim`` with ReLU (D = 784 for 28×28)."""
    x_shape = _as_shape(x_shape)
    out_dim = check_int(out_dim, "out_dim")
    net = nn.Sequential(nn.Flatten(), *_mlp((_numel(x_shape), *MLP_HIDDEN, out_dim)))
    return Encoder(net, x_shape, out_dim)


def mlp_decoder(latent_dim: int, x_shape: Sequence[int] | int) -> Decoder:
    """The authors' mirrored MLP decoder ``d-500-500-2000-D`` (ReLU), reshaped to ``x_shape``."""
    x_shape = _as_shape(x_shape)
    d = check_int(latent_dim, "latent_dim")
    net = nn.Sequential(*_mlp((d, *MLP_HIDDEN[::-1], _numel(x_shape))), nn.Unflatten(1, x_shape))
    return Decoder(net, d, x_shape)


# ---------------------------------------------------------------------------------------------------------
# a small conv net for 28×28


def _check_image(x_shape: tuple[int, ...], sizes: Sequence[int], who: str) -> int:
    """Return C for an image shape ``(C, H, W)`` with ``H = W`` in ``sizes``, else raise."""
    if len(x_shape) != 3 or x_shape[1] != x_shape[2] or x_shape[1] not in sizes:
        allowed = " or ".join(f"(C, {s}, {s})" for s in sizes)
        raise ValueError(f"{who} needs an image shape {allowed}, got {x_shape}.")
    return x_shape[0]


def conv28_encoder(x_shape: Sequence[int], out_dim: int, hidden: int = 256) -> Encoder:
    """``(C, 28, 28)``: conv 4×4/2 → 32 ch (14×14), conv 4×4/2 → 64 ch (7×7), linear ``hidden``, out."""
    x_shape = _as_shape(x_shape)
    c = _check_image(x_shape, (28,), "conv28_encoder")
    out_dim = check_int(out_dim, "out_dim")
    hidden = check_int(hidden, "hidden")
    net = nn.Sequential(
        nn.Conv2d(c, 32, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Conv2d(32, 64, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(64 * 7 * 7, hidden),
        nn.ReLU(),
        nn.Linear(hidden, out_dim),
    )
    return Encoder(net, x_shape, out_dim)


def conv28_decoder(latent_dim: int, x_shape: Sequence[int], hidden: int = 256) -> Decoder:
    """Mirror of ``conv28_encoder``: linear ``hidden``, linear to (64, 7, 7), two transposed convs 4×4/2."""
    x_shape = _as_shape(x_shape)
    c = _check_image(x_shape, (28,), "conv28_decoder")
    d = check_int(latent_dim, "latent_dim")
    hidden = check_int(hidden, "hidden")
    net = nn.Sequential(
        nn.Linear(d, hidden),
        nn.ReLU(),
        nn.Linear(hidden, 64 * 7 * 7),
        nn.ReLU(),
        nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
        nn.ReLU(),
        nn.ConvTranspose2d(32, c, 4, stride=2, padding=1),
    )
    return Decoder(net, d, x_shape)


# ---------------------------------------------------------------------------------------------------------
# the authors' half-width ResNet-18-like encoder and a transposed-conv decoder


class BasicBlock(nn.Module):
    """ResNet BasicBlock: two 3×3 conv-BN layers plus a shortcut (1×1 conv-BN when the shape changes)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        if stride != 1 or c_in != c_out:
            self.shortcut: nn.Module = nn.Sequential(
                nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)
            )
        else:
            self.shortcut = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return torch.relu(h + self.shortcut(x))


def _check_widths(widths: object) -> tuple[int, int, int]:
    if not isinstance(widths, (tuple, list)) or len(widths) != 3:
        raise ValueError(f"widths must be three channel counts (one per stage), got {widths!r}.")
    return tuple(check_int(w, f"widths[{i}]") for i, w in enumerate(widths))  # type: ignore[return-value]


def resnet_encoder(x_shape: Sequence[int], out_dim: int, widths: Sequence[int] = RESNET_WIDTHS) -> Encoder:
    """Half-width three-stage ResNet-18-like encoder for ``(C, 32, 32)`` and ``(C, 64, 64)``.

    3×3 stem conv (stride 1) → stage 1 (2 BasicBlocks, ``widths[0]``) → stage 2 (stride 2, ``widths[1]``) →
    stage 3 (stride 2, ``widths[2]``) → global average pooling → linear ``out_dim``. BatchNorm as in
    ResNet-18 (so train with batches of more than one image).
    """
    x_shape = _as_shape(x_shape)
    c = _check_image(x_shape, (32, 64), "resnet_encoder")
    out_dim = check_int(out_dim, "out_dim")
    w0, w1, w2 = _check_widths(widths)
    net = nn.Sequential(
        nn.Conv2d(c, w0, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm2d(w0),
        nn.ReLU(),
        BasicBlock(w0, w0),
        BasicBlock(w0, w0),
        BasicBlock(w0, w1, stride=2),
        BasicBlock(w1, w1),
        BasicBlock(w1, w2, stride=2),
        BasicBlock(w2, w2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(w2, out_dim),
    )
    return Encoder(net, x_shape, out_dim)


def _upsample(c_in: int, c_out: int) -> list[nn.Module]:
    return [
        nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
    ]


def resnet_decoder(latent_dim: int, x_shape: Sequence[int], widths: Sequence[int] = RESNET_WIDTHS) -> Decoder:
    """Transposed-conv decoder for ``(C, 32, 32)`` / ``(C, 64, 64)``: the encoder's stages in reverse.

    linear → ``(widths[2], H/8, W/8)`` → three ×2 upsampling stages (4×4 stride-2 transposed conv, BN, ReLU;
    channels ``widths[2] → widths[1] → widths[0] → widths[0]``) → 3×3 conv to C channels (no nonlinearity).
    """
    x_shape = _as_shape(x_shape)
    c = _check_image(x_shape, (32, 64), "resnet_decoder")
    d = check_int(latent_dim, "latent_dim")
    w0, w1, w2 = _check_widths(widths)
    s = x_shape[1] // 8
    net = nn.Sequential(
        nn.Linear(d, w2 * s * s),
        nn.ReLU(),
        nn.Unflatten(1, (w2, s, s)),
        *_upsample(w2, w1),
        *_upsample(w1, w0),
        *_upsample(w0, w0),
        nn.Conv2d(w0, c, 3, padding=1),
    )
    return Decoder(net, d, x_shape)


# ---------------------------------------------------------------------------------------------------------
# vectors


def _check_vector(x_shape: object, who: str) -> tuple[int]:
    shape = _as_shape(x_shape)
    if len(shape) != 1:
        raise ValueError(f"{who} needs vector data of shape (D,), got {shape}; use arch='mlp' to flatten.")
    return shape  # type: ignore[return-value]


def vector_mlp_encoder(dim: Sequence[int] | int, out_dim: int, hidden: int = 256, depth: int = 3) -> Encoder:
    """MLP for vectors ``(D,)``: ``depth`` hidden layers of width ``hidden`` (ReLU), linear ``out_dim``."""
    x_shape = _check_vector(dim, "vector_mlp_encoder")
    out_dim = check_int(out_dim, "out_dim")
    hidden = check_int(hidden, "hidden")
    depth = check_int(depth, "depth", minimum=0)
    net = nn.Sequential(*_mlp((x_shape[0], *([hidden] * depth), out_dim)))
    return Encoder(net, x_shape, out_dim)


def vector_mlp_decoder(
    latent_dim: int, dim: Sequence[int] | int, hidden: int = 256, depth: int = 3
) -> Decoder:
    """MLP decoder ``d → hidden ×depth → D`` (ReLU between layers, none at the output)."""
    x_shape = _check_vector(dim, "vector_mlp_decoder")
    d = check_int(latent_dim, "latent_dim")
    hidden = check_int(hidden, "hidden")
    depth = check_int(depth, "depth", minimum=0)
    net = nn.Sequential(*_mlp((d, *([hidden] * depth), x_shape[0])))
    return Decoder(net, d, x_shape)


# ---------------------------------------------------------------------------------------------------------
# linear (the linear-Gaussian VAE of Lucas et al. 2019: its optimum is probabilistic PCA)


def linear_encoder(x_shape: Sequence[int] | int, out_dim: int) -> Encoder:
    """One affine map ``x -> (mu, logvar)`` on the flattened input: the encoder of a linear VAE."""
    x_shape = _as_shape(x_shape)
    out_dim = check_int(out_dim, "out_dim")
    return Encoder(nn.Sequential(nn.Flatten(), nn.Linear(_numel(x_shape), out_dim)), x_shape, out_dim)


def linear_decoder(latent_dim: int, x_shape: Sequence[int] | int) -> Decoder:
    """One affine map ``z -> x`` (Gaussian mean), reshaped to ``x_shape``."""
    x_shape = _as_shape(x_shape)
    latent_dim = check_int(latent_dim, "latent_dim")
    net = nn.Sequential(nn.Linear(latent_dim, _numel(x_shape)), nn.Unflatten(1, x_shape))
    return Decoder(net, latent_dim, x_shape)


# ---------------------------------------------------------------------------------------------------------
# registry


class Architecture(NamedTuple):
    """An encoder builder ``(x_shape, out_dim, **kw)``, a decoder builder ``(latent_dim, x_shape, **kw)``."""

    encoder: Callable[..., Encoder]
    decoder: Callable[..., Decoder]
    description: str


ARCHITECTURES: dict[str, Architecture] = {
    "mlp": Architecture(mlp_encoder, mlp_decoder, "the authors' MLP 784-2000-500-500 (any shape, flattened)"),
    "conv28": Architecture(conv28_encoder, conv28_decoder, "small conv net for (C, 28, 28)"),
    "resnet": Architecture(
        resnet_encoder, resnet_decoder, "the authors' half-width 3-stage ResNet-18 for (C, 32|64, 32|64)"
    ),
    "vector_mlp": Architecture(vector_mlp_encoder, vector_mlp_decoder, "MLP for vectors (D,)"),
    "linear": Architecture(
        linear_encoder, linear_decoder, "affine encoder and decoder (linear VAE, any shape)"
    ),
}


def _resolve_arch(x_shape: tuple[int, ...], arch: object) -> str:
    if not isinstance(arch, str):
        raise TypeError(
            f"arch must be a string, one of {['auto', *ARCHITECTURES]}, got {type(arch).__name__}."
        )
    if arch != "auto":
        if arch not in ARCHITECTURES:
            raise ValueError(f"unknown arch {arch!r}; choose one of {['auto', *ARCHITECTURES]}.")
        return arch
    if len(x_shape) == 1:
        return "vector_mlp"
    if x_shape in ((1, 28, 28), (1, 8, 8)):
        return "mlp"  # the authors' choice for MNIST / FashionMNIST; also fine for 8×8 digits
    if len(x_shape) == 3 and x_shape[1] == x_shape[2] and x_shape[1] in (32, 64):
        return "resnet"
    raise ValueError(
        f"arch='auto' has no default for data of shape {x_shape}; pass arch= one of {list(ARCHITECTURES)} "
        "('mlp' flattens any shape, 'conv28' takes (C, 28, 28), 'resnet' takes (C, 32, 32) or (C, 64, 64))."
    )


def build_encoder(
    x_shape: Sequence[int] | int, out_dim: int, arch: str = "auto", **kwargs: object
) -> Encoder:
    """Encoder ``(N, *x_shape) -> (N, out_dim)``; ``arch="auto"`` picks from the shape (module docstring).

    Extra keyword arguments go to the builder (e.g. ``widths=`` for ``"resnet"``, ``hidden=`` for
    ``"vector_mlp"``). Pass ``out_dim = 2 d`` for a Gaussian posterior ``(mu, logvar)``.
    """
    x_shape = _as_shape(x_shape)
    return ARCHITECTURES[_resolve_arch(x_shape, arch)].encoder(x_shape, out_dim, **kwargs)


def build_decoder(
    latent_dim: int, x_shape: Sequence[int] | int, arch: str = "auto", **kwargs: object
) -> Decoder:
    """Decoder ``(N, latent_dim) -> (N, *x_shape)`` (logits or means); ``arch`` as for the encoder."""
    x_shape = _as_shape(x_shape)
    return ARCHITECTURES[_resolve_arch(x_shape, arch)].decoder(latent_dim, x_shape, **kwargs)


# ---------------------------------------------------------------------------------------------------------
# sizes


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of (trainable, by default) parameter entries of ``module``."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}.")
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)


def mlp_flops_per_view(x_dim: int = 784, latent_dim: int = 10) -> int:
    """Forward + backward FLOPs of the authors' MLP encoder (output 2d) and decoder for one view.

    A dense layer with an ``(n_in, n_out)`` weight costs ``2 n_in n_out`` FLOPs forward (one multiply and one
    add per weight) and about twice that backward (gradients with respect to the weight and to the input),
    so the total is ``6 ×`` the number of weights in matmuls. Biases, ReLUs and the loss are lower order and
    left out. For 784 and d = 10: 5,651,000 weights, 33,906,000 FLOPs (~34 MFLOP).
    """
    x_dim = check_int(x_dim, "x_dim")
    d = check_int(latent_dim, "latent_dim")
    enc = (x_dim, *MLP_HIDDEN, 2 * d)
    dec = (d, *MLP_HIDDEN[::-1], x_dim)
    weights = sum(a * b for sizes in (enc, dec) for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    return 6 * weights
