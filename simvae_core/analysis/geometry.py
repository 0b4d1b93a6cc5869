"""Geometry of a representation: spectrum, effective rank, alignment/uniformity, within-group variance.

These are the numbers that show *how* a representation is arranged, as opposed to what a probe can read
out of it (``evaluate``). Each is a function of an embedding matrix ``z`` of shape ``(N, d)``, or of a
grouped tensor ``(B, J, d)`` = (groups, views per group, dim) whose axis 0 names the group (instance):

- ``covariance_spectrum``      eigenvalues of Cov(z), descending (dimensional collapse; Jing et al. 2022)
- ``effective_rank``           RankMe = exp(entropy of the normalised singular values) (Garrido et al. 2023)
- ``alignment`` / ``uniformity``   Wang & Isola (2020), with ``uniformity_optimum`` (uniform on S^{m-1})
  and ``uniformity_simplex`` (N equal clusters collapsed onto a regular simplex)
- ``within_group_variance_ratio``  ρ_w = E_y tr Cov(z | y) / tr Cov(z); ``variance_traces`` gives the
  within / between / total traces (law of total variance)
- ``nearest_centroid_accuracy``    instance (or class) id from the nearest group centroid
- ``mean_cosine_to_prototypes``    mean cos(f(x), w_y), how close instance discrimination gets to w_y

``alignment`` and ``uniformity`` return 0-d tensors that keep the autograd graph, so they double as the
training losses of Wang & Isola (take ``float(...)`` to log them); every other function returns a Python
float or a detached tensor. All computations run on the input's device in the input's dtype (pass
float64 for reference values). Inputs are torch tensors or NumPy arrays; a wrong shape, fewer than two
points, NaN/inf or a bad hyper-parameter raises a ``ValueError`` (a wrong type a ``TypeError``) that names
the argument.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import gammaln, ive

from ..checks import check_int, check_labels, check_positive, check_same_device

__all__ = [
    "VarianceTraces",
    "alignment",
    "covariance_spectrum",
    "effective_rank",
    "mean_cosine_to_prototypes",
    "nearest_centroid_accuracy",
    "uniformity",
    "uniformity_optimum",
    "uniformity_simplex",
    "variance_traces",
    "within_group_variance_ratio",
]

METRICS = ("cosine", "euclidean")
_ROW_BLOCK = 2048  # rows of the pairwise-distance matrix held in memory at once (uniformity)


# --------------------------------------------------------------------------------------------- validation


def _tensor(x: object, name: str) -> torch.Tensor:
    """A floating tensor from a tensor or a NumPy array (integers become float64)."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor or a NumPy array, got {type(x).__name__}.")
    if x.is_complex() or x.dtype == torch.bool:
        raise TypeError(f"{name} must be real-valued, got {x.dtype}.")
    return x if x.is_floating_point() else x.double()


def _finite(x: torch.Tensor, name: str) -> torch.Tensor:
    if not bool(torch.isfinite(x.detach()).all()):
        raise ValueError(
            f"{name} contains NaN or inf values: the encoder has probably diverged, and no geometry of "
            "such features means anything."
        )
    return x


def _points(x: object, name: str, *, grouped: bool = False) -> torch.Tensor:
    """``(N, d)`` with N >= 2 (or ``(B, J, d)`` when ``grouped``), finite, d >= 1."""
    x = _tensor(x, name)
    ndims = (2, 3) if grouped else (2,)
    if x.ndim not in ndims:
        want = "(N, d) or (B, J, d) = (groups, views, dim)" if grouped else "(N, d)"
        hint = "" if grouped or x.ndim != 3 else "; flatten the views with z.reshape(-1, z.shape[-1])"
        raise ValueError(f"{name} must have shape {want}, got {tuple(x.shape)}{hint}.")
    if x.shape[-1] == 0:
        raise ValueError(f"{name} has no feature dimensions, shape {tuple(x.shape)}.")
    n = x.shape[0] * (x.shape[1] if x.ndim == 3 else 1)
    if n < 2:
        raise ValueError(f"{name} needs at least 2 points, got shape {tuple(x.shape)}.")
    return _finite(x, name)


def _grouped_or_labelled(z: object, groups: object, name: str = "z") -> tuple[torch.Tensor, torch.Tensor]:
    """``(z (N, d), group index (N,) in 0..G-1)`` from ``(B, J, d)`` or ``(N, d)`` + labels."""
    z = _points(z, name, grouped=True)
    if z.ndim == 3:
        if groups is not None:
            raise ValueError(
                f"{name} of shape (B, J, d) already names its groups (axis 0); pass groups=None, or pass "
                f"{name} as (N, d) with groups (N,)."
            )
        B, J, d = z.shape
        index = torch.arange(B, device=z.device).repeat_interleave(J)  # (B·J,)
        return z.reshape(B * J, d), index
    if groups is None:
        raise ValueError(
            f"{name} of shape (N, d) needs groups=(N,) integer labels; or pass {name} as (B, J, d) "
            "(groups along axis 0)."
        )
    labels = check_labels(groups, "groups", z.shape[0], non_negative=False)
    _, index = torch.unique(labels.to(z.device), return_inverse=True)
    return z, index


# --------------------------------------------------------------------------------------------- spectrum


def covariance_spectrum(z: torch.Tensor, normalize: bool = False) -> torch.Tensor:
    """Eigenvalues (= singular values) of the covariance of the embeddings, in descending order.

    ``z`` (N, d), N >= 2 -> ``(d,)`` tensor, ``C = (z − z̄)ᵀ(z − z̄) / (N − 1)`` (``torch.cov``'s unbiased
    normalisation), ``σ_1 >= … >= σ_d >= 0``. ``normalize=True`` divides by ``σ_1`` (all zeros stay zero),
    the log-scale plot of Jing et al. (2022, "Understanding dimensional collapse in contrastive
    self-supervised learning"), in which collapsed directions show as a cliff. Detached, same dtype/device.
    """
    z = _points(z, "z").detach()
    zc = z - z.mean(0, keepdim=True)  # (N, d)
    cov = zc.T @ zc / (z.shape[0] - 1)  # (d, d)
    # C is symmetric PSD, so its singular values are its eigenvalues; svdvals gives them sorted and >= 0
    spectrum = torch.linalg.svdvals(cov)  # (d,)
    if normalize and bool(spectrum[0] > 0):
        spectrum = spectrum / spectrum[0]
    return spectrum


def effective_rank(z_or_spectrum: torch.Tensor, eps: float = 1e-7, *, center: bool = False) -> float:
    """RankMe (Garrido et al. 2023, "RankMe: assessing the downstream performance of pretrained
    self-supervised representations by their rank"): ``exp(−Σ_k p_k log p_k)``, ``p_k = σ_k / ‖σ‖₁ + eps``.

    Following the paper, ``σ`` are the singular values of the ``(N, d)`` embedding matrix ``z`` itself,
    *not centred* (``center=False``, the default) and not those of its covariance. ``center=True``
    subtracts the mean first, which makes the value a function of the covariance spectrum alone:
    ``effective_rank(z, center=True) == effective_rank(covariance_spectrum(z).sqrt())``.
    A 1-D input is taken to be the singular values themselves (non-negative, not all zero).

    The value lies in [1, min(N, d)] (up to O(eps)): k equal singular values give k, a rank-1 matrix 1.
    ``eps`` (>= 0, the paper's 1e-7) keeps the logarithm finite for zero singular values.
    """
    eps = check_positive(eps, "eps", allow_zero=True)
    if not isinstance(center, bool):
        raise TypeError(f"center must be a bool, got {type(center).__name__}.")
    x = _tensor(z_or_spectrum, "z_or_spectrum")
    if x.ndim == 1:
        if center:
            raise ValueError("center=True only applies to an (N, d) embedding matrix, not to a spectrum.")
        sigma = _finite(x, "z_or_spectrum").detach()
        if sigma.numel() == 0 or bool((sigma < 0).any()):
            raise ValueError("a spectrum must be a non-empty 1-D tensor of singular values >= 0.")
    elif x.ndim == 2:
        z = _points(x, "z_or_spectrum").detach()
        if center:
            z = z - z.mean(0, keepdim=True)
        sigma = torch.linalg.svdvals(z)  # (min(N, d),)
    else:
        raise ValueError(
            "z_or_spectrum must be an (N, d) embedding matrix or a 1-D spectrum of singular values, got "
            f"shape {tuple(x.shape)}."
        )
    total = sigma.sum()
    if not bool(total > 0):
        raise ValueError(
            "the singular values are all zero: the effective rank of the zero matrix is undefined."
        )
    p = sigma / total + eps
    return float(torch.exp(-torch.special.xlogy(p, p).sum()))  # 0 log 0 = 0 when eps = 0


# ------------------------------------------------------------------------------ alignment / uniformity


def alignment(
    z1: torch.Tensor, z2: torch.Tensor | None = None, alpha: float = 2.0, *, normalize: bool = True
) -> torch.Tensor:
    """Alignment loss of Wang & Isola (2020): ``E_(x, x⁺) ‖f(x) − f(x⁺)‖₂^α`` over positive pairs.

    Either two matched views ``z1``, ``z2`` of shape (N, d) (row i of each is a positive pair), or one
    grouped tensor ``z1`` of shape (B, J, d), J >= 2, with ``z2=None``: the mean over the B groups and all
    J(J − 1)/2 pairs of views within a group. With ``normalize`` (default) every vector is first mapped
    to the unit sphere, as in the paper, so the value lies in [0, 2^α]: 0 for identical views, 2^α for
    antipodal ones. Returns a 0-d tensor that keeps the autograd graph (``alpha=2`` avoids the sqrt, so
    its gradient stays finite when views coincide).
    """
    alpha = check_positive(alpha, "alpha")
    if z2 is None:
        z = _points(z1, "z1", grouped=True)
        if z.ndim != 3 or z.shape[1] < 2:
            raise ValueError(
                "alignment(z) needs a grouped tensor (B, J, d) with J >= 2 views; for matched pairs call "
                f"alignment(z1, z2), got shape {tuple(z.shape)}."
            )
        if normalize:
            z = F.normalize(z, dim=-1)
        J = z.shape[1]
        i, j = torch.triu_indices(J, J, offset=1, device=z.device)  # all pairs of views, (J(J-1)/2,)
        diff = z[:, i] - z[:, j]  # (B, P, d)
    else:
        a, b = _points(z1, "z1"), _points(z2, "z2")
        if a.shape != b.shape:
            raise ValueError(
                f"z1 and z2 must have the same shape (N, d) (row i of each is a positive pair), got "
                f"{tuple(a.shape)} and {tuple(b.shape)}."
            )
        check_same_device(a, b, "z1", "z2")
        b = b.to(a.dtype)
        if normalize:
            a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
        diff = a - b  # (N, d)
    sq = diff.pow(2).sum(-1)
    return sq.mean() if alpha == 2.0 else sq.pow(alpha / 2).mean()


def uniformity(z: torch.Tensor, t: float = 2.0, *, normalize: bool = True) -> torch.Tensor:
    """Uniformity loss of Wang & Isola (2020): ``log E_(x ≠ y) exp(−t ‖f(x) − f(y)‖₂²)``.

    ``z`` (N, d), or (B, J, d) flattened to (B·J, d); the mean runs over the N(N − 1)/2 distinct pairs
    (``torch.pdist``, as in the paper's code), computed block-wise with a log-sum-exp so that large N
    neither overflows memory nor underflows. ``normalize`` (default) maps the points to the unit sphere
    first. Two antipodal points give exactly −4t; the infimum over distributions on S^{m−1} is
    ``uniformity_optimum(m, t)``. Returns a 0-d tensor that keeps the autograd graph.
    """
    t = check_positive(t, "t")
    z = _points(z, "z", grouped=True)
    z = z.reshape(-1, z.shape[-1])  # (N, d)
    if normalize:
        z = F.normalize(z, dim=-1)
    n = z.shape[0]
    sq_norm = z.pow(2).sum(-1)  # (N,)
    parts = []
    for start in range(0, n - 1, _ROW_BLOCK):
        rows = z[start : start + _ROW_BLOCK]  # (b, d)
        cols = z[start + 1 :]  # only j > i can pair with these rows
        d2 = (
            sq_norm[start : start + rows.shape[0], None] + sq_norm[None, start + 1 :] - 2 * rows @ cols.T
        ).clamp(min=0)  # (b, N − start − 1)
        i = torch.arange(rows.shape[0], device=z.device)[:, None]
        j = torch.arange(cols.shape[0], device=z.device)[None, :]
        parts.append((-t * d2)[j >= i])  # pair (start + i, start + 1 + j) with j >= i, i.e. column > row
    logits = torch.cat(parts)  # (N(N − 1)/2,)
    return torch.logsumexp(logits, 0) - math.log(logits.numel())


def uniformity_optimum(m: int, t: float = 2.0) -> float:
    """``log E exp(−t ‖x − y‖²)`` for x, y independent and uniform on the unit sphere S^{m−1} ⊂ R^m.

    With u = xᵀy, ``‖x − y‖² = 2 − 2u`` and ``E e^{κu} = Γ(m/2) (κ/2)^{1 − m/2} I_{m/2 − 1}(κ)`` (the von
    Mises–Fisher normaliser), so with κ = 2t:
    ``log Γ(m/2) + (1 − m/2) log t + log(e^{−2t} I_{m/2−1}(2t))``.
    m = 3 gives ``log((1 − e^{−4t}) / (4t))`` (−2.0798 for t = 2), m = 1 gives ``log((1 + e^{−4t}) / 2)``.
    This is the limit of ``uniformity`` for the uniform distribution as N → ∞, and its minimum over
    distributions on the sphere (Wang & Isola 2020, Thm 1, for N → ∞).
    """
    m = check_int(m, "m", minimum=1)
    t = check_positive(t, "t")
    return float(gammaln(m / 2) + (1 - m / 2) * math.log(t) + math.log(ive(m / 2 - 1, 2 * t)))


def uniformity_simplex(n_clusters: int, t: float = 2.0) -> float:
    """``uniformity`` of N → ∞ points collapsed in equal shares onto ``n_clusters`` = K points.

    The K points at the vertices of a regular simplex (possible on S^{m−1} when K <= m + 1) have pairwise
    ``‖w_a − w_b‖² = 2K / (K − 1)``, and two independent points fall in the same cluster with probability
    1/K, so the value is ``log(1/K + (1 − 1/K) exp(−2tK / (K − 1)))``. The simplex is the best a
    K-point configuration can do (it is universally optimal), so this bounds a representation in which
    each of K instances has collapsed to one point.
    """
    k = check_int(n_clusters, "n_clusters", minimum=2)
    t = check_positive(t, "t")
    return math.log(1 / k + (1 - 1 / k) * math.exp(-2 * t * k / (k - 1)))


# --------------------------------------------------------------------------------------------- groups


class VarianceTraces(NamedTuple):
    """Law of total variance for a grouped representation: ``total = within + between``."""

    within: float  # E_y tr Cov(z | y): pooled unbiased within-group variance
    between: float  # tr Cov(E[z | y]) = total − within
    total: float  # tr Cov(z), unbiased

    @property
    def ratio(self) -> float:
        """ρ_w = within / total (NaN when total = 0: every point identical)."""
        return self.within / self.total if self.total > 0 else float("nan")


def variance_traces(z: torch.Tensor, groups: torch.Tensor | None = None) -> VarianceTraces:
    """Within-group, between-group and total variance traces of ``z``.

    ``z`` (B, J, d) with the groups along axis 0, or (N, d) with ``groups`` (N,) integer labels (any
    values; groups may differ in size). With group g of n_g points and mean z̄_g:

        within  = Σ_g Σ_{i∈g} ‖z_i − z̄_g‖² / Σ_g (n_g − 1)     (pooled, unbiased: E = E_y tr Cov(z | y))
        total   = Σ_i ‖z_i − z̄‖² / (N − 1)                      (tr Cov(z), unbiased for i.i.d. rows)
        between = total − within                                 (law of total variance)

    For the SSL model z_j = y + ε_j (Cov y = s² I, Cov ε = σ² I) ``within / total → σ² / (s² + σ²)``; the
    total uses i.i.d. normalisation, so with B groups it is low by a relative O(1/B). Groups of a single
    point carry no within-group information and are skipped; at least one group needs two points.
    """
    z, index = _grouped_or_labelled(z, groups)
    z = z.detach()
    n_groups = int(index.max()) + 1
    counts = torch.bincount(index, minlength=n_groups)  # (G,)
    dof = int((counts - 1).sum())
    if dof == 0:
        raise ValueError("every group has a single point: the within-group variance is undefined.")
    sums = torch.zeros(n_groups, z.shape[1], dtype=z.dtype, device=z.device).index_add_(0, index, z)
    means = sums / counts[:, None].to(z.dtype)  # (G, d)
    within = float((z - means[index]).pow(2).sum()) / dof
    total = float((z - z.mean(0, keepdim=True)).pow(2).sum()) / (z.shape[0] - 1)
    return VarianceTraces(within, total - within, total)


def within_group_variance_ratio(z: torch.Tensor, groups: torch.Tensor | None = None) -> float:
    """ρ_w = E_y tr Cov(z | y) / tr Cov(z): the share of the variance left inside the groups.

    0 when every group has collapsed to a point (the discriminative optimum, claim C3), 1 when the groups
    carry no information; σ² / (s² + σ²) for the SSL model with content variance s² and style variance
    σ². Shapes and estimators as in ``variance_traces``; NaN when all points coincide (0 / 0).
    """
    return variance_traces(z, groups).ratio


def nearest_centroid_accuracy(
    train_z: torch.Tensor,
    train_groups: torch.Tensor,
    test_z: torch.Tensor,
    test_groups: torch.Tensor,
    metric: str = "cosine",
) -> float:
    """Accuracy of the nearest-centroid classifier (NCC) fitted on ``train_z`` and scored on ``test_z``.

    ``train_z`` (N, d) with ``train_groups`` (N,) integer labels; ``test_z`` (M, d) with ``test_groups``
    (M,), every test label present among the train labels. Used for instance-id accuracy on held-out
    views: the centroid of an instance is the mean of its training views.
    ``metric="cosine"``: features are L2-normalised, centroids are the means of the normalised features,
    and a test point goes to the centroid of largest cosine similarity. ``"euclidean"``: raw features,
    nearest centroid in ‖·‖₂. Ties go to the smallest label.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose one of {METRICS}.")
    xtr, xte = _points(train_z, "train_z").detach(), _points(test_z, "test_z", grouped=False).detach()
    if xte.shape[1] != xtr.shape[1]:
        raise ValueError(f"test_z has {xte.shape[1]} dimensions but train_z has {xtr.shape[1]}.")
    check_same_device(xtr, xte, "train_z", "test_z")
    xte = xte.to(xtr.dtype)
    ytr = check_labels(train_groups, "train_groups", xtr.shape[0], non_negative=False).to(xtr.device)
    yte = check_labels(test_groups, "test_groups", xte.shape[0], non_negative=False).to(xtr.device)
    classes, index = torch.unique(ytr, return_inverse=True)  # sorted labels, (K,)
    pos = torch.searchsorted(classes, yte).clamp(max=classes.numel() - 1)
    unknown = classes[pos] != yte
    if bool(unknown.any()):
        missing = torch.unique(yte[unknown])[:5].tolist()
        raise ValueError(
            f"test_groups contains labels absent from train_groups (e.g. {missing}): a centroid needs "
            "training points of every test group."
        )
    if metric == "cosine":
        xtr, xte = F.normalize(xtr, dim=-1), F.normalize(xte, dim=-1)
    k = classes.numel()
    counts = torch.bincount(index, minlength=k).to(xtr.dtype)
    centroids = torch.zeros(k, xtr.shape[1], dtype=xtr.dtype, device=xtr.device).index_add_(0, index, xtr)
    centroids = centroids / counts[:, None]  # (K, d)
    if metric == "cosine":
        pred = (xte @ F.normalize(centroids, dim=-1).T).argmax(1)  # (M,)
    else:
        pred = torch.cdist(xte, centroids).argmin(1)
    return float((pred == pos).to(torch.float64).mean())


def mean_cosine_to_prototypes(
    z: torch.Tensor, prototypes: torch.Tensor, groups: torch.Tensor | None = None
) -> float:
    """Mean cosine similarity ``E cos(f(x), w_y)`` between each embedding and its group's prototype.

    ``z`` (N, d) with ``groups`` (N,) integer ids in 0..K−1 indexing the rows of ``prototypes`` (K, d);
    or ``z`` (B, J, d) with ``prototypes`` (B, d) and ``groups=None`` (group b is row b). Parametric
    instance discrimination drives this to 1 (every view converges to its w_y, reviewer 3's point).
    """
    z = _points(z, "z", grouped=True).detach()
    w = _points(prototypes, "prototypes").detach()
    if w.shape[1] != z.shape[-1]:
        raise ValueError(f"prototypes have {w.shape[1]} dimensions but z has {z.shape[-1]}.")
    check_same_device(z, w, "z", "prototypes")
    w = w.to(z.dtype)
    if z.ndim == 3:
        if groups is not None:
            raise ValueError("z of shape (B, J, d) names its groups along axis 0; pass groups=None.")
        if w.shape[0] != z.shape[0]:
            raise ValueError(f"z has {z.shape[0]} groups but there are {w.shape[0]} prototypes.")
        cos = F.cosine_similarity(z, w[:, None, :], dim=-1)  # (B, J)
        return float(cos.mean())
    if groups is None:
        raise ValueError("z of shape (N, d) needs groups=(N,) integer ids indexing the rows of prototypes.")
    y = check_labels(groups, "groups", z.shape[0], non_negative=False).to(z.device)
    if int(y.min()) < 0 or int(y.max()) >= w.shape[0]:
        raise ValueError(
            f"groups must lie in 0..{w.shape[0] - 1} (rows of prototypes), "
            f"got {int(y.min())}..{int(y.max())}."
        )
    return float(F.cosine_similarity(z, w[y], dim=-1).mean())
