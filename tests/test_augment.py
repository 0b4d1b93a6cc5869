"""Batched augmentations: every operation against an independent reference, randomness, labels, errors."""

from __future__ import annotations

import colorsys
import math

import pytest
import torch
import torch.nn.functional as F

from simvae_core.learning.augment import (
    PRESETS,
    AugmentConfig,
    Augmenter,
    affine_from_params,
    apply_params,
    get_augment_config,
    sample_params,
)

from .conftest import gen

kornia = pytest.importorskip("kornia")


def images(b: int = 4, c: int = 3, h: int = 12, w: int = 12, seed: int = 0) -> torch.Tensor:
    return torch.randint(0, 256, (b, c, h, w), dtype=torch.uint8, generator=gen(seed))


def unit(x: torch.Tensor) -> torch.Tensor:
    return x.to(torch.float32) / 255.0


def full(b: int, j: int, value: float) -> torch.Tensor:
    return torch.full((b, j), float(value))


def crop_params(b, j, box, h, w):
    """Params of a crop box (top, left, height, width) in pixels, as sample_params records them."""
    top, left, bh, bw = box
    return {
        "crop_scale": full(b, j, bh * bw / (h * w)),
        "crop_ratio": full(b, j, bw / bh),
        "crop_cx": full(b, j, -1 + (2 * left + bw) / w),
        "crop_cy": full(b, j, -1 + (2 * top + bh) / h),
    }


# ------------------------------------------------------------------------------------ presets, config


def test_presets_follow_the_papers_recipes():
    assert {"none", "authors_mnist", "authors_mnist_binary", "authors_fashion", "authors_cifar"} <= set(
        PRESETS
    )
    mnist = PRESETS["authors_mnist"]
    assert mnist.crop_scale == (0.4, 1.0) and mnist.crop_ratio == (0.75, 1.3) and mnist.vflip == 0.5
    assert mnist.binarize is None and PRESETS["authors_mnist_binary"].binarize == 0.5
    cifar = PRESETS["authors_cifar"]
    assert (cifar.brightness, cifar.contrast, cifar.saturation, cifar.hue, cifar.jitter_p) == (
        0.8,
        0.8,
        0.8,
        0.2,
        1,
    )
    assert cifar.crop_scale == (0.6, 1.0) and PRESETS["authors_celeba"] == cifar
    simclr = PRESETS["simclr"]
    assert simclr.crop_scale == (0.08, 1.0) and simclr.hflip == 0.5 and simclr.grayscale_p == 0.2
    assert (simclr.brightness, simclr.hue, simclr.jitter_p) == (0.4, 0.1, 0.8)
    assert get_augment_config("simclr") is simclr and get_augment_config(cifar) is cifar
    assert AugmentConfig(crop_scale=[0.5, 1]).crop_scale == (0.5, 1.0)  # lists normalised to tuples


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"hflip": 1.5}, r"hflip must be a finite number in \[0, 1\] \(a probability\)"),
        ({"grayscale_p": -0.1}, "grayscale_p must be a finite number in"),
        ({"crop_scale": (0.9, 0.4)}, r"crop_scale must satisfy 0.0 < lo <= hi <= 1.0"),
        ({"crop_scale": (0.0, 1.0)}, "crop_scale must satisfy"),
        ({"crop_scale": 0.5}, r"crop_scale must be a pair \(lo, hi\)"),
        ({"crop_ratio": (-1, 2)}, "crop_ratio must satisfy"),
        ({"hue": 0.7}, r"hue must be a finite number in \[0, 0.5\]"),
        ({"brightness": float("nan")}, "brightness must be a finite number"),
        ({"rotation": -5}, "rotation must be a finite number in"),
        ({"binarize": 2}, "binarize must be a finite number in"),
        ({"padding": "wrap"}, "padding must be one of"),
        ({"include_original": 1}, "include_original must be True or False"),
    ],
)
def test_invalid_configs_fail_clearly(kwargs, match):
    with pytest.raises(ValueError, match=match):
        AugmentConfig(**kwargs)


def test_unknown_preset_lists_the_names():
    with pytest.raises(
        ValueError, match="unknown augmentation preset 'cifar'; choose one of none, authors_mnist"
    ):
        Augmenter("cifar")
    with pytest.raises(TypeError, match="preset name or an AugmentConfig"):
        get_augment_config(3)


def test_invalid_inputs_fail_clearly():
    aug = Augmenter("authors_fashion")
    with pytest.raises(ValueError, match=r"4-D batch \(B, C, H, W\).*unsqueeze\(0\)"):
        aug(images()[0], 2, gen())
    with pytest.raises(ValueError, match="1 or 3 channels.*permute"):
        aug(images().permute(0, 2, 3, 1), 2, gen())
    with pytest.raises(TypeError, match="uint8 .* or floating point"):
        aug(images().to(torch.int32), 2, gen())
    bad = unit(images())
    bad[0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="NaN"):
        aug(bad, 2, gen())
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\].*divide by 255"):
        aug(images().float(), 2, gen())
    with pytest.raises(TypeError, match="torch.Tensor"):
        aug([[0.0]], 2, gen())
    with pytest.raises(TypeError, match=r"torch.Generator\(\).manual_seed\(0\)"):
        aug(images(), 2, 0)
    with pytest.raises(ValueError, match="n_views must be >= 1"):
        aug(images(), 0, gen())
    with pytest.raises(ValueError, match="pass n_views="):
        apply_params(images(), {}, "none")
    with pytest.raises(ValueError, match="n_views=3 disagrees with the params, which hold 2 views"):
        apply_params(images(b=4), {"vflip": torch.zeros(4, 2)}, "authors_fashion", n_views=3)
    with pytest.raises(ValueError, match=r"params\['vflip'\] has shape \(3, 2\); expected \(B, J, ...\)"):
        apply_params(images(b=4), {"vflip": torch.zeros(3, 2)}, "authors_fashion")


# ----------------------------------------------------------------------------- identity, randomness


def test_none_returns_exact_copies_of_every_image():
    x = images(b=3)
    out = Augmenter("none")(x, 4, gen())
    assert out.params == {}
    assert out.views.shape == (3, 4, 3, 12, 12) and out.views.dtype == torch.float32
    assert torch.equal(out.views, unit(x).unsqueeze(1).expand(3, 4, 3, 12, 12))
    assert torch.equal(Augmenter("none").apply_params(x, {}, n_views=4), out.views)
    x64 = unit(x).double()
    assert torch.equal(Augmenter("none")(x64, 2, gen()).views[:, 1], x64)


def test_include_original_makes_view_0_exact_with_neutral_params():
    x = images(b=5, h=10, w=14)
    cfg = AugmentConfig(**{**PRESETS["simclr"].__dict__, "include_original": True})
    out = Augmenter(cfg)(x, 3, gen())
    assert torch.equal(out.views[:, 0], unit(x))
    assert not torch.allclose(out.views[:, 1], unit(x))
    p = out.params
    assert torch.all(p["crop_scale"][:, 0] == 1) and torch.allclose(
        p["crop_ratio"][:, 0], torch.tensor(14 / 10)
    )
    for key in ("crop_cx", "crop_cy", "hflip", "hue", "jitter_applied", "grayscale"):
        assert torch.all(p[key][:, 0] == 0), key
    for key in ("brightness", "contrast", "saturation"):
        assert torch.all(p[key][:, 0] == 1), key


def test_params_are_per_sample_per_view_and_seeded():
    x = images(b=6)
    aug = Augmenter("simclr")
    a, b = aug(x, 3, gen(7)), aug(x, 3, gen(7))
    c = aug(x, 3, gen(8))
    assert torch.equal(a.views, b.views)
    assert a.params.keys() == b.params.keys()
    for key, v in a.params.items():
        assert torch.equal(v, b.params[key])
        assert v.shape[:2] == (6, 3) and v.device == x.device
        if key in ("brightness", "contrast", "saturation", "hue"):  # continuous where the jitter acted
            on = a.params["jitter_applied"] > 0
            assert v[on].unique().numel() == on.sum() > 6, key
        elif key.startswith("crop"):
            assert v.unique().numel() == 18, key  # continuous: all 18 views differ
    assert a.params["jitter_order"].shape == (6, 3, 4)
    assert not torch.equal(a.views, c.views)
    # a sample's views differ from each other, and the same view index differs across samples
    assert not torch.allclose(a.views[:, 0], a.views[:, 1]) and not torch.allclose(a.views[0], a.views[1])


def test_sampled_parameters_have_the_configured_distributions():
    cfg = AugmentConfig(
        crop_scale=(0.4, 1.0),
        crop_ratio=(0.75, 1.3),
        hflip=0.3,
        rotation=20,
        translate=0.1,
        brightness=0.8,
        hue=0.2,
        jitter_p=0.6,
        grayscale_p=0.25,
    )
    n, h, w = 4000, 28, 20
    p = sample_params(cfg, n, 1, (3, h, w), gen(3))
    p = {k: v.squeeze(1) for k, v in p.items()}
    # torchvision's crop: area in the range, aspect ratio in the range, the box inside the image
    assert p["crop_scale"].min() >= 0.4 - 1e-6 and p["crop_scale"].max() <= 1 + 1e-6
    assert p["crop_ratio"].min() >= 0.75 - 1e-5 and p["crop_ratio"].max() <= 1.3 + 1e-5
    wf = torch.sqrt(p["crop_scale"] * p["crop_ratio"] * h / w)
    hf = torch.sqrt(p["crop_scale"] / p["crop_ratio"] * w / h)
    assert (p["crop_cx"].abs() + wf).max() <= 1 + 1e-5 and (p["crop_cy"].abs() + hf).max() <= 1 + 1e-5
    assert abs(p["hflip"].mean() - 0.3) < 0.03 and abs(p["grayscale"].mean() - 0.25) < 0.03
    assert abs(p["jitter_applied"].mean() - 0.6) < 0.03
    assert p["rotation"].abs().max() <= 20 and p["rotation"].std() > 10  # U(-20, 20): std 11.5
    assert p["tx"].abs().max() <= 0.1 and p["ty"].abs().max() <= 0.1
    on = p["jitter_applied"] > 0
    assert p["brightness"][on].min() >= 0.2 - 1e-6 and p["brightness"][on].max() <= 1.8 + 1e-6
    assert torch.all(p["brightness"][~on] == 1) and torch.all(p["hue"][~on] == 0)
    assert p["hue"].abs().max() <= 0.2 + 1e-6
    # the jitter order is a permutation, each operation first about a quarter of the time
    assert torch.equal(p["jitter_order"].sort(dim=1).values, torch.arange(4).expand(n, 4))
    assert torch.allclose(
        torch.bincount(p["jitter_order"][:, 0], minlength=4) / n, torch.full((4,), 0.25), atol=0.03
    )
    assert "saturation" not in p and "contrast" not in p  # only active operations are recorded


def test_crop_falls_back_to_the_central_crop_when_no_try_fits():
    # scale 1 with aspect ratio >= 2 never fits a square image: torchvision's fallback is the full width,
    # height width / min(ratio), centred
    p = sample_params(AugmentConfig(crop_scale=(1.0, 1.0), crop_ratio=(2.0, 3.0)), 5, 2, (1, 16, 16), gen())
    torch.testing.assert_close(p["crop_scale"], full(5, 2, 0.5))
    torch.testing.assert_close(p["crop_ratio"], full(5, 2, 2.0))
    assert torch.all(p["crop_cx"] == 0) and torch.all(p["crop_cy"] == 0)


# --------------------------------------------------------------------------------------- geometry


def test_flips_equal_torch_flip():
    x = images(b=3, h=9, w=11)
    both = Augmenter(AugmentConfig(hflip=1.0, vflip=1.0))(x, 2, gen())
    assert torch.equal(both.views[:, 1], unit(x).flip(-1, -2))
    h = Augmenter(AugmentConfig(hflip=0.5))(x, 8, gen())
    flipped = h.params["hflip"] > 0
    ref = torch.where(flipped[..., None, None, None], unit(x).flip(-1)[:, None], unit(x)[:, None])
    assert 0 < flipped.sum() < 24 and torch.equal(h.views, ref)
    # the same flips through the affine path (with an identity crop) agree up to rounding
    p = crop_params(3, 2, (0, 0, 9, 11), 9, 11) | {"hflip": full(3, 2, 1), "vflip": full(3, 2, 0)}
    torch.testing.assert_close(apply_params(x, p, "none")[:, 0], unit(x).flip(-1), atol=1e-5, rtol=0)


def test_geometry_is_one_affine_grid_sample_with_the_recorded_matrix():
    cfg = AugmentConfig(
        crop_scale=(0.3, 1.0), hflip=0.5, vflip=0.5, rotation=40, translate=0.2, padding="zeros"
    )
    x = images(b=5, h=9, w=14)
    out = Augmenter(cfg)(x, 3, gen(4))
    theta = affine_from_params(out.params, 9, 14).reshape(15, 2, 3).float()
    grid = F.affine_grid(theta, [15, 3, 9, 14], align_corners=False)
    flat = unit(x).repeat_interleave(3, dim=0)
    ref = F.grid_sample(flat, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    torch.testing.assert_close(out.views.reshape(ref.shape), ref, atol=1e-5, rtol=0)


def test_crop_with_scale_1_and_ratio_1_is_the_identity():
    x = images(b=4, h=16, w=16)
    out = Augmenter(AugmentConfig(crop_scale=(1.0, 1.0), crop_ratio=(1.0, 1.0)))(x, 2, gen())
    torch.testing.assert_close(out.views, unit(x)[:, None].expand_as(out.views), atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    "box, interior",
    [
        ((4, 2, 6, 8), (slice(1, -1), slice(1, -1))),  # inside: only the outer half pixel differs
        ((0, 0, 6, 8), (slice(0, -1), slice(0, -1))),  # touching the top-left border: exact there
        ((3, 5, 13, 15), (slice(1, None), slice(1, None))),  # touching bottom-right
    ],
)
def test_crop_of_a_known_box_equals_slicing_and_interpolate(box, interior):
    h, w = 16, 20
    x = images(b=2, h=h, w=w)
    top, left, bh, bw = box
    ref = F.interpolate(
        unit(x)[..., top : top + bh, left : left + bw], size=(h, w), mode="bilinear", align_corners=False
    )
    out = apply_params(x, crop_params(2, 1, box, h, w), "none")[:, 0]
    rows, cols = interior
    torch.testing.assert_close(out[..., rows, cols], ref[..., rows, cols], atol=1e-5, rtol=0)


def test_crop_then_flip_composes_in_that_order():
    h, w = 16, 20
    x = images(b=2, h=h, w=w)
    box = (0, 0, 10, 12)
    ref = F.interpolate(unit(x)[..., :10, :12], size=(h, w), mode="bilinear", align_corners=False).flip(-1)
    p = crop_params(2, 1, box, h, w) | {"hflip": full(2, 1, 1)}
    out = apply_params(x, p, "none")[:, 0]
    torch.testing.assert_close(out[..., :-1, 1:], ref[..., :-1, 1:], atol=1e-5, rtol=0)


@pytest.mark.parametrize("degrees, k", [(90, 1), (-90, -1), (180, 2)])
def test_rotation_by_quarter_turns_equals_rot90(degrees, k):
    x = images(b=3, h=10, w=10)
    p = {"rotation": full(3, 1, degrees)}
    out = apply_params(x, p, "none")[:, 0]
    # pixel centres of an even-sized square map onto pixel centres: equal everywhere up to rounding
    torch.testing.assert_close(out, torch.rot90(unit(x), k, dims=(-2, -1)), atol=1e-5, rtol=0)


def test_rotation_is_a_rotation_in_pixels_on_non_square_images():
    h, w = 8, 20
    p = {"rotation": torch.tensor([[30.0, -75.0]])}
    theta = affine_from_params(p, h, w)[0, :, :, :2]  # (J, 2, 2) in [-1, 1] coordinates
    s = torch.diag(torch.tensor([w / 2, h / 2], dtype=torch.float64))
    in_pixels = s @ theta @ torch.linalg.inv(s)
    for m, deg in zip(in_pixels, (30.0, -75.0), strict=True):
        a = math.radians(deg)
        # sampling map = inverse of the on-screen counter-clockwise rotation (y axis down)
        expected = torch.tensor(
            [[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]], dtype=torch.float64
        )
        torch.testing.assert_close(m, expected)
    # and 180° of a non-square image is both flips
    x = images(b=2, h=h, w=w)
    out = apply_params(x, {"rotation": full(2, 1, 180)}, "none")[:, 0]
    torch.testing.assert_close(out, unit(x).flip(-1, -2), atol=1e-5, rtol=0)


def test_translation_shifts_by_the_recorded_fraction():
    h, w = 8, 16
    x = images(b=2, h=h, w=w)
    p = {"tx": full(2, 1, 0.25), "ty": full(2, 1, -0.25)}  # 4 pixels right, 2 pixels up
    out = apply_params(x, p, AugmentConfig(padding="zeros"))[:, 0]
    torch.testing.assert_close(out[..., :-2, 4:], unit(x)[..., 2:, :-4], atol=1e-5, rtol=0)
    assert torch.all(out[..., :4] == 0) and torch.all(out[..., -2:, :] == 0)  # revealed area: zeros padding


# ------------------------------------------------------------------------------------------ colour


def _single_op(op: str, x: torch.Tensor, amount: float):
    out = Augmenter(AugmentConfig(**{op: amount}))(x, 3, gen(2))
    factors = out.params[op]
    assert set(out.params) == {"jitter_applied", "jitter_order", op}
    assert factors.unique().numel() == factors.numel()  # per-view factors
    return out.views, factors.reshape(-1)


def _torchvision_formula(op: str, img: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """torchvision.transforms.functional's docs written out: clamp(f · img + (1 - f) · other, 0, 1)."""
    f = f.reshape(-1, 1, 1, 1)
    gray = (
        (0.299 * img[:, 0] + 0.587 * img[:, 1] + 0.114 * img[:, 2]).unsqueeze(1) if img.shape[1] == 3 else img
    )
    other = {
        "brightness": torch.zeros_like(img),
        "contrast": gray.mean(dim=(1, 2, 3), keepdim=True),
        "saturation": gray,
    }[op]
    return (f * img + (1 - f) * other).clamp(0, 1)


@pytest.mark.parametrize(
    "op, channels",
    [("brightness", 3), ("brightness", 1), ("contrast", 3), ("contrast", 1), ("saturation", 3)],
)
def test_brightness_contrast_saturation_match_torchvision_formulas_and_kornia(op, channels):
    x = images(b=4, c=channels, h=6, w=7)
    views, f = _single_op(op, x, 0.7)
    flat = unit(x).repeat_interleave(3, dim=0)
    torch.testing.assert_close(
        views.reshape(flat.shape), _torchvision_formula(op, flat, f), atol=1e-6, rtol=0
    )
    kfn = {
        "brightness": kornia.enhance.adjust_brightness_accumulative,
        "contrast": kornia.enhance.adjust_contrast_with_mean_subtraction,
        "saturation": kornia.enhance.adjust_saturation_with_gray_subtraction,
    }[op]
    torch.testing.assert_close(views.reshape(flat.shape), kfn(flat, f), atol=1e-5, rtol=0)


def test_hue_matches_colorsys_and_kornia():
    x = images(b=3, h=4, w=5)
    views, f = _single_op("hue", x, 0.5)
    flat = unit(x).repeat_interleave(3, dim=0)
    ref = torch.empty_like(flat)
    for i in range(flat.shape[0]):  # the per-pixel reference from Python's standard library
        for r in range(flat.shape[2]):
            for c in range(flat.shape[3]):
                hh, ss, vv = colorsys.rgb_to_hsv(*flat[i, :, r, c].tolist())
                ref[i, :, r, c] = torch.tensor(colorsys.hsv_to_rgb((hh + float(f[i])) % 1.0, ss, vv))
    out = views.reshape(flat.shape)
    torch.testing.assert_close(out, ref, atol=1e-5, rtol=0)
    torch.testing.assert_close(out, kornia.enhance.adjust_hue(flat, f * 2 * math.pi), atol=1e-4, rtol=0)


def test_hue_keeps_grays_and_a_full_turn_is_the_identity():
    x = unit(images(b=2, h=5, w=5))
    gray = x[:, :1].expand(2, 3, 5, 5)
    one_view = {"jitter_applied": full(2, 1, 1), "jitter_order": torch.arange(4).expand(2, 1, 4)}
    half = apply_params(gray, one_view | {"hue": full(2, 1, 0.5)}, "none")[:, 0]
    torch.testing.assert_close(half, gray, atol=1e-6, rtol=0)
    turn = apply_params(x, one_view | {"hue": full(2, 1, -1.0)}, "none")[:, 0]  # factors outside ±0.5 wrap
    torch.testing.assert_close(turn, x, atol=1e-5, rtol=0)
    shifted = apply_params(x, one_view | {"hue": full(2, 1, 0.3)}, "none")[:, 0]
    back = apply_params(shifted, one_view | {"hue": full(2, 1, -0.3)}, "none")[:, 0]
    torch.testing.assert_close(back, x, atol=1e-5, rtol=0)


def test_jitter_follows_each_views_recorded_order():
    x = images(b=6, h=6, w=6)
    out = Augmenter(AugmentConfig(brightness=0.9, contrast=0.9, saturation=0.9, hue=0.3, jitter_p=0.7))(
        x, 4, gen(5)
    )
    p = {k: v.reshape(24, *v.shape[2:]) for k, v in out.params.items()}
    assert 0 < p["jitter_applied"].sum() < 24
    flat = unit(x).repeat_interleave(4, dim=0)
    kfn = {
        0: lambda im, f: kornia.enhance.adjust_brightness_accumulative(im, f),
        1: lambda im, f: kornia.enhance.adjust_contrast_with_mean_subtraction(im, f),
        2: lambda im, f: kornia.enhance.adjust_saturation_with_gray_subtraction(im, f),
        3: lambda im, f: kornia.enhance.adjust_hue(im, f * 2 * math.pi),
    }
    names = ("brightness", "contrast", "saturation", "hue")
    for i in range(24):  # reference: one view at a time, operations in that view's order
        img = flat[i : i + 1]
        if p["jitter_applied"][i]:
            for op in p["jitter_order"][i].tolist():
                img = kfn[op](img, p[names[op]][i : i + 1]).clamp(0, 1)
        else:
            assert all(p[n][i] == (0 if n == "hue" else 1) for n in names)
        torch.testing.assert_close(out.views.reshape(flat.shape)[i : i + 1], img, atol=1e-4, rtol=0)
    # the order matters (clamping does not commute), so a fixed order would give other images
    fixed = {k: v.clone() for k, v in out.params.items()}
    fixed["jitter_order"] = torch.arange(4).expand(6, 4, 4)
    assert not torch.allclose(apply_params(x, fixed, "none"), out.views, atol=1e-3)


def test_grayscale_uses_itu_601_weights_and_skips_single_channel():
    x = images(b=3)
    out = Augmenter(AugmentConfig(grayscale_p=1.0))(x, 2, gen())
    img = unit(x)
    gray = 0.299 * img[:, 0] + 0.587 * img[:, 1] + 0.114 * img[:, 2]
    for c in range(3):
        torch.testing.assert_close(out.views[:, :, c], gray[:, None].expand(3, 2, 12, 12), atol=1e-6, rtol=0)
    mono = Augmenter(PRESETS["simclr"])(images(c=1), 2, gen())
    assert not {"saturation", "hue", "grayscale"} & set(mono.params) and "brightness" in mono.params
    assert mono.views.shape == (4, 2, 1, 12, 12)


def test_binarisation_gives_zeros_and_ones():
    x = images(c=1)
    out = Augmenter("authors_mnist_binary")(x, 2, gen())
    assert set(out.views.unique().tolist()) == {0.0, 1.0}
    plain = Augmenter(AugmentConfig(binarize=0.5, include_original=True))(x, 1, gen())
    assert torch.equal(plain.views[:, 0], (unit(x) > 0.5).float())


# ------------------------------------------------------------------------------- labels, dtypes, devices


@pytest.mark.parametrize("preset", ["simclr", "authors_cifar", "authors_mnist_binary"])
def test_recorded_params_reproduce_the_views(preset):
    cfg = AugmentConfig(
        **{**PRESETS[preset].__dict__, "rotation": 15.0, "translate": 0.1, "include_original": True}
    )
    x = images(b=5, c=1 if "mnist" in preset else 3, h=10, w=13)
    aug = Augmenter(cfg)
    out = aug(x, 3, gen(11))
    assert torch.equal(aug.apply_params(x, out.params), out.views)
    assert torch.equal(apply_params(x, {k: v.clone() for k, v in out.params.items()}, cfg), out.views)
    # views lie in [0, 1]
    assert out.views.min() >= 0 and out.views.max() <= 1


def test_uint8_and_float_inputs_agree_and_float64_works():
    x = images(b=4)
    aug = Augmenter("simclr")
    a = aug(x, 2, gen(1))
    b = aug(unit(x), 2, gen(1))
    assert torch.equal(a.views, b.views) and a.views.dtype == torch.float32
    c = aug(unit(x).double(), 2, gen(1))
    assert c.views.dtype == torch.float64
    torch.testing.assert_close(c.views.float(), a.views, atol=1e-4, rtol=0)
    d = Augmenter("authors_fashion")(unit(x).half(), 2, gen(1))  # half is computed in float32
    assert d.views.dtype == torch.float32


def test_the_input_is_not_modified():
    x = unit(images(b=2))
    before = x.clone()
    Augmenter(AugmentConfig(brightness=0.5, hue=0.3))(x, 1, gen())
    assert torch.equal(x, before)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_views_stay_on_the_input_device_with_a_cpu_or_device_generator():
    x = images(b=8).cuda()
    aug = Augmenter("authors_cifar")
    out = aug(x, 2, gen(0))
    assert out.views.device == x.device and all(v.device == x.device for v in out.params.values())
    cpu = aug(x.cpu(), 2, gen(0))
    for k, v in out.params.items():
        torch.testing.assert_close(v.cpu(), cpu.params[k])
    torch.testing.assert_close(out.views.cpu(), cpu.views, atol=1e-4, rtol=0)
    on_device = aug(x, 2, torch.Generator(device="cuda").manual_seed(0))
    assert on_device.views.device == x.device
