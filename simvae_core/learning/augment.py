"""Batched image augmentations with per-sample random parameters, returned as style labels.

An :class:`Augmenter` turns a batch ``x`` of shape ``(B, C, H, W)`` into ``J`` views per image,
``(B, J, C, H, W)``, on ``x``'s device, with every random parameter drawn per view from a caller-seeded
``torch.Generator``. The drawn parameters come back with the views (``AugmentedViews.params``): they are the
*style* ``z_j`` of the SSL model made observable, so a probe can ask whether a representation kept them.

Pipeline, in this order (every step vectorised over the ``B·J`` views; no per-image Python loop):

1. **geometry**, one per-view affine map (:func:`affine_from_params`) applied by a single
   ``F.grid_sample`` (bilinear, ``align_corners=False``) on the grid ``F.affine_grid`` would build. The map
   composes random resized crop → horizontal/vertical flip → rotation about the centre → translation.
   Padding is ``config.padding``, by default ``"border"``: crop boxes lie inside the image, so at the image
   border it reproduces crop-then-resize (``"zeros"`` would darken the outer half pixel); pixels that a
   rotation or translation brings in repeat the edge, where torchvision fills black (``padding="zeros"``).
   With flips only, the exact ``torch.flip`` is used instead.
2. **colour jitter** (with probability ``jitter_p``), torchvision ``ColorJitter`` semantics: brightness
   ``x·b``, contrast ``c·x + (1-c)·mean(gray(x))``, saturation ``s·x + (1-s)·gray(x)`` (each clamped to
   [0, 1]) and a hue shift ``H ← (H + h) mod 1`` in HSV, applied in a random order *per view* as torchvision
   does (the order is recorded as ``jitter_order``).
3. **grayscale** (with probability ``grayscale_p``): ``0.299 R + 0.587 G + 0.114 B`` (ITU-R 601), copied to
   the three channels.
4. **binarisation** ``x > threshold`` (a preprocessing step: it applies to every view, the original too).

Single-channel images skip saturation, hue and grayscale (no keys are recorded for them).

Crops follow torchvision's ``RandomResizedCrop``: area fraction ``s ~ U(scale)``, aspect ratio
``r ~ logU(ratio)``, up to 10 tries for a box that fits, else the central crop clipped to ``ratio``. The box
is continuous (sub-pixel; torchvision rounds it to whole pixels) and always lies inside the image. Inside
the box the result equals slicing + ``F.interpolate(bilinear, align_corners=False)``; only the outermost
half pixel differs when the box does not touch the image border (we read the neighbouring pixel where
``interpolate`` clamps to the box).

Recorded parameters, each ``(B, J)`` float32 on ``x``'s device (only for active operations):
``crop_scale`` (area fraction), ``crop_ratio`` (box width / height in pixels), ``crop_cx``, ``crop_cy``
(box centre in [-1, 1] coordinates), ``hflip``, ``vflip`` (0/1), ``rotation`` (degrees, counter-clockwise),
``tx``, ``ty`` (shift as a fraction of width / height, right / down positive), ``brightness``,
``contrast``, ``saturation`` (factors; 1 where jitter was not applied), ``hue`` (0 where not applied),
``jitter_applied`` (0/1), ``jitter_order`` (``(B, J, 4)`` int64, a permutation of (brightness, contrast,
saturation, hue)), ``grayscale`` (0/1). :func:`apply_params` recomputes the views from ``x`` and these
parameters alone, and ``Augmenter.__call__`` is exactly ``sample_params`` followed by ``apply_params``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, fields

import torch
import torch.nn.functional as F

from ..checks import check_int, check_number, values_checked

__all__ = [
    "PRESETS",
    "AugmentConfig",
    "AugmentedViews",
    "Augmenter",
    "affine_from_params",
    "apply_params",
    "get_augment_config",
    "sample_params",
]

PADDING_MODES = ("border", "zeros", "reflection")
GRAY_WEIGHTS = (0.299, 0.587, 0.114)  # ITU-R 601 luma, as torchvision's rgb_to_grayscale
JITTER_OPS = ("brightness", "contrast", "saturation", "hue")
_CROP_TRIES = 10  # torchvision's RandomResizedCrop tries 10 boxes before falling back to the centre


def _as_range(value: object, name: str, *, lower: float, upper: float, strict_lower: bool) -> tuple:
    """A 2-sequence ``(lo, hi)`` of finite floats with ``lower (<|<=) lo <= hi <= upper``."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise ValueError(f"{name} must be a pair (lo, hi), got {value!r}.")
    lo, hi = value
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"{name} must hold two finite numbers, got {value!r}.")
    lo, hi = float(lo), float(hi)
    low_ok = lo > lower if strict_lower else lo >= lower
    if not (low_ok and lo <= hi <= upper):
        op = "<" if strict_lower else "<="
        raise ValueError(f"{name} must satisfy {lower} {op} lo <= hi <= {upper}, got ({lo}, {hi}).")
    return lo, hi


@dataclass(frozen=True)
class AugmentConfig:
    """What to randomise; every field's zero/None switches its operation off (see the module docstring).

    ``padding`` is the ``grid_sample`` padding mode: ``"border"`` (default; repeats the edge into what a
    rotation or translation reveals, and makes crops touching the image border equal crop-then-resize),
    ``"zeros"`` (torchvision's black fill for rotations; darkens the outer half pixel of such crops) or
    ``"reflection"``.
    """

    crop_scale: tuple[float, float] | None = None
    crop_ratio: tuple[float, float] = (3 / 4, 4 / 3)
    hflip: float = 0.0
    vflip: float = 0.0
    rotation: float = 0.0
    translate: float = 0.0
    brightness: float = 0.0
    contrast: float = 0.0
    saturation: float = 0.0
    hue: float = 0.0
    jitter_p: float = 1.0
    grayscale_p: float = 0.0
    binarize: float | None = None
    include_original: bool = False
    padding: str = "border"

    def __post_init__(self) -> None:
        # frozen dataclass: normalise through object.__setattr__ (lists -> tuples, ints -> floats)
        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        if self.crop_scale is not None:
            put(
                "crop_scale",
                _as_range(self.crop_scale, "crop_scale", lower=0.0, upper=1.0, strict_lower=True),
            )
        put(
            "crop_ratio",
            _as_range(self.crop_ratio, "crop_ratio", lower=0.0, upper=math.inf, strict_lower=True),
        )
        for name in ("hflip", "vflip", "jitter_p", "grayscale_p"):
            put(name, check_number(getattr(self, name), name, minimum=0.0, maximum=1.0, what="a probability"))
        put(
            "rotation",
            check_number(self.rotation, "rotation", minimum=0.0, maximum=180.0, what="max degrees"),
        )
        put(
            "translate",
            check_number(
                self.translate, "translate", minimum=0.0, maximum=1.0, what="max fraction of the size"
            ),
        )
        for name in ("brightness", "contrast", "saturation"):
            put(
                name,
                check_number(
                    getattr(self, name), name, minimum=0.0, maximum=math.inf, what="factor range 1 ± value"
                ),
            )
        put("hue", check_number(self.hue, "hue", minimum=0.0, maximum=0.5, what="max hue shift in turns"))
        if self.binarize is not None:
            put(
                "binarize",
                check_number(self.binarize, "binarize", minimum=0.0, maximum=1.0, what="a threshold"),
            )
        if not isinstance(self.include_original, bool):
            raise ValueError(f"include_original must be True or False, got {self.include_original!r}.")
        if self.padding not in PADDING_MODES:
            raise ValueError(f"padding must be one of {PADDING_MODES}, got {self.padding!r}.")

    @property
    def has_jitter(self) -> bool:
        return self.jitter_p > 0 and any(getattr(self, op) > 0 for op in JITTER_OPS)


PRESETS: dict[str, AugmentConfig] = {
    "none": AugmentConfig(),
    # the authors' MNIST / FashionMNIST recipe (their code): crop (0.4-1, ratio 0.75-1.3), vertical flip
    "authors_mnist": AugmentConfig(crop_scale=(0.4, 1.0), crop_ratio=(0.75, 1.3), vflip=0.5),
    "authors_mnist_binary": AugmentConfig(
        crop_scale=(0.4, 1.0), crop_ratio=(0.75, 1.3), vflip=0.5, binarize=0.5
    ),
    "authors_fashion": AugmentConfig(crop_scale=(0.4, 1.0), crop_ratio=(0.75, 1.3), vflip=0.5),
    # CIFAR10 / CelebA: colour jitter (0.8, 0.8, 0.8, 0.2) always on, crop (0.6-1), vertical flip
    "authors_cifar": AugmentConfig(
        crop_scale=(0.6, 1.0), vflip=0.5, brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2
    ),
    "authors_celeba": AugmentConfig(
        crop_scale=(0.6, 1.0), vflip=0.5, brightness=0.8, contrast=0.8, saturation=0.8, hue=0.2
    ),
    # SimCLR (Chen et al. 2020), CIFAR variant (no Gaussian blur)
    "simclr": AugmentConfig(
        crop_scale=(0.08, 1.0),
        hflip=0.5,
        brightness=0.4,
        contrast=0.4,
        saturation=0.4,
        hue=0.1,
        jitter_p=0.8,
        grayscale_p=0.2,
    ),
}


def get_augment_config(name_or_config: str | AugmentConfig) -> AugmentConfig:
    """A preset by name, or the given config unchanged."""
    if isinstance(name_or_config, AugmentConfig):
        return name_or_config
    if isinstance(name_or_config, str):
        if name_or_config not in PRESETS:
            raise ValueError(
                f"unknown augmentation preset {name_or_config!r}; choose one of {', '.join(PRESETS)} "
                "or pass an AugmentConfig(...)."
            )
        return PRESETS[name_or_config]
    raise TypeError(
        f"augmentation must be a preset name or an AugmentConfig, got {type(name_or_config).__name__}."
    )


@dataclass
class AugmentedViews:
    """``views``: float ``(B, J, C, H, W)`` in [0, 1]; ``params``: name -> ``(B, J)`` (or ``(B, J, 4)``)."""

    views: torch.Tensor
    params: dict[str, torch.Tensor]


# --------------------------------------------------------------------------------------------- input


def _check_image_shape(shape: tuple, name: str = "x") -> tuple[int, int, int, int]:
    if len(shape) != 4:
        raise ValueError(
            f"{name} must be a 4-D batch (B, C, H, W), got shape {tuple(shape)}; "
            "add a batch dimension with x.unsqueeze(0)."
        )
    b, c, h, w = shape
    if c not in (1, 3):
        raise ValueError(
            f"{name} must have 1 or 3 channels in dimension 1 (B, C, H, W), got shape {tuple(shape)}; "
            "channels-last images need x.permute(0, 3, 1, 2)."
        )
    if b < 1 or h < 1 or w < 1:
        raise ValueError(f"{name} must be non-empty, got shape {tuple(shape)}.")
    return b, c, h, w


def _to_unit_float(x: object) -> torch.Tensor:
    """uint8 -> x / 255 in float32; float32/float64 in [0, 1] as is; other floats computed in float32."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"x must be a torch.Tensor, got {type(x).__name__}; wrap it with torch.as_tensor(...)."
        )
    _check_image_shape(tuple(x.shape))
    if x.dtype == torch.uint8:
        return x.to(torch.float32) / 255.0
    if not x.is_floating_point():
        raise TypeError(f"x must be uint8 (0-255) or floating point in [0, 1], got {x.dtype}.")
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if not values_checked():
        return x
    lo, hi = torch.aminmax(x)
    if bool(torch.isnan(lo)) or bool(torch.isnan(hi)):
        raise ValueError("x contains NaN values; pass finite intensities in [0, 1].")
    if bool(lo < 0) or bool(hi > 1):
        raise ValueError(
            f"float images must lie in [0, 1], got values in [{float(lo):.4g}, {float(hi):.4g}]; "
            "pass uint8 images or divide by 255."
        )
    return x


# ---------------------------------------------------------------------------------------- sampling


def _exact_dtype(device: torch.device) -> torch.dtype:
    """float64 for the tiny parameter computations, except on Apple MPS, which has no float64."""
    return torch.float32 if device.type == "mps" else torch.float64


def sample_params(
    config: AugmentConfig | str,
    batch_size: int,
    n_views: int,
    image_shape: tuple[int, int, int],
    generator: torch.Generator,
    device: torch.device | str | None = None,
) -> dict[str, torch.Tensor]:
    """Draw every random parameter for ``(batch_size, n_views)`` views of ``(C, H, W)`` images.

    Draws happen on ``generator.device`` in a fixed sequence (crop, hflip, vflip, rotation, translation,
    jitter gate, order and factors, grayscale), so one seed gives one result; then move to ``device``.
    With ``include_original`` view 0 gets identity parameters (its draws are made and discarded, so the
    other views do not depend on the flag's bookkeeping).
    """
    cfg = get_augment_config(config)
    b = check_int(batch_size, "batch_size")
    j = check_int(n_views, "n_views")
    c, h, w = _check_image_shape((b, *tuple(image_shape)), "(batch_size, *image_shape)")[1:]
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator, got {type(generator).__name__}; "
            "build one with torch.Generator().manual_seed(0)."
        )
    gdev = generator.device
    n = b * j

    fdt = _exact_dtype(gdev)

    def rand(*shape: int) -> torch.Tensor:
        # float64 draws (where the device has it): the crop's fit test compares against 1 exactly
        return torch.rand(*shape, generator=generator, device=gdev, dtype=fdt)

    def uniform(lo: float, hi: float, *shape: int) -> torch.Tensor:
        return lo + (hi - lo) * rand(*shape)

    p: dict[str, torch.Tensor] = {}
    if cfg.crop_scale is not None:
        p.update(_sample_crop(cfg, n, h, w, rand))
    if cfg.hflip > 0:
        p["hflip"] = (rand(n) < cfg.hflip).to(fdt)
    if cfg.vflip > 0:
        p["vflip"] = (rand(n) < cfg.vflip).to(fdt)
    if cfg.rotation > 0:
        p["rotation"] = uniform(-cfg.rotation, cfg.rotation, n)
    if cfg.translate > 0:
        t = uniform(-cfg.translate, cfg.translate, n, 2)
        p["tx"], p["ty"] = t[:, 0], t[:, 1]
    active = _active_jitter_ops(cfg, c)
    if active:
        applied = rand(n) < cfg.jitter_p
        p["jitter_applied"] = applied.to(fdt)
        # a uniformly random permutation per view: argsort of i.i.d. uniforms
        p["jitter_order"] = torch.argsort(rand(n, len(JITTER_OPS)), dim=1)
        for op in active:
            amount = getattr(cfg, op)
            if op == "hue":
                factor, neutral = uniform(-amount, amount, n), 0.0
            else:
                factor, neutral = uniform(max(0.0, 1.0 - amount), 1.0 + amount, n), 1.0
            # record the factor that acted: the neutral one where the jitter was skipped
            p[op] = torch.where(applied, factor, torch.full_like(factor, neutral))
    if cfg.grayscale_p > 0 and c == 3:
        p["grayscale"] = (rand(n) < cfg.grayscale_p).to(fdt)

    out = {}
    for key, v in p.items():
        v = v.reshape(b, j, *v.shape[1:]).to(device=device if device is not None else gdev)
        out[key] = v if key == "jitter_order" else v.to(torch.float32)
    if cfg.include_original:
        _set_identity_view0(out, h, w)
    return out


def _sample_crop(
    cfg: AugmentConfig, n: int, h: int, w: int, rand: Callable[..., torch.Tensor]
) -> dict[str, torch.Tensor]:
    """torchvision's RandomResizedCrop box, vectorised over ``n`` views and its 10 tries (continuous box)."""
    s_lo, s_hi = cfg.crop_scale
    r_lo, r_hi = cfg.crop_ratio
    scale = s_lo + (s_hi - s_lo) * rand(n, _CROP_TRIES)
    log_ratio = math.log(r_lo) + (math.log(r_hi) - math.log(r_lo)) * rand(n, _CROP_TRIES)
    ratio = torch.exp(log_ratio)
    # box width and height as fractions of the image: (w_box h_box) = s·H·W and w_box / h_box = r
    wf = torch.sqrt(scale * ratio * h / w)
    hf = torch.sqrt(scale / ratio * w / h)
    fits = (wf <= 1) & (hf <= 1)
    first = fits.to(torch.int8).argmax(dim=1, keepdim=True)  # index of the first fitting try (0 if none)
    any_fit = fits.any(dim=1)
    # fallback (torchvision): the whole image, clipped to the ratio range, centred
    in_ratio = w / h
    if in_ratio < r_lo:
        fb_w, fb_h = 1.0, (w / r_lo) / h
    elif in_ratio > r_hi:
        fb_w, fb_h = (h * r_hi) / w, 1.0
    else:
        fb_w, fb_h = 1.0, 1.0
    wf = torch.where(any_fit, wf.gather(1, first).squeeze(1), torch.full_like(any_fit, fb_w, dtype=wf.dtype))
    hf = torch.where(any_fit, hf.gather(1, first).squeeze(1), torch.full_like(any_fit, fb_h, dtype=hf.dtype))
    pos = rand(n, 2)
    # the box centre ranges over [-(1 - wf), 1 - wf] so that the box stays inside the image; the fallback
    # box is centred (its range is 0 wide in the clipped direction, but torchvision centres it in both)
    cx = torch.where(any_fit, (2 * pos[:, 0] - 1) * (1 - wf), torch.zeros_like(wf))
    cy = torch.where(any_fit, (2 * pos[:, 1] - 1) * (1 - hf), torch.zeros_like(hf))
    return {"crop_scale": wf * hf, "crop_ratio": (wf * w) / (hf * h), "crop_cx": cx, "crop_cy": cy}


def _active_jitter_ops(cfg: AugmentConfig, channels: int) -> list[str]:
    if not cfg.has_jitter:
        return []
    ops = ["brightness", "contrast"] + (["saturation", "hue"] if channels == 3 else [])
    return [op for op in ops if getattr(cfg, op) > 0]


_NEUTRAL = {
    "crop_scale": 1.0,
    "crop_cx": 0.0,
    "crop_cy": 0.0,
    "hflip": 0.0,
    "vflip": 0.0,
    "rotation": 0.0,
    "tx": 0.0,
    "ty": 0.0,
    "brightness": 1.0,
    "contrast": 1.0,
    "saturation": 1.0,
    "hue": 0.0,
    "jitter_applied": 0.0,
    "grayscale": 0.0,
}


def _set_identity_view0(params: dict[str, torch.Tensor], h: int, w: int) -> None:
    for key, v in params.items():
        if key == "crop_ratio":
            v[:, 0] = w / h  # the whole image's aspect ratio
        elif key in _NEUTRAL:
            v[:, 0] = _NEUTRAL[key]


# ---------------------------------------------------------------------------------------- applying


def affine_from_params(params: dict[str, torch.Tensor], height: int, width: int) -> torch.Tensor | None:
    """The sampling maps ``θ`` of ``F.affine_grid``, ``(B, J, 2, 3)`` in float64 (None without geometry).

    ``θ`` maps output coordinates ``p' ∈ [-1, 1]²`` to input coordinates, ``p = θ [p'; 1]``. A chain of
    image operations T1 (crop), T2 (flip), T3 (rotate + translate) has the sampling map
    ``M1 · M2 · M3`` (the last operation's map acts first on the output coordinate), with, in [-1, 1]
    coordinates and ``S = diag(W/2, H/2)`` the pixel scale:

    - crop of a box with half-extent ``(w_box/W, h_box/H)`` centred at ``(cx, cy)``: ``p = diag(w_box/W,
      h_box/H) p' + (cx, cy)``;
    - flips: ``p = diag(±1, ±1) p'``;
    - counter-clockwise rotation by ``α`` (as seen on screen, y down) then a shift by ``(tx W, ty H)`` pixels:
      ``p = A (p' - 2 t)`` with ``A = S⁻¹ Rᵀ S``, ``R = [[cos α, sin α], [-sin α, cos α]]``.
    """
    geometric = ("crop_scale", "hflip", "vflip", "rotation", "tx", "ty")
    ref = next((params[k] for k in geometric if k in params), None)
    if ref is None:
        return None
    b, j = ref.shape[:2]
    opts = {"dtype": _exact_dtype(ref.device), "device": ref.device}

    def get(key: str, default: float) -> torch.Tensor:
        v = params.get(key)
        return v.to(opts["dtype"]) if v is not None else torch.full((b, j), default, **opts)

    m = torch.eye(3, **opts).expand(b, j, 3, 3).clone()
    if "crop_scale" in params:
        s, r = get("crop_scale", 1.0), get("crop_ratio", 1.0)
        # invert (s, r) -> box fractions: wf·hf = s and (wf W)/(hf H) = r
        wf = torch.sqrt(s * r * height / width)
        hf = torch.sqrt(s / r * width / height)
        crop = torch.zeros(b, j, 3, 3, **opts)
        crop[..., 0, 0], crop[..., 1, 1], crop[..., 2, 2] = wf, hf, 1.0
        crop[..., 0, 2], crop[..., 1, 2] = get("crop_cx", 0.0), get("crop_cy", 0.0)
        m = crop
    if "hflip" in params or "vflip" in params:
        flip = torch.zeros(b, j, 3, 3, **opts)
        flip[..., 0, 0] = 1 - 2 * get("hflip", 0.0)
        flip[..., 1, 1] = 1 - 2 * get("vflip", 0.0)
        flip[..., 2, 2] = 1.0
        m = m @ flip
    if any(k in params for k in ("rotation", "tx", "ty")):
        alpha = torch.deg2rad(get("rotation", 0.0))
        cos, sin = torch.cos(alpha), torch.sin(alpha)
        a = torch.zeros(b, j, 3, 3, **opts)
        # A = S⁻¹ Rᵀ S: the rotation is a rotation in pixels, not in the (anisotropic) [-1, 1] square
        a[..., 0, 0], a[..., 0, 1] = cos, -sin * height / width
        a[..., 1, 0], a[..., 1, 1] = sin * width / height, cos
        a[..., 2, 2] = 1.0
        shift = torch.eye(3, **opts).expand(b, j, 3, 3).clone()
        shift[..., 0, 2], shift[..., 1, 2] = -2 * get("tx", 0.0), -2 * get("ty", 0.0)
        m = m @ a @ shift
    return m[..., :2, :]


def _affine_grid(theta: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """``F.affine_grid(theta, (N, C, h, w), align_corners=False)``, by broadcasting: ``(N, h, w, 2)``.

    Same values (pixel centres at ``(2i + 1) / size - 1``), but affine_grid's batched matmul with an inner
    dimension of 3 costs more than the grid_sample it feeds on small images; three broadcast FMAs do not.
    """
    opts = {"dtype": theta.dtype, "device": theta.device}
    xs = (torch.arange(w, **opts) * 2 + 1) / w - 1
    ys = ((torch.arange(h, **opts) * 2 + 1) / h - 1).unsqueeze(1)
    t = theta.reshape(-1, 6, 1, 1).unbind(1)
    gx = (t[0] * xs + t[2]) + t[1] * ys
    gy = (t[3] * xs + t[5]) + t[4] * ys
    return torch.stack((gx, gy), dim=-1)


def _gray(img: torch.Tensor) -> torch.Tensor:
    """(N, 3, H, W) -> (N, 1, H, W) luma with ITU-R 601 weights."""
    r, g, b = img.unbind(1)
    return (r * GRAY_WEIGHTS[0]).add_(g, alpha=GRAY_WEIGHTS[1]).add_(b, alpha=GRAY_WEIGHTS[2]).unsqueeze(1)


def _luma_or_self(img: torch.Tensor) -> torch.Tensor:
    return _gray(img) if img.shape[1] == 3 else img


# The jitter steps take a fresh (gathered) batch and may overwrite it: in-place steps avoid image-sized
# temporaries, which on CPU cost more than the arithmetic. f: (N, 1, 1, 1) factors.


def _brightness(img: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """torchvision adjust_brightness: clamp(f · x, 0, 1)."""
    return img.mul_(f).clamp_(0, 1)


def _contrast(img: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """torchvision adjust_contrast: clamp(f · x + (1 - f) · mean(gray(x)), 0, 1), one mean per image."""
    mean = _luma_or_self(img).mean(dim=(1, 2, 3), keepdim=True)
    return img.mul_(f).add_(mean.mul_(1 - f)).clamp_(0, 1)


def _saturation(img: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """torchvision adjust_saturation: clamp(f · x + (1 - f) · gray(x), 0, 1), gray per pixel."""
    gray = _gray(img).mul_(1 - f)
    return img.mul_(f).add_(gray).clamp_(0, 1)


# HSV -> RGB in closed form: channel n ∈ {R: 5, G: 3, B: 1}, k = (n + 6H) mod 6,
# value_n = V - C · clamp(min(k, 4 - k), 0, 1) = V - C · clamp(2 - |k - 2|, 0, 1), V = max, C = max - min
_HUE_OFFSETS = (5.0, 3.0, 1.0)


def _hue(img: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Shift the HSV hue by ``f`` turns (``(N,)``); V and S, hence max, min and chroma, are unchanged.

    Written with in-place steps: on CPU, fresh image-sized temporaries cost more than the arithmetic.
    """
    r, g, b = img.unbind(1)
    v = img.amax(dim=1)  # amax/amin, not max/min: no argmax indices to compute
    chroma = img.amin(dim=1).neg_().add_(v)
    # chroma · (hue in sextants, in [-1, 5)), the formula picked by which channel is the max; grays get 0
    num = torch.where(
        v == r, g - b, torch.where(v == g, (b - r).add_(chroma, alpha=2), (r - g).add_(chroma, alpha=4))
    )
    h6 = num.div_(torch.where(chroma > 0, chroma, torch.ones_like(chroma))).unsqueeze(1)
    # k = (n + 6 (H + f)) mod 6 per channel; shifting by 6 keeps k >= 0, so mod 6 is 6 · frac(k / 6)
    shift = torch.remainder(6.0 * f.to(img.dtype), 6.0).reshape(-1, 1, 1, 1) + 6.0
    offsets = torch.tensor(_HUE_OFFSETS, dtype=img.dtype, device=img.device).reshape(1, 3, 1, 1)
    k = (h6 + (offsets + shift)).div_(6.0).frac_().mul_(6.0)
    weight = k.sub_(2.0).abs_().neg_().add_(2.0).clamp_(0, 1)
    return weight.mul_(chroma.neg_().unsqueeze(1)).add_(v.unsqueeze(1))


_JITTER_FNS = {"brightness": _brightness, "contrast": _contrast, "saturation": _saturation, "hue": _hue}


def _jitter(img: torch.Tensor, params: dict[str, torch.Tensor]) -> torch.Tensor:
    """Per-view colour jitter in a per-view random order, in place on a flat ``(N, C, H, W)`` batch.

    Slot by slot, the views whose order puts operation ``o`` in that slot are gathered, transformed and
    scattered back: 4 slots × ≤ 4 operations batched calls, each over a subset, instead of a loop over images.
    """
    applied = params["jitter_applied"].reshape(-1) > 0
    order = params["jitter_order"].reshape(-1, len(JITTER_OPS))
    colour = img.shape[1] == 3  # saturation and hue need three channels
    present = [
        i for i, op in enumerate(JITTER_OPS) if op in params and (colour or op in ("brightness", "contrast"))
    ]
    for slot in range(len(JITTER_OPS)):
        for i in present:
            idx = torch.nonzero(applied & (order[:, slot] == i)).squeeze(1)
            if idx.numel() == 0:
                continue
            op = JITTER_OPS[i]
            factor = params[op].reshape(-1)[idx].to(img.dtype)
            if op != "hue":
                factor = factor.reshape(-1, 1, 1, 1)
            img.index_copy_(0, idx, _JITTER_FNS[op](img.index_select(0, idx), factor))
    return img


def _per_view(flag: torch.Tensor) -> torch.Tensor:
    return (flag.reshape(-1) > 0).reshape(-1, 1, 1, 1)


def apply_params(
    x: torch.Tensor,
    params: dict[str, torch.Tensor],
    config: AugmentConfig | str,
    n_views: int | None = None,
) -> torch.Tensor:
    """Views ``(B, J, C, H, W)`` of ``x`` (``(B, C, H, W)``, uint8 or float in [0, 1]) under given parameters.

    Deterministic: the operations present in ``params`` are applied (see the module docstring);
    ``config`` supplies only ``padding``, ``binarize`` and ``include_original`` (view 0 = ``x`` exactly).
    ``n_views`` is needed only when ``params`` is empty (a config that draws nothing, e.g. ``"none"``).
    """
    cfg = get_augment_config(config)
    img = _to_unit_float(x)
    if not isinstance(params, dict):
        raise TypeError(f"params must be the dict returned by sample_params, got {type(params).__name__}.")
    b = img.shape[0]
    if params:
        first = next(iter(params.values()))
        j = first.shape[1] if isinstance(first, torch.Tensor) and first.ndim >= 2 else -1
        if n_views is not None and check_int(n_views, "n_views") != j:
            raise ValueError(f"n_views={n_views} disagrees with the params, which hold {j} views.")
        for key, v in params.items():
            if not isinstance(v, torch.Tensor) or v.ndim < 2 or tuple(v.shape[:2]) != (b, j):
                shape = tuple(v.shape) if isinstance(v, torch.Tensor) else type(v).__name__
                raise ValueError(f"params[{key!r}] has shape {shape}; expected (B, J, ...) with B = {b}.")
    elif n_views is None:
        raise ValueError(
            "params is empty (nothing is random), so pass n_views= to say how many views to make."
        )
    else:
        j = check_int(n_views, "n_views")
    return _apply(img, params, cfg, j)


def _apply(img: torch.Tensor, params: dict[str, torch.Tensor], cfg: AugmentConfig, j: int) -> torch.Tensor:
    """apply_params on an already validated float image batch."""
    if cfg.include_original:
        # view 0 is x itself: transform only views 1.. (an exact copy, no near-identity resampling)
        rest = {k: v[:, 1:] for k, v in params.items()}
        parts = [img.unsqueeze(1)] + ([_transform(img, rest, cfg, j - 1)] if j > 1 else [])
        out = torch.cat(parts, dim=1)
    else:
        out = _transform(img, params, cfg, j)
    if cfg.binarize is not None:
        out = (out > cfg.binarize).to(out.dtype)
    return out


def _transform(
    img: torch.Tensor, params: dict[str, torch.Tensor], cfg: AugmentConfig, j: int
) -> torch.Tensor:
    b, c, h, w = img.shape
    n = b * j
    flat = img.repeat_interleave(j, dim=0)  # always a copy (even for J = 1): the jitter works in place
    params = {k: v.to(img.device) for k, v in params.items()}
    if any(k in params for k in ("crop_scale", "rotation", "tx", "ty")):
        theta = affine_from_params(params, h, w).reshape(n, 2, 3).to(img.dtype)
        grid = _affine_grid(theta, h, w)
        flat = F.grid_sample(flat, grid, mode="bilinear", padding_mode=cfg.padding, align_corners=False)
    else:
        # flips alone are permutations of pixels: do them exactly
        if "hflip" in params:
            flat = torch.where(_per_view(params["hflip"]), flat.flip(-1), flat)
        if "vflip" in params:
            flat = torch.where(_per_view(params["vflip"]), flat.flip(-2), flat)
    if "jitter_applied" in params:
        flat = _jitter(flat.contiguous(), params)
    if "grayscale" in params and c == 3:
        flat = torch.where(_per_view(params["grayscale"]), _gray(flat).expand_as(flat), flat)
    return flat.reshape(b, j, c, h, w)


class Augmenter:
    """``Augmenter(config)(x, n_views, generator)``: ``J`` randomly augmented views of every image in ``x``.

    ``x``: uint8 ``(B, C, H, W)`` or float in [0, 1] (C ∈ {1, 3}); the views are float ``(B, J, C, H, W)``
    on ``x``'s device (float32 for uint8 input, else ``x``'s dtype). ``generator`` may live on the CPU (the
    parameters are tiny and are moved) or on ``x``'s device.
    """

    def __init__(self, config: AugmentConfig | str = "none"):
        self.config = get_augment_config(config)

    def __repr__(self) -> str:
        changed = [
            f"{f.name}={getattr(self.config, f.name)!r}"
            for f in fields(self.config)
            if getattr(self.config, f.name) != f.default
        ]
        return f"Augmenter({', '.join(changed)})"

    def sample_params(
        self, x: torch.Tensor, n_views: int, generator: torch.Generator
    ) -> dict[str, torch.Tensor]:
        """The random parameters of ``n_views`` views of every image in ``x``, on ``x``'s device."""
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
        b, c, h, w = _check_image_shape(tuple(x.shape))
        return sample_params(self.config, b, n_views, (c, h, w), generator, device=x.device)

    def apply_params(
        self, x: torch.Tensor, params: dict[str, torch.Tensor], n_views: int | None = None
    ) -> torch.Tensor:
        """The views ``(B, J, C, H, W)`` that ``params`` (e.g. ``AugmentedViews.params``) describe."""
        return apply_params(x, params, self.config, n_views)

    def __call__(self, x: torch.Tensor, n_views: int, generator: torch.Generator) -> AugmentedViews:
        img = _to_unit_float(x)  # validate before drawing, so a bad input consumes no random numbers
        params = self.sample_params(x, n_views, generator)
        return AugmentedViews(views=_apply(img, params, self.config, n_views), params=params)
