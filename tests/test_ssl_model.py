"""Closed forms and sampler of theory.ssl_model, each checked against an independent computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.integrate
import scipy.linalg
import scipy.stats
import torch

from simvae_core.theory import ssl_model
from simvae_core.theory.generators import InjectiveMLP, ShapeRenderer
from simvae_core.theory.ssl_model import (
    GroupSample,
    Posterior,
    SSLModel,
    content_mutual_information,
    content_style_variances,
    expected_log_p_z,
    instance_discrimination_softmax,
    log_p_z,
    posterior_over_groups,
    posterior_y,
    view_mutual_information,
)

from .conftest import gen

F64 = torch.float64


def per_coord(value, d: int) -> np.ndarray:
    """Scalar or (d,) variance as a numpy vector of length d."""
    if isinstance(value, torch.Tensor):
        return value.detach().double().numpy() * np.ones(d)
    return float(value) * np.ones(d)


def brute_force_group_covariance(sigma2, prior_var, J: int, d: int) -> np.ndarray:
    """Cov of z flattened view-major (index j*d + k), built entry by entry."""
    s2, pv = per_coord(sigma2, d), per_coord(prior_var, d)
    cov = np.zeros((J * d, J * d))
    for j in range(J):
        for m in range(J):
            for k in range(d):
                cov[j * d + k, m * d + k] = pv[k] + (s2[k] if j == m else 0.0)
    return cov


VARIANCE_CASES = [
    (0.7, 1.3),
    (torch.tensor([0.2, 1.0, 3.0], dtype=F64), 2.0),
    (0.5, torch.tensor([0.0, 0.4, 5.0], dtype=F64)),
    (torch.tensor([0.3, 0.9, 1.7], dtype=F64), torch.tensor([2.0, 0.1, 1.0], dtype=F64)),
]


# ---------------------------------------------------------------------------------------------------
# log_p_z
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sigma2, prior_var", VARIANCE_CASES)
@pytest.mark.parametrize("J", [1, 2, 4])
def test_log_p_z_matches_multivariate_normal(sigma2, prior_var, J):
    d, B = 3, 5
    z = torch.randn(B, J, d, generator=gen(1), dtype=F64) * 1.5
    cov = torch.from_numpy(brute_force_group_covariance(sigma2, prior_var, J, d))
    mvn = torch.distributions.MultivariateNormal(torch.zeros(J * d, dtype=F64), covariance_matrix=cov)
    expected = mvn.log_prob(z.reshape(B, J * d))  # view-major flattening
    torch.testing.assert_close(log_p_z(z, sigma2, prior_var), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("J", [2, 3])
def test_flat_prior_log_p_z_matches_numerical_integration_over_y(J):
    sigma2 = 0.6
    z = torch.tensor([[0.3, -1.1, 2.0][:J]], dtype=F64).reshape(1, J, 1)
    zs = z.flatten().numpy()
    sd = math.sqrt(sigma2)

    def integrand(y: float) -> float:
        return float(np.prod(scipy.stats.norm.pdf(zs, loc=y, scale=sd)))

    value, _ = scipy.integrate.quad(integrand, -30, 30, points=list(zs), epsabs=1e-14, epsrel=1e-12)
    assert log_p_z(z, sigma2, None).item() == pytest.approx(math.log(value), abs=1e-8)


def test_flat_prior_is_the_large_prior_variance_limit():
    d, J = 3, 3
    sigma2 = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    z = torch.randn(4, J, d, generator=gen(2), dtype=F64)
    flat = log_p_z(z, sigma2, None)
    errors = []
    for s2 in (1e2, 1e4, 1e6):
        prior = torch.full((d,), s2, dtype=F64)
        rescaled = log_p_z(z, sigma2, prior) + 0.5 * torch.log(2 * math.pi * prior).sum()
        errors.append((rescaled - flat).abs().max().item())
    assert errors[0] > errors[1] > errors[2]
    assert errors[-1] < 1e-5


def test_flat_prior_single_view_is_zero():
    z = torch.randn(3, 1, 4, generator=gen(0), dtype=F64)
    torch.testing.assert_close(log_p_z(z, 0.3, None), torch.zeros(3, dtype=F64))


# ---------------------------------------------------------------------------------------------------
# expected_log_p_z
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sigma2, prior_var",
    [(0.5, 1.5), (torch.tensor([0.3, 1.2], dtype=F64), torch.tensor([2.0, 0.0], dtype=F64)), (0.8, None)],
)
def test_expected_log_p_z_matches_monte_carlo(sigma2, prior_var):
    B, J, d, n = 3, 3, 2, 200_000
    g = gen(3)
    mu = torch.randn(B, J, d, generator=g, dtype=F64)
    var = torch.rand(B, J, d, generator=g, dtype=F64) * 0.8 + 0.05
    exact = expected_log_p_z(mu, var, sigma2, prior_var)
    eps = torch.randn(n, B, J, d, generator=g, dtype=F64)
    samples = mu + var.sqrt() * eps  # (n, B, J, d)
    values = log_p_z(samples.reshape(n * B, J, d), sigma2, prior_var).reshape(n, B)
    estimate = values.mean(0)
    std_err = values.std(0) / math.sqrt(n)
    assert ((estimate - exact).abs() < 5 * std_err).all(), (estimate, exact, std_err)


@pytest.mark.parametrize("prior_var", [1.7, None])
def test_expected_log_p_z_at_zero_variance_is_log_p_z(prior_var):
    mu = torch.randn(4, 3, 5, generator=gen(4), dtype=F64)
    sigma2 = torch.linspace(0.2, 2.0, 5, dtype=F64)
    torch.testing.assert_close(
        expected_log_p_z(mu, torch.zeros_like(mu), sigma2, prior_var), log_p_z(mu, sigma2, prior_var)
    )


# ---------------------------------------------------------------------------------------------------
# posterior_y
# ---------------------------------------------------------------------------------------------------


def brute_force_posterior(z: np.ndarray, sigma2: np.ndarray, prior_var: np.ndarray):
    """Condition the joint Gaussian of (y_k, z_1k..z_Jk) on z, coordinate by coordinate."""
    B, J, d = z.shape
    mean, var = np.zeros((B, d)), np.zeros(d)
    for k in range(d):
        s2, pv = sigma2[k], prior_var[k]
        cov_zz = pv * np.ones((J, J)) + s2 * np.eye(J)
        cov_yz = pv * np.ones(J)
        gain = scipy.linalg.solve(cov_zz, cov_yz, assume_a="pos")  # Σ_zz⁻¹ Σ_zy
        mean[:, k] = z[:, :, k] @ gain
        var[k] = pv - cov_yz @ gain
    return mean, var


@pytest.mark.parametrize("sigma2, prior_var", VARIANCE_CASES)
@pytest.mark.parametrize("J", [1, 2, 5])
def test_posterior_y_matches_gaussian_conditioning(sigma2, prior_var, J):
    d = 3
    z = torch.randn(6, J, d, generator=gen(5), dtype=F64)
    post = posterior_y(z, sigma2, prior_var)
    assert isinstance(post, Posterior)
    assert post.mean.shape == (6, d) and post.var.shape == (d,)
    mean, var = brute_force_posterior(z.numpy(), per_coord(sigma2, d), per_coord(prior_var, d))
    np.testing.assert_allclose(post.mean.numpy(), mean, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(post.var.numpy(), var, rtol=1e-10, atol=1e-12)


def test_flat_prior_posterior_is_large_prior_limit():
    d, J = 2, 3
    sigma2 = torch.tensor([0.4, 1.1], dtype=F64)
    z = torch.randn(5, J, d, generator=gen(6), dtype=F64)
    post = posterior_y(z, sigma2, None)
    mean, var = brute_force_posterior(z.numpy(), sigma2.numpy(), np.full(d, 1e6))
    np.testing.assert_allclose(post.mean.numpy(), mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(post.var.numpy(), var, rtol=1e-5)
    torch.testing.assert_close(post.mean, z.mean(1))
    torch.testing.assert_close(post.var, sigma2 / J)


# ---------------------------------------------------------------------------------------------------
# mutual information
# ---------------------------------------------------------------------------------------------------


def gaussian_mi(cov: np.ndarray, n_first: int) -> float:
    """½ log(det Σ11 det Σ22 / det Σ) for a Gaussian split after the first n_first coordinates."""
    logdet = lambda m: np.linalg.slogdet(m)[1]  # noqa: E731
    return 0.5 * (logdet(cov[:n_first, :n_first]) + logdet(cov[n_first:, n_first:]) - logdet(cov))


@pytest.mark.parametrize("sigma2, prior_var", VARIANCE_CASES)
def test_view_mutual_information_matches_joint_covariance(sigma2, prior_var):
    d = 3
    cov = brute_force_group_covariance(sigma2, prior_var, 2, d)
    assert view_mutual_information(d, sigma2, prior_var) == pytest.approx(gaussian_mi(cov, d), abs=1e-10)


@pytest.mark.parametrize("sigma2, prior_var", VARIANCE_CASES)
def test_content_mutual_information_matches_joint_covariance(sigma2, prior_var):
    d = 3
    s2, pv = per_coord(sigma2, d), per_coord(prior_var, d)
    pv_safe = np.where(pv == 0, 1.0, pv)  # a zero-variance y_k contributes 0 nats; drop it from det
    keep = pv > 0
    # joint of (y, z_1): Cov(y) = s², Cov(y, z_1) = s², Cov(z_1) = s² + σ²
    cov = np.block([[np.diag(pv_safe), np.diag(pv)], [np.diag(pv), np.diag(pv + s2)]])
    idx = np.concatenate([np.flatnonzero(keep), d + np.arange(d)])
    expected = gaussian_mi(cov[np.ix_(idx, idx)], int(keep.sum()))
    assert content_mutual_information(d, sigma2, prior_var) == pytest.approx(expected, abs=1e-10)


def test_mutual_information_known_values():
    # ρ = 1/2 per coordinate: −½ log(3/4) each; I(y; z) = ½ log 2 each
    assert view_mutual_information(4, 1.0, 1.0) == pytest.approx(-2 * math.log(0.75))
    assert content_mutual_information(4, 1.0, 1.0) == pytest.approx(2 * math.log(2))
    assert view_mutual_information(2, 1.0, 0.0) == 0.0


# ---------------------------------------------------------------------------------------------------
# finite set of groups: Bayes posterior vs InfoNCE softmax
# ---------------------------------------------------------------------------------------------------


def test_posterior_over_groups_matches_explicit_bayes():
    N, K, d, sigma2 = 7, 5, 3, 0.8
    g = gen(7)
    centers = torch.randn(K, d, generator=g, dtype=F64)
    z = torch.randn(N, d, generator=g, dtype=F64)
    probs = posterior_over_groups(z, centers, sigma2)
    dens = np.stack(
        [scipy.stats.multivariate_normal(c, sigma2 * np.eye(d)).pdf(z.numpy()) for c in centers.numpy()],
        axis=1,
    )  # (N, K)
    np.testing.assert_allclose(probs.numpy(), dens / dens.sum(1, keepdims=True), rtol=1e-10, atol=1e-14)


def test_posterior_over_groups_is_stable_far_away():
    centers = torch.tensor([[0.0, 0.0], [1.0, 0.0]], dtype=torch.float32)
    z = torch.tensor([[1e4, 0.0], [-1e4, 3.0]], dtype=torch.float32)
    probs = posterior_over_groups(z, centers, 1e-3)
    assert torch.isfinite(probs).all()
    torch.testing.assert_close(probs, torch.tensor([[0.0, 1.0], [1.0, 0.0]]))


def test_instance_discrimination_equals_bayes_posterior_on_the_sphere():
    g = gen(8)
    z = torch.nn.functional.normalize(torch.randn(6, 4, generator=g, dtype=F64), dim=1)
    centers = torch.nn.functional.normalize(torch.randn(9, 4, generator=g, dtype=F64), dim=1)
    for tau in (0.05, 0.5, 2.0):
        torch.testing.assert_close(
            instance_discrimination_softmax(z, centers, tau), posterior_over_groups(z, centers, tau)
        )
    probs = instance_discrimination_softmax(z, centers, 0.1)
    torch.testing.assert_close(probs.sum(1), torch.ones(6, dtype=F64))


# ---------------------------------------------------------------------------------------------------
# gradients, invariances, dtype and device
# ---------------------------------------------------------------------------------------------------


def test_gradcheck_closed_forms():
    g = gen(9)
    z = torch.randn(2, 3, 2, generator=g, dtype=F64, requires_grad=True)
    mu = torch.randn(2, 3, 2, generator=g, dtype=F64, requires_grad=True)
    var = (torch.rand(2, 3, 2, generator=g, dtype=F64) + 0.1).requires_grad_()
    s2 = torch.tensor([0.5, 1.5], dtype=F64, requires_grad=True)
    pv = torch.tensor([1.2, 0.3], dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, b, c: log_p_z(a, b, c), (z, s2, pv))
    assert torch.autograd.gradcheck(lambda a, b: log_p_z(a, b, None), (z, s2))
    assert torch.autograd.gradcheck(lambda a, b, c, e: expected_log_p_z(a, b, c, e), (mu, var, s2, pv))
    assert torch.autograd.gradcheck(lambda a, b, c: expected_log_p_z(a, b, c, None), (mu, var, s2))
    assert torch.autograd.gradcheck(lambda a, b, c: posterior_y(a, b, c).mean, (z, s2, pv))
    assert torch.autograd.gradcheck(lambda a, b: posterior_y(a, b, None).mean, (z, s2))
    centers = torch.randn(4, 2, generator=g, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a, c: posterior_over_groups(a[:, 0], c, 0.7), (z, centers))


@pytest.mark.parametrize("prior_var", [0.9, None])
def test_view_and_group_permutations(prior_var):
    g = gen(10)
    mu = torch.randn(5, 4, 3, generator=g, dtype=F64)
    var = torch.rand(5, 4, 3, generator=g, dtype=F64)
    views, groups = torch.randperm(4, generator=g), torch.randperm(5, generator=g)
    lp, elp = log_p_z(mu, 0.4, prior_var), expected_log_p_z(mu, var, 0.4, prior_var)
    torch.testing.assert_close(log_p_z(mu[:, views], 0.4, prior_var), lp)
    torch.testing.assert_close(expected_log_p_z(mu[:, views], var[:, views], 0.4, prior_var), elp)
    torch.testing.assert_close(log_p_z(mu[groups], 0.4, prior_var), lp[groups])
    torch.testing.assert_close(expected_log_p_z(mu[groups], var[groups], 0.4, prior_var), elp[groups])
    torch.testing.assert_close(
        posterior_y(mu[:, views], 0.4, prior_var).mean, posterior_y(mu, 0.4, prior_var).mean
    )


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_closed_forms_preserve_dtype_and_device(dtype):
    z = torch.randn(3, 2, 4, dtype=dtype)
    sigma2 = torch.full((4,), 0.5, dtype=F64)  # other dtype on purpose: converted to z's
    outs = [
        log_p_z(z, sigma2, 1.0),
        log_p_z(z, 0.5),
        expected_log_p_z(z, z.abs(), 0.5, 2.0),
        *posterior_y(z, sigma2, 2.0),
        posterior_over_groups(z[:, 0], z[:, 1], 0.3),
        instance_discrimination_softmax(z[:, 0], z[:, 1], 0.3),
    ]
    for out in outs:
        assert out.dtype == dtype and out.device == z.device


# ---------------------------------------------------------------------------------------------------
# content/style variances and the sampler
# ---------------------------------------------------------------------------------------------------


def test_content_style_variances_layout():
    prior_var, sigma2 = content_style_variances(2, 3, content_var=2.0, style_var=0.5, shared_style_var=0.1)
    assert prior_var.tolist() == pytest.approx([2.0, 2.0, 0.1, 0.1, 0.1])
    assert sigma2.tolist() == pytest.approx([0.0, 0.0, 0.5, 0.5, 0.5])
    assert content_style_variances(1, 1, dtype=F64)[0].dtype == F64


def test_sampler_covariance_with_pure_content_and_pure_style_coordinates():
    prior_var = torch.tensor([1.0, 0.5, 0.0, 2.0])
    sigma2 = torch.tensor([0.0, 0.3, 1.0, 0.5])
    model = SSLModel(4, sigma2, prior_var)
    B, J = 20_000, 3
    sample = model.sample(B, J, gen(11))
    assert isinstance(sample, GroupSample)
    z = sample.z.double()
    flat = z.reshape(B, J * 4)  # view-major, matches latent_covariance
    empirical = torch.cov(flat.T)
    torch.testing.assert_close(empirical, model.latent_covariance(J).double(), atol=0.08, rtol=0)
    # σ²_0 = 0: pure content, identical across the group and equal to y
    assert torch.equal(sample.z[:, 0, 0], sample.z[:, 2, 0])
    assert torch.equal(sample.z[:, 1, 0], sample.y[:, 0])
    # s²_2 = 0: pure style, y_2 = 0 and views are uncorrelated
    assert torch.equal(sample.y[:, 2], torch.zeros(B))
    corr = torch.corrcoef(z[:, :, 2].T)
    assert (corr - torch.eye(J, dtype=F64)).abs().max() < 0.05
    # identity decoder: x is z
    assert torch.equal(sample.x, sample.z)


def test_content_style_model_samples():
    prior_var, sigma2 = content_style_variances(3, 2)
    sample = SSLModel(5, sigma2, prior_var).sample(50, 4, seed=0)
    assert torch.equal(sample.z[:, :, :3], sample.z[:, :1, :3].expand(50, 4, 3))
    assert not torch.equal(sample.z[:, 0, 3:], sample.z[:, 1, 3:])


def test_sampler_seeds_and_dtypes():
    model = SSLModel(3, 0.4, 1.0, decoder="linear", obs_dim=6, noise_var=0.01, seed=0)
    a, b = model.sample(10, 2, gen(1)), model.sample(10, 2, seed=1)
    c = model.sample(10, 2, gen(2))
    for t1, t2 in zip(a, b, strict=True):
        assert torch.equal(t1, t2)
    assert not torch.equal(a.z, c.z)
    model64 = SSLModel(3, 0.4, 1.0, decoder="mlp", dtype=F64, seed=0)
    s = model64.sample(4, 3, seed=0)
    assert s.x.dtype == s.z.dtype == s.y.dtype == F64
    assert model64.log_p_z(s.z).dtype == F64


def test_noise_is_added_to_the_decoded_views():
    model = SSLModel(2, 0.5, 1.0, noise_var=0.25)
    s = model.sample(5000, 2, seed=3)
    resid = s.x - s.z
    assert resid.std().item() == pytest.approx(0.5, rel=0.05)


@pytest.mark.parametrize(
    "kwargs, obs_shape",
    [
        ({"latent_dim": 3}, (3,)),
        ({"latent_dim": 3, "decoder": "linear", "obs_dim": 7, "seed": 0}, (7,)),
        ({"latent_dim": 3, "decoder": "mlp", "seed": 0}, (3,)),
        ({"latent_dim": 3, "decoder": "mlp", "obs_dim": 5, "seed": 0}, (5,)),
        ({"latent_dim": 8, "decoder": "image"}, (1, 16, 16)),
        ({"latent_dim": 8, "decoder": ShapeRenderer(size=12)}, (1, 12, 12)),
        ({"latent_dim": 3, "decoder": lambda z: torch.stack([z, z.pow(3)], dim=1)}, (2, 3)),
    ],
)
def test_decoder_output_shapes(kwargs, obs_shape):
    model = SSLModel(sigma2=0.3, **kwargs)
    assert model.obs_shape == obs_shape
    s = model.sample(4, 2, seed=0)
    assert s.x.shape == (4, 2, *obs_shape)
    assert s.z.shape == (4, 2, kwargs["latent_dim"]) and s.y.shape == (4, kwargs["latent_dim"])
    assert model.decode(s.z[0, 0]).shape == obs_shape


def test_decoder_weights_come_from_the_generator():
    build = lambda seed: SSLModel(4, 0.3, decoder="mlp", obs_dim=6, seed=seed)  # noqa: E731
    x1 = build(5).sample(8, 2, seed=0).x
    x2 = SSLModel(4, 0.3, decoder="mlp", obs_dim=6, generator=gen(5)).sample(8, 2, seed=0).x
    x3 = build(6).sample(8, 2, seed=0).x
    assert torch.equal(x1, x2)
    assert not torch.allclose(x1, x3)
    assert isinstance(build(0).decoder, InjectiveMLP)
    assert list(build(0).parameters()) == []


def test_model_methods_delegate_to_the_closed_forms():
    sigma2, prior_var = torch.tensor([0.5, 1.0]), torch.tensor([2.0, 0.5])
    model = SSLModel(2, sigma2, prior_var)
    z = torch.randn(3, 2, 2)
    torch.testing.assert_close(model.log_p_z(z), log_p_z(z, sigma2, prior_var))
    torch.testing.assert_close(
        model.expected_log_p_z(z, z.abs()), expected_log_p_z(z, z.abs(), sigma2, prior_var)
    )
    torch.testing.assert_close(model.posterior_y(z).mean, posterior_y(z, sigma2, prior_var).mean)
    assert model.view_mutual_information() == pytest.approx(view_mutual_information(2, sigma2, prior_var))
    assert model.content_mutual_information() == pytest.approx(
        content_mutual_information(2, sigma2, prior_var)
    )


# ---------------------------------------------------------------------------------------------------
# error paths
# ---------------------------------------------------------------------------------------------------

Z = torch.zeros(2, 3, 4)


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: log_p_z(torch.zeros(3, 4), 1.0), ValueError, r"z must be 3-D .*\(B, J, d\)"),
        (lambda: log_p_z(Z.tolist(), 1.0), TypeError, "z must be a torch.Tensor"),
        (lambda: log_p_z(Z.long(), 1.0), TypeError, "floating-point dtype"),
        (lambda: log_p_z(Z + float("nan"), 1.0), ValueError, "z contains NaN or inf"),
        (lambda: log_p_z(Z, 0.0), ValueError, "sigma2 must be > 0"),
        (lambda: log_p_z(Z, torch.tensor([1.0, -1.0, 1.0, 1.0])), ValueError, "sigma2 must be > 0"),
        (lambda: log_p_z(Z, torch.ones(3)), ValueError, "length d=4"),
        (lambda: log_p_z(Z, 1.0, -0.5), ValueError, "prior_var must be >= 0"),
        (lambda: log_p_z(Z, 1.0, float("inf")), ValueError, "prior_var=None for the flat"),
        (lambda: log_p_z(Z, True), TypeError, "sigma2 must be a number"),
        (lambda: expected_log_p_z(Z, torch.zeros(2, 3, 5), 1.0), ValueError, "mu and var must have the same"),
        (lambda: expected_log_p_z(Z, Z - 1, 1.0), ValueError, "var must be >= 0"),
        (lambda: expected_log_p_z(Z, Z.double(), 1.0), TypeError, "mu and var must share a dtype"),
        (lambda: posterior_over_groups(Z[0], Z[1].double(), 1.0), TypeError, "must share a dtype"),
        (lambda: posterior_y(Z[0], 1.0), ValueError, "z must be 3-D"),
        (lambda: posterior_y(Z, float("nan")), ValueError, "sigma2 must be finite"),
        (lambda: view_mutual_information(3, torch.ones(2), 1.0), ValueError, "length d=3"),
        (lambda: view_mutual_information(3, 1.0, None), ValueError, "infinite mutual information"),
        (lambda: content_mutual_information(0, 1.0, 1.0), ValueError, "d must be >= 1"),
        (lambda: content_mutual_information(2, 0.0, 1.0), ValueError, "sigma2 must be > 0"),
        (lambda: posterior_over_groups(Z, Z[0], 1.0), ValueError, r"z must be 2-D"),
        (lambda: posterior_over_groups(Z[0], torch.zeros(3, 5), 1.0), ValueError, "share the latent dim"),
        (lambda: posterior_over_groups(Z[0], Z[1], 0.0), ValueError, "sigma2 must be a finite number > 0"),
        (lambda: instance_discrimination_softmax(Z[0], Z[1], -1.0), ValueError, "temperature must be"),
        (lambda: content_style_variances(-1, 2), ValueError, "n_content must be >= 0"),
        (lambda: content_style_variances(1, 1, style_var=-1.0), ValueError, "style_var must be a finite"),
    ],
)
def test_closed_form_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"decoder": "vae"}, ValueError, "valid names are 'identity', 'linear', 'mlp', 'image'"),
        ({"decoder": "mlp"}, ValueError, r"generator=torch.Generator\(\).manual_seed\(0\) or seed=0"),
        ({"decoder": "linear", "generator": 0}, TypeError, "generator must be a torch.Generator"),
        ({"decoder": "linear", "generator": gen(0), "seed": 0}, ValueError, "not both"),
        ({"decoder": "linear", "obs_dim": 2, "seed": 0}, ValueError, "out_dim >= 4"),
        ({"decoder": "identity", "obs_dim": 5}, ValueError, "obs_dim must be None or 4"),
        ({"decoder": "image"}, ValueError, "pass latent_dim=8"),
        ({"decoder": 3}, TypeError, "decoder must be one of"),
        ({"decoder": lambda z: z[:, :0].sum()}, ValueError, "decoder must return a tensor"),
        ({"sigma2": -0.1}, ValueError, "sigma2 must be >= 0"),
        ({"prior_var": torch.ones(3)}, ValueError, "length d=4"),
        ({"noise_var": -1.0}, ValueError, "noise_var must be"),
        ({"latent_dim": 0}, ValueError, "latent_dim must be >= 1"),
        ({"dtype": torch.int64}, TypeError, "dtype must be a floating"),
    ],
)
def test_model_construction_errors(kwargs, exc, match):
    args = {"latent_dim": 4, "sigma2": 0.5, **kwargs}
    with pytest.raises(exc, match=match):
        SSLModel(**args)


def test_sampling_errors():
    with pytest.raises(ValueError, match="flat prior"):
        SSLModel(2, 0.5, None).sample(3, 2, seed=0)
    model = SSLModel(2, 0.5)
    with pytest.raises(ValueError, match="seed=0"):
        model.sample(3, 2)
    with pytest.raises(ValueError, match="n_views must be >= 1"):
        model.sample(3, 0, seed=0)
    with pytest.raises(TypeError, match="n_groups must be an int"):
        model.sample(2.5, 2, seed=0)
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
        model.decode(torch.zeros(3, 5))
    with pytest.raises(ValueError, match="closed forms divide by it"):
        SSLModel(2, torch.tensor([0.0, 1.0])).log_p_z(torch.zeros(1, 2, 2))


def test_von_mises_fisher_mean_resultant_length_matches_bessel_ratio():
    """E[μᵀz] = A_m(κ) = I_{m/2}(κ) / I_{m/2−1}(κ) (Mardia & Jupp), a closed form independent of Wood's
    sampler; the tangent part has zero mean and the samples are unit-norm."""
    from scipy.special import ive

    g = torch.Generator().manual_seed(0)
    for m, kappa in [(3, 1.0), (5, 10.0), (10, 50.0)]:
        mean = ssl_model.sample_uniform_sphere(20_000, m, generator=g, dtype=torch.float64)
        z = ssl_model.sample_von_mises_fisher(mean, kappa, generator=g)
        torch.testing.assert_close(z.norm(dim=1), torch.ones(20_000, dtype=torch.float64))
        w = (z * mean).sum(1)
        expected = ive(m / 2, kappa) / ive(m / 2 - 1, kappa)
        assert abs(w.mean().item() - expected) < 5 * w.std().item() / 20_000**0.5 + 1e-4
    single = torch.nn.functional.normalize(torch.ones(1, 4, dtype=torch.float64), dim=1).expand(50_000, 4)
    z = ssl_model.sample_von_mises_fisher(single.contiguous(), 5.0, generator=g)
    tangent = z - (z @ single[0])[:, None] * single
    assert tangent.mean(0).abs().max() < 0.01


def test_von_mises_fisher_rejects_non_unit_means_and_bad_kappa():
    with pytest.raises(ValueError, match="unit-norm"):
        ssl_model.sample_von_mises_fisher(torch.ones(3, 4), 1.0)
    with pytest.raises((ValueError, TypeError), match="kappa"):
        ssl_model.sample_von_mises_fisher(torch.eye(4), -1.0)


def test_posterior_over_noisy_keys_matches_closed_form_and_monte_carlo():
    """d = 3: C_3(a) = a / (4π sinh a), so p(i) ∝ sinh(a_i) / a_i; d = 5: the integral over the unknown
    centre by Monte Carlo (uniform y on S⁴)."""
    g = torch.Generator().manual_seed(0)
    for d in (3, 5):
        q = ssl_model.sample_uniform_sphere(4, d, g, torch.float64)
        keys = ssl_model.sample_uniform_sphere(4 * 6, d, g, torch.float64).reshape(4, 6, d)
        kappa = 4.0
        p = ssl_model.posterior_over_noisy_keys(q, keys, kappa)
        if d == 3:
            a = kappa * (q.unsqueeze(1) + keys).norm(dim=-1)
            ref = torch.softmax(torch.log(torch.sinh(a) / a), dim=1)
            assert torch.allclose(p, ref, atol=1e-12)
        else:
            y = ssl_model.sample_uniform_sphere(400_000, d, g, torch.float64)  # (M, d)
            joint = torch.exp(kappa * (q @ y.T)).unsqueeze(1) * torch.exp(kappa * (keys @ y.T))  # (4, 6, M)
            ref = joint.mean(-1)
            ref = ref / ref.sum(1, keepdim=True)
            assert torch.allclose(p, ref, atol=5e-3)
    with pytest.raises(ValueError, match="query"):
        ssl_model.posterior_over_noisy_keys(q[0], keys, 1.0)
