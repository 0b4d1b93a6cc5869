"""Encoders and decoders: shapes, the automatic choice, parameter and FLOP counts, gradients, errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from simvae_core.learning.nets import (
    ARCHITECTURES,
    Decoder,
    Encoder,
    build_decoder,
    build_encoder,
    conv28_decoder,
    conv28_encoder,
    count_parameters,
    mlp_decoder,
    mlp_encoder,
    mlp_flops_per_view,
    resnet_decoder,
    resnet_encoder,
    vector_mlp_decoder,
    vector_mlp_encoder,
)

# (arch, x_shape): every architecture on every input size it supports
CASES = [
    ("mlp", (1, 28, 28)),
    ("mlp", (1, 8, 8)),
    ("mlp", (3, 32, 32)),
    ("mlp", (784,)),
    ("conv28", (1, 28, 28)),
    ("conv28", (3, 28, 28)),
    ("resnet", (3, 32, 32)),
    ("resnet", (3, 64, 64)),
    ("resnet", (1, 32, 32)),
    ("vector_mlp", (20,)),
]


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.mark.parametrize("arch, x_shape", CASES)
def test_output_shapes(arch, x_shape):
    out_dim, d = 12, 6
    enc = build_encoder(x_shape, out_dim, arch=arch)
    dec = build_decoder(d, x_shape, arch=arch)
    assert isinstance(enc, Encoder) and isinstance(dec, Decoder)
    assert enc.x_shape == x_shape and enc.out_dim == out_dim
    assert dec.x_shape == x_shape and dec.latent_dim == d
    x = torch.rand(3, *x_shape)
    assert enc(x).shape == (3, out_dim)
    assert dec(torch.randn(3, d)).shape == (3, *x_shape)  # decoder output has exactly the data's shape


@pytest.mark.parametrize(
    "x_shape, expected",
    [
        ((20,), "vector_mlp"),
        ((1, 28, 28), "mlp"),
        ((1, 8, 8), "mlp"),
        ((3, 32, 32), "resnet"),
        ((1, 32, 32), "resnet"),
        ((3, 64, 64), "resnet"),
    ],
)
def test_auto_choice(x_shape, expected):
    enc = build_encoder(x_shape, 4)
    ref = ARCHITECTURES[expected].encoder(x_shape, 4)
    # same architecture: same module structure and parameter shapes
    assert [type(m) for m in enc.modules()] == [type(m) for m in ref.modules()]
    assert [p.shape for p in enc.parameters()] == [p.shape for p in ref.parameters()]
    dec = build_decoder(3, x_shape)
    ref_dec = ARCHITECTURES[expected].decoder(3, x_shape)
    assert [p.shape for p in dec.parameters()] == [p.shape for p in ref_dec.parameters()]


def test_authors_mlp_parameter_count_by_hand():
    d = 10
    # encoder 784-2000-500-500-20: weights plus biases of each layer
    enc_by_hand = (784 * 2000 + 2000) + (2000 * 500 + 500) + (500 * 500 + 500) + (500 * 2 * d + 2 * d)
    dec_by_hand = (d * 500 + 500) + (500 * 500 + 500) + (500 * 2000 + 2000) + (2000 * 784 + 784)
    assert enc_by_hand == 2_831_020 and dec_by_hand == 2_826_784
    assert count_parameters(mlp_encoder((1, 28, 28), 2 * d)) == enc_by_hand
    assert count_parameters(mlp_decoder(d, (1, 28, 28))) == dec_by_hand
    widths = [m.out_features for m in mlp_encoder((1, 28, 28), 2 * d).modules() if isinstance(m, nn.Linear)]
    assert widths == [2000, 500, 500, 2 * d]
    widths = [m.out_features for m in mlp_decoder(d, (1, 28, 28)).modules() if isinstance(m, nn.Linear)]
    assert widths == [500, 500, 2000, 784]


def test_count_parameters_trainable_only():
    enc = mlp_encoder((8,), 2)
    total = count_parameters(enc)
    next(enc.parameters()).requires_grad_(False)
    assert count_parameters(enc) == total - 8 * 2000
    assert count_parameters(enc, trainable_only=False) == total
    with pytest.raises(TypeError, match="nn.Module"):
        count_parameters(torch.zeros(3))


def test_mlp_flops_per_view():
    # 6 FLOPs per weight (2 forward, 4 backward); weights counted from the built modules
    d = 10
    weights = sum(
        m.weight.numel()
        for net in (mlp_encoder((784,), 2 * d), mlp_decoder(d, (784,)))
        for m in net.modules()
        if isinstance(m, nn.Linear)
    )
    assert weights == 5_651_000
    assert mlp_flops_per_view(784, 10) == 6 * weights == 33_906_000
    assert abs(mlp_flops_per_view(784, 10) / 34e6 - 1) < 0.01  # the project's "~34 MFLOP per view"
    assert mlp_flops_per_view(64, 10) < mlp_flops_per_view(784, 10)


def test_resnet_stages_and_widths():
    """Three stages at widths (32, 64, 128), stride 2 between stages, so 32×32 ends as 8×8 before pooling."""
    enc = resnet_encoder((3, 32, 32), 8)
    shapes = []
    pool = next(m for m in enc.modules() if isinstance(m, nn.AdaptiveAvgPool2d))
    pool.register_forward_hook(lambda mod, inp, out: shapes.append(tuple(inp[0].shape)))
    enc(torch.rand(2, 3, 32, 32))
    assert shapes == [(2, 128, 8, 8)]
    blocks = [m for m in enc.modules() if type(m).__name__ == "BasicBlock"]
    assert len(blocks) == 6  # 2 per stage
    assert [b.conv2.out_channels for b in blocks] == [32, 32, 64, 64, 128, 128]
    narrow = resnet_encoder((3, 64, 64), 8, widths=(8, 16, 24))
    assert narrow(torch.rand(2, 3, 64, 64)).shape == (2, 8)
    assert count_parameters(narrow) < count_parameters(enc)
    dec = resnet_decoder(5, (3, 64, 64), widths=(8, 16, 24))
    assert dec(torch.randn(2, 5)).shape == (2, 3, 64, 64)
    first = next(m for m in dec.modules() if isinstance(m, nn.Linear))
    assert first.out_features == 24 * 8 * 8  # linear -> (widths[-1], H/8, W/8)


@pytest.mark.parametrize("arch, x_shape", [c for c in CASES if c[1] != (3, 64, 64)])
def test_gradients_reach_every_parameter(arch, x_shape):
    d = 4
    enc = build_encoder(x_shape, 2 * d, arch=arch)
    dec = build_decoder(d, x_shape, arch=arch)
    x = torch.rand(4, *x_shape)
    h = enc(x)
    out = dec(h[:, :d])
    (out.pow(2).mean() + h.pow(2).mean()).backward()
    for name, p in list(enc.named_parameters()) + list(dec.named_parameters()):
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
        assert p.grad.abs().sum() > 0, name


def test_conv28_is_small_and_mirrored():
    enc, dec = conv28_encoder((1, 28, 28), 20), conv28_decoder(10, (1, 28, 28))
    assert count_parameters(enc) < count_parameters(mlp_encoder((1, 28, 28), 20))
    convs = [m.out_channels for m in enc.modules() if isinstance(m, nn.Conv2d)]
    assert convs == [32, 64]
    deconvs = [m.out_channels for m in dec.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert deconvs == [32, 1]


def test_vector_mlp_depth_and_hidden():
    enc = vector_mlp_encoder(7, 6, hidden=16, depth=2)
    layers = [m for m in enc.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in layers] == [(7, 16), (16, 16), (16, 6)]
    dec = vector_mlp_decoder(3, (7,), hidden=16, depth=0)
    layers = [m for m in dec.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in layers] == [(3, 7)]
    assert enc(torch.randn(5, 7)).shape == (5, 6)


def test_decoders_output_unbounded_parameters():
    """No output nonlinearity: logits / means can leave [0, 1]."""
    dec = vector_mlp_decoder(2, 50, depth=0)
    with torch.no_grad():
        dec.net[0].weight.fill_(10.0)
    out = dec(torch.ones(1, 2))
    assert (out > 1).all()
    assert (dec(-torch.ones(1, 2)) < 0).all()


def test_clear_errors():
    with pytest.raises(ValueError, match="unknown arch 'transformer'.*mlp.*conv28.*resnet.*vector_mlp"):
        build_encoder((1, 28, 28), 4, arch="transformer")
    with pytest.raises(
        ValueError, match="arch='auto' has no default for data of shape \\(3, 28, 28\\).*conv28"
    ):
        build_encoder((3, 28, 28), 4)
    with pytest.raises(ValueError, match="no default.*\\(1, 48, 48\\)"):
        build_decoder(4, (1, 48, 48))
    with pytest.raises(
        ValueError, match="resnet_encoder needs an image shape \\(C, 32, 32\\) or \\(C, 64, 64\\)"
    ):
        resnet_encoder((1, 28, 28), 4)
    with pytest.raises(ValueError, match="conv28_decoder needs an image shape \\(C, 28, 28\\)"):
        conv28_decoder(4, (3, 32, 32))
    with pytest.raises(ValueError, match="vector data of shape \\(D,\\)"):
        vector_mlp_encoder((1, 28, 28), 4)
    with pytest.raises(ValueError, match="widths must be three"):
        resnet_encoder((3, 32, 32), 4, widths=(32, 64))
    with pytest.raises(ValueError, match="out_dim must be >= 1"):
        mlp_encoder((784,), 0)
    with pytest.raises(TypeError, match="x_shape must be a non-empty tuple"):
        build_encoder("28x28", 4)
    with pytest.raises(TypeError, match="arch must be a string"):
        build_encoder((20,), 4, arch=None)
    enc = build_encoder((1, 28, 28), 4)
    with pytest.raises(ValueError, match="expects inputs of shape \\(N, 1, 28, 28\\).*\\(B\\*J, ...\\)"):
        enc(torch.rand(2, 2, 1, 28, 28))
    dec = build_decoder(4, (1, 28, 28))
    with pytest.raises(ValueError, match="expects latents of shape \\(N, 4\\)"):
        dec(torch.rand(2, 5))


def test_linear_architecture_is_affine():
    from simvae_core.learning.nets import build_decoder, build_encoder

    enc, dec = build_encoder((20,), 12, arch="linear"), build_decoder(6, (20,), arch="linear")
    x, z = torch.randn(5, 20), torch.randn(5, 6)
    assert enc(x).shape == (5, 12) and dec(z).shape == (5, 20)
    # affine: f(a + b) - f(0) = (f(a) - f(0)) + (f(b) - f(0))
    zero = torch.zeros(1, 20)
    assert torch.allclose(
        enc(x[:1] + x[1:2]) - enc(zero), enc(x[:1]) - enc(zero) + enc(x[1:2]) - enc(zero), atol=1e-5
    )
