"""The discriminative SSL losses, each checked against a brute-force reference and closed forms.

The references are explicit Python loops over anchors, view pairs and coordinates (numpy float64 scalars,
naive exp-then-log, which is safe at these sizes), written from the official implementations' formulas
as the docstrings of ``simvae_core.objectives.discriminative`` state them; Sinkhorn-Knopp is checked against a
line-by-line transcription of SwAV's ``distributed_sinkhorn``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from simvae_core.objectives import discriminative as D
from simvae_core.objectives.output import LossOutput

from .conftest import gen

F64 = torch.float64
TOL = dict(rtol=1e-10, atol=1e-10)

pytestmark = pytest.mark.usefixtures("one_thread")  # small tensors: one intra-op thread


def randn(*shape: int, seed: int = 0, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.randn(*shape, generator=gen(seed), dtype=dtype)


def unit_rows(*shape: int, seed: int = 0) -> torch.Tensor:
    return F.normalize(randn(*shape, seed=seed), dim=-1)


def hadamard(n: int) -> np.ndarray:
    """Sylvester's Hadamard matrix: ±1 entries, orthogonal columns, every column but the first centred."""
    h = np.ones((1, 1))
    while h.shape[0] < n:
        h = np.block([[h, h], [h, -h]])
    return h


# ---------------------------------------------------------------------------------------------------------
# brute-force references (numpy float64, explicit loops)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / math.sqrt(sum(x * x for x in v))


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(_unit(a), _unit(b)))


def _log_sum_exp(values: list[float]) -> float:
    return math.log(sum(math.exp(v) for v in values))


def _log_softmax(row: np.ndarray) -> list[float]:
    lse = _log_sum_exp(list(row))
    return [float(v) - lse for v in row]


def ref_nt_xent(z: np.ndarray, tau: float) -> float:
    B, J, _ = z.shape
    anchors = [(b, j) for b in range(B) for j in range(J)]
    total = 0.0
    for b, j in anchors:
        denominator = [_cos(z[b, j], z[c, k]) / tau for c, k in anchors if (c, k) != (b, j)]
        positives = [-(_cos(z[b, j], z[b, k]) / tau - _log_sum_exp(denominator)) for k in range(J) if k != j]
        total += sum(positives) / len(positives)
    return total / len(anchors)


def ref_clip(z: np.ndarray, tau: float) -> float:
    B = z.shape[0]
    logits = [[_cos(z[i, 0], z[k, 1]) / tau for k in range(B)] for i in range(B)]
    a_to_b = sum(-(logits[i][i] - _log_sum_exp(logits[i])) for i in range(B)) / B
    b_to_a = sum(-(logits[i][i] - _log_sum_exp([logits[k][i] for k in range(B)])) for i in range(B)) / B
    return (a_to_b + b_to_a) / 2


def ref_moco(q: np.ndarray, k: np.ndarray, queue: np.ndarray, tau: float) -> float:
    total = 0.0
    for b in range(q.shape[0]):
        logits = [_cos(q[b], k[b]) / tau] + [_cos(q[b], n) / tau for n in queue]
        total += -(logits[0] - _log_sum_exp(logits))
    return total / q.shape[0]


def ref_moco_symmetric(zq: np.ndarray, zk: np.ndarray, queue: np.ndarray, tau: float) -> float:
    pairs = list(itertools.permutations(range(zq.shape[1]), 2))
    return sum(ref_moco(zq[:, j], zk[:, k], queue, tau) for j, k in pairs) / len(pairs)


def ref_instance(z: np.ndarray, memory: np.ndarray, index: np.ndarray, tau: float) -> float:
    B, J, _ = z.shape
    total = 0.0
    for b in range(B):
        for j in range(J):
            u = _unit(z[b, j])
            logits = [float(np.dot(u, m)) / tau for m in memory]
            total += -(logits[index[b]] - _log_sum_exp(logits))
    return total / (B * J)


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def ref_vicreg(z: np.ndarray, sim_w: float, var_w: float, cov_w: float, eps: float) -> float:
    B, J, d = z.shape
    inv = _mean(
        [
            _mean([(z[b, j, i] - z[b, k, i]) ** 2 for b in range(B) for i in range(d)])
            for j, k in itertools.combinations(range(J), 2)
        ]
    )
    var_terms, cov = [], 0.0
    for j in range(J):
        mean = [_mean([z[b, j, i] for b in range(B)]) for i in range(d)]
        xc = [[z[b, j, i] - mean[i] for i in range(d)] for b in range(B)]
        c = [[sum(xc[b][i] * xc[b][l] for b in range(B)) / (B - 1) for l in range(d)] for i in range(d)]
        var_terms.append(_mean([max(0.0, 1 - math.sqrt(c[i][i] + eps)) for i in range(d)]))
        cov += sum(c[i][l] ** 2 for i in range(d) for l in range(d) if i != l) / d
    return sim_w * inv + var_w * _mean(var_terms) + cov_w * cov


def ref_barlow(z: np.ndarray, lambd: float) -> float:
    B, J, d = z.shape
    zn = np.empty_like(z)
    for j in range(J):
        for i in range(d):
            col = [z[b, j, i] for b in range(B)]
            m = _mean(col)
            v = _mean([(x - m) ** 2 for x in col])
            for b in range(B):
                zn[b, j, i] = (z[b, j, i] - m) / math.sqrt(v + 1e-5)
    per_pair = []
    for j, k in itertools.combinations(range(J), 2):
        loss = 0.0
        for i in range(d):
            for l in range(d):
                c = sum(zn[b, j, i] * zn[b, k, l] for b in range(B)) / B
                loss += (c - 1) ** 2 if i == l else lambd * c**2
        per_pair.append(loss)
    return _mean(per_pair)


def ref_byol(p: np.ndarray, t: np.ndarray) -> float:
    B, J, _ = p.shape
    pairs = list(itertools.permutations(range(J), 2))
    return 2 * _mean([_mean([2 - 2 * _cos(p[b, j], t[b, k]) for b in range(B)]) for j, k in pairs])


def ref_simsiam(p: np.ndarray, z: np.ndarray) -> float:
    B, J, _ = p.shape
    pairs = list(itertools.permutations(range(J), 2))
    return _mean([-_mean([_cos(p[b, j], z[b, k]) for b in range(B)]) for j, k in pairs])


def ref_dino(student: np.ndarray, teacher: np.ndarray, center: np.ndarray, tau_s: float, tau_t: float):
    B, J, K = student.shape
    total, n_pairs = 0.0, 0
    for a in range(teacher.shape[1]):
        for v in range(J):
            if v == a:
                continue
            per_sample = []
            for b in range(B):
                log_q = _log_softmax((teacher[b, a] - center) / tau_t)
                log_p = _log_softmax(student[b, v] / tau_s)
                per_sample.append(sum(-math.exp(log_q[k]) * log_p[k] for k in range(K)))
            total += _mean(per_sample)
            n_pairs += 1
    return total / n_pairs


def official_sinkhorn(out: torch.Tensor, epsilon: float, iterations: int) -> torch.Tensor:
    """SwAV's ``distributed_sinkhorn`` for one process, line by line (exp domain, in ``out``'s dtype)."""
    Q = torch.exp(out / epsilon).t()  # K x B
    B = Q.shape[1]
    K = Q.shape[0]
    sum_Q = torch.sum(Q)
    Q /= sum_Q
    for _ in range(iterations):
        sum_of_rows = torch.sum(Q, dim=1, keepdim=True)
        Q /= sum_of_rows
        Q /= K
        Q /= torch.sum(Q, dim=0, keepdim=True)
        Q /= B
    Q *= B
    return Q.t()


def ref_swav(scores: np.ndarray, tau: float, epsilon: float, iterations: int) -> float:
    B, J, K = scores.shape
    loss = 0.0
    for a in range(J):
        q = official_sinkhorn(torch.from_numpy(scores[:, a]), epsilon, iterations).numpy()
        subloss = 0.0
        for v in range(J):
            if v == a:
                continue
            per_sample = []
            for b in range(B):
                log_p = _log_softmax(scores[b, v] / tau)
                per_sample.append(sum(-q[b, k] * log_p[k] for k in range(K)))
            subloss += _mean(per_sample)
        loss += subloss / (J - 1)
    return loss / J


# ---------------------------------------------------------------------------------------------------------
# one case per loss: inputs (float64) and the call


B, DIM, K_PROTOTYPES, N_MEMORY = 5, 4, 6, 7


def make_case(name: str, J: int = 2, seed: int = 0, dtype: torch.dtype = F64) -> dict:
    """``{"inputs": tensors, "kwargs": options, "ref": brute-force fn}`` for ``LOSS_FUNCTIONS[name]``."""
    z = randn(B, J, DIM, seed=seed, dtype=dtype)
    if name == "simclr":
        return dict(
            inputs=dict(z=z), kwargs=dict(temperature=0.3), ref=lambda i, k: ref_nt_xent(i["z"], **_t(k))
        )
    if name == "clip":
        z = randn(B, 2, DIM, seed=seed, dtype=dtype)
        return dict(
            inputs=dict(z=z), kwargs=dict(temperature=0.2), ref=lambda i, k: ref_clip(i["z"], **_t(k))
        )
    if name == "moco":
        inputs = dict(z_query=z, z_key=randn(B, J, DIM, seed=seed + 1, dtype=dtype))
        inputs["queue"] = randn(8, DIM, seed=seed + 2, dtype=dtype)
        return dict(
            inputs=inputs,
            kwargs=dict(temperature=0.2),
            ref=lambda i, k: ref_moco_symmetric(i["z_query"], i["z_key"], i["queue"], **_t(k)),
        )
    if name == "instance_discrimination":
        memory = unit_rows(N_MEMORY, DIM, seed=seed + 1).to(dtype)
        index = torch.randperm(N_MEMORY, generator=gen(seed + 2))[:B]
        return dict(
            inputs=dict(z=z, memory=memory, index=index),
            kwargs=dict(temperature=0.1),
            ref=lambda i, k: ref_instance(i["z"], i["memory"], i["index"], **_t(k)),
        )
    if name == "vicreg":
        kwargs = dict(sim_weight=25.0, var_weight=25.0, cov_weight=1.0, eps=1e-4)
        return dict(inputs=dict(z=z), kwargs=kwargs, ref=lambda i, k: ref_vicreg(i["z"], *k.values()))
    if name == "barlow_twins":
        return dict(inputs=dict(z=z), kwargs=dict(lambd=0.3), ref=lambda i, k: ref_barlow(i["z"], k["lambd"]))
    if name in ("byol", "simsiam"):
        other = "target" if name == "byol" else "projection"
        ref = ref_byol if name == "byol" else ref_simsiam
        inputs = {"prediction": z, other: randn(B, J, DIM, seed=seed + 1, dtype=dtype)}
        return dict(inputs=inputs, kwargs={}, ref=lambda i, k: ref(i["prediction"], i[other]))
    if name == "dino":
        inputs = dict(
            student=randn(B, J, K_PROTOTYPES, seed=seed, dtype=dtype),
            teacher=randn(B, J, K_PROTOTYPES, seed=seed + 1, dtype=dtype),
            center=0.1 * randn(K_PROTOTYPES, seed=seed + 2, dtype=dtype),
        )
        return dict(
            inputs=inputs,
            kwargs=dict(student_temperature=0.1, teacher_temperature=0.04),
            ref=lambda i, k: ref_dino(
                i["student"], i["teacher"], i["center"], k["student_temperature"], k["teacher_temperature"]
            ),
        )
    if name == "swav":
        prototypes = unit_rows(K_PROTOTYPES, DIM, seed=seed + 1)
        scores = (unit_rows(B, J, DIM, seed=seed) @ prototypes.T).to(dtype)  # (B, J, K), in [-1, 1]
        return dict(
            inputs=dict(scores=scores),
            kwargs=dict(temperature=0.1, epsilon=0.05, sinkhorn_iterations=3),
            ref=lambda i, k: ref_swav(i["scores"], *k.values()),
        )
    raise AssertionError(name)


def _t(kwargs: dict) -> dict:
    return {"tau": kwargs["temperature"]}


def call(name: str, case: dict, **extra) -> torch.Tensor | LossOutput:
    return D.LOSS_FUNCTIONS[name](**case["inputs"], **case["kwargs"], **extra)


def reference(case: dict) -> float:
    inputs = {
        n: t.detach().double().numpy() if t.is_floating_point() else t.numpy()
        for n, t in case["inputs"].items()
    }
    return case["ref"](inputs, case["kwargs"])


NAMES = list(D.LOSS_FUNCTIONS)
TEMPERED = {
    "simclr": ["temperature"],
    "clip": ["temperature"],
    "moco": ["temperature"],
    "instance_discrimination": ["temperature"],
    "dino": ["student_temperature", "teacher_temperature"],
    "swav": ["temperature"],
}


# ---------------------------------------------------------------------------------------------------------
# values: brute force, closed forms


@pytest.mark.parametrize("J", [2, 3])
@pytest.mark.parametrize("name", NAMES)
def test_matches_brute_force_reference(name, J):
    case = make_case(name, J=J)
    loss = call(name, case)
    assert loss.shape == () and loss.dtype == F64
    assert loss.item() == pytest.approx(reference(case), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("name", NAMES)
def test_return_terms_gives_detached_scalars_and_the_same_loss(name):
    case = make_case(name, J=3 if name != "clip" else 2)
    for t in case["inputs"].values():
        t.requires_grad_(t.is_floating_point())
    plain = call(name, case)
    out = call(name, case, return_terms=True)
    assert isinstance(out, LossOutput) and out.loss.requires_grad
    torch.testing.assert_close(out.loss, plain, **TOL)
    assert "loss" in out.terms and len(out.terms) >= 2
    for key, value in out.terms.items():
        assert value.shape == () and not value.requires_grad, key
        assert torch.isfinite(value), key
    torch.testing.assert_close(out.terms["loss"], plain.detach(), **TOL)


def test_dino_teacher_may_see_only_the_global_views():
    """Multi-crop: the teacher sees the first 2 of 4 views, pairs (a, v) with a < 2, v ≠ a."""
    student, teacher, center = randn(B, 4, 6, seed=1), randn(B, 2, 6, seed=2), 0.1 * randn(6, seed=3)
    loss = D.dino(student, teacher, center, 0.1, 0.05)
    expected = ref_dino(student.numpy(), teacher.numpy(), center.numpy(), 0.1, 0.05)
    assert loss.item() == pytest.approx(expected, rel=1e-10)


def test_nt_xent_closed_form_two_orthogonal_groups():
    e1, e2 = torch.tensor([1.0, 0.0], dtype=F64), torch.tensor([0.0, 1.0], dtype=F64)
    z = torch.stack([torch.stack([e1, e1]), torch.stack([3 * e2, e2])])  # (2, 2, 2); norms do not matter
    out = D.nt_xent(z, 0.5, return_terms=True)
    assert out.loss.item() == pytest.approx(math.log(1 + 2 * math.exp(-2)), rel=1e-12)
    assert out.terms["positive_similarity"].item() == pytest.approx(1.0)
    assert out.terms["negative_similarity"].item() == pytest.approx(0.0, abs=1e-15)
    assert out.terms["accuracy"].item() == 1.0


def test_nt_xent_two_views_is_simclr_2n_by_2n_cross_entropy():
    """SimCLR's own layout: [view 0 of all groups; view 1 of all groups], CE against the partner row."""
    z = randn(6, 2, 5, seed=4)
    u = F.normalize(torch.cat([z[:, 0], z[:, 1]]), dim=-1)  # (2B, d)
    logits = (u @ u.T / 0.5).fill_diagonal_(-1e9)
    labels = torch.cat([torch.arange(6, 12), torch.arange(6)])
    torch.testing.assert_close(D.nt_xent(z, 0.5), F.cross_entropy(logits, labels), **TOL)


def test_clip_perfect_alignment_and_tiny_temperature_is_nearly_zero():
    a = torch.eye(4, dtype=F64)
    z = torch.stack([a, 2 * a], dim=1)  # (4, 2, 4): each pair matched, the others orthogonal
    for tau in (0.05, 0.01):
        assert D.clip(z, tau).item() == pytest.approx(math.log1p(3 * math.exp(-1 / tau)), rel=1e-9)
    assert D.clip(z, 0.01).item() < 1e-40


def test_clip_temperature_is_clip_logit_scale():
    log_scale = torch.tensor(math.log(1 / 0.07), dtype=F64, requires_grad=True)
    tau = D.clip_temperature(log_scale)
    assert tau.item() == pytest.approx(0.07, rel=1e-12)
    tau.backward()
    assert log_scale.grad.item() == pytest.approx(-0.07, rel=1e-12)  # d exp(−s)/ds
    clamped = torch.tensor(math.log(1000.0), requires_grad=True)
    tau = D.clip_temperature(clamped)
    assert tau.item() == pytest.approx(0.01)  # exp(s) clamped at 100
    tau.backward()
    assert clamped.grad.item() == 0.0
    assert D.clip_temperature(0.0).item() == 1.0


def test_moco_and_instance_discrimination_closed_forms():
    """Positive similarity 1, negatives orthogonal: loss = log(1 + n_neg · exp(−1/τ))."""
    eye = torch.eye(4, dtype=F64)
    q = eye[:2]
    assert D.moco(q, 5 * q, eye[2:], 0.2).item() == pytest.approx(math.log1p(2 * math.exp(-5)), rel=1e-12)
    z = torch.stack([eye[[1, 3]], 2 * eye[[1, 3]]], dim=1)  # (2, 2, 4), group b is memory row index[b]
    loss = D.instance_discrimination(z, eye, torch.tensor([1, 3]), 0.1)
    assert loss.item() == pytest.approx(math.log1p(3 * math.exp(-10)), rel=1e-12)


def test_vicreg_closed_forms_on_whitened_inputs():
    x = torch.from_numpy(hadamard(8)[:, 1:])  # (8, 7): centred, orthogonal columns, unbiased var 8/7
    z = torch.stack([x, x], dim=1)
    out = D.vicreg(z, return_terms=True)
    assert out.loss.item() == 0.0  # aligned, std > 1, zero covariance
    half = D.vicreg(0.5 * z, return_terms=True)  # unbiased var (1/4)(8/7) = 2/7
    expected_variance = 1 - math.sqrt(2 / 7 + 1e-4)
    assert half.terms["variance"].item() == pytest.approx(expected_variance, rel=1e-12)
    assert half.terms["invariance"].item() == 0.0 and half.terms["covariance"].item() == 0.0
    assert half.loss.item() == pytest.approx(25 * expected_variance, rel=1e-12)


def test_barlow_twins_is_zero_on_identical_decorrelated_unit_variance_branches():
    x = torch.from_numpy(hadamard(8)[:, 1:])  # (8, 7): biased variance exactly 1, orthogonal columns
    out = D.barlow_twins(torch.stack([x, x, x], dim=1), return_terms=True)
    # c = I / (1 + 1e-5): BatchNorm's eps keeps the diagonal a hair below 1
    assert out.loss.item() == pytest.approx(7 * (1 / (1 + 1e-5) - 1) ** 2, rel=1e-9)
    assert out.loss.item() < 1e-8 and out.terms["off_diagonal"].item() < 1e-25


def test_byol_zero_and_simsiam_minus_one_when_prediction_matches():
    """The losses pair view j's prediction with view j' ≠ j's target: p = t within a group, all views."""
    z = randn(B, 1, DIM, seed=5).expand(B, 3, DIM)
    assert D.byol(z, z).item() == pytest.approx(0.0, abs=1e-12)
    assert D.byol(z, 3 * z).item() == pytest.approx(0.0, abs=1e-12)  # scale-free
    assert D.simsiam(z, 2 * z).item() == pytest.approx(-1.0, rel=1e-12)
    assert D.byol(z, -z).item() == pytest.approx(8.0, rel=1e-12)  # opposed: 2 × (2 − 2 · (−1))


def test_dino_kl_vanishes_when_student_reproduces_the_teacher():
    teacher = randn(B, 1, 6, seed=6).expand(B, 3, 6)
    center = 0.2 * randn(6, seed=7)
    student = (teacher - center) / 0.04 * 0.1  # student / τ_s = (teacher − c) / τ_t
    out = D.dino(student, teacher, center, 0.1, 0.04, return_terms=True)
    assert out.terms["kl"].item() == pytest.approx(0.0, abs=1e-12)
    assert out.loss.item() == pytest.approx(out.terms["teacher_entropy"].item(), rel=1e-12)


def test_swav_uniform_scores_give_uniform_codes_and_log_k():
    out = D.swav(torch.zeros(4, 2, 6, dtype=F64), return_terms=True)
    assert out.loss.item() == pytest.approx(math.log(6), rel=1e-12)
    assert out.terms["entropy"].item() == pytest.approx(math.log(6), rel=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Sinkhorn-Knopp


@pytest.mark.parametrize("iterations", [1, 3, 10])
def test_sinkhorn_equals_the_official_loop(iterations):
    scores = unit_rows(9, 5, seed=8) @ unit_rows(4, 5, seed=9).T  # (B, K) = (9, 4), in [-1, 1]
    q = D.sinkhorn_knopp(scores, 0.05, iterations)
    torch.testing.assert_close(q, official_sinkhorn(scores, 0.05, iterations), rtol=1e-12, atol=1e-15)


def test_sinkhorn_marginals():
    scores = unit_rows(12, 5, seed=10) @ unit_rows(3, 5, seed=11).T  # B = 12, K = 3
    q = D.sinkhorn_knopp(scores, 0.05, 3)
    # after the official last step (column normalisation of Q, then × B) each sample's codes sum to 1
    torch.testing.assert_close(q.sum(dim=1), torch.ones(12, dtype=F64), rtol=0, atol=1e-12)
    # each prototype gets B / K samples only in the limit; the error shrinks with the iterations
    errors = [(D.sinkhorn_knopp(scores, 0.05, n).sum(dim=0) - 4).abs().max().item() for n in (1, 3, 30, 300)]
    assert errors == sorted(errors, reverse=True) and errors[-1] < 1e-9


def test_sinkhorn_log_domain_does_not_overflow():
    scores = unit_rows(9, 5, seed=12) @ unit_rows(4, 5, seed=13).T
    expected = official_sinkhorn(scores, 0.005, 3)  # float64: exp(200) is fine
    assert not torch.isfinite(official_sinkhorn(scores.float(), 0.005, 3)).all()  # float32: inf / inf
    q32 = D.sinkhorn_knopp(scores.float(), 0.005, 3)
    assert q32.dtype == torch.float32 and torch.isfinite(q32).all()
    torch.testing.assert_close(q32.double(), expected, rtol=1e-4, atol=1e-6)
    q16 = D.sinkhorn_knopp(scores.half(), 0.05, 3)  # exp(20) > float16's max 65504
    assert q16.dtype == torch.float16 and torch.isfinite(q16).all()
    assert not torch.isfinite(official_sinkhorn(scores.half(), 0.05, 3)).all()
    torch.testing.assert_close(q16.double(), official_sinkhorn(scores, 0.05, 3), rtol=1e-2, atol=2e-3)


# ---------------------------------------------------------------------------------------------------------
# gradients


def test_gradcheck_nt_xent_vicreg_barlow_twins():
    z = randn(4, 3, 3, seed=14, dtype=F64).requires_grad_()
    assert torch.autograd.gradcheck(lambda t: D.nt_xent(t, 0.3), (z,))
    assert torch.autograd.gradcheck(lambda t: D.vicreg(t, 2.0, 3.0, 1.0), (z,))
    assert torch.autograd.gradcheck(lambda t: D.barlow_twins(t, 0.3), (z,))


def test_gradcheck_clip_including_a_learnable_temperature():
    z = randn(4, 2, 3, seed=15).requires_grad_()
    log_scale = torch.tensor(math.log(1 / 0.2), dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t, s: D.clip(t, D.clip_temperature(s)), (z, log_scale))
    tau = torch.tensor(0.2, dtype=F64, requires_grad=True)
    D.clip(z, tau).backward()
    assert tau.grad is not None and tau.grad.item() != 0.0


def test_gradcheck_dino_student():
    student = randn(3, 3, 4, seed=16).requires_grad_()
    teacher, center = randn(3, 3, 4, seed=17), 0.1 * randn(1, 4, seed=18)
    assert torch.autograd.gradcheck(lambda s: D.dino(s, teacher, center, 0.5, 0.3), (student,))


def test_swav_gradient_is_that_of_the_loss_with_frozen_codes():
    """The codes are a stop-gradient: compare with finite differences of the reference at fixed codes."""
    scores = (unit_rows(4, 3, 3, seed=19) @ unit_rows(5, 3, seed=20).T).requires_grad_()  # (4, 3, 5)
    D.swav(scores, 0.5, 0.1, 3).backward()
    codes = [official_sinkhorn(scores.detach()[:, a], 0.1, 3) for a in range(3)]

    def frozen(s: torch.Tensor) -> torch.Tensor:
        log_p = (s / 0.5).log_softmax(dim=-1)
        terms = [-(codes[a] * log_p[:, v]).sum(dim=-1).mean() for a in range(3) for v in range(3) if v != a]
        return torch.stack(terms).mean()

    assert torch.autograd.gradcheck(frozen, (scores.detach().clone().requires_grad_(),))
    numerical = torch.zeros_like(scores)
    h = 1e-6
    for idx in itertools.product(*map(range, scores.shape)):
        e = torch.zeros_like(scores)
        e[idx] = h
        numerical[idx] = (frozen(scores.detach() + e) - frozen(scores.detach() - e)) / (2 * h)
    torch.testing.assert_close(scores.grad, numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", ["moco", "instance_discrimination", "byol", "simsiam"])
def test_gradcheck_online_branch(name):
    case = make_case(name, J=2)
    online = {
        "moco": "z_query",
        "instance_discrimination": "z",
        "byol": "prediction",
        "simsiam": "prediction",
    }
    key = online[name]
    inputs = dict(case["inputs"])

    def f(t: torch.Tensor) -> torch.Tensor:
        return D.LOSS_FUNCTIONS[name](**{**inputs, key: t}, **case["kwargs"])

    assert torch.autograd.gradcheck(f, (inputs[key].clone().requires_grad_(),))


STOPPED = {
    "moco": ["z_key", "queue"],
    "instance_discrimination": ["memory"],
    "byol": ["target"],
    "simsiam": ["projection"],
    "dino": ["teacher", "center"],
}


@pytest.mark.parametrize("name", list(STOPPED))
def test_stop_gradients(name):
    case = make_case(name, J=3)
    inputs = {n: t.clone().requires_grad_(t.is_floating_point()) for n, t in case["inputs"].items()}
    D.LOSS_FUNCTIONS[name](**inputs, **case["kwargs"]).backward()
    for n, t in inputs.items():
        if n in STOPPED[name]:
            assert t.grad is None, f"{name}: gradient reached {n}"
        elif t.is_floating_point():
            assert t.grad is not None and t.grad.abs().sum() > 0, f"{name}: no gradient to {n}"


def test_moco_detaches_key_and_queue_directly():
    q, k, queue = (randn(*s, seed=i).requires_grad_() for i, s in enumerate([(3, 4), (3, 4), (5, 4)]))
    D.moco(q, k, queue).backward()
    assert q.grad is not None and k.grad is None and queue.grad is None


# ---------------------------------------------------------------------------------------------------------
# invariances and precision


@pytest.mark.parametrize("name", NAMES)
def test_invariant_to_the_order_of_groups(name):
    case = make_case(name, J=3 if name != "clip" else 2)
    perm = torch.randperm(B, generator=gen(21))
    batch_axis = {"queue": None, "memory": None, "center": None}
    shuffled = {n: t if batch_axis.get(n, 0) is None else t[perm] for n, t in case["inputs"].items()}
    base = call(name, case)
    torch.testing.assert_close(D.LOSS_FUNCTIONS[name](**shuffled, **case["kwargs"]), base, **TOL)


def test_sinkhorn_is_equivariant_to_the_order_of_samples():
    scores = unit_rows(7, 4, seed=22) @ unit_rows(3, 4, seed=23).T
    perm = torch.randperm(7, generator=gen(24))
    torch.testing.assert_close(D.sinkhorn_knopp(scores[perm]), D.sinkhorn_knopp(scores)[perm], **TOL)


@pytest.mark.parametrize("name", NAMES)
def test_bfloat16_at_temperature_005_is_finite_and_matches_float32(name):
    case = make_case(name, J=2, dtype=torch.float32)
    for key in TEMPERED.get(name, []):
        case["kwargs"][key] = 0.05
    if name == "swav":
        case["kwargs"]["epsilon"] = 0.05
    half = {n: t.bfloat16() if t.is_floating_point() else t for n, t in case["inputs"].items()}
    rounded = {n: t.float() if t.is_floating_point() else t for n, t in half.items()}
    loss16 = D.LOSS_FUNCTIONS[name](**half, **case["kwargs"])
    assert loss16.dtype == torch.float32 and torch.isfinite(loss16)
    # computed in float32 internally: the same as float32 on the bfloat16-rounded values ...
    loss32 = D.LOSS_FUNCTIONS[name](**rounded, **case["kwargs"])
    torch.testing.assert_close(loss16, loss32, rtol=1e-5, atol=1e-5)
    # ... and close to the unrounded float32 loss (bfloat16 keeps ~3 significant digits)
    exact = D.LOSS_FUNCTIONS[name](**case["inputs"], **case["kwargs"])
    torch.testing.assert_close(loss16, exact, rtol=0.1, atol=0.1)


def test_large_logits_stay_finite():
    """Cosines of ±1 at τ = 0.05 (logits ±20) and raw DINO logits of 1000 in bfloat16."""
    z = torch.stack([torch.eye(4), -torch.eye(4)], dim=1).bfloat16()  # (4, 2, 4): positives opposed
    assert torch.isfinite(D.nt_xent(z, 0.05)) and torch.isfinite(D.clip(z, 0.05))
    logits = (1000 * randn(4, 2, 8, seed=25, dtype=torch.float32)).bfloat16()
    assert torch.isfinite(D.dino(logits, logits.flip(1), torch.zeros(8), 0.05, 0.05))
    assert torch.isfinite(D.swav(logits.clamp(-1, 1), 0.05, 0.05))


# ---------------------------------------------------------------------------------------------------------
# state updates: memory bank, DINO centre


def test_update_memory_in_place_unit_norm_and_only_indexed_rows():
    memory = unit_rows(N_MEMORY, DIM, seed=26)
    before = memory.clone()
    z, index = randn(3, 2, DIM, seed=27), torch.tensor([4, 0, 2])
    out = D.update_memory(memory, z, index, momentum=0.3)
    assert out is memory  # in place, and returned
    torch.testing.assert_close(memory.norm(dim=1), torch.ones(N_MEMORY, dtype=F64), **TOL)
    untouched = [1, 3, 5, 6]
    assert torch.equal(memory[untouched], before[untouched])
    for b, i in enumerate(index.tolist()):
        v = 0.3 * before[i].numpy() + 0.7 * np.mean([_unit(z[b, j].numpy()) for j in range(2)], axis=0)
        np.testing.assert_allclose(memory[i].numpy(), _unit(v), rtol=1e-12)


def test_update_memory_has_no_gradient_and_keeps_the_bank_dtype():
    memory = unit_rows(N_MEMORY, DIM, seed=28).float()
    z = randn(2, 3, DIM, seed=29, dtype=torch.float32).bfloat16().requires_grad_()
    D.update_memory(memory, z, torch.tensor([6, 1]))
    assert memory.dtype == torch.float32 and not memory.requires_grad
    torch.testing.assert_close(memory.norm(dim=1), torch.ones(N_MEMORY), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(6,), (1, 6)])
def test_update_center_formula(shape):
    center = randn(*shape, seed=30)
    teacher = randn(4, 3, 6, seed=31).requires_grad_()
    new = D.update_center(center, teacher, momentum=0.8)
    expected = 0.8 * center + 0.2 * teacher.detach().reshape(12, 6).mean(dim=0).reshape(shape)
    assert new.shape == center.shape and not new.requires_grad
    torch.testing.assert_close(new, expected, **TOL)


# ---------------------------------------------------------------------------------------------------------
# registry and validation


def test_registry_maps_every_method_to_its_official_loss():
    assert D.LOSS_FUNCTIONS["simclr"] is D.nt_xent and D.LOSS_FUNCTIONS["moco"] is D.moco_symmetric
    assert set(D.LOSS_FUNCTIONS) == {
        "simclr", "clip", "moco", "instance_discrimination", "vicreg",
        "barlow_twins", "byol", "simsiam", "dino", "swav",
    }  # fmt: skip
    with pytest.raises(ValueError, match=r"unknown discriminative loss 'simclr2'.*'simclr'"):
        D.LOSS_FUNCTIONS["simclr2"]
    with pytest.raises(KeyError):
        D.LOSS_FUNCTIONS["nope"]


Z = randn(B, 2, DIM, seed=40)
ZF = Z.float()
MEM = unit_rows(N_MEMORY, DIM, seed=41)
IDX = torch.arange(B)

BAD_CALLS = [
    (lambda: D.nt_xent(Z[0]), ValueError, r"z must be 3-D with shape \(B, J, d\)"),
    (lambda: D.nt_xent(Z[:, :1]), ValueError, r"at least 2 views per group \(J >= 2\), got J=1"),
    (lambda: D.nt_xent(Z[:1]), ValueError, r"at least 2 groups \(B >= 2\)"),
    (lambda: D.nt_xent(Z, 0.0), ValueError, r"temperature must be a finite number > 0, got 0.0"),
    (lambda: D.nt_xent(Z, -1.0), ValueError, r"temperature must be a finite number > 0"),
    (lambda: D.nt_xent(Z, "hot"), TypeError, r"temperature must be a number, got str"),
    (lambda: D.nt_xent(Z.masked_fill(Z > 1, math.nan)), ValueError, r"z contains NaN or inf"),
    (lambda: D.nt_xent(Z.masked_fill(Z > 1, math.inf)), ValueError, r"z contains NaN or inf"),
    (lambda: D.nt_xent(Z.long()), TypeError, r"floating-point dtype"),
    (lambda: D.nt_xent(Z.numpy()), TypeError, r"z must be a torch.Tensor"),
    (lambda: D.clip(randn(B, 3, DIM)), ValueError, r"clip needs exactly J = 2 views"),
    (lambda: D.clip(Z, torch.tensor(-0.1)), ValueError, r"temperature must be a finite number > 0"),
    (lambda: D.clip(Z, torch.ones(2)), ValueError, r"temperature must be a single number"),
    (lambda: D.clip_temperature(torch.tensor(math.nan)), ValueError, r"log_scale contains NaN"),
    (lambda: D.clip_temperature("1"), TypeError, r"log_scale must be a number or a tensor"),
    (lambda: D.moco(Z[:, 0], Z[:3, 1], MEM), ValueError, r"query and key must have the same shape"),
    (lambda: D.moco(Z[:, 0], Z[:, 1], MEM[:, :3]), ValueError, r"queue must have shape \(K, d\).*d = 4"),
    (lambda: D.moco(Z[:, 0], Z[:, 1], MEM[:0]), ValueError, r"K >= 1 negatives"),
    (lambda: D.moco(Z, Z, MEM), ValueError, r"query must be 2-D with shape \(B, d\)"),
    (lambda: D.moco_symmetric(Z, Z[:, :1], MEM), ValueError, r"z_query and z_key must have the same shape"),
    (lambda: D.moco_symmetric(Z, Z, MEM, 0.0), ValueError, r"temperature must be a finite number > 0"),
    (lambda: D.instance_discrimination(Z, MEM, IDX.float()), TypeError, r"index must hold integer"),
    (
        lambda: D.instance_discrimination(Z, MEM, IDX + 3),
        ValueError,
        r"index must lie in \[0, N\) = \[0, 7\)",
    ),
    (lambda: D.instance_discrimination(Z, MEM, -IDX), ValueError, r"index must lie in \[0, N\)"),
    (
        lambda: D.instance_discrimination(Z, MEM, IDX[:3]),
        ValueError,
        r"index must have shape \(B,\) = \(5,\)",
    ),
    (lambda: D.instance_discrimination(Z, MEM[:, :2], IDX), ValueError, r"memory must have shape \(N, d\)"),
    (lambda: D.instance_discrimination(Z, MEM, [0, 1]), TypeError, r"index must be a torch.Tensor"),
    (lambda: D.update_memory(MEM.clone(), Z, IDX, 1.5), ValueError, r"momentum must be a finite number in"),
    (lambda: D.update_memory(MEM.clone(), Z, IDX * 0), ValueError, r"index must not repeat"),
    (lambda: D.vicreg(Z[:1]), ValueError, r"at least 2 groups"),
    (lambda: D.vicreg(Z, sim_weight=-1.0), ValueError, r"sim_weight must be a finite number >= 0"),
    (lambda: D.vicreg(Z, eps=0.0), ValueError, r"eps must be a finite number > 0"),
    (lambda: D.barlow_twins(Z, lambd=math.inf), ValueError, r"lambd must be a finite number >= 0"),
    (lambda: D.barlow_twins(Z[:, :1]), ValueError, r"J >= 2"),
    (lambda: D.byol(Z, Z[:, :, :3]), ValueError, r"prediction and target must have the same shape"),
    (lambda: D.simsiam(Z, Z.expand(2, -1, -1, -1)), ValueError, r"projection must be 3-D"),
    (lambda: D.dino(Z, Z[:, :, :2], torch.zeros(4)), ValueError, r"teacher must have shape \(B, J_t, K\)"),
    (lambda: D.dino(Z, randn(B, 3, DIM), torch.zeros(4)), ValueError, r"1 <= J_t <= J = 2"),
    (lambda: D.dino(Z, Z, torch.zeros(5)), ValueError, r"center must have shape \(K,\) or \(1, K\)"),
    (lambda: D.dino(Z, Z, torch.zeros(4), 0.1, 0.0), ValueError, r"teacher_temperature must be a finite"),
    (lambda: D.update_center(torch.zeros(4), Z, 1.1), ValueError, r"momentum must be a finite number in"),
    (lambda: D.update_center(torch.zeros(3), Z), ValueError, r"center must have shape"),
    (lambda: D.sinkhorn_knopp(Z), ValueError, r"scores must be 2-D with shape \(B, K\)"),
    (lambda: D.sinkhorn_knopp(Z[:, 0], epsilon=0.0), ValueError, r"epsilon must be a finite number > 0"),
    (lambda: D.sinkhorn_knopp(Z[:, 0], iterations=0), ValueError, r"iterations must be >= 1"),
    (lambda: D.sinkhorn_knopp(Z[:, 0], iterations=2.5), TypeError, r"iterations must be an int"),
    (lambda: D.swav(Z, sinkhorn_iterations=0), ValueError, r"sinkhorn_iterations must be >= 1"),
    (lambda: D.swav(Z, temperature=math.nan), ValueError, r"temperature must be a finite number > 0"),
]


@pytest.mark.parametrize(("bad_call", "error", "message"), BAD_CALLS)
def test_invalid_inputs_raise_helpful_errors(bad_call, error, message):
    with pytest.raises(error, match=message):
        bad_call()
