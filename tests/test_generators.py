"""The fixed random decoders: injectivity, conditioning, determinism and the shape renderer."""

from __future__ import annotations

import pytest
import torch

from simvae_core.theory.generators import (
    DECODER_NAMES,
    IdentityDecoder,
    InjectiveMLP,
    LinearDecoder,
    ShapeRenderer,
    condition_number,
    make_decoder,
    unit_column_uniform,
)

from .conftest import gen

F64 = torch.float64


def test_identity_decoder_is_identity():
    z = torch.randn(5, 3)
    dec = IdentityDecoder()
    assert dec(z) is z and dec.inverse(z) is z


@pytest.mark.parametrize("in_dim, out_dim", [(3, 3), (3, 10), (1, 4)])
def test_linear_decoder_has_orthonormal_columns(in_dim, out_dim):
    dec = LinearDecoder(in_dim, out_dim, gen(1), dtype=F64)
    w = dec.weight
    assert w.shape == (out_dim, in_dim)
    torch.testing.assert_close(w.mT @ w, torch.eye(in_dim, dtype=F64), atol=1e-12, rtol=0)
    z = torch.randn(7, in_dim, dtype=F64)
    torch.testing.assert_close(dec.inverse(dec(z)), z)
    # an isometry: distances are preserved
    torch.testing.assert_close(torch.cdist(dec(z), dec(z)), torch.cdist(z, z))
    assert list(dec.parameters()) == [] and "weight" in dict(dec.named_buffers())


def test_linear_decoder_is_reproducible_and_seed_dependent():
    a, b, c = LinearDecoder(4, 6, gen(3)), LinearDecoder(4, 6, seed=3), LinearDecoder(4, 6, gen(4))
    assert torch.equal(a.weight, b.weight) and not torch.equal(a.weight, c.weight)


@pytest.mark.parametrize("in_dim, out_dim, n_layers", [(4, None, 3), (3, 7, 2), (5, 5, 1), (1, None, 2)])
def test_injective_mlp_inverts(in_dim, out_dim, n_layers):
    dec = InjectiveMLP(in_dim, out_dim, n_layers=n_layers, generator=gen(2), pool_size=500, dtype=F64)
    z = torch.randn(200, in_dim, generator=gen(5), dtype=F64) * 2
    x = dec(z)
    assert x.shape == (200, out_dim or in_dim)
    torch.testing.assert_close(dec.inverse(x), z, atol=1e-5, rtol=0)
    # leading batch dimensions pass through
    assert dec(z.reshape(10, 20, in_dim)).shape == (10, 20, out_dim or in_dim)


def test_injective_mlp_layers_are_well_conditioned():
    dec = InjectiveMLP(6, n_layers=4, generator=gen(0), pool_size=1000, cond_quantile=0.25, dtype=F64)
    assert dec.cond_threshold > 1.0
    assert len(dec.weights) == 4
    for w in dec.weights:
        assert w.shape == (6, 6)
        col_norms = torch.linalg.vector_norm(w.double(), dim=0)
        torch.testing.assert_close(col_norms, torch.ones(6, dtype=F64), atol=1e-6, rtol=0)
        assert w.abs().max() <= 1.0
        assert torch.linalg.cond(w.double()).item() <= dec.cond_threshold * (1 + 1e-6)
    assert list(dec.parameters()) == []
    assert len(list(dec.buffers())) == 4


def test_condition_number_matches_torch_linalg_cond():
    w = unit_column_uniform((50, 7, 7), gen(2))
    torch.testing.assert_close(condition_number(w), torch.linalg.cond(w), rtol=1e-8, atol=0)
    singular = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    assert condition_number(singular).item() == float("inf")


def test_injective_mlp_threshold_is_the_pool_quantile():
    # a stricter quantile gives a lower threshold from the same pool
    loose = InjectiveMLP(5, n_layers=1, generator=gen(9), pool_size=800, cond_quantile=0.9)
    strict = InjectiveMLP(5, n_layers=1, generator=gen(9), pool_size=800, cond_quantile=0.1)
    assert strict.cond_threshold < loose.cond_threshold


def test_injective_mlp_has_no_nonlinearity_after_the_last_layer():
    z = torch.randn(50, 4, generator=gen(1), dtype=F64)
    one_layer = InjectiveMLP(4, n_layers=1, generator=gen(0), pool_size=200, dtype=F64)
    torch.testing.assert_close(one_layer(-z), -one_layer(z))  # purely linear
    two_layers = InjectiveMLP(4, n_layers=2, generator=gen(0), pool_size=200, dtype=F64)
    assert not torch.allclose(two_layers(-z), -two_layers(z))


def test_injective_mlp_is_reproducible():
    a = InjectiveMLP(4, 6, generator=gen(7), pool_size=300)
    b = InjectiveMLP(4, 6, seed=7, pool_size=300)
    c = InjectiveMLP(4, 6, generator=gen(8), pool_size=300)
    z = torch.randn(10, 4)
    assert torch.equal(a(z), b(z)) and not torch.allclose(a(z), c(z))


# ---------------------------------------------------------------------------------------------------
# ShapeRenderer
# ---------------------------------------------------------------------------------------------------


def test_shape_renderer_shape_range_and_determinism():
    z = torch.randn(64, 8, generator=gen(0)) * 3
    img = ShapeRenderer()(z)
    assert img.shape == (64, 1, 16, 16)
    assert img.min() >= 0 and img.max() <= 1
    assert torch.equal(img, ShapeRenderer()(z))
    assert ShapeRenderer.latent_names[:4] == ("shape_a2", "shape_b2", "shape_a3", "shape_b3")
    assert len(ShapeRenderer.latent_names) == 8
    assert list(ShapeRenderer().parameters()) == [] and list(ShapeRenderer().buffers()) == []


def test_shape_renderer_batched_equals_per_item():
    r = ShapeRenderer(size=20)
    z = torch.randn(5, 8, generator=gen(1), dtype=F64)
    batched = r(z)
    for i in range(5):
        torch.testing.assert_close(batched[i], r(z[i : i + 1])[0])
    assert r(z.reshape(5, 1, 8)).shape == (5, 1, 1, 20, 20)


def test_shape_renderer_style_moves_the_blob_and_content_changes_its_outline():
    r = ShapeRenderer(size=32)
    z = torch.zeros(1, 8, dtype=F64)
    base = r(z)
    shifted = z.clone()
    shifted[0, 4] = 1.5  # x position
    moved = r(shifted)
    assert (moved - base).abs().max() > 0.3
    assert moved.sum().item() == pytest.approx(base.sum().item(), rel=0.02)  # same outline, moved
    # horizontal centre of mass moves right
    cols = torch.arange(32, dtype=F64)
    com = lambda img: (img[0, 0].sum(0) * cols).sum() / img.sum()  # noqa: E731
    assert com(moved) > com(base) + 1.0
    brighter = z.clone()
    brighter[0, 7] = 2.0
    assert r(brighter).sum() > base.sum()
    content = z.clone()
    content[0, 0] = 1.5  # a2: elongates the outline
    reshaped = r(content)
    assert (reshaped - base).abs().max() > 0.3
    # a2 > 0 stretches along x and squeezes along y: the blob becomes wider than it is tall
    width = (reshaped[0, 0] > 0.25).any(0).sum()
    height = (reshaped[0, 0] > 0.25).any(1).sum()
    assert width > height


def test_shape_renderer_is_injective_on_the_factors():
    r = ShapeRenderer()
    z = torch.randn(4, 8, generator=gen(3), dtype=F64)
    f = r.factors(z)
    assert set(f) == {"a2", "b2", "a3", "b3", "cx", "cy", "scale", "intensity"}
    assert ((f["intensity"] >= 0.3) & (f["intensity"] <= 1)).all()
    # each factor is a strictly monotone squashing of its own latent: distinct latents render distinctly
    imgs = r(z)
    assert torch.cdist(imgs.flatten(1), imgs.flatten(1)).fill_diagonal_(1).min() > 1e-3


def test_shape_renderer_gradients_are_finite_even_at_the_centre():
    z = torch.zeros(2, 8, dtype=F64, requires_grad=True)
    ShapeRenderer(size=15)(z).sum().backward()  # odd size: a pixel sits exactly on the centre
    assert torch.isfinite(z.grad).all() and z.grad.abs().sum() > 0
    z = torch.randn(2, 8, generator=gen(4), dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(ShapeRenderer(size=6), (z,))


# ---------------------------------------------------------------------------------------------------
# factory and errors
# ---------------------------------------------------------------------------------------------------


def test_make_decoder_builds_each_name():
    assert DECODER_NAMES == ("identity", "linear", "mlp", "image")
    assert isinstance(make_decoder("identity", 3), IdentityDecoder)
    assert isinstance(make_decoder("linear", 3, 5, gen(0)), LinearDecoder)
    assert isinstance(make_decoder("mlp", 3, None, gen(0)), InjectiveMLP)
    assert isinstance(make_decoder("image", 8), ShapeRenderer)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: make_decoder("conv", 3), ValueError, "valid names are 'identity', 'linear', 'mlp', 'image'"),
        (lambda: make_decoder("mlp", 3), ValueError, "needs a caller-seeded source"),
        (lambda: make_decoder("image", 6), ValueError, "pass latent_dim=8"),
        (lambda: make_decoder("image", 8, 10), ValueError, "ShapeRenderer"),
        (lambda: LinearDecoder(4, 2, gen(0)), ValueError, "out_dim >= in_dim"),
        (lambda: LinearDecoder(4, 5), ValueError, "seed=0"),
        (lambda: InjectiveMLP(4, 3, generator=gen(0)), ValueError, "out_dim >= 4"),
        (lambda: InjectiveMLP(4, negative_slope=0.0, generator=gen(0)), ValueError, "negative_slope"),
        (lambda: InjectiveMLP(4, cond_quantile=1.5, generator=gen(0)), ValueError, "cond_quantile"),
        (lambda: InjectiveMLP(4, n_layers=0, generator=gen(0)), ValueError, "n_layers must be >= 1"),
        (lambda: LinearDecoder(3, 3, gen(0))(torch.zeros(2, 4)), ValueError, r"shape \(\.\.\., 3\)"),
        (lambda: ShapeRenderer()(torch.zeros(2, 7)), ValueError, r"shape \(\.\.\., 8\)"),
        (lambda: ShapeRenderer()(torch.zeros(2, 8, dtype=torch.long)), TypeError, "floating-point"),
        (lambda: ShapeRenderer(softness=0), ValueError, "softness"),
    ],
)
def test_decoder_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
