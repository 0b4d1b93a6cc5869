"""Discriminative self-supervised objectives, as pure functions on tensors.

SimCLR (NT-Xent), CLIP, MoCo v2, instance discrimination (Wu et al. 2018), VICReg, Barlow Twins, BYOL,
SimSiam, DINO and SwAV, each written to give the same value as the official implementation's formula
(stated in every docstring). Models, heads, EMA updates and queues live elsewhere; the two pieces of
state that are part of a method's maths (the instance memory bank, the DINO centre) get update functions.

Shapes: ``z`` is ``(B, J, d)``, B groups (images, instances), J ≥ 2 views of each, d dimensions. Where
an official loss takes two views, J = 2 gives exactly its value and J > 2 generalises it as stated.

Every loss returns a 0-dim tensor to minimise, or ``LossOutput(loss, terms)`` (see :mod:`.output`) with
``return_terms=True``; ``terms`` are detached 0-dim tensors for logging and always include ``loss``.

Numerics: half-precision inputs (bfloat16, float16) are upcast to float32 and everything is computed in
the promoted dtype of the inputs (at least float32; float64 stays float64), so the loss is float32 for
bfloat16 inputs. Softmaxes go through ``log_softmax`` / ``logsumexp`` (never exp-then-log) and the
Sinkhorn-Knopp iterations run in the log domain, so the losses stay finite at temperatures such as 0.05.
Tensor inputs may differ in floating dtype (e.g. a float32 queue with bfloat16 queries) but must share
a device. Stop-gradients of the methods (MoCo key and queue, memory bank, BYOL target, SimSiam
projection, DINO teacher and centre, SwAV codes) are applied inside.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable

import torch
import torch.nn.functional as F

from ..checks import (
    as_positive_scalar,
    check_fraction,
    check_int,
    check_positive,
    check_same_device,
    check_same_shape,
    check_tensor,
    values_checked,
)
from .output import LossOutput

__all__ = [
    "LOSS_FUNCTIONS",
    "barlow_twins",
    "byol",
    "clip",
    "clip_temperature",
    "dino",
    "instance_discrimination",
    "moco",
    "moco_symmetric",
    "nt_xent",
    "simsiam",
    "sinkhorn_knopp",
    "swav",
    "update_center",
    "update_memory",
    "vicreg",
]

_VIEWS_HINT = "with shape (B, J, d) = (groups, views per group, dims)"
_HALF = (torch.float16, torch.bfloat16)


# ---------------------------------------------------------------------------------------------------------
# contrastive: SimCLR, CLIP, MoCo, instance discrimination


def nt_xent(
    z: torch.Tensor, temperature: float = 0.5, *, return_terms: bool = False
) -> torch.Tensor | LossOutput:
    """SimCLR's NT-Xent (normalised temperature-scaled cross-entropy; Chen et al. 2020).

    ``z``: ``(B, J, d)``, B ≥ 2 groups of J ≥ 2 views. All N = B·J embeddings are anchors, compared by
    cosine similarity ``s_ik = u_i · u_k`` with ``u = z / ‖z‖``. For anchor i and a positive p (another
    view of the same group)

        ``ℓ(i, p) = −log( exp(s_ip / τ) / Σ_{k ≠ i} exp(s_ik / τ) )``,

    the positive included in the denominator and the anchor itself excluded. With J > 2 an anchor has
    J − 1 positives and its loss is the mean of ``ℓ(i, p)`` over them (SupCon's ``L_out``, Khosla et al.
    2020); the loss is the mean over all N anchors. J = 2 is the official SimCLR loss (mean over 2B).

    Terms: ``positive_similarity`` and ``negative_similarity`` (mean cosine to other views of the same
    group / to other groups) and ``accuracy`` (fraction of anchors whose most similar other embedding is
    one of their positives).
    """
    z = _check_views(z, "z", min_groups=2)
    tau = _temperature(temperature, "temperature", z)
    B, J, d = z.shape
    n = B * J
    u = F.normalize(_upcast(z).reshape(n, d), dim=-1)  # (N, d), row b·J + j
    sim = u @ u.T  # (N, N)
    self_mask = torch.eye(n, dtype=torch.bool, device=z.device)
    group = torch.arange(n, device=z.device) // J
    same_group = group[:, None] == group[None, :]
    positive = same_group & ~self_mask
    log_prob = (sim / tau).masked_fill(self_mask, -math.inf).log_softmax(dim=1)  # (N, N)
    loss = -log_prob[positive].reshape(n, J - 1).mean(dim=1).mean()
    if not return_terms:
        return loss
    nearest = sim.masked_fill(self_mask, -math.inf).argmax(dim=1)  # (N,)
    return _output(
        loss,
        positive_similarity=sim[positive].mean(),
        negative_similarity=sim[~same_group].mean(),
        accuracy=(group[nearest] == group).float().mean(),
    )


def clip(
    z: torch.Tensor, temperature: float | torch.Tensor = 0.07, *, return_terms: bool = False
) -> torch.Tensor | LossOutput:
    """CLIP's symmetric cross-modal InfoNCE (Radford et al. 2021).

    ``z``: ``(B, 2, d)``, B ≥ 2 pairs; view 0 holds modality A (e.g. images), view 1 modality B (e.g.
    texts), each from its own encoder. With ``a_i``, ``b_i`` the L2-normalised embeddings,

        ``logits = A Bᵀ / τ`` (B × B),  ``loss = [CE(logits, arange(B)) + CE(logitsᵀ, arange(B))] / 2``.

    ``temperature`` is a float or a 0-dim tensor; a tensor keeps its graph, so a learnable temperature
    gets a gradient (CLIP learns ``logit_scale`` = log(1/τ): pass ``clip_temperature(logit_scale)``).

    Terms: ``loss_a_to_b`` and ``loss_b_to_a`` (the two cross-entropies), ``positive_similarity`` and
    ``negative_similarity`` (mean cosine of matched / unmatched pairs), ``accuracy`` (top-1 retrieval,
    both directions averaged) and ``temperature``.
    """
    z = _check_views(z, "z", min_groups=2)
    if z.shape[1] != 2:
        raise ValueError(
            f"clip needs exactly J = 2 views, (B, 2, d): view 0 = modality A, view 1 = modality B; got "
            f"shape {tuple(z.shape)}. Use nt_xent for J > 2 views of one modality."
        )
    tau = _temperature(temperature, "temperature", z)
    zc = _upcast(z)
    a = F.normalize(zc[:, 0], dim=-1)  # (B, d)
    b = F.normalize(zc[:, 1], dim=-1)  # (B, d)
    sim = a @ b.T  # (B, B); sim[i, k] = a_i · b_k
    logits = sim / tau
    labels = torch.arange(z.shape[0], device=z.device)
    loss_a = F.cross_entropy(logits, labels)
    loss_b = F.cross_entropy(logits.T, labels)
    loss = (loss_a + loss_b) / 2
    if not return_terms:
        return loss
    diagonal = torch.eye(z.shape[0], dtype=torch.bool, device=z.device)
    hits = (sim.argmax(dim=1) == labels).float().mean() + (sim.argmax(dim=0) == labels).float().mean()
    return _output(
        loss,
        loss_a_to_b=loss_a,
        loss_b_to_a=loss_b,
        positive_similarity=sim[diagonal].mean(),
        negative_similarity=sim[~diagonal].mean(),
        accuracy=hits / 2,
        temperature=torch.as_tensor(tau, dtype=sim.dtype, device=sim.device),
    )


def clip_temperature(log_scale: float | torch.Tensor) -> torch.Tensor:
    """CLIP's temperature from its learnable ``logit_scale``: ``τ = 1 / min(exp(logit_scale), 100)``.

    CLIP initialises ``logit_scale = log(1 / 0.07)`` and clamps ``logit_scale.exp()`` at 100, so τ ≥ 0.01.
    Differentiable (the gradient is 0 where the clamp is active); a float gives a tensor of the default
    dtype, a tensor keeps its shape, dtype and graph.
    """
    if isinstance(log_scale, bool) or not isinstance(log_scale, (numbers.Real, torch.Tensor)):
        raise TypeError(f"log_scale must be a number or a tensor, got {type(log_scale).__name__}.")
    if not isinstance(log_scale, torch.Tensor):
        log_scale = torch.tensor(float(log_scale))
    log_scale = check_tensor(log_scale, "log_scale")
    return log_scale.exp().clamp(max=100.0).reciprocal()


def moco(
    query: torch.Tensor,
    key: torch.Tensor,
    queue: torch.Tensor,
    temperature: float = 0.2,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """MoCo v2's InfoNCE against a queue of past keys (He et al. 2020; Chen et al. 2020).

    ``query``: ``(B, d)`` from the online encoder; ``key``: ``(B, d)`` from the momentum encoder;
    ``queue``: ``(K, d)``, K ≥ 1 past keys (rows; the official code stores its transpose). Key and queue
    are detached here. With q, k and the queue rows L2-normalised,

        ``logits_b = [q_b · k_b, q_b · queue_1, …, q_b · queue_K] / τ``,  ``loss = mean_b CE(logits_b, 0)``.

    Terms: ``positive_similarity`` (mean q · k), ``negative_similarity`` (mean q · queue) and
    ``accuracy`` (fraction of queries whose key beats every queue entry).
    """
    query = check_tensor(query, "query", ndim=2, shape_hint="with shape (B, d)")
    key = check_tensor(key, "key", ndim=2, shape_hint="with shape (B, d)")
    queue = check_tensor(queue, "queue", ndim=2, shape_hint="with shape (K, d) (one past key per row)")
    check_same_shape(query, key, "query", "key", same_dtype=False)
    check_same_device(query, queue, "query", "queue")
    if query.shape[0] == 0 or query.shape[1] == 0:
        raise ValueError(f"query must hold at least one vector of dimension >= 1, got {tuple(query.shape)}.")
    if queue.shape[0] == 0 or queue.shape[1] != query.shape[1]:
        raise ValueError(
            f"queue must have shape (K, d) with K >= 1 negatives and d = {query.shape[1]} (the query's "
            f"dimension), got {tuple(queue.shape)}."
        )
    tau = _temperature(temperature, "temperature", query)
    loss, terms = _moco(query, key, queue, tau, return_terms)
    return _output(loss, **terms) if return_terms else loss


def _moco(
    query: torch.Tensor, key: torch.Tensor, queue: torch.Tensor, tau: float | torch.Tensor, with_terms: bool
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``moco`` on checked inputs: the loss and (when asked) its terms."""
    dtype = _compute_dtype(query, key, queue)
    q = F.normalize(query.to(dtype), dim=-1)  # (B, d)
    k = F.normalize(key.detach().to(dtype), dim=-1)  # (B, d)
    negatives = F.normalize(queue.detach().to(dtype), dim=-1)  # (K, d)
    l_pos = (q * k).sum(dim=-1, keepdim=True)  # (B, 1)
    l_neg = q @ negatives.T  # (B, K)
    logits = torch.cat([l_pos, l_neg], dim=1) / tau  # (B, 1 + K)
    labels = torch.zeros(query.shape[0], dtype=torch.long, device=query.device)
    loss = F.cross_entropy(logits, labels)
    if not with_terms:
        return loss, {}
    return loss, {
        "positive_similarity": l_pos.mean(),
        "negative_similarity": l_neg.mean(),
        "accuracy": (logits.argmax(dim=1) == 0).float().mean(),
    }


def moco_symmetric(
    z_query: torch.Tensor,
    z_key: torch.Tensor,
    queue: torch.Tensor,
    temperature: float = 0.2,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """``moco`` symmetrised over views: the mean over ordered view pairs j ≠ j' of
    ``moco(z_query[:, j], z_key[:, j'], queue, τ)``.

    ``z_query``, ``z_key``: ``(B, J, d)`` from the online and the momentum encoder, J ≥ 2; ``queue``:
    ``(K, d)``. J = 2 is MoCo's symmetric loss ``[ctr(q1, k2) + ctr(q2, k1)] / 2``. Terms: those of
    ``moco``, averaged over the pairs.
    """
    z_query = _check_views(z_query, "z_query", min_groups=1)
    z_key = check_tensor(z_key, "z_key", ndim=3, shape_hint=_VIEWS_HINT)
    check_same_shape(z_query, z_key, "z_query", "z_key", same_dtype=False)
    queue = check_tensor(queue, "queue", ndim=2, shape_hint="with shape (K, d) (one past key per row)")
    check_same_device(z_query, queue, "z_query", "queue")
    if queue.shape[0] == 0 or queue.shape[1] != z_query.shape[2]:
        raise ValueError(
            f"queue must have shape (K, d) with K >= 1 negatives and d = {z_query.shape[2]} (the "
            f"embeddings' dimension), got {tuple(queue.shape)}."
        )
    tau = _temperature(temperature, "temperature", z_query)
    pairs = list(itertools.permutations(range(z_query.shape[1]), 2))
    results = [_moco(z_query[:, j], z_key[:, k], queue, tau, return_terms) for j, k in pairs]
    loss = torch.stack([r[0] for r in results]).mean()
    if not return_terms:
        return loss
    names = results[0][1]
    return _output(loss, **{n: torch.stack([r[1][n] for r in results]).mean() for n in names})


def instance_discrimination(
    z: torch.Tensor,
    memory: torch.Tensor,
    index: torch.Tensor,
    temperature: float = 0.07,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """Instance discrimination with a non-parametric softmax over all N instances (Wu et al. 2018).

    ``z``: ``(B, J, d)`` embeddings of B instances (J ≥ 1 views each), L2-normalised here; ``memory``:
    ``(N, d)`` memory bank, one row per instance (unit-norm rows as kept by ``update_memory``; used as
    given, not renormalised, and detached); ``index``: ``(B,)`` integer instance ids in [0, N). Every view
    is classified among all N instances with the exact softmax (not the paper's NCE approximation):

        ``P(i | u_bj) = exp(m_i · u_bj / τ) / Σ_n exp(m_n · u_bj / τ)``,
        ``loss = −mean_{b,j} log P(index_b | u_bj)``.

    Terms: ``positive_similarity`` (mean ``u_bj · m_{index_b}``) and ``accuracy`` (fraction of views whose
    nearest memory row is their own).
    """
    z = _check_views(z, "z", min_groups=1, min_views=1)
    B, J, d = z.shape
    memory = _check_memory(memory, d, z)
    index = _check_index(index, B, memory.shape[0], z)
    tau = _temperature(temperature, "temperature", z)
    dtype = _compute_dtype(z, memory)
    u = F.normalize(z.to(dtype), dim=-1)  # (B, J, d)
    sim = u.reshape(B * J, d) @ memory.detach().to(dtype).T  # (B·J, N)
    target = index.repeat_interleave(J)  # (B·J,): view j of group b is row b·J + j
    loss = F.cross_entropy(sim / tau, target)
    if not return_terms:
        return loss
    return _output(
        loss,
        positive_similarity=sim.gather(1, target[:, None]).mean(),
        accuracy=(sim.argmax(dim=1) == target).float().mean(),
    )


def update_memory(
    memory: torch.Tensor, z: torch.Tensor, index: torch.Tensor, momentum: float = 0.5
) -> torch.Tensor:
    """Wu et al.'s memory-bank update, **in place** (under ``torch.no_grad``); returns ``memory`` itself.

    Rows ``index`` become ``normalize(momentum · m_i + (1 − momentum) · mean_j normalize(z_bj))``, so they
    stay unit-norm; the other rows are untouched. ``memory``: ``(N, d)``; ``z``: ``(B, J, d)``; ``index``:
    ``(B,)`` distinct integer ids in [0, N) (a repeated id would make the result depend on write order);
    ``momentum`` in [0, 1] (Wu et al. use 0.5). ``z`` may have another float dtype than ``memory``; the
    update is computed in at least float32 and written in ``memory``'s dtype.
    """
    z = _check_views(z, "z", min_groups=1, min_views=1)
    B, J, d = z.shape
    memory = _check_memory(memory, d, z)
    index = _check_index(index, B, memory.shape[0], z)
    if index.unique().numel() != B:
        raise ValueError(
            "index must not repeat an instance id in update_memory (each row is written once); merge the "
            "views of one instance into a single group first."
        )
    momentum = check_fraction(momentum, "momentum")
    with torch.no_grad():
        dtype = _compute_dtype(memory, z)
        fresh = F.normalize(z.to(dtype), dim=-1).mean(dim=1)  # (B, d)
        rows = momentum * memory[index].to(dtype) + (1 - momentum) * fresh
        memory.index_copy_(0, index, F.normalize(rows, dim=-1).to(memory.dtype))
    return memory


# ---------------------------------------------------------------------------------------------------------
# redundancy reduction: VICReg, Barlow Twins


def vicreg(
    z: torch.Tensor,
    sim_weight: float = 25.0,
    var_weight: float = 25.0,
    cov_weight: float = 1.0,
    eps: float = 1e-4,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """VICReg (Bardes et al. 2022), the official facebookresearch/vicreg formula.

    ``z``: ``(B, J, d)``, B ≥ 2, J ≥ 2. For two branches x, y (``(B, d)`` each) the official loss is

    - invariance ``mse(x, y)`` (mean over all B·d elements);
    - variance ``mean_k relu(1 − std_x,k) / 2 + mean_k relu(1 − std_y,k) / 2`` with
      ``std = sqrt(Var_unbiased over the batch + eps)``;
    - covariance ``Σ_{k≠l} C_x,kl² / d + Σ_{k≠l} C_y,kl² / d`` with ``C = x_cᵀ x_c / (B − 1)`` of the
      batch-centred branch;
    - ``loss = sim_weight · invariance + var_weight · variance + cov_weight · covariance``.

    J views: invariance is the mean over unordered view pairs, variance the mean over views and
    covariance the sum over views, so J = 2 is exactly the official loss.
    Terms: ``invariance``, ``variance``, ``covariance`` (unweighted) and ``std`` (mean std per coordinate).
    """
    z = _check_views(z, "z", min_groups=2)
    sim_weight = check_positive(sim_weight, "sim_weight", allow_zero=True)
    var_weight = check_positive(var_weight, "var_weight", allow_zero=True)
    cov_weight = check_positive(cov_weight, "cov_weight", allow_zero=True)
    eps = check_positive(eps, "eps")
    B, J, d = z.shape
    zc = _upcast(z)
    invariance = torch.stack(
        [F.mse_loss(zc[:, j], zc[:, k]) for j, k in itertools.combinations(range(J), 2)]
    ).mean()
    centred = zc - zc.mean(dim=0)  # (B, J, d)
    std = torch.sqrt(centred.var(dim=0) + eps)  # (J, d), unbiased variance
    variance = F.relu(1 - std).mean()  # mean over views of mean over coordinates
    cov = torch.einsum("bjk,bjl->jkl", centred, centred) / (B - 1)  # (J, d, d)
    covariance = _off_diagonal(cov).pow(2).sum() / d  # summed over views
    loss = sim_weight * invariance + var_weight * variance + cov_weight * covariance
    if not return_terms:
        return loss
    return _output(loss, invariance=invariance, variance=variance, covariance=covariance, std=std.mean())


def barlow_twins(
    z: torch.Tensor, lambd: float = 0.0051, *, return_terms: bool = False
) -> torch.Tensor | LossOutput:
    """Barlow Twins (Zbontar et al. 2021), the official facebookresearch/barlowtwins formula.

    ``z``: ``(B, J, d)``, B ≥ 2, J ≥ 2. Each branch is standardised over the batch as
    ``BatchNorm1d(d, affine=False)`` does in training (biased variance, eps = 1e-5):
    ``ẑ = (z − mean) / sqrt(Var_biased + 1e-5)``; for two branches the cross-correlation is
    ``c = ẑ_1ᵀ ẑ_2 / B`` (d × d) and

        ``loss = Σ_i (c_ii − 1)² + lambd · Σ_{i≠j} c_ij²``.

    J > 2: the mean over unordered view pairs. Terms: ``on_diagonal`` and ``off_diagonal`` (the two sums,
    ``off_diagonal`` without ``lambd``), averaged over pairs.
    """
    z = _check_views(z, "z", min_groups=2)
    lambd = check_positive(lambd, "lambd", allow_zero=True)
    B, J, d = z.shape
    zc = _upcast(z)
    mean = zc.mean(dim=0)
    var = zc.var(dim=0, unbiased=False)
    zn = (zc - mean) / torch.sqrt(var + 1e-5)  # (B, J, d)
    on, off = [], []
    for j, k in itertools.combinations(range(J), 2):
        c = zn[:, j].T @ zn[:, k] / B  # (d, d)
        on.append((torch.diagonal(c) - 1).pow(2).sum())
        off.append(_off_diagonal(c).pow(2).sum())
    on_diagonal, off_diagonal = torch.stack(on).mean(), torch.stack(off).mean()
    loss = on_diagonal + lambd * off_diagonal
    if not return_terms:
        return loss
    return _output(loss, on_diagonal=on_diagonal, off_diagonal=off_diagonal)


# ---------------------------------------------------------------------------------------------------------
# self-distillation: BYOL, SimSiam, DINO, SwAV


def byol(
    prediction: torch.Tensor, target: torch.Tensor, *, return_terms: bool = False
) -> torch.Tensor | LossOutput:
    """BYOL (Grill et al. 2020): normalised MSE of the online prediction to the other view's target.

    ``prediction``: ``(B, J, d)`` from the online predictor; ``target``: ``(B, J, d)`` from the EMA target
    network, detached here. With ``cos`` the cosine similarity and ``‖p̂ − t̂‖² = 2 − 2 cos(p, t)``,

        ``loss = 2 · mean_{j ≠ j'} mean_b [2 − 2 cos(p_bj, t_bj')]``   (ordered view pairs),

    which for J = 2 is the official symmetrised loss ``mean_b [(2 − 2cos(p1, t2)) + (2 − 2cos(p2, t1))]``.
    Terms: ``cosine_similarity`` (mean over the pairs).
    """
    prediction = _check_views(prediction, "prediction", min_groups=1)
    target = check_tensor(target, "target", ndim=3, shape_hint=_VIEWS_HINT)
    check_same_shape(prediction, target, "prediction", "target", same_dtype=False)
    dtype = _compute_dtype(prediction, target)
    p = F.normalize(prediction.to(dtype), dim=-1)
    t = F.normalize(target.detach().to(dtype), dim=-1)
    cos = _cross_view(torch.einsum("bjd,bkd->bjk", p, t))  # (B, J·(J−1)): pairs j ≠ k
    loss = 2 * (2 - 2 * cos).mean()
    if not return_terms:
        return loss
    return _output(loss, cosine_similarity=cos.mean())


def simsiam(
    prediction: torch.Tensor, projection: torch.Tensor, *, return_terms: bool = False
) -> torch.Tensor | LossOutput:
    """SimSiam (Chen & He 2021), the official facebookresearch/simsiam loss.

    ``prediction``: ``(B, J, d)`` predictor outputs p; ``projection``: ``(B, J, d)`` projector outputs z,
    detached here (the stop-gradient). With ``D(p, z) = −mean_b cos(p_b, stopgrad(z_b))``
    (``F.cosine_similarity``),

        ``loss = mean_{j ≠ j'} D(p_j, z_j')``   (ordered view pairs; J = 2: ``D(p1, z2)/2 + D(p2, z1)/2``),

    so −1 is the minimum. Terms: ``projection_std``, the SimSiam paper's collapse monitor: the std over the
    batch of the L2-normalised projection, averaged over coordinates and views (≈ 1/√d when healthy, 0
    at collapse).
    """
    prediction = _check_views(prediction, "prediction", min_groups=1)
    projection = check_tensor(projection, "projection", ndim=3, shape_hint=_VIEWS_HINT)
    check_same_shape(prediction, projection, "prediction", "projection", same_dtype=False)
    dtype = _compute_dtype(prediction, projection)
    p = prediction.to(dtype)
    z = projection.detach().to(dtype)
    J = p.shape[1]
    pairs = itertools.permutations(range(J), 2)
    loss = torch.stack([-F.cosine_similarity(p[:, j], z[:, k], dim=-1).mean() for j, k in pairs]).mean()
    if not return_terms:
        return loss
    std = F.normalize(z, dim=-1).std(dim=0).mean() if z.shape[0] > 1 else z.new_zeros(())
    return _output(loss, projection_std=std)


def dino(
    student: torch.Tensor,
    teacher: torch.Tensor,
    center: torch.Tensor,
    student_temperature: float = 0.1,
    teacher_temperature: float = 0.04,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """DINO's self-distillation loss (Caron et al. 2021), the official ``DINOLoss``.

    ``student``: ``(B, J, K)`` logits over K prototypes for J ≥ 2 views; ``teacher``: ``(B, J_t, K)``
    logits of the teacher for the first J_t ≤ J views (J_t = J as a rule; J_t = 2 < J is DINO's
    multi-crop, where only the global crops go through the teacher); ``center``: ``(K,)`` or ``(1, K)``.
    Teacher and centre are detached here. With ``q_a = softmax((teacher_a − center) / τ_t)``,

        ``loss = mean_{(a, v), v ≠ a} mean_b Σ_k −q_a,bk · log_softmax(student_v,b / τ_s)_k``

    over teacher views a and student views v (official: the sum over pairs divided by their number).
    Terms: ``teacher_entropy`` (mean H(q)) and ``kl`` (= loss − teacher_entropy, the mean KL(q ‖ p_s)).
    Update the centre afterwards with ``update_center``.
    """
    student = _check_views(student, "student", min_groups=1)
    teacher = check_tensor(teacher, "teacher", ndim=3, shape_hint="with shape (B, J_t, K)")
    check_same_device(student, teacher, "student", "teacher")
    B, J, K = student.shape
    if teacher.shape[0] != B or teacher.shape[2] != K or not 1 <= teacher.shape[1] <= J:
        raise ValueError(
            f"teacher must have shape (B, J_t, K) = ({B}, J_t, {K}) with 1 <= J_t <= J = {J} (the teacher "
            f"sees the first J_t views), got {tuple(teacher.shape)} for student {tuple(student.shape)}."
        )
    center = _check_center(center, K, student)
    tau_s = _temperature(student_temperature, "student_temperature", student)
    tau_t = _temperature(teacher_temperature, "teacher_temperature", student)
    dtype = _compute_dtype(student, teacher, center)
    log_q = ((teacher.detach().to(dtype) - center.detach().to(dtype).reshape(K)) / tau_t).log_softmax(-1)
    q = log_q.exp()  # (B, J_t, K)
    log_p = (student.to(dtype) / tau_s).log_softmax(dim=-1)  # (B, J, K)
    ce = -torch.einsum("bak,bvk->bav", q, log_p)  # (B, J_t, J)
    loss = _cross_view(ce).mean()
    if not return_terms:
        return loss
    teacher_entropy = -(q * log_q).sum(dim=-1).mean()
    return _output(loss, teacher_entropy=teacher_entropy, kl=loss - teacher_entropy)


def update_center(center: torch.Tensor, teacher: torch.Tensor, momentum: float = 0.9) -> torch.Tensor:
    """DINO's centre EMA: ``center · m + mean(teacher) · (1 − m)``, the mean over all B·J teacher logits.

    ``center``: ``(K,)`` or ``(1, K)``; ``teacher``: ``(B, J, K)``. Returns a new tensor of ``center``'s
    shape and dtype, without gradient (the official code rebinds ``self.center`` the same way).
    """
    teacher = check_tensor(teacher, "teacher", ndim=3, shape_hint="with shape (B, J, K)")
    if teacher.shape[0] == 0 or teacher.shape[1] == 0:
        raise ValueError(f"teacher must hold at least one group and one view, got {tuple(teacher.shape)}.")
    center = _check_center(center, teacher.shape[2], teacher)
    momentum = check_fraction(momentum, "momentum")
    with torch.no_grad():
        dtype = _compute_dtype(center, teacher)
        batch_center = teacher.to(dtype).mean(dim=(0, 1))  # (K,)
        new = center.to(dtype) * momentum + batch_center.reshape(center.shape) * (1 - momentum)
        return new.to(center.dtype)


def sinkhorn_knopp(scores: torch.Tensor, epsilon: float = 0.05, iterations: int = 3) -> torch.Tensor:
    """SwAV's equipartitioned soft assignment of B samples to K prototypes (Caron et al. 2020).

    ``scores``: ``(B, K)``, sample-prototype similarities. The official ``distributed_sinkhorn`` (one
    process) does ``Q = exp(scores / ε)ᵀ`` (K × B); ``Q /= ΣQ``; then ``iterations`` times: divide each
    row by its sum and by K, each column by its sum and by B; finally ``Q *= B`` and returns ``Qᵀ``.
    Computed here in the log domain (same result, no overflow of ``exp(1 / ε)``), without gradient.

    Returns ``(B, K)`` codes whose rows sum to 1 (each sample's assignment); each prototype's total
    (column sum) tends to B / K as the iterations go on. Computed in at least float32, returned in
    ``scores``'s dtype.
    """
    scores = check_tensor(scores, "scores", ndim=2, shape_hint="with shape (B, K) = (samples, prototypes)")
    if scores.shape[0] == 0 or scores.shape[1] == 0:
        raise ValueError(
            f"scores must hold at least one sample and one prototype, got shape {tuple(scores.shape)}."
        )
    epsilon = check_positive(epsilon, "epsilon")
    iterations = check_int(iterations, "iterations")
    with torch.no_grad():
        return _log_sinkhorn(_upcast(scores), epsilon, iterations).exp().to(scores.dtype)


def _log_sinkhorn(scores: torch.Tensor, epsilon: float, iterations: int) -> torch.Tensor:
    """log of ``sinkhorn_knopp`` on checked scores ``(..., B, K)``, batched over leading dimensions."""
    n_samples, n_prototypes = scores.shape[-2:]
    log_b, log_k = math.log(n_samples), math.log(n_prototypes)
    log_q = scores.detach() / epsilon  # (…, B, K): the transpose of the official K × B matrix
    log_q = log_q - log_q.logsumexp(dim=(-2, -1), keepdim=True)
    for _ in range(iterations):
        log_q = log_q - log_q.logsumexp(dim=-2, keepdim=True) - log_k  # official rows: prototypes
        log_q = log_q - log_q.logsumexp(dim=-1, keepdim=True) - log_b  # official columns: samples
    return log_q + log_b


def swav(
    scores: torch.Tensor,
    temperature: float = 0.1,
    epsilon: float = 0.05,
    sinkhorn_iterations: int = 3,
    *,
    return_terms: bool = False,
) -> torch.Tensor | LossOutput:
    """SwAV's swapped prediction (Caron et al. 2020), the official facebookresearch/swav loss.

    ``scores``: ``(B, J, K)``, J ≥ 2 views, ``scores[b, j, k]`` = normalised embedding · normalised
    prototype k. For every view a (all views are "crops for assign"; with J = 2 this is the official
    setting) the codes ``q_a = sinkhorn_knopp(scores_a, ε, iterations)`` are computed without gradient and
    predicted from every other view v:

        ``loss = (1/J) Σ_a (1/(J−1)) Σ_{v ≠ a} mean_b Σ_k −q_a,bk · log_softmax(scores_v,b / τ)_k``.

    (No queue: for small batches prepend the queue's scores to the codes' input yourself.)
    Terms: ``entropy``, the mean entropy of the codes ``q`` (log K when uniform, 0 when hard).
    """
    scores = _check_views(scores, "scores", min_groups=1)
    tau = _temperature(temperature, "temperature", scores)
    epsilon = check_positive(epsilon, "epsilon")
    sinkhorn_iterations = check_int(sinkhorn_iterations, "sinkhorn_iterations")
    s = _upcast(scores)
    with torch.no_grad():
        log_q = _log_sinkhorn(s.transpose(0, 1), epsilon, sinkhorn_iterations).transpose(0, 1)  # (B, J, K)
        q = log_q.exp()
    log_p = (s / tau).log_softmax(dim=-1)  # (B, J, K)
    ce = -torch.einsum("bak,bvk->bav", q, log_p)  # (B, J, J): codes of view a predicted from view v
    loss = _cross_view(ce).mean()
    if not return_terms:
        return loss
    return _output(loss, entropy=-(q * log_q).sum(dim=-1).mean())


# ---------------------------------------------------------------------------------------------------------
# registry


class UnknownLossError(KeyError, ValueError):
    """An unknown method name: a ``KeyError`` (it is a dict lookup) that is also a ``ValueError``."""


class _Registry(dict):
    """A dict whose missing keys raise a message listing the known names."""

    def __missing__(self, name: object) -> None:
        raise UnknownLossError(f"unknown discriminative loss {name!r}; choose one of {sorted(self)}.")


LOSS_FUNCTIONS: dict[str, Callable[..., torch.Tensor | LossOutput]] = _Registry(
    simclr=nt_xent,
    clip=clip,
    moco=moco_symmetric,
    instance_discrimination=instance_discrimination,
    vicreg=vicreg,
    barlow_twins=barlow_twins,
    byol=byol,
    simsiam=simsiam,
    dino=dino,
    swav=swav,
)


# ---------------------------------------------------------------------------------------------------------
# checks and helpers


def _output(loss: torch.Tensor, **terms: torch.Tensor) -> LossOutput:
    """``LossOutput(loss, terms)`` with every term detached and ``loss`` first."""
    return LossOutput(loss, {"loss": loss.detach(), **{k: v.detach() for k, v in terms.items()}})


def _compute_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """The promoted floating dtype of the tensors, at least float32."""
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = torch.promote_types(dtype, t.dtype)
    return torch.float32 if dtype in _HALF else dtype


def _upcast(x: torch.Tensor) -> torch.Tensor:
    return x.float() if x.dtype in _HALF else x


def _cross_view(x: torch.Tensor) -> torch.Tensor:
    """``x[:, a, v]`` for the view pairs a ≠ v: ``(B, J_a, J_v) -> (B, n_pairs)``."""
    same = torch.eye(x.shape[1], x.shape[2], dtype=torch.bool, device=x.device)
    return x[:, ~same]


def _off_diagonal(m: torch.Tensor) -> torch.Tensor:
    """The off-diagonal entries of the trailing square matrices: ``(..., d, d) -> (..., d·(d−1))``."""
    d = m.shape[-1]
    return m[..., ~torch.eye(d, dtype=torch.bool, device=m.device)]


def _check_views(z: object, name: str, *, min_groups: int, min_views: int = 2) -> torch.Tensor:
    """A finite float ``(B, J, d)`` tensor with B ≥ ``min_groups``, J ≥ ``min_views`` and d ≥ 1."""
    z = check_tensor(z, name, ndim=3, shape_hint=_VIEWS_HINT)
    B, J, d = z.shape
    if J < min_views:
        raise ValueError(
            f"{name} needs at least {min_views} views per group (J >= {min_views}), got J={J} in shape "
            f"{tuple(z.shape)}; stack the views of each group along dim 1."
        )
    if B < min_groups:
        why = " (the loss compares or standardises across the batch)" if min_groups > 1 else ""
        raise ValueError(f"{name} needs at least {min_groups} groups (B >= {min_groups}){why}, got B={B}.")
    if d < 1:
        raise ValueError(f"{name} must have at least one dimension (d >= 1), got shape {tuple(z.shape)}.")
    return z


def _check_memory(memory: object, d: int, like: torch.Tensor) -> torch.Tensor:
    memory = check_tensor(memory, "memory", ndim=2, shape_hint="with shape (N, d) (one row per instance)")
    if memory.shape[0] == 0 or memory.shape[1] != d:
        raise ValueError(
            f"memory must have shape (N, d) with N >= 1 instances and d = {d} (the embeddings' "
            f"dimension), got {tuple(memory.shape)}."
        )
    check_same_device(like, memory, "z", "memory")
    return memory


def _check_index(index: object, B: int, N: int, like: torch.Tensor) -> torch.Tensor:
    if not isinstance(index, torch.Tensor):
        raise TypeError(f"index must be a torch.Tensor of instance ids, got {type(index).__name__}.")
    if index.is_floating_point() or index.is_complex() or index.dtype == torch.bool:
        raise TypeError(f"index must hold integer instance ids (torch.long), got dtype {index.dtype}.")
    if index.shape != (B,):
        raise ValueError(f"index must have shape (B,) = ({B},), one id per group, got {tuple(index.shape)}.")
    check_same_device(like, index, "z", "index")
    index = index.long()
    if B and values_checked() and not bool(((index >= 0) & (index < N)).all()):
        raise ValueError(
            f"index must lie in [0, N) = [0, {N}) (rows of memory), got values in "
            f"[{int(index.min())}, {int(index.max())}]."
        )
    return index


def _check_center(center: object, K: int, like: torch.Tensor) -> torch.Tensor:
    center = check_tensor(center, "center")
    if center.shape not in ((K,), (1, K)):
        raise ValueError(f"center must have shape (K,) or (1, K) with K = {K}, got {tuple(center.shape)}.")
    check_same_device(like, center, "the logits", "center")
    return center


def _temperature(value: object, name: str, like: torch.Tensor) -> float | torch.Tensor:
    """A temperature > 0: a Python number stays a float; a tensor keeps its graph (learnable)."""
    if isinstance(value, torch.Tensor):
        return as_positive_scalar(value, name, dtype=_compute_dtype(like), device=like.device)
    return check_positive(value, name)
