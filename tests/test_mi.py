"""MI bounds (objectives.mi_bounds), known-MI data (theory.known_mi), critics (learning.critics).

Every bound against a value computed by hand (explicit loops over the matrix), the
relations between the bounds, the analytic critics against torch.distributions and Monte Carlo, and
the input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from simvae_core.learning import critics
from simvae_core.objectives import mi_bounds as bounds
from simvae_core.theory import known_mi
from simvae_core.theory.ssl_model import SSLModel, view_mutual_information

from .conftest import gen

F64 = torch.float64


S2 = torch.tensor([[math.log(3.0), 0.0], [0.0, math.log(3.0)]], dtype=F64)
S3 = torch.tensor([[1.0, 0.2, -0.7], [-0.5, 2.0, 0.3], [0.9, -1.2, 0.4]], dtype=F64)


# ---------------------------------------------------------------- independent reference implementations


def ref_off_diagonal(s: torch.Tensor) -> list[tuple[int, int]]:
    K = s.shape[0]
    return [(i, j) for i in range(K) for j in range(K) if i != j]


def ref_infonce(s):
    K = s.shape[0]
    terms = [s[i, i].item() - math.log(sum(math.exp(s[i, j].item()) for j in range(K))) for i in range(K)]
    return math.log(K) + sum(terms) / K


def ref_tuba(s, b):
    K = s.shape[0]
    b = [b] * K if isinstance(b, float) else list(b)
    joint = sum(s[i, i].item() - b[i] for i in range(K)) / K
    off = ref_off_diagonal(s)
    marg = sum(math.exp(s[i, j].item() - b[i]) for i, j in off) / len(off)
    return 1 + joint - marg


def ref_dv(s, clip=math.inf):
    K = s.shape[0]
    off = ref_off_diagonal(s)
    clipped = [min(max(s[i, j].item(), -clip), clip) for i, j in off]
    return sum(s[i, i].item() for i in range(K)) / K - math.log(sum(math.exp(v) for v in clipped) / len(off))


def ref_js_fgan(s):
    K = s.shape[0]
    off = ref_off_diagonal(s)
    pos = sum(-math.log1p(math.exp(-s[i, i].item())) for i in range(K)) / K
    neg = sum(math.log1p(math.exp(s[i, j].item())) for i, j in off) / len(off)
    return pos - neg


def ref_interpolated(s, alpha, b):
    """Straight from the docstring's definition, with explicit sums."""
    K = s.shape[0]
    e = [[math.exp(s[i, k].item()) for k in range(K)] for i in range(K)]

    def m(i, j):  # α × (row i's mean of exp s over k ≠ j) + (1 − α) e^b
        return alpha * sum(e[i][k] for k in range(K) if k != j) / (K - 1) + (1 - alpha) * math.exp(b)

    off = ref_off_diagonal(s)
    joint = sum(s[i, i].item() - math.log(m(i, j)) for i, j in off) / len(off)
    marg = sum(e[i][j] / m(i, i) for i, j in off) / len(off)
    return 1 + joint - marg


# ---------------------------------------------------------------- bounds: values by hand


def test_two_by_two_values_worked_out_by_hand():
    # diagonal log 3, off-diagonal 0: each row's softmax gives the positive 3/4
    assert bounds.infonce(S2).item() == pytest.approx(math.log(2) + math.log(3 / 4), abs=1e-12)
    assert bounds.nwj(S2).item() == pytest.approx(math.log(3) - math.exp(-1), abs=1e-12)
    assert bounds.tuba(S2, 0.0).item() == pytest.approx(1 + math.log(3) - 1, abs=1e-12)
    assert bounds.dv(S2).item() == pytest.approx(math.log(3), abs=1e-12)
    assert bounds.js(S2).item() == pytest.approx(math.log(3), abs=1e-12)  # = tuba(s, 0)
    assert bounds.js_fgan(S2).item() == pytest.approx(-math.log(4 / 3) - math.log(2), abs=1e-12)
    assert bounds.smile(S2, clip=0.5).item() == pytest.approx(
        math.log(3), abs=1e-12
    )  # off-diagonal 0 unclipped
    assert bounds.ba(S2, entropy=1.5).item() == pytest.approx(1.5 + math.log(3), abs=1e-12)
    # K = 2: the leave-one-out mean of row i without column j ≠ i is exp(s_ii) alone
    assert bounds.interpolated(S2, alpha=1.0).item() == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("s", [S2, S3], ids=["2x2", "3x3"])
def test_each_bound_equals_its_definition_summed_by_hand(s):
    b_rows = torch.tensor([0.3, -0.2, 1.1], dtype=F64)[: s.shape[0]]
    assert bounds.infonce(s).item() == pytest.approx(ref_infonce(s), abs=1e-12)
    assert bounds.tuba(s, 0.4).item() == pytest.approx(ref_tuba(s, 0.4), abs=1e-12)
    assert bounds.tuba(s, b_rows).item() == pytest.approx(ref_tuba(s, b_rows.tolist()), abs=1e-12)
    assert bounds.nwj(s).item() == pytest.approx(ref_tuba(s, 1.0), abs=1e-12)
    assert bounds.dv(s).item() == pytest.approx(ref_dv(s), abs=1e-12)
    assert bounds.js_fgan(s).item() == pytest.approx(ref_js_fgan(s), abs=1e-12)
    assert bounds.js(s).item() == pytest.approx(ref_tuba(s, 0.0), abs=1e-12)
    assert bounds.smile(s, clip=0.5).item() == pytest.approx(ref_dv(s, clip=0.5), abs=1e-12)
    assert bounds.ba(s, entropy=-0.3).item() == pytest.approx(-0.3 + s.diagonal().mean().item(), abs=1e-12)
    for alpha in (0.0, 0.01, 0.5, 1.0):
        for b in (0.0, 1.0):
            assert bounds.interpolated(s, alpha, b).item() == pytest.approx(
                ref_interpolated(s, alpha, b), abs=1e-12
            )


def test_log_mean_exp_offdiagonal_against_brute_force():
    s = torch.randn(5, 5, generator=gen(1), dtype=F64) * 3
    off = [s[i, j].item() for i, j in ref_off_diagonal(s)]
    assert bounds.log_mean_exp_offdiagonal(s).item() == pytest.approx(
        math.log(np.mean(np.exp(off))), abs=1e-12
    )
    rows = [math.log(np.mean([math.exp(s[i, j].item()) for j in range(5) if j != i])) for i in range(5)]
    np.testing.assert_allclose(bounds.log_mean_exp_offdiagonal(s, dim=1).numpy(), rows, atol=1e-12)
    # stable where a naive exp overflows
    big = s + 1e4
    assert bounds.log_mean_exp_offdiagonal(big).item() == pytest.approx(1e4 + math.log(np.mean(np.exp(off))))


# ---------------------------------------------------------------- relations between the bounds


def random_scores(K: int, seed: int, scale: float = 2.0) -> torch.Tensor:
    return torch.randn(K, K, generator=gen(seed), dtype=F64) * scale


@pytest.mark.parametrize("K", [2, 3, 16, 128])
def test_infonce_never_exceeds_log_k(K):
    cases = [random_scores(K, seed, scale) for seed in range(20) for scale in (0.1, 3.0, 100.0)]
    perfect = torch.full((K, K), -1e6, dtype=F64)
    perfect.diagonal().fill_(1e6)  # the positive wins by 2e6 nats: the bound is then exactly log K
    cases += [perfect, torch.full((K, K), 1e30, dtype=F64), random_scores(K, 0) + 1e15]
    values = torch.stack([bounds.infonce(s) for s in cases])
    assert bool((values <= math.log(K) + 1e-12).all())
    assert bounds.infonce(perfect).item() == pytest.approx(math.log(K), abs=1e-12)


def test_nwj_is_tuba_with_log_baseline_one():
    for seed in range(10):
        s = random_scores(6, seed)
        assert bounds.nwj(s).item() == pytest.approx(bounds.tuba(s, 1.0).item(), abs=1e-12)
        assert bounds.nwj(s).item() == pytest.approx(bounds.tuba(s - 1.0, 0.0).item(), abs=1e-12)


def test_interpolated_limits():
    """α = 0 is TUBA with the same baseline (NWJ for b = 1); α = 1 is InfoNCE on K − 1 pairs, averaged
    over which pair is left out, hence at most log(K − 1)."""
    for seed in range(5):
        s = random_scores(7, seed)
        assert bounds.interpolated(s, 0.0, 1.0).item() == pytest.approx(bounds.nwj(s).item(), abs=1e-12)
        assert bounds.interpolated(s, 0.0, -0.4).item() == pytest.approx(
            bounds.tuba(s, -0.4).item(), abs=1e-12
        )
        keep = [[k for k in range(7) if k != j] for j in range(7)]
        loo = np.mean([bounds.infonce(s[idx][:, idx]).item() for idx in keep])
        assert bounds.interpolated(s, 1.0).item() == pytest.approx(loo, abs=1e-12)
        assert bounds.interpolated(s, 1.0).item() <= math.log(6) + 1e-12
        # continuity at both ends
        assert bounds.interpolated(s, 1e-9, 1.0).item() == pytest.approx(bounds.nwj(s).item(), abs=1e-6)
        assert bounds.interpolated(s, 1 - 1e-9, 1.0).item() == pytest.approx(loo, abs=1e-6)


def test_interpolated_is_stable_for_extreme_scores():
    s = random_scores(8, 3)
    s[2, 5] = 800.0  # exp overflows float64 without the max-shift
    s[4, 4] = -800.0
    # (α = 0 is TUBA, whose exp(800 − b) genuinely overflows: the bound is then −inf, and so it reports)
    assert all(math.isfinite(bounds.interpolated(s, a).item()) for a in (0.3, 1.0))
    assert bounds.interpolated(s, 0.0).item() == -math.inf
    s[2, 5] = 300.0  # large, but small enough for the reference's plain exp
    for alpha in (0.3, 1.0):
        assert bounds.interpolated(s, alpha).item() == pytest.approx(
            ref_interpolated(s, alpha, 1.0), rel=1e-12
        )


def test_smile_without_clip_is_dv_and_trains_like_js():
    """SMILE's value with clip = ∞ is the Donsker–Varadhan bound; its gradient is always JS's."""
    s = random_scores(6, 4)
    for clip in (None, math.inf):
        assert bounds.smile(s, clip=clip).item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    assert bounds.smile(s, clip=1.0).item() != pytest.approx(bounds.dv(s).item(), abs=1e-3)
    for bound in (lambda t: bounds.smile(t, clip=1.0), bounds.js):
        a = s.clone().requires_grad_(True)
        b = s.clone().requires_grad_(True)
        bound(a).backward()
        bounds.js_fgan(b).backward()
        torch.testing.assert_close(a.grad, b.grad, rtol=0, atol=1e-14)


def test_dv_is_shift_invariant_and_infonce_row_shift_invariant():
    s = random_scores(5, 5)
    assert bounds.dv(s + 7.0).item() == pytest.approx(bounds.dv(s).item(), abs=1e-12)
    rows = torch.randn(5, 1, generator=gen(9), dtype=F64)
    assert bounds.infonce(s + rows).item() == pytest.approx(bounds.infonce(s).item(), abs=1e-12)


def test_registry_and_optimal_offsets():
    s = random_scores(4, 6)
    for name in bounds.ESTIMATORS:
        options = {"alpha": 0.5} if name == "interpolated" else {}
        assert bounds.estimate(name, s, **options).item() == pytest.approx(
            bounds.ESTIMATORS[name](s, **options).item()
        )
    assert bounds.optimal_critic_offset("nwj") == 1.0
    assert bounds.optimal_critic_offset("infonce") == 0.0
    assert bounds.optimal_critic_offset("tuba", log_baseline=2.5) == 2.5
    assert bounds.optimal_critic_offset("interpolated", alpha=0.1) == 1.0
    with pytest.raises(ValueError, match="unknown estimator 'mine'"):
        bounds.estimate("mine", s)


# ---------------------------------------------------------------- ground truths and analytic critics


def test_rho_mi_conversions():
    for d in (1, 5, 20):
        for rho in (0.0, 0.1, 0.5, 0.9, 0.999):
            value = known_mi.rho_to_mi(rho, d)
            assert value == pytest.approx(-d / 2 * math.log(1 - rho**2), rel=1e-12, abs=1e-15)
            assert known_mi.mi_to_rho(value, d) == pytest.approx(rho, abs=1e-12)
        for target in (0.0, 2.0, 10.0):
            # rel 1e-7: at d = 1 and 10 nats, 1 − ρ = 2e-9 and a float64 ρ keeps only ~7 digits of 1 − ρ²
            assert known_mi.rho_to_mi(known_mi.mi_to_rho(target, d), d) == pytest.approx(
                target, rel=1e-7, abs=1e-12
            )
    assert known_mi.rho_to_mi(-0.5, 3) == known_mi.rho_to_mi(0.5, 3)
    # the SSL model: rho = s²/(s² + σ²)
    assert known_mi.rho_to_mi(1 / 1.15, 10) == pytest.approx(
        view_mutual_information(10, 0.15, 1.0), rel=1e-12
    )


def test_correlated_gaussian_sampler():
    x, y = known_mi.correlated_gaussian(40_000, 3, mi=1.5, generator=gen(2), dtype=F64)
    rho = known_mi.mi_to_rho(1.5, 3)
    assert x.shape == y.shape == (40_000, 3)
    corr = [np.corrcoef(x[:, k], y[:, k])[0, 1] for k in range(3)]
    np.testing.assert_allclose(corr, rho, atol=0.01)
    np.testing.assert_allclose(y.var(0).numpy(), 1.0, atol=0.03)
    a, _ = known_mi.correlated_gaussian(5, 2, rho=0.3, seed=7)
    b, _ = known_mi.correlated_gaussian(5, 2, rho=0.3, seed=7)
    assert torch.equal(a, b) and a.dtype == torch.float32


def test_gaussian_log_critic_against_torch_distributions():
    d, K = 3, 6
    rho = torch.tensor([0.2, -0.6, 0.9], dtype=F64)
    var = torch.tensor([0.5, 1.0, 2.0], dtype=F64)
    x = torch.randn(K, d, generator=gen(3), dtype=F64)
    y = torch.randn(K, d, generator=gen(4), dtype=F64)
    scores = known_mi.gaussian_log_critic(x, y, rho, var=var)
    cond = known_mi.gaussian_log_critic(x, y, rho, var=var, conditional=True)
    cov = torch.zeros(2 * d, 2 * d, dtype=F64)
    cov[:d, :d] = cov[d:, d:] = torch.diag(var)
    cov[:d, d:] = cov[d:, :d] = torch.diag(rho * var)
    joint = torch.distributions.MultivariateNormal(torch.zeros(2 * d, dtype=F64), cov)
    marginal = torch.distributions.Normal(torch.zeros(d, dtype=F64), var.sqrt())
    for i in range(K):
        for j in range(K):
            lp = joint.log_prob(torch.cat([x[i], y[j]]))
            lx, ly = marginal.log_prob(x[i]).sum(), marginal.log_prob(y[j]).sum()
            assert scores[i, j].item() == pytest.approx((lp - lx - ly).item(), abs=1e-10)
            assert cond[i, j].item() == pytest.approx((lp - ly).item(), abs=1e-10)  # log p(x_i | y_j)


def test_ssl_log_critic_is_the_conditional_of_two_views():
    sigma2 = torch.tensor([0.15, 1.0, 0.01], dtype=F64)
    prior_var = torch.tensor([1.0, 0.5, 2.0], dtype=F64)
    z = SSLModel(3, sigma2, prior_var, dtype=F64).sample(5, 2, generator=gen(5)).z
    scores = known_mi.ssl_log_critic(z[:, 0], z[:, 1], sigma2, prior_var)
    rho = prior_var / (prior_var + sigma2)
    cond = torch.distributions.Normal(
        rho * z[:, 1].unsqueeze(0), (sigma2 * (sigma2 + 2 * prior_var) / (sigma2 + prior_var)).sqrt()
    )  # (1, K, d): p(z_a | z_b = z_b_j)
    expected = cond.log_prob(z[:, 0].unsqueeze(1)).sum(-1)  # (K, K): [i, j]
    torch.testing.assert_close(scores, expected, rtol=0, atol=1e-10)
    pmi = known_mi.ssl_log_critic(z[:, 0], z[:, 1], sigma2, prior_var, conditional=False)
    torch.testing.assert_close(
        pmi, known_mi.gaussian_log_critic(z[:, 0], z[:, 1], rho, var=prior_var + sigma2), rtol=0, atol=1e-10
    )


def mc_batches(estimator, critic, sampler, n=300, **options):
    values = critics.evaluate_critic(critic, estimator, sampler, n_batches=n, seed=11, **options)
    return values.mean(), values.std() / math.sqrt(n)


def test_optimal_critics_give_the_true_mi_on_correlated_gaussians():
    """Low MI (1 nat, d = 4, K = 128): the bounds with their optimal critics against the truth."""
    d, true_mi, K = 4, 1.0, 128
    rho = known_mi.mi_to_rho(true_mi, d)

    def sampler(_, g):
        return known_mi.correlated_gaussian(K, d, rho=rho, generator=g, dtype=F64)

    def pmi(x, y):
        return known_mi.gaussian_log_critic(x, y, rho)

    # unbiased ones: NWJ at 1 + pmi, JS (TUBA read-out) at pmi, BA with the true conditional
    for estimator, critic, options in [
        ("nwj", lambda x, y: pmi(x, y) + 1, {}),
        ("js", pmi, {}),
        ("tuba", lambda x, y: pmi(x, y) + 0.7, {"log_baseline": 0.7}),
        (
            bounds.ba,
            lambda x, y: known_mi.gaussian_log_critic(x, y, rho, conditional=True),
            {"entropy": d / 2 * math.log(2 * math.pi * math.e)},
        ),
    ]:
        mean, se = mc_batches(estimator, critic, sampler, **options)
        assert abs(mean - true_mi) <= 4 * se, (estimator, mean, se)
    # InfoNCE: below the truth, by little at K = 128 for 1 nat; DV consistent (tiny upward bias)
    mean, se = mc_batches("infonce", pmi, sampler)
    assert true_mi - 0.1 < mean < true_mi
    mean, se = mc_batches("dv", pmi, sampler)
    assert abs(mean - true_mi) <= 4 * se + 0.02
    # Poole et al.'s read-out of a JS critic, nwj(s), at the JS optimum s = pmi: exactly 1/e too low
    mean, se = mc_batches("nwj", pmi, sampler)
    assert abs(mean - (true_mi - math.exp(-1))) <= 4 * se


def test_js_objective_is_maximised_at_the_pmi_without_offset():
    """d/dc E[js_fgan(pmi + c)] = E_p σ(−pmi) − E_q σ(pmi) = 0 at c = 0 (both equal ∫ pq/(p+q))."""
    rho = known_mi.mi_to_rho(2.0, 4)
    x, y = known_mi.correlated_gaussian(256, 4, rho=rho, generator=gen(6), dtype=F64)
    slopes = []
    for seed in range(40):
        x, y = known_mi.correlated_gaussian(256, 4, rho=rho, generator=gen(100 + seed), dtype=F64)
        c = torch.zeros((), dtype=F64, requires_grad=True)
        bounds.js_fgan(known_mi.gaussian_log_critic(x, y, rho) + c).backward()
        slopes.append(c.grad.item())
    assert abs(np.mean(slopes)) <= 4 * np.std(slopes) / math.sqrt(len(slopes))


def test_ssl_critic_infonce_saturates_at_log_k():
    """Two views of the SSL model with σ² = 0.01 (I = 19.6 nats): InfoNCE with the true critic is log K."""
    model = SSLModel(10, 0.01, 1.0, dtype=F64)

    def sampler(_, g):
        z = model.sample(64, 2, generator=g).z
        return z[:, 1], z[:, 0]

    values = critics.evaluate_critic(
        lambda a, b: known_mi.ssl_log_critic(a, b, 0.01, 1.0), "infonce", sampler, n_batches=20, seed=0
    )
    assert bool((values <= math.log(64) + 1e-12).all()) and values.mean() > math.log(64) - 0.01


# ---------------------------------------------------------------- critics and training


def numpy_mlp(seq: torch.nn.Sequential, x: torch.Tensor) -> np.ndarray:
    """A forward pass of Linear/ReLU layers written out in float64 NumPy (no torch module code)."""
    h = x.detach().double().numpy()
    for layer in seq:
        if isinstance(layer, torch.nn.Linear):
            h = h @ layer.weight.detach().double().numpy().T + layer.bias.detach().double().numpy()
        else:
            assert isinstance(layer, torch.nn.ReLU)
            h = np.maximum(h, 0.0)
    return h


def test_separable_and_concat_critics():
    x = torch.randn(7, 3, generator=gen(7))
    y = torch.randn(7, 2, generator=gen(8))
    sep = critics.SeparableCritic(3, 2, hidden=16, layers=2, embed_dim=4, temperature=0.5, seed=0)
    scores = sep(x, y)
    assert scores.shape == (7, 7)
    # independently: the two MLPs evaluated in float64 NumPy from their weights, then g(x_i)·h(y_j) / τ
    expected = numpy_mlp(sep.g, x) @ numpy_mlp(sep.h, y).T / 0.5
    np.testing.assert_allclose(scores.detach().numpy(), expected, rtol=1e-5, atol=1e-6)
    assert torch.linalg.matrix_rank(scores.detach(), rtol=1e-4) <= 4  # separable: rank <= embed_dim
    perm = torch.randperm(7, generator=gen(9))
    torch.testing.assert_close(sep(x[perm], y[perm]), scores[perm][:, perm])  # pairs, not positions
    cat = critics.ConcatCritic(3, 2, hidden=16, layers=1, seed=0)
    brute = torch.stack(
        [torch.stack([cat.net(torch.cat([x[i], y[j]]))[0] for j in range(7)]) for i in range(7)]
    )
    torch.testing.assert_close(cat(x, y), brute)
    shared = critics.SeparableCritic(3, shared=True, normalize=True, temperature=0.1, hidden=8, seed=1)
    assert shared.g is shared.h
    s = shared(x, x)
    assert bool((s.abs() <= 10 + 1e-4).all())
    torch.testing.assert_close(s.diagonal(), torch.full((7,), 10.0), rtol=0, atol=1e-4)


def test_critic_seed_is_reproducible_and_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = critics.SeparableCritic(4, hidden=8, seed=5)
    after = torch.rand(1)
    b = critics.SeparableCritic(4, hidden=8, seed=5)
    assert torch.equal(before, after)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_train_critic_learns_and_is_reproducible():
    rho = known_mi.mi_to_rho(1.0, 2)

    def sampler(_, g):
        return known_mi.correlated_gaussian(64, 2, rho=rho, generator=g)

    traces = []
    for _ in range(2):
        critic = critics.SeparableCritic(2, hidden=32, embed_dim=8, seed=0)
        traces.append(critics.train_critic(critic, "infonce", sampler, steps=300, lr=3e-3, seed=1))
    assert traces[0].shape == (300,) and traces[0].dtype == np.float64
    np.testing.assert_array_equal(traces[0], traces[1])
    assert traces[0][:20].mean() < 0.3 and traces[0][-50:].mean() > 0.7  # truth 1.0, InfoNCE bound ~0.97
    evaluated = critics.evaluate_critic(critic, "infonce", sampler, n_batches=50, seed=2)
    assert evaluated.shape == (50,) and 0.7 < evaluated.mean() <= math.log(64)
    smile_trace = critics.train_critic(
        critics.SeparableCritic(2, hidden=32, embed_dim=8, seed=0),
        "smile",
        sampler,
        steps=50,
        seed=1,
        clip=5.0,
    )
    assert np.isfinite(smile_trace).all()


# ---------------------------------------------------------------- input checks


@pytest.mark.parametrize(
    ("scores", "error", "match"),
    [
        (torch.zeros(3, 4), ValueError, "must be square"),
        (torch.zeros(3), ValueError, "must be 2-D"),
        (torch.zeros(1, 1), ValueError, "K >= 2"),
        (torch.tensor([[0.0, float("nan")], [0.0, 0.0]]), ValueError, "NaN or inf"),
        (torch.tensor([[0.0, float("inf")], [0.0, 0.0]]), ValueError, "NaN or inf"),
        (torch.zeros(2, 2, dtype=torch.int64), TypeError, "floating-point"),
        ([[0.0, 1.0], [1.0, 0.0]], TypeError, "torch.Tensor"),
    ],
)
def test_bad_scores_are_rejected(scores, error, match):
    for name in bounds.ESTIMATORS:
        options = {"alpha": 0.5} if name == "interpolated" else {}
        with pytest.raises(error, match=match):
            bounds.estimate(name, scores, **options)
    with pytest.raises(error, match=match):
        bounds.ba(scores, entropy=0.0)


def test_bad_options_are_rejected():
    s = random_scores(3, 0)
    for alpha in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match=r"alpha must be a finite number in \[0, 1\]"):
            bounds.interpolated(s, alpha)
    with pytest.raises(TypeError, match="alpha must be a number"):
        bounds.interpolated(s, "half")
    for clip in (0.0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="clip must be a finite number > 0"):
            bounds.smile(s, clip=clip)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        bounds.tuba(s, torch.zeros(4))
    with pytest.raises(ValueError, match="log_baseline must be (a )?finite"):
        bounds.tuba(s, float("inf"))
    with pytest.raises(ValueError, match="entropy must be (a )?finite"):
        bounds.ba(s, float("nan"))
    with pytest.raises(ValueError, match=r"rho must be in \(-1, 1\)"):
        known_mi.rho_to_mi(1.0, 3)
    with pytest.raises(ValueError, match="mi must be a finite number >= 0"):
        known_mi.mi_to_rho(-1.0, 3)
    with pytest.raises(ValueError, match="exactly one of rho"):
        known_mi.correlated_gaussian(4, 2, rho=0.5, mi=1.0, seed=0)
    with pytest.raises(ValueError, match="exactly one of rho"):
        known_mi.correlated_gaussian(4, 2, seed=0)
    with pytest.raises(ValueError, match="caller-seeded"):
        known_mi.correlated_gaussian(4, 2, rho=0.5)
    x = torch.zeros(4, 2)
    with pytest.raises(ValueError, match=r"rho must be in \(-1, 1\) in every coordinate"):
        known_mi.gaussian_log_critic(x, x, torch.tensor([0.5, 1.0]))
    with pytest.raises(ValueError, match="same shape|both have shape"):
        known_mi.gaussian_log_critic(x, torch.zeros(3, 2), 0.5)
    with pytest.raises(ValueError, match="unknown estimator"):
        critics.train_critic(critics.SeparableCritic(2, hidden=4), "mine", lambda i, g: (x, x), steps=1)
    with pytest.raises(TypeError, match="sampler must be a callable"):
        critics.train_critic(critics.SeparableCritic(2, hidden=4), "infonce", None, steps=1)
    with pytest.raises(ValueError, match="temperature must be"):
        critics.SeparableCritic(2, temperature=0.0)
