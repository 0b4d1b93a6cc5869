"""The training objectives, each checked against an independent computation.

Independent references: ``torch.distributions`` (likelihoods, entropies, KL divergences), Monte Carlo over
the posterior, a linear-Gaussian model whose evidence is known exactly, and brute-force loops written from
a description of the authors' public code.
"""

from __future__ import annotations

import functools
import math

import pytest
import torch
from torch.distributions import Bernoulli, MultivariateNormal, Normal, kl_divergence

from simvae_core.objectives.elbo import (
    LOSSES,
    REFERENCE_DECODER_LOGVAR,
    LossOutput,
    beta_vae,
    cr_vae,
    gaussian_entropy,
    gaussian_kl,
    log_likelihood,
    reparameterize,
    simvae_elbo,
    vae_elbo,
)
from simvae_core.theory import ssl_model

from .conftest import gen

F64 = torch.float64


def make_batch(B=5, J=2, d=3, x_shape=(1, 4, 4), seed=0, binary=False):
    """Random groups: x in [0, 1], logits, posterior parameters and one sample z (float64)."""
    g = gen(seed)
    x = torch.rand(B, J, *x_shape, generator=g, dtype=F64)
    if binary:
        x = (x > 0.5).to(F64)
    x_params = torch.randn(B, J, *x_shape, generator=g, dtype=F64)
    mu = torch.randn(B, J, d, generator=g, dtype=F64)
    logvar = 0.5 * torch.randn(B, J, d, generator=g, dtype=F64) - 1
    z = reparameterize(mu, logvar, gen(seed + 100))
    return x, x_params, mu, logvar, z


def normal(mu, logvar):
    return Normal(mu, torch.exp(0.5 * logvar))


# ---------------------------------------------------------------------------------------------------------
# building blocks


def test_reparameterize_moments_gradient_and_reproducibility():
    mu = torch.tensor([0.5, -2.0, 3.0], dtype=F64)
    logvar = torch.tensor([0.0, -2.0, 1.0], dtype=F64)
    z = reparameterize(mu.expand(200_000, 3), logvar.expand(200_000, 3), gen(1))
    se = torch.exp(0.5 * logvar) / math.sqrt(200_000)
    assert ((z.mean(0) - mu).abs() < 5 * se).all()
    torch.testing.assert_close(z.var(0), logvar.exp(), rtol=0.02, atol=0)
    torch.testing.assert_close(reparameterize(mu, logvar, gen(3)), reparameterize(mu, logvar, gen(3)))
    mu_ = mu.clone().requires_grad_()
    lv_ = logvar.clone().requires_grad_()
    z = reparameterize(mu_, lv_, gen(4))
    z.sum().backward()
    torch.testing.assert_close(mu_.grad, torch.ones(3, dtype=F64))
    eps = (z.detach() - mu) * torch.exp(-0.5 * logvar)
    torch.testing.assert_close(lv_.grad, 0.5 * torch.exp(0.5 * logvar) * eps)


def test_gaussian_entropy_matches_torch_distributions():
    logvar = torch.randn(4, 3, 6, generator=gen(), dtype=F64)
    expected = normal(torch.zeros_like(logvar), logvar).entropy().sum(-1)
    torch.testing.assert_close(gaussian_entropy(logvar), expected)


def test_gaussian_kl_matches_torch_distributions():
    g = gen(2)
    a, b, c, e = (torch.randn(5, 4, generator=g, dtype=F64) for _ in range(4))
    torch.testing.assert_close(gaussian_kl(a, b, c, e), kl_divergence(normal(a, b), normal(c, e)).sum(-1))


def test_bernoulli_log_likelihood_matches_torch_distributions():
    x, logits, *_ = make_batch(binary=True)
    expected = Bernoulli(logits=logits).log_prob(x).sum(dim=(2, 3, 4))
    out = log_likelihood(x, logits, "bernoulli")
    assert out.shape == (5, 2)
    torch.testing.assert_close(out, expected)
    # grey levels are soft targets: x log σ(ℓ) + (1 − x) log(1 − σ(ℓ))
    x_soft = torch.rand_like(logits)
    p = torch.sigmoid(logits)
    soft = (x_soft * p.log() + (1 - x_soft) * (1 - p).log()).sum(dim=(2, 3, 4))
    torch.testing.assert_close(log_likelihood(x_soft, logits, "bernoulli"), soft)
    # stable for extreme logits, where sigmoid followed by log would give -inf
    big = torch.full_like(logits, 200.0)
    assert torch.isfinite(log_likelihood(torch.zeros_like(x), big, "bernoulli")).all()
    torch.testing.assert_close(
        log_likelihood(torch.zeros_like(x)[:1, :1], big[:1, :1], "bernoulli"),
        torch.full((1, 1), -200.0 * 16, dtype=F64),
    )


@pytest.mark.parametrize(
    "decoder_logvar",
    [None, 0.7, torch.tensor(-1.3, dtype=F64), "per_dim", "per_channel"],
)
def test_gaussian_log_likelihood_matches_torch_distributions(decoder_logvar):
    g = gen(3)
    x = torch.randn(4, 3, 2, 3, 3, generator=g, dtype=F64)
    means = torch.randn(4, 3, 2, 3, 3, generator=g, dtype=F64)
    if decoder_logvar == "per_dim":
        decoder_logvar = torch.randn(2, 3, 3, generator=g, dtype=F64)
    elif decoder_logvar == "per_channel":
        decoder_logvar = torch.randn(2, 1, 1, generator=g, dtype=F64)
    lv = 0.0 if decoder_logvar is None else decoder_logvar
    lv = torch.as_tensor(lv, dtype=F64).expand(2, 3, 3)
    expected = Normal(means, torch.exp(0.5 * lv)).log_prob(x).sum(dim=(2, 3, 4))
    torch.testing.assert_close(log_likelihood(x, means, "gaussian", decoder_logvar), expected)


def test_learned_decoder_logvar_gets_gradients():
    x, means, mu, logvar, z = make_batch(x_shape=(6,))
    lv = torch.nn.Parameter(torch.zeros(6, dtype=F64))
    out = simvae_elbo(x, means, mu, logvar, z, likelihood="gaussian", decoder_logvar=lv)
    out.loss.backward()
    # d/dlv_i of −mean_b Σ_j ½[(x − m)² e^{−lv} + lv] at lv = 0
    expected = -(0.5 * (x - means).pow(2) - 0.5).sum(dim=1).mean(0)
    torch.testing.assert_close(lv.grad, expected)


# ---------------------------------------------------------------------------------------------------------
# VAE, β-VAE


def test_vae_elbo_against_torch_distributions():
    x, logits, mu, logvar, z = make_batch(J=1, binary=True)
    out = vae_elbo(x, logits, mu, logvar, z)
    assert isinstance(out, LossOutput) and out.loss.ndim == 0
    recon = Bernoulli(logits=logits).log_prob(x).sum(dim=(1, 2, 3, 4))  # (B,)
    prior = Normal(torch.zeros_like(mu), torch.ones_like(mu))
    kl = kl_divergence(normal(mu, logvar), prior).sum(dim=(1, 2))  # (B,)
    torch.testing.assert_close(out.terms["kl"], kl.mean())
    torch.testing.assert_close(out.terms["recon"], recon.mean())
    torch.testing.assert_close(out.loss, -(recon - kl).mean())
    torch.testing.assert_close(out.terms["elbo"], (recon - kl).mean())
    torch.testing.assert_close(out.terms["entropy"], normal(mu, logvar).entropy().sum(dim=(1, 2)).mean())
    assert all(t.ndim == 0 and not t.requires_grad for t in out.terms.values())
    assert set(out.terms) == {"loss", "recon", "entropy", "prior", "kl", "elbo", "objective"}
    torch.testing.assert_close(out.terms["loss"], out.loss.detach())


def test_vae_prior_term_is_monte_carlo_expectation_of_standard_normal():
    _, _, mu, logvar, _ = make_batch(B=1, J=1, d=4)
    x = torch.rand(1, 1, 3, dtype=F64)
    out = vae_elbo(x, torch.zeros_like(x), mu, logvar, mu)
    n = 200_000
    z = reparameterize(mu.expand(n, 1, 4), logvar.expand(n, 1, 4), gen(5))
    log_p = Normal(0.0, 1.0).log_prob(z).sum(dim=(1, 2))
    assert abs(float(out.terms["prior"] - log_p.mean())) < 5 * float(log_p.std()) / math.sqrt(n)


def test_vae_treats_views_as_independent_data():
    x, logits, mu, logvar, z = make_batch(J=3)
    both = vae_elbo(x, logits, mu, logvar, z)
    per_view = [
        vae_elbo(
            x[:, j : j + 1], logits[:, j : j + 1], mu[:, j : j + 1], logvar[:, j : j + 1], z[:, j : j + 1]
        )
        for j in range(3)
    ]
    torch.testing.assert_close(both.loss, sum(o.loss for o in per_view))


def test_beta_vae_weights_the_kl():
    x, logits, mu, logvar, z = make_batch(J=1)
    plain = vae_elbo(x, logits, mu, logvar, z)
    b4 = beta_vae(x, logits, mu, logvar, z)
    torch.testing.assert_close(b4.loss, vae_elbo(x, logits, mu, logvar, z, beta=4.0).loss)
    torch.testing.assert_close(b4.loss, -(plain.terms["recon"] - 4 * plain.terms["kl"]))
    torch.testing.assert_close(b4.terms["elbo"], plain.terms["elbo"])  # the bound itself has β = 1
    torch.testing.assert_close(b4.terms["objective"], -b4.loss)
    torch.testing.assert_close(beta_vae(x, logits, mu, logvar, z, beta=1.0).loss, plain.loss)


# ---------------------------------------------------------------------------------------------------------
# CR-VAE


def test_cr_vae_is_two_vae_elbos_minus_consistency_kl():
    x, logits, mu, logvar, z = make_batch(J=2)
    gamma, beta = 0.7, 2.0
    out = cr_vae(x, logits, mu, logvar, z, gamma=gamma, beta=beta)
    # KL(q(z | t(x)) ‖ q(z | x)): view 1 is t(x), view 0 is x
    kl = kl_divergence(normal(mu[:, 1], logvar[:, 1]), normal(mu[:, 0], logvar[:, 0])).sum(-1)
    torch.testing.assert_close(out.terms["consistency"], kl.mean())
    views = [
        vae_elbo(
            x[:, j : j + 1],
            logits[:, j : j + 1],
            mu[:, j : j + 1],
            logvar[:, j : j + 1],
            z[:, j : j + 1],
            beta=beta,
        )
        for j in range(2)
    ]
    torch.testing.assert_close(out.loss, views[0].loss + views[1].loss + gamma * kl.mean())
    torch.testing.assert_close(out.terms["objective"], -out.loss.detach())
    torch.testing.assert_close(out.terms["loss"], out.loss.detach())
    # γ = 0 is the plain VAE on both views
    torch.testing.assert_close(
        cr_vae(x, logits, mu, logvar, z, gamma=0.0).loss, vae_elbo(x, logits, mu, logvar, z).loss
    )


# ---------------------------------------------------------------------------------------------------------
# SimVAE: exact objective


def test_simvae_terms_add_up_and_reuse_ssl_model():
    x, logits, mu, logvar, z = make_batch(J=3, binary=True)
    out = simvae_elbo(x, logits, mu, logvar, z, sigma2=0.3, prior_var=2.0)
    recon = Bernoulli(logits=logits).log_prob(x).sum(dim=(1, 2, 3, 4))
    entropy = normal(mu, logvar).entropy().sum(dim=(1, 2))
    prior = ssl_model.expected_log_p_z(mu, logvar.exp(), 0.3, 2.0)
    torch.testing.assert_close(out.terms["recon"], recon.mean())
    torch.testing.assert_close(out.terms["entropy"], entropy.mean())
    torch.testing.assert_close(out.terms["prior"], prior.mean())
    torch.testing.assert_close(out.terms["kl"], -(entropy + prior).mean())
    torch.testing.assert_close(out.loss, -(recon + entropy + prior).mean())
    torch.testing.assert_close(out.terms["elbo"], -out.loss.detach())
    mc = simvae_elbo(x, logits, mu, logvar, z, sigma2=0.3, prior_var=2.0, expectation="mc")
    torch.testing.assert_close(mc.terms["prior"], ssl_model.log_p_z(z, 0.3, 2.0).mean())


def test_per_coordinate_sigma2_prior_term_is_the_joint_gaussian_of_the_group():
    """A per-coordinate σ² (and s²), given as a list or a (d,) tensor: the "mc" prior term is the log density
    of z_{1:J} under y ~ N(0, diag s²), z_j | y ~ N(y, diag σ²), i.e. the joint Gaussian with covariance
    1 1ᵀ ⊗ diag s² + I ⊗ diag σ² (torch.distributions, independent of ssl_model); repeating one value in
    every coordinate is the scalar case."""
    B, J, d = 4, 3, 2
    x, logits, mu, logvar, z = make_batch(B=B, J=J, d=d, binary=True)
    s2, pv = [0.1, 0.6], [1.5, 0.3]
    cov = torch.kron(torch.ones(J, J, dtype=F64), torch.diag(torch.tensor(pv, dtype=F64)))
    cov = cov + torch.kron(torch.eye(J, dtype=F64), torch.diag(torch.tensor(s2, dtype=F64)))
    joint = MultivariateNormal(torch.zeros(J * d, dtype=F64), covariance_matrix=cov)
    expected = joint.log_prob(z.reshape(B, J * d)).mean()  # (j, k) order matches the kron layout
    for given in (s2, torch.tensor(s2, dtype=F64)):
        out = simvae_elbo(x, logits, mu, logvar, z, sigma2=given, prior_var=pv, expectation="mc")
        torch.testing.assert_close(out.terms["prior"], expected)
    repeated = simvae_elbo(x, logits, mu, logvar, z, sigma2=[0.3, 0.3], prior_var=[2.0, 2.0])
    scalar = simvae_elbo(x, logits, mu, logvar, z, sigma2=0.3, prior_var=2.0)
    torch.testing.assert_close(repeated.loss, scalar.loss)


@pytest.mark.parametrize("prior, prior_var", [("gaussian", 1.0), ("gaussian", 0.4), ("flat", None)])
def test_exact_prior_term_is_the_monte_carlo_average_and_mc_is_unbiased(prior, prior_var):
    """Exact E_q log p(z_1:J) vs the average of ssl_model.log_p_z over many z ~ q; the "mc" option is that
    same average when many copies of one group are passed (its estimator is unbiased)."""
    J, d, n = 3, 4, 40_000
    _, _, mu, logvar, _ = make_batch(B=1, J=J, d=d, seed=7)
    x = torch.rand(1, J, 2, dtype=F64)
    xp = torch.zeros_like(x)
    kw = {"sigma2": 0.2, "prior": prior, "prior_var": prior_var}
    exact = simvae_elbo(x, xp, mu, logvar, mu, **kw).terms["prior"]
    z = reparameterize(mu.expand(n, J, d), logvar.expand(n, J, d), gen(8))
    samples = ssl_model.log_p_z(z, 0.2, prior_var)
    se = float(samples.std()) / math.sqrt(n)
    assert abs(float(exact - samples.mean())) < 5 * se
    mc = simvae_elbo(
        x.expand(n, J, 2),
        xp.expand(n, J, 2),
        mu.expand(n, J, d),
        logvar.expand(n, J, d),
        z,
        expectation="mc",
        **kw,
    )
    torch.testing.assert_close(mc.terms["prior"], samples.mean())
    assert abs(float(exact - mc.terms["prior"])) < 5 * se


def test_flat_and_gaussian_priors_differ_by_the_content_density():
    """log p_gauss(z) − log p_flat(z) = Σ_k log N(z̄_k; 0, s² + σ²/J), so under q (z̄ ~ N(μ̄, Σ_j v_j / J²))
    the prior terms differ by E log N(z̄; 0, τ) = log N(μ̄; 0, τ) − Var(z̄) / (2τ), τ = s² + σ²/J."""
    x, logits, mu, logvar, z = make_batch(B=6, J=3, d=4, seed=9)
    s2, pv, J = 0.15, 1.7, 3
    gauss = simvae_elbo(x, logits, mu, logvar, z, sigma2=s2, prior_var=pv)
    flat = simvae_elbo(x, logits, mu, logvar, z, sigma2=s2, prior="flat")
    tau = pv + s2 / J
    var_bar = logvar.exp().sum(1) / J**2
    expected = (Normal(0.0, math.sqrt(tau)).log_prob(mu.mean(1)) - var_bar / (2 * tau)).sum(-1)
    torch.testing.assert_close(gauss.terms["prior"] - flat.terms["prior"], expected.mean())
    torch.testing.assert_close(gauss.terms["recon"], flat.terms["recon"])
    # "uniform" (the authors' name) is the flat prior
    torch.testing.assert_close(
        simvae_elbo(x, logits, mu, logvar, z, sigma2=s2, prior="uniform").loss, flat.loss
    )


def true_posterior(x, sigma2, prior_var, noise):
    """Exact Gaussian posterior of z_1:J (flattened view-major, index j·d + k) given x_j = z_j + noise."""
    B, J, d = x.shape
    ones = torch.ones(J, J, dtype=F64)
    if prior_var is None:  # flat prior: precision of the within-group deviations only
        prior_prec_J = (torch.eye(J, dtype=F64) - ones / J) / sigma2
    else:
        prior_prec_J = torch.linalg.inv(sigma2 * torch.eye(J, dtype=F64) + prior_var * ones).contiguous()
    prec = torch.kron(prior_prec_J, torch.eye(d, dtype=F64)) + torch.eye(J * d, dtype=F64) / noise
    cov = torch.linalg.inv(prec)
    mean = (cov @ x.reshape(B, J * d, 1)).squeeze(-1) / noise
    return MultivariateNormal(mean, covariance_matrix=cov)


@pytest.mark.parametrize("prior_var", [1.0, 0.5, None])
def test_simvae_elbo_is_the_exact_evidence_minus_kl_in_a_linear_gaussian_model(prior_var):
    """x_j = z_j + noise: log p(x_1:J) = ssl_model.log_p_z(x, σ² + noise, s²) exactly. With an identity
    decoder the reconstruction expectation is exact too (E‖x − z‖² = ‖x − μ‖² + Σv), so
    ELBO_SSL = log p(x) − KL(q ‖ p(z | x)) <= log p(x) must hold to rounding, for any q."""
    J, d, sigma2, noise = 3, 2, 0.3, 0.2
    model = ssl_model.SSLModel(d, sigma2, 1.0, dtype=F64)
    _, z_true, _ = model.sample(n_groups=6, n_views=J, seed=12)
    x = z_true + math.sqrt(noise) * torch.randn(z_true.shape, generator=gen(11), dtype=F64)
    log_evidence = ssl_model.log_p_z(x, sigma2 + noise, prior_var)  # (B,)
    posterior = true_posterior(x, sigma2, prior_var, noise)
    prior = "flat" if prior_var is None else "gaussian"

    for seed in range(4):  # random posteriors q
        gq = gen(100 + seed)
        mu = x + torch.randn(x.shape, generator=gq, dtype=F64)
        logvar = torch.randn(x.shape, generator=gq, dtype=F64) - 1
        elbo = []
        for b in range(x.shape[0]):  # one group per call: terms are group averages
            sl = slice(b, b + 1)
            terms = simvae_elbo(
                x[sl],
                mu[sl],
                mu[sl],
                logvar[sl],
                mu[sl],  # identity decoder evaluated at z = μ
                sigma2=sigma2,
                prior=prior,
                prior_var=prior_var,
                likelihood="gaussian",
                decoder_logvar=math.log(noise),
            ).terms
            elbo.append(terms["elbo"] - logvar[sl].exp().sum() / (2 * noise))  # the Σv part of E‖x − z‖²
        elbo = torch.stack(elbo)
        q = MultivariateNormal(
            mu.reshape(-1, J * d), covariance_matrix=torch.diag_embed(logvar.exp().reshape(-1, J * d))
        )
        kl = kl_divergence(q, posterior)
        assert (elbo <= log_evidence).all()
        torch.testing.assert_close(log_evidence - elbo, kl, rtol=1e-9, atol=1e-9)


def test_simvae_invariant_to_group_order_and_view_order():
    x, logits, mu, logvar, z = make_batch(B=6, J=4, seed=13)
    kw = {"sigma2": 0.2, "prior_var": 1.5}
    base = simvae_elbo(x, logits, mu, logvar, z, **kw)
    perm = torch.randperm(6, generator=gen(1))
    by_group = simvae_elbo(x[perm], logits[perm], mu[perm], logvar[perm], z[perm], **kw)
    torch.testing.assert_close(by_group.loss, base.loss)
    # a different view permutation in every group
    idx = torch.stack([torch.randperm(4, generator=gen(10 + b)) for b in range(6)])  # (B, J)

    def shuffle(t):
        return torch.take_along_dim(t, idx.view(6, 4, *([1] * (t.ndim - 2))), dim=1)

    by_view = simvae_elbo(shuffle(x), shuffle(logits), shuffle(mu), shuffle(logvar), shuffle(z), **kw)
    torch.testing.assert_close(by_view.loss, base.loss)
    for name in base.terms:
        torch.testing.assert_close(by_view.terms[name], base.terms[name])


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_gradients_are_finite(name):
    x, logits, mu, logvar, z = make_batch(J=2, seed=14)
    leaves = [t.clone().requires_grad_() for t in (logits, mu, logvar)]
    z = reparameterize(leaves[1], leaves[2], gen(15))
    out = LOSSES[name](x, leaves[0], leaves[1], leaves[2], z)
    out.loss.backward()
    for t in leaves:
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


def test_reference_gradients_are_finite():
    x, logits, mu, logvar, _ = make_batch(J=2, seed=14)
    leaves = [t.clone().requires_grad_() for t in (logits, mu, logvar)]
    z = reparameterize(leaves[1], leaves[2], gen(15))
    simvae_elbo(x, *leaves, z, reference=True).loss.backward()
    for t in leaves:
        assert t.grad is not None and torch.isfinite(t.grad).all() and t.grad.abs().sum() > 0


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_training_uses_the_tested_objective(monkeypatch, name):
    """The objective tested here is the one ``fit`` trains with: wrap the registered function, train."""
    from dataclasses import replace

    from simvae_core.learning import methods
    from simvae_core.learning.train import fit

    spec = methods.get_method(name)
    assert spec.loss is LOSSES[name]
    calls = []
    # the spy keeps the loss's signature: the registry reads the method's options from it
    spy = functools.wraps(LOSSES[name])(lambda *a, **k: calls.append(1) or LOSSES[name](*a, **k))
    monkeypatch.setitem(methods.METHODS, name, replace(spec, loss=spy))
    g = torch.Generator().manual_seed(0)
    views = torch.randn(32, 2, 5, generator=g)
    fit(name, views, epochs=1, latent_dim=2, batch_size=16, progress=False)
    assert len(calls) >= 2  # the dry run at the door, then every step


def test_vae_family_models_draw_z_with_the_tested_reparameterize(monkeypatch):
    """No inline copy: training draws its sample through ``elbo.reparameterize`` (tested above)."""
    from simvae_core.learning import models
    from simvae_core.learning.train import fit

    calls = []
    monkeypatch.setattr(models, "reparameterize", lambda *a: calls.append(1) or reparameterize(*a))
    fit(
        "simvae",
        torch.randn(32, 2, 5, generator=gen(0)),
        epochs=1,
        latent_dim=2,
        batch_size=16,
        progress=False,
    )
    assert len(calls) == 2  # one per step


# ---------------------------------------------------------------------------------------------------------
# SimVAE: the authors' objective (reference=True)


def brute_force_reference(x, logits_or_means, logvar, z, sigma2, likelihood, prior, logvar_x=-4.6):
    """The authors' objective per group, written from the authors' code with explicit loops (no constants)."""
    B, J, d = z.shape
    var_x = math.exp(logvar_x)
    out = {"recon": [], "entropy": [], "prior": []}
    for b in range(B):
        recon = entropy = prior_term = 0.0
        z_bar = [sum(float(z[b, j, k]) for j in range(J)) / J for k in range(d)]
        for j in range(J):
            xs, ps = x[b, j].flatten().tolist(), logits_or_means[b, j].flatten().tolist()
            for xi, pi in zip(xs, ps, strict=True):
                if likelihood == "bernoulli":
                    s = 1 / (1 + math.exp(-pi))
                    recon += (xi * math.log(s) + (1 - xi) * math.log(1 - s)) / var_x
                else:
                    recon += -0.5 * (xi - pi) ** 2 / var_x
            for k in range(d):
                entropy += math.pi * float(logvar[b, j, k])
                prior_term += -0.5 * (float(z[b, j, k]) - z_bar[k]) ** 2 / sigma2
        if prior == "gaussian":
            prior_term += -0.5 * sum(v**2 for v in z_bar)
        out["recon"].append(recon)
        out["entropy"].append(entropy)
        out["prior"].append(prior_term)
    return {k: torch.tensor(v, dtype=F64).mean() for k, v in out.items()}


@pytest.mark.parametrize(
    "likelihood, prior, J",
    [("bernoulli", "gaussian", 2), ("bernoulli", "flat", 3), ("gaussian", "gaussian", 2)],
)
def test_reference_mode_matches_a_brute_force_reimplementation(likelihood, prior, J):
    x, params, mu, logvar, z = make_batch(B=3, J=J, d=3, x_shape=(2, 3), seed=16)
    out = simvae_elbo(
        x, params, mu, logvar, z, sigma2=0.15, prior=prior, likelihood=likelihood, reference=True
    )
    expected = brute_force_reference(x, params, logvar, z, 0.15, likelihood, prior)
    for name in ("recon", "entropy", "prior"):
        torch.testing.assert_close(out.terms[name], expected[name])
    total = expected["recon"] + expected["entropy"] + expected["prior"]
    torch.testing.assert_close(out.loss, -total)
    torch.testing.assert_close(out.terms["objective"], total)


def test_reference_defaults_and_decoder_variance():
    assert REFERENCE_DECODER_LOGVAR == -4.6
    x, logits, mu, logvar, z = make_batch(J=2, binary=True, seed=17)
    ref = simvae_elbo(x, logits, mu, logvar, z, reference=True)
    exact = simvae_elbo(x, logits, mu, logvar, z)
    # the Bernoulli log-likelihood divided by exp(−4.6): about 99.5 × the exact reconstruction term
    torch.testing.assert_close(ref.terms["recon"], exact.terms["recon"] / math.exp(-4.6))
    other = simvae_elbo(x, logits, mu, logvar, z, reference=True, decoder_logvar=0.0)
    torch.testing.assert_close(other.terms["recon"], exact.terms["recon"])


def test_reference_entropy_coefficient_is_pi():
    x, logits, mu, logvar, z = make_batch(B=4, J=2, seed=18)
    logvar = logvar.clone().requires_grad_()
    out = simvae_elbo(x, logits, mu, logvar, z.detach(), reference=True)
    torch.testing.assert_close(out.terms["entropy"], math.pi * logvar.detach().sum() / 4)
    out.loss.backward()
    # with z given, logvar only enters the entropy: d(−mean objective)/d logvar = −π / B
    torch.testing.assert_close(logvar.grad, torch.full_like(logvar, -math.pi / 4))
    # the exact objective's coefficient is ½
    lv = logvar.detach().clone().requires_grad_()
    torch.testing.assert_close(
        torch.autograd.grad(gaussian_entropy(lv).sum(), lv)[0], torch.full_like(lv, 0.5)
    )


def test_reference_flat_plug_in_prior_differs_from_exact_log_p_z_by_a_constant():
    x, logits, mu, logvar, _ = make_batch(B=1, J=3, d=4, seed=19)
    diffs, diffs_gauss = [], []
    for seed in (1, 2, 3):
        z = 2 * torch.randn(1, 3, 4, generator=gen(seed), dtype=F64)
        flat = simvae_elbo(x, logits, mu, logvar, z, sigma2=0.4, prior="flat", reference=True)
        diffs.append(flat.terms["prior"] - ssl_model.log_p_z(z, 0.4, None)[0])
        gauss = simvae_elbo(x, logits, mu, logvar, z, sigma2=0.4, prior="gaussian", reference=True)
        diffs_gauss.append(gauss.terms["prior"] - ssl_model.log_p_z(z, 0.4, 1.0)[0])
    torch.testing.assert_close(diffs[0], diffs[1])
    torch.testing.assert_close(diffs[0], diffs[2])
    # the constant is the dropped normalisation: (d/2)[(J − 1) log(2πσ²) + log J]
    torch.testing.assert_close(float(diffs[0]), 2 * (2 * math.log(2 * math.pi * 0.4) + math.log(3)))
    # with the Gaussian prior the weight on ‖z̄‖² differs (½ vs J / 2(σ² + J s²)): not a constant
    assert abs(float(diffs_gauss[0] - diffs_gauss[1])) > 1e-3


# ---------------------------------------------------------------------------------------------------------
# errors


def test_error_paths():
    x, logits, mu, logvar, z = make_batch(J=2)
    with pytest.raises(ValueError, match="SimVAE needs >= 2 views per group.*vae_elbo"):
        simvae_elbo(x[:, :1], logits[:, :1], mu[:, :1], logvar[:, :1], z[:, :1])
    with pytest.raises(ValueError, match="x and x_params must have the same shape"):
        simvae_elbo(x, logits[..., :2], mu, logvar, z)
    with pytest.raises(ValueError, match="mu and logvar must have the same shape"):
        vae_elbo(x, logits, mu, logvar[..., :2], z)
    with pytest.raises(ValueError, match="mu and z must have the same shape"):
        vae_elbo(x, logits, mu, logvar, z[:, :, :2])
    with pytest.raises(ValueError, match="mu must be 3-D"):
        vae_elbo(x, logits, mu[:, 0], logvar, z)
    with pytest.raises(ValueError, match="must agree on \\(groups B, views J\\)"):
        simvae_elbo(x[:3], logits[:3], mu, logvar, z)
    nan_mu = mu.clone()
    nan_mu[0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="mu contains NaN"):
        simvae_elbo(x, logits, nan_mu, logvar, z)
    nan_x = x.clone()
    nan_x[0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="x contains NaN"):
        simvae_elbo(nan_x, logits, mu, logvar, z)
    with pytest.raises(ValueError, match="x contains NaN"):
        vae_elbo(nan_x, logits, mu, logvar, z, likelihood="gaussian")
    for bad in (float("inf"), -float("inf"), float("nan")):
        lv = logvar.clone()
        lv[1, 1, 2] = bad
        with pytest.raises(ValueError, match="logvar contains NaN or inf"):
            cr_vae(x, logits, mu, lv, z)
        xp = logits.clone()
        xp[2, 0, 0, 1, 1] = bad
        with pytest.raises(ValueError, match="x_params contains NaN or inf"):
            log_likelihood(x, xp, "gaussian")
    with pytest.raises(ValueError, match="at least one group"):
        vae_elbo(x[:0], logits[:0], mu[:0], logvar[:0], z[:0])
    with pytest.raises(ValueError, match="unknown likelihood 'poisson'.*bernoulli.*gaussian"):
        simvae_elbo(x, logits, mu, logvar, z, likelihood="poisson")
    with pytest.raises(ValueError, match="unknown likelihood"):
        log_likelihood(x, logits, "laplace")
    with pytest.raises(ValueError, match="unknown prior 'laplace'.*gaussian.*flat"):
        simvae_elbo(x, logits, mu, logvar, z, prior="laplace")
    with pytest.raises(ValueError, match="unknown expectation 'sampled'.*exact.*mc"):
        simvae_elbo(x, logits, mu, logvar, z, expectation="sampled")
    for bad in (0.0, -0.1):
        with pytest.raises(ValueError, match="sigma2 must be > 0"):
            simvae_elbo(x, logits, mu, logvar, z, sigma2=bad)
    with pytest.raises(ValueError, match="sigma2 must be > 0"):
        simvae_elbo(x, logits, mu, logvar, z, sigma2=-1.0, reference=True)
    with pytest.raises(ValueError, match="prior_var must be a number.*prior='flat'"):
        simvae_elbo(x, logits, mu, logvar, z, prior_var=None)
    with pytest.raises(ValueError, match="cr_vae needs exactly J = 2"):
        cr_vae(*make_batch(J=3))
    with pytest.raises(ValueError, match="Bernoulli likelihood needs x in \\[0, 1\\]"):
        simvae_elbo(x * 3 - 1, logits, mu, logvar, z)
    with pytest.raises(ValueError, match="decoder_logvar only applies to likelihood='gaussian'"):
        vae_elbo(x, logits, mu, logvar, z, decoder_logvar=0.0)
    with pytest.raises(ValueError, match="must broadcast to x_shape"):
        vae_elbo(x, logits, mu, logvar, z, likelihood="gaussian", decoder_logvar=torch.zeros(5, dtype=F64))
    with pytest.raises(ValueError, match="beta must be a finite number >= 0"):
        vae_elbo(x, logits, mu, logvar, z, beta=-1.0)
    with pytest.raises(ValueError, match="gamma must be a finite number >= 0"):
        cr_vae(x, logits, mu, logvar, z, gamma=float("inf"))
    with pytest.raises(ValueError, match="x must have shape \\(B, J, \\*x_shape\\)"):
        log_likelihood(x[0, 0, 0], logits[0, 0, 0], "bernoulli")
    with pytest.raises(TypeError, match="mu and x must share a dtype"):
        vae_elbo(x.float(), logits.float(), mu, logvar, z)
