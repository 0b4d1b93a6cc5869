"""Probes that read content and style out of a frozen representation, each with an honest protocol.

Every probe chooses its settings on the validation split only and scores the test split exactly once,
with the model fitted on the training split alone: there is no refit on train + val, so the test number
belongs to exactly the model the selection looked at. Each result carries a human-readable ``protocol``.

- ``linear_probe``    multinomial logistic regression (accuracy) or ridge (R²); strength chosen on val
- ``mlp_probe``       one hidden ReLU layer; width and weight decay chosen on val, early stopping on val
- ``knn_probe``       DINO's weighted kNN: cosine similarity, top-k, votes weighted by exp(sim / T)
- ``gmm_clustering``  Gaussian mixture; accuracy after Hungarian matching, NMI, ARI
- ``evaluate_representation``  encodes a dataset's three splits and runs the content and style probes
- re-exported from ``geometry``: spectrum, RankMe, alignment/uniformity, ρ_w, nearest-centroid accuracy

Shapes: features ``(N, d)`` float, class labels ``(N,)`` non-negative ints, regression targets ``(N,)`` or
``(N, m)``. A split is passed as a ``(features, targets)`` pair.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

__all__ = [
    "ALPHA_GRID",
    "C_GRID",
    "PROBES",
    "TASKS",
    "WEIGHT_DECAY_GRID",
    "ProbeResult",
    "evaluate_representation",
    "features",
    "gmm_clustering",
    "hungarian_accuracy",
    "knn_probe",
    "linear_probe",
    "mlp_probe",
    "r2_score",
    "expected_calibration_error",
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

TASKS = ("classification", "regression")
PROBES = ("linear", "mlp", "knn")
SPLITS = ("train", "val", "test")
# scikit-learn's conventions: C multiplies the summed log-loss (C Σ CE + ½‖W‖²), alpha is added to the
# summed squared error (‖y − Xw‖² + alpha ‖w‖²). Ridge is solved in closed form for the whole path, so
# its grid is wide enough to cover both 1 000 and 60 000 training points.
C_GRID = (1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3)
ALPHA_GRID = (1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3, 1e4, 1e5)
# L2 penalty (wd / 2) ‖W‖² added to the MLP's mean loss (biases unpenalised)
WEIGHT_DECAY_GRID = (0.0, 1e-4, 1e-3, 1e-2)


@dataclass(frozen=True)
class ProbeResult:
    """One probe's outcome: the test score (the test split used once), the best validation score, the
    chosen settings and a protocol sentence that says how both were obtained."""

    metric: str  # "accuracy" or "r2"
    test: float
    val: float  # NaN when nothing was selected (kNN)
    params: dict[str, Any] = field(default_factory=dict)
    protocol: str = ""

    def __str__(self) -> str:
        return f"{self.test:.3f} {self.metric} ({self.protocol})"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready copy (a NaN score becomes None)."""

        def clean(v: float) -> float | None:
            return None if isinstance(v, float) and math.isnan(v) else v

        return {
            "metric": self.metric,
            "test": clean(self.test),
            "val": clean(self.val),
            "params": dict(self.params),
            "protocol": self.protocol,
        }


# --------------------------------------------------------------------------------------------- validation


def _check_task(task: object) -> str:
    if task not in TASKS:
        raise ValueError(
            f"unknown task {task!r}; choose 'classification' (integer class labels, accuracy) or "
            "'regression' (continuous targets, R²)."
        )
    return task  # type: ignore[return-value]


def _check_features(x: object, name: str) -> torch.Tensor:
    """``x`` as a finite 2-D float tensor ``(N, d)``; NaN/inf rows get an error that points at the encoder."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} features must be a torch.Tensor (N, d), got {type(x).__name__}.")
    if not x.is_floating_point():
        raise TypeError(f"{name} features must be floating point, got {x.dtype}; convert with .float().")
    if x.ndim != 2:
        raise ValueError(
            f"{name} features must be 2-D (N, d), got shape {tuple(x.shape)}; flatten with x.flatten(1)."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} features are empty, shape {tuple(x.shape)}.")
    bad = ~torch.isfinite(x).all(dim=1)
    if bool(bad.any()):
        raise ValueError(
            f"{name} features contain NaN or inf in {int(bad.sum())} of {x.shape[0]} rows: the encoder has "
            "probably diverged (check its training loss), and no probe on such features means anything."
        )
    return x


def _check_labels(y: object, name: str, n: int) -> torch.Tensor:
    """Integer class ids ``(N,)``, non-negative, as int64."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} labels must be a torch.Tensor (N,), got {type(y).__name__}.")
    if y.is_floating_point() or y.is_complex():
        raise TypeError(
            f"{name} labels must be integer class ids, got {y.dtype}; convert with .long(), or use "
            "task='regression' for continuous targets."
        )
    if y.ndim != 1:
        raise ValueError(f"{name} labels must be 1-D (N,), got shape {tuple(y.shape)}.")
    if y.shape[0] != n:
        raise ValueError(f"{name}: {n} feature rows but {y.shape[0]} labels; they must match.")
    y = y.long()
    if int(y.min()) < 0:
        raise ValueError(
            f"{name} labels must be class ids >= 0, got {int(y.min())}; simvae_core.data marks unlabelled "
            "samples with -1, and a content probe needs labelled data."
        )
    return y


def _check_targets(y: object, name: str, n: int) -> torch.Tensor:
    """Regression targets ``(N,)`` or ``(N, m)`` -> float64 ``(N, m)``."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} targets must be a torch.Tensor (N,) or (N, m), got {type(y).__name__}.")
    if y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{name} targets must be real numbers, got {y.dtype}.")
    if y.ndim not in (1, 2):
        raise ValueError(f"{name} targets must be 1-D (N,) or 2-D (N, m), got shape {tuple(y.shape)}.")
    if y.shape[0] != n:
        raise ValueError(f"{name}: {n} feature rows but {y.shape[0]} targets; they must match.")
    y = y.detach().to("cpu", torch.float64).reshape(n, -1)
    if y.shape[1] == 0:
        raise ValueError(f"{name} targets have no columns.")
    if not bool(torch.isfinite(y).all()):
        raise ValueError(f"{name} targets contain NaN or inf values.")
    return y


def _unpack(split: object, name: str, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise TypeError(f"{name} must be a (features, targets) pair, got {type(split).__name__}.")
    x = _check_features(split[0], name)
    n = x.shape[0]
    y = _check_labels(split[1], name, n) if task == "classification" else _check_targets(split[1], name, n)
    return x, y


def _unpack_all(
    splits: Sequence[object], names: Sequence[str], task: str
) -> list[tuple[torch.Tensor, torch.Tensor]]:
    out = [_unpack(s, n, task) for s, n in zip(splits, names, strict=True)]
    d = out[0][0].shape[1]
    for (x, y), n in zip(out, names, strict=True):
        if x.shape[1] != d:
            raise ValueError(f"{n} features have {x.shape[1]} dimensions but train has {d}.")
        if task == "regression" and y.shape[1] != out[0][1].shape[1]:
            raise ValueError(f"{n} targets have {y.shape[1]} columns but train has {out[0][1].shape[1]}.")
    return out


def _n_classes(
    y_train: torch.Tensor, others: Mapping[str, torch.Tensor], n_classes: int | None = None
) -> int:
    """Number of classes from the train labels (never from test); other splits must stay in range."""
    present = torch.unique(y_train)
    if present.numel() < 2:
        raise ValueError(
            f"train labels contain a single class ({int(present[0])}); a classifier needs at least 2 classes."
        )
    k = int(y_train.max()) + 1 if n_classes is None else _check_int(n_classes, "n_classes", minimum=2)
    for name, y in {"train": y_train, **others}.items():
        if int(y.max()) >= k:
            raise ValueError(
                f"{name} labels contain class id {int(y.max())}, but the classes are 0..{k - 1} "
                + ("(n_classes)." if n_classes is not None else "(those seen in train).")
            )
    return k


def _check_int(value: object, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def _check_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}.")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}.")
    return v


def _check_grid(
    grid: object, name: str, default: Sequence[float], *, allow_zero: bool = False
) -> list[float]:
    if grid is None:
        return list(default)
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence) or len(grid) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {grid!r}.")
    values = [_check_positive(v, f"{name} value", allow_zero=allow_zero) for v in grid]
    if len(set(values)) != len(values):
        raise ValueError(f"{name} has repeated values: {grid!r}.")
    return values


def _resolve_device(device: torch.device | str | None) -> torch.device:
    from .repro import default_device

    return default_device(None if device is None else str(device))


def _fmt(values: Sequence[float]) -> str:
    return "{" + ", ".join(f"{v:g}" for v in values) + "}"


# --------------------------------------------------------------------------------------------- shared maths


def _standardiser(x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Train-split mean and std per feature (float32); a constant (collapsed) feature keeps std 1, so it
    becomes 0 instead of NaN."""
    x = x_train.float()
    mean = x.mean(0)
    std = x.std(0, correction=0)
    return mean, torch.where(std > 0, std, torch.ones_like(std))


def _standardise(
    x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor, device: torch.device
) -> torch.Tensor:
    return ((x.to(mean.device).float() - mean) / std).to(device)


def _r2_columns(y: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """R² per column of ``(n, m)`` tensors; a constant column scores 1 if predicted exactly, else 0
    (scikit-learn's ``force_finite`` convention)."""
    ss_res = (y - pred).pow(2).sum(0)
    ss_tot = (y - y.mean(0)).pow(2).sum(0)
    safe = torch.where(ss_tot > 0, ss_tot, torch.ones_like(ss_tot))
    return torch.where(ss_tot > 0, 1 - ss_res / safe, (ss_res == 0).to(y.dtype))


def expected_calibration_error(probs: torch.Tensor, targets: torch.Tensor, bins: int = 10) -> float:
    """ECE = Σ_b (n_b / N) |mean confidence_b − accuracy_b| over equal-width confidence bins (Guo et al.
    2017). ``probs`` (N, K) rows of a predictive distribution, ``targets`` (N,) class ids. A Bayes
    posterior under the true model is calibrated: its ECE → 0 as N grows.
    """
    probs = _check_features(probs, "probs")
    targets = _check_labels(targets, "targets", probs.shape[0])
    bins = _check_int(bins, "bins", minimum=1)
    if bool((probs < 0).any()) or not torch.allclose(
        probs.sum(1), torch.ones((), dtype=probs.dtype), atol=1e-4
    ):
        raise ValueError("probs must hold probability rows (non-negative, summing to 1); apply softmax first")
    confidence, prediction = probs.max(dim=1)
    correct = (prediction == targets.to(prediction.device)).to(probs.dtype)
    which = torch.clamp(torch.ceil(confidence * bins).long() - 1, 0, bins - 1)  # bins (lo, hi]
    conf_sum = probs.new_zeros(bins).index_add_(0, which, confidence)
    acc_sum = probs.new_zeros(bins).index_add_(0, which, correct)
    return float((conf_sum - acc_sum).abs().sum() / probs.shape[0])


def r2_score(y_true: torch.Tensor, y_pred: torch.Tensor) -> float:
    """Coefficient of determination 1 − Σ(y − ŷ)² / Σ(y − ȳ)², uniform average over outputs.

    ``y_true``, ``y_pred``: ``(N,)`` or ``(N, m)`` (tensors or NumPy arrays), N >= 2. Matches
    ``sklearn.metrics.r2_score`` including its convention for constant targets.
    """
    ys = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not isinstance(y, torch.Tensor):
            try:
                y = torch.as_tensor(y)
            except (TypeError, ValueError, RuntimeError) as err:
                raise TypeError(f"{name} must be a tensor or array, got {type(y).__name__}.") from err
        ys.append(y)
    a, b = ys
    if a.shape != b.shape or a.ndim not in (1, 2):
        raise ValueError(
            f"y_true and y_pred must have the same shape (N,) or (N, m), got {tuple(a.shape)} and "
            f"{tuple(b.shape)}."
        )
    if a.shape[0] < 2:
        raise ValueError(f"R² needs at least 2 samples, got {a.shape[0]}.")
    a = a.detach().to("cpu", torch.float64).reshape(a.shape[0], -1)
    b = b.detach().to("cpu", torch.float64).reshape(b.shape[0], -1)
    return float(_r2_columns(a, b).mean())


def _accuracy(pred: torch.Tensor, y: torch.Tensor) -> float:
    return float((pred.to(y.device) == y).float().mean())


def _sizes(ntr: int, nva: int, nte: int) -> str:
    return (
        f"fit on the {ntr} train samples only (val, {nva} samples, only chooses the settings; no refit "
        f"on train+val); tested once on {nte} test samples"
    )


# --------------------------------------------------------------------------------------------- linear probe


def _fit_logistic(
    x: torch.Tensor, y: torch.Tensor, c: float, theta0: torch.Tensor, max_iter: int
) -> tuple[torch.Tensor, int]:
    """Minimise mean CE + ‖W‖² / (2 C N): scikit-learn's C Σ CE + ½‖W‖² divided by C N (same optimum),
    intercept unpenalised. ``x`` (N, d), ``y`` (N,), ``theta0`` (d + 1, K) = [W; b]."""
    n, d = x.shape
    theta = theta0.clone().requires_grad_(True)
    # full-batch L-BFGS with a strong-Wolfe line search: the problem is smooth and convex, so this is
    # what scikit-learn's lbfgs solver does too, but it runs on any torch device
    opt = torch.optim.LBFGS(
        [theta],
        lr=1.0,
        max_iter=max_iter,
        history_size=20,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-6,
        tolerance_change=1e-10,
    )

    def closure() -> torch.Tensor:
        opt.zero_grad()
        logits = torch.addmm(theta[d], x, theta[:d])
        loss = F.cross_entropy(logits, y) + theta[:d].pow(2).sum() / (2.0 * c * n)
        loss.backward()
        return loss

    opt.step(closure)
    return theta.detach(), int(opt.state[theta].get("n_iter", 0))


def _linear_classification(
    data: list[tuple[torch.Tensor, torch.Tensor]], grid: list[float], device: torch.device, max_iter: int
) -> ProbeResult:
    (xtr, ytr), (xva, yva), (xte, yte) = data
    k = _n_classes(ytr, {"val": yva, "test": yte})
    mean, std = _standardiser(xtr)
    xtr_s, xva_s = (_standardise(x, mean, std, device) for x in (xtr, xva))
    ytr_d, yva_d = ytr.to(device), yva.to(device)
    d = xtr.shape[1]

    theta = torch.zeros(d + 1, k, device=device)
    val_scores: dict[str, float] = {}
    best: tuple[float, float, torch.Tensor, int] | None = None
    # strongest regularisation first: each fit warm-starts from the previous, more regularised solution,
    # and a tie in val accuracy keeps the simpler model
    for c in sorted(grid):
        theta, n_iter = _fit_logistic(xtr_s, ytr_d, c, theta, max_iter)
        acc = _accuracy(torch.addmm(theta[d], xva_s, theta[:d]).argmax(1), yva_d)
        val_scores[f"{c:g}"] = acc
        if best is None or acc > best[1]:
            best = (c, acc, theta, n_iter)
    assert best is not None
    c, val_acc, theta, n_iter = best
    # the only use of the test split
    xte_s = _standardise(xte, mean, std, device)
    test_acc = _accuracy(torch.addmm(theta[d], xte_s, theta[:d]).argmax(1), yte.to(device))
    params = {
        "C": c,
        "val_scores": val_scores,
        "lbfgs_iterations": n_iter,
        "n_classes": k,
        "n_train": xtr.shape[0],
        "n_val": xva.shape[0],
        "n_test": xte.shape[0],
    }
    protocol = (
        f"linear probe: multinomial logistic regression (L-BFGS, scikit-learn's C convention, intercept "
        f"unpenalised) on features standardised with train statistics, C chosen from {_fmt(sorted(grid))} "
        f"on val (best C={c:g}, val accuracy {val_acc:.3f}); "
        + _sizes(xtr.shape[0], xva.shape[0], xte.shape[0])
    )
    return ProbeResult("accuracy", test_acc, val_acc, params, protocol)


def _linear_regression(data: list[tuple[torch.Tensor, torch.Tensor]], grid: list[float]) -> ProbeResult:
    (xtr, ytr), (xva, yva), (xte, yte) = data
    _check_not_constant(ytr)
    # float64 on the CPU: the closed form goes through X^T X, whose small eigenvalues float32 would lose
    cpu = torch.device("cpu")
    mean, std = _standardiser(xtr.to(cpu))
    xtr_s, xva_s, xte_s = (_standardise(x, mean, std, cpu).double() for x in (xtr, xva, xte))
    y_mean = ytr.mean(0)
    # one eigendecomposition gives the whole ridge path: w(alpha) = V diag(1 / (s + alpha)) V^T X^T y
    evals, evecs = torch.linalg.eigh(xtr_s.T @ xtr_s)
    evals = evals.clamp(min=0.0)
    proj = evecs.T @ (xtr_s.T @ (ytr - y_mean))  # (d, m)

    def weights(alpha: float) -> torch.Tensor:
        return evecs @ (proj / (evals + alpha)[:, None])

    val_scores: dict[str, float] = {}
    best: tuple[float, float] | None = None
    # strongest shrinkage first, so that a tie keeps the more regularised model
    for alpha in sorted(grid, reverse=True):
        r2 = float(_r2_columns(yva, xva_s @ weights(alpha) + y_mean).mean())
        val_scores[f"{alpha:g}"] = r2
        if best is None or r2 > best[1]:
            best = (alpha, r2)
    assert best is not None
    alpha, val_r2 = best
    # the only use of the test split
    per_output = _r2_columns(yte, xte_s @ weights(alpha) + y_mean)
    m = ytr.shape[1]
    params = {
        "alpha": alpha,
        "val_scores": val_scores,
        "r2_per_output": [float(v) for v in per_output],
        "n_outputs": m,
        "n_train": xtr.shape[0],
        "n_val": xva.shape[0],
        "n_test": xte.shape[0],
    }
    over = f"mean R² over {m} outputs" if m > 1 else "R²"
    protocol = (
        f"linear probe: ridge regression (closed form, scikit-learn's alpha convention ‖y − Xw‖² + "
        f"alpha‖w‖², intercept unpenalised) on features standardised with train statistics, alpha chosen "
        f"from {_fmt(sorted(grid))} on val by {over} (best alpha={alpha:g}, val R² {val_r2:.3f}); "
        + _sizes(xtr.shape[0], xva.shape[0], xte.shape[0])
    )
    return ProbeResult("r2", float(per_output.mean()), val_r2, params, protocol)


def _check_not_constant(y_train: torch.Tensor) -> None:
    constant = (y_train == y_train[0]).all(0)
    if bool(constant.any()):
        cols = [int(i) for i in torch.nonzero(constant).flatten()]
        raise ValueError(
            f"train target column(s) {cols} are constant: there is nothing to predict (R² is undefined); "
            "drop them."
        )


def linear_probe(
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    task: str = "classification",
    grid: Sequence[float] | None = None,
    seed: int = 0,
    device: torch.device | str | None = None,
    max_iter: int = 1000,
) -> ProbeResult:
    """Linear probe with its regularisation strength chosen on val, test scored once.

    Each split is ``(features (N, d), targets)``; features are standardised with train statistics.
    ``classification``: targets are class ids ``(N,)``; multinomial logistic regression with an L2
    penalty, ``C`` (scikit-learn's convention, default grid ``C_GRID``) chosen by val accuracy.
    ``regression``: targets ``(N,)`` or ``(N, m)``; ridge, ``alpha`` (``ALPHA_GRID``) chosen by val R²
    (mean over outputs); ``params['r2_per_output']`` holds the test R² of each output. The chosen model
    is the one fitted on train (no refit on train + val). Both fits are deterministic; ``seed`` is
    accepted for a uniform probe signature. ``device`` (default: best available) runs the logistic fit.
    """
    task = _check_task(task)
    _check_int(seed, "seed", minimum=0)
    max_iter = _check_int(max_iter, "max_iter", minimum=1)
    data = _unpack_all((train, val, test), SPLITS, task)
    if task == "classification":
        return _linear_classification(
            data, _check_grid(grid, "grid", C_GRID), _resolve_device(device), max_iter
        )
    return _linear_regression(data, _check_grid(grid, "grid", ALPHA_GRID))


# --------------------------------------------------------------------------------------------- MLP probe


def _mlp_init(
    d: int, width: int, n_out: int, n_models: int, generator: torch.Generator
) -> list[torch.Tensor]:
    """torch.nn.Linear's default init, U(±1/√fan_in), drawn from our own generator (never the global one).
    Every model of the group starts from the same draw (common random numbers): differences between
    weight decays are then due to the weight decay, not to the draw."""

    def uniform(*shape: int, fan_in: int) -> torch.Tensor:
        bound = 1.0 / math.sqrt(fan_in)
        t = (torch.rand(*shape, generator=generator) * 2 - 1) * bound
        return t.expand(n_models, *shape).clone()

    return [
        uniform(d, width, fan_in=d),  # W1 (M, d, h)
        uniform(1, width, fan_in=d),  # b1 (M, 1, h)
        uniform(width, n_out, fan_in=width),  # W2 (M, h, o)
        uniform(1, n_out, fan_in=width),  # b2 (M, 1, o)
    ]


def _mlp_forward(params: Sequence[torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """M one-hidden-layer MLPs on the same batch: ``x`` (B, d) -> (M, B, o)."""
    w1, b1, w2, b2 = params
    h = torch.relu(torch.matmul(x, w1) + b1)  # (M, B, h)
    return torch.baddbmm(b2, h, w2)


def _mlp_predict(params: Sequence[torch.Tensor], x: torch.Tensor, rows: int = 4096) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([_mlp_forward(params, x[i : i + rows]) for i in range(0, x.shape[0], rows)], dim=1)


def _mlp_scores(out: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    """Val score per model: accuracy, or mean R² over outputs. ``out`` (M, N, o) -> (M,)."""
    if task == "classification":
        return (out.argmax(-1) == target).float().mean(1)
    ss_res = (out - target).pow(2).sum(1)  # (M, o)
    ss_tot = (target - target.mean(0)).pow(2).sum(0)
    return (1 - ss_res / ss_tot.clamp(min=1e-12)).mean(1)


def _train_mlp_group(
    xtr: torch.Tensor,
    ttr: torch.Tensor,
    xva: torch.Tensor,
    tva: torch.Tensor,
    *,
    task: str,
    n_out: int,
    width: int,
    weight_decays: Sequence[float],
    seed: int,
    max_epochs: int,
    patience: int,
    batch_size: int,
    lr: float,
) -> tuple[list[tuple[float, int, list[torch.Tensor]]], int]:
    """Train one MLP per weight decay, batched into one (M, ...) tensor per layer (one Adam over the stack
    is exactly M independent Adams: it is elementwise). Early stopping on val, per model.

    Returns, per weight decay, (best val score, its epoch, the weights at that epoch), and the number of
    epochs run."""
    device = xtr.device
    m = len(weight_decays)
    gen = torch.Generator().manual_seed(seed)
    params = [p.to(device).requires_grad_(True) for p in _mlp_init(xtr.shape[1], width, n_out, m, gen)]
    wd = torch.tensor(list(weight_decays), dtype=torch.float32, device=device).view(m, 1, 1)
    opt = torch.optim.Adam(params, lr=lr)
    best: list[tuple[float, int, list[torch.Tensor]]] = [(-math.inf, 0, [])] * m
    stale = [0] * m
    n = xtr.shape[0]
    for epoch in range(1, max_epochs + 1):
        order = torch.randperm(n, generator=gen).to(device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            out = _mlp_forward(params, xtr[idx])  # (M, B, o)
            if task == "classification":
                # sum over models of each model's mean cross-entropy
                fit = F.cross_entropy(out.flatten(0, 1), ttr[idx].repeat(m), reduction="sum") / idx.numel()
            else:
                fit = (out - ttr[idx]).pow(2).mean(dim=(1, 2)).sum()
            penalty = 0.5 * ((wd * params[0].pow(2)).sum() + (wd * params[2].pow(2)).sum())
            opt.zero_grad(set_to_none=True)
            (fit + penalty).backward()
            opt.step()
        scores = _mlp_scores(_mlp_predict(params, xva), tva, task).tolist()
        for i, score in enumerate(scores):
            if score > best[i][0]:  # strict: a tie keeps the earlier (shorter-trained) epoch
                best[i] = (score, epoch, [p.detach()[i : i + 1].clone() for p in params])
                stale[i] = 0
            else:
                stale[i] += 1
        if min(stale) >= patience:
            break
    return best, epoch


def mlp_probe(
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    task: str = "classification",
    hidden: int | Sequence[int] = 256,
    grid: Sequence[float] | None = None,
    seed: int = 0,
    max_epochs: int = 100,
    patience: int = 10,
    batch_size: int | None = None,
    lr: float = 1e-3,
    device: torch.device | str | None = None,
) -> ProbeResult:
    """One-hidden-layer ReLU MLP probe; width (``hidden``) and weight decay (``grid``) chosen on val.

    Splits are ``(features (N, d), targets)`` as in :func:`linear_probe`; features (and regression
    targets) are standardised with train statistics. Adam (``lr``, mini-batches of ``batch_size``; default
    ``min(512, max(32, N // 50))``, so that even a small training set gets about 50 steps per epoch) on the
    mean cross-entropy or squared error plus ``(wd / 2) ‖W‖²`` on the weights, for at most ``max_epochs``
    epochs; after every epoch the val score is computed and each setting keeps its best epoch, stopping
    once no setting has improved for ``patience`` epochs (early stopping on val is part of the selection).
    The setting and epoch with the best val score is then scored once on test; nothing is refit on
    train + val. Ties go to the smaller width, the larger weight decay, the earlier epoch.
    """
    task = _check_task(task)
    seed = _check_int(seed, "seed", minimum=0)
    widths = [hidden] if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool) else hidden
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) == 0:
        raise TypeError(f"hidden must be an int or a non-empty sequence of ints, got {hidden!r}.")
    widths = sorted({_check_int(w, "hidden width", minimum=1) for w in widths})
    decays = sorted(_check_grid(grid, "grid", WEIGHT_DECAY_GRID, allow_zero=True), reverse=True)
    max_epochs = _check_int(max_epochs, "max_epochs", minimum=1)
    patience = _check_int(patience, "patience", minimum=1)
    lr = _check_positive(lr, "lr")
    dev = _resolve_device(device)
    (xtr, ytr), (xva, yva), (xte, yte) = _unpack_all((train, val, test), SPLITS, task)
    n_train = xtr.shape[0]
    if batch_size is None:
        batch_size = min(512, max(32, n_train // 50))
    batch_size = min(_check_int(batch_size, "batch_size", minimum=1), n_train)

    mean, std = _standardiser(xtr)
    xtr_s, xva_s = (_standardise(x, mean, std, dev) for x in (xtr, xva))
    if task == "classification":
        n_out = _n_classes(ytr, {"val": yva, "test": yte})
        ttr, tva = ytr.to(dev), yva.to(dev)
    else:
        _check_not_constant(ytr)
        n_out = ytr.shape[1]
        t_mean, t_std = ytr.mean(0), ytr.std(0, correction=0)
        # the network fits unit-variance targets; R² is unchanged by this per-output affine map
        ttr, tva = (((y - t_mean) / t_std).float().to(dev) for y in (ytr, yva))

    candidates = []  # (val score, epoch, width, weight decay, weights), in tie-breaking order
    epochs_run = {}
    for width in widths:
        group, epochs_run[width] = _train_mlp_group(
            xtr_s,
            ttr,
            xva_s,
            tva,
            task=task,
            n_out=n_out,
            width=width,
            weight_decays=decays,
            seed=seed,
            max_epochs=max_epochs,
            patience=patience,
            batch_size=batch_size,
            lr=lr,
        )
        candidates += [(s, e, width, wd, w) for wd, (s, e, w) in zip(decays, group, strict=True)]
    val_score, epoch, width, wd, weights = max(candidates, key=lambda c: c[0])  # max keeps the first tie
    if not weights:
        raise RuntimeError("MLP probe: no setting produced a finite val score (training diverged); lower lr.")

    # the only use of the test split
    out = _mlp_predict(weights, _standardise(xte, mean, std, dev))[0]
    if task == "classification":
        test_score = _accuracy(out.argmax(-1), yte)
        per_output = None
    else:
        pred = out.double().cpu() * t_std + t_mean
        per_output = _r2_columns(yte, pred)
        test_score = float(per_output.mean())
    metric = "accuracy" if task == "classification" else "r2"
    params: dict[str, Any] = {
        "hidden": width,
        "weight_decay": wd,
        "epoch": epoch,
        "epochs_run": epochs_run[width],
        "val_scores": {f"hidden={c[2]},weight_decay={c[3]:g}": c[0] for c in candidates},
        "n_train": xtr.shape[0],
        "n_val": xva.shape[0],
        "n_test": xte.shape[0],
    }
    if per_output is not None:
        params["r2_per_output"] = [float(v) for v in per_output]
    score_name = "accuracy" if task == "classification" else ("mean R²" if n_out > 1 else "R²")
    protocol = (
        f"MLP probe: one hidden ReLU layer, Adam lr {lr:g}, batch {batch_size}, at most "
        f"{max_epochs} epochs with early stopping on val (patience {patience}), features standardised "
        f"with train statistics; width from {_fmt(widths)} × weight decay from {_fmt(sorted(decays))} "
        f"chosen on val by {score_name} (best width={width}, weight decay={wd:g}, epoch {epoch} of "
        f"{epochs_run[width]} run, val {score_name} {val_score:.3f}); seed {seed}; "
        + _sizes(xtr.shape[0], xva.shape[0], xte.shape[0])
    )
    return ProbeResult(metric, test_score, float(val_score), params, protocol)


# --------------------------------------------------------------------------------------------- kNN probe


def knn_probe(
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    *,
    k: int = 20,
    temperature: float = 0.07,
    n_classes: int | None = None,
    batch_size: int | None = None,
    device: torch.device | str | None = None,
) -> ProbeResult:
    """DINO's weighted kNN classifier: cosine similarity of L2-normalised features, the ``k`` most
    similar train points vote for their class with weight exp(sim / T).

    ``train``, ``test``: ``(features (N, d), labels (N,))``. k and T are fixed in advance, so there is no
    selection and no validation split (``val`` is NaN). Test points are processed ``batch_size`` at a time
    (default: so that one similarity block holds about 16 M numbers), bounding memory.
    """
    (xtr, ytr), (xte, yte) = _unpack_all((train, test), ("train", "test"), "classification")
    k = _check_int(k, "k", minimum=1)
    if k > xtr.shape[0]:
        raise ValueError(f"k={k} exceeds the {xtr.shape[0]} train samples.")
    t = _check_positive(temperature, "temperature")
    n_cls = _n_classes(ytr, {"test": yte}, n_classes)
    dev = _resolve_device(device)
    rows = (
        max(1, 2**24 // xtr.shape[0])
        if batch_size is None
        else _check_int(batch_size, "batch_size", minimum=1)
    )

    bank = F.normalize(xtr.to(dev).float(), dim=1)  # (Ntr, d)
    bank_labels = ytr.to(dev)
    correct = 0
    for start in range(0, xte.shape[0], rows):
        q = F.normalize(xte[start : start + rows].to(dev).float(), dim=1)  # (b, d)
        sim, idx = (q @ bank.T).topk(k, dim=1)  # (b, k)
        # exp((s − s_max) / T): the same votes up to a per-row factor (argmax unchanged), without
        # overflowing float32 for small T
        weight = ((sim - sim[:, :1]) / t).exp()
        votes = torch.zeros(q.shape[0], n_cls, device=dev).scatter_add_(1, bank_labels[idx], weight)
        correct += int((votes.argmax(1).cpu() == yte[start : start + rows].cpu()).sum())
    acc = correct / xte.shape[0]
    params = {"k": k, "temperature": t, "n_classes": n_cls, "n_train": xtr.shape[0], "n_test": xte.shape[0]}
    protocol = (
        f"weighted kNN (DINO-style): cosine similarity of L2-normalised features, the k={k} most similar "
        f"of {xtr.shape[0]} train samples vote with weight exp(sim/T), T={t:g}; k and T fixed in advance "
        f"(nothing selected, so no validation split is used); tested once on {xte.shape[0]} test samples"
    )
    return ProbeResult("accuracy", acc, math.nan, params, protocol)


# --------------------------------------------------------------------------------------------- clustering


def hungarian_accuracy(labels: torch.Tensor, clusters: torch.Tensor) -> float:
    """Accuracy of ``clusters`` (N,) against ``labels`` (N,) under the best one-to-one matching of
    clusters to classes (Hungarian algorithm on the contingency table); unmatched clusters count as
    errors."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    y = _check_labels(labels, "labels", labels.shape[0] if isinstance(labels, torch.Tensor) else -1)
    c = _check_labels(clusters, "clusters", y.shape[0])
    y_np, c_np = y.cpu().numpy(), c.cpu().numpy()
    table = np.zeros((int(c_np.max()) + 1, int(y_np.max()) + 1), dtype=np.int64)
    np.add.at(table, (c_np, y_np), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum()) / y_np.shape[0]


def gmm_clustering(
    features: torch.Tensor,
    labels: torch.Tensor,
    n_clusters: int,
    *,
    seed: int = 0,
    covariance_type: str = "full",
    n_init: int = 1,
    max_iter: int = 200,
) -> dict[str, Any]:
    """Cluster ``features`` (N, d) with a Gaussian mixture and score the clusters against ``labels`` (N,).

    The mixture (scikit-learn, k-means initialisation, ``random_state=seed``) is fitted on features
    standardised per dimension and scored on the same samples; labels are used only for scoring.
    Returns ``{"accuracy"`` (Hungarian-matched), ``"nmi"`` (arithmetic normalisation), ``"ari"``,
    ``"protocol"``, ``"clusters"`` (the (N,) cluster ids)``}``.
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.mixture import GaussianMixture

    x = _check_features(features, "features")
    y = _check_labels(labels, "labels", x.shape[0])
    n_clusters = _check_int(n_clusters, "n_clusters", minimum=1)
    if n_clusters > x.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} exceeds the {x.shape[0]} samples.")
    seed = _check_int(seed, "seed", minimum=0)
    n_init = _check_int(n_init, "n_init", minimum=1)
    max_iter = _check_int(max_iter, "max_iter", minimum=1)
    covariance_types = ("full", "diag", "tied", "spherical")
    if covariance_type not in covariance_types:
        raise ValueError(f"unknown covariance_type {covariance_type!r}; choose one of {covariance_types}.")

    mean, std = _standardiser(x.cpu())
    xs = ((x.cpu().double() - mean.double()) / std.double()).numpy()
    gmm = GaussianMixture(
        n_components=n_clusters,
        covariance_type=covariance_type,
        n_init=n_init,
        max_iter=max_iter,
        random_state=seed,
    ).fit(xs)
    clusters = torch.from_numpy(gmm.predict(xs)).long()
    y_np = y.cpu().numpy()
    acc = hungarian_accuracy(y, clusters)
    nmi = float(normalized_mutual_info_score(y_np, clusters.numpy()))
    ari = float(adjusted_rand_score(y_np, clusters.numpy()))
    converged = "converged" if gmm.converged_ else "NOT converged"
    protocol = (
        f"GMM clustering: {n_clusters} components, {covariance_type} covariance, k-means init, "
        f"n_init={n_init}, seed {seed}, EM {converged} after {gmm.n_iter_} iterations; fitted and scored on "
        f"the same {x.shape[0]} samples (features standardised; labels used only for scoring); accuracy "
        f"after Hungarian matching of clusters to {int(torch.unique(y).numel())} classes, NMI (arithmetic), "
        "ARI"
    )
    return {"accuracy": acc, "nmi": nmi, "ari": ari, "protocol": protocol, "clusters": clusters}


# --------------------------------------------------------------------------------------------- encoding


def features(
    encode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    batch_size: int = 1024,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """``encode(x)`` in batches under ``torch.no_grad()``: ``x`` (N, ...) -> CPU float32 ``(N, d)``.

    Batches are moved to ``device`` when given, else to the device of ``encode``'s parameters when it is
    an ``nn.Module`` (which is put in eval mode for the call and restored afterwards).
    """
    if not callable(encode):
        raise TypeError(f"encode must be callable (x -> (N, d) tensor), got {type(encode).__name__}.")
    if not isinstance(x, torch.Tensor) or x.ndim < 1 or x.shape[0] == 0:
        raise TypeError(f"x must be a non-empty torch.Tensor (N, ...), got {x!r:.80}.")
    batch_size = _check_int(batch_size, "batch_size", minimum=1)
    module = encode if isinstance(encode, torch.nn.Module) else None
    if device is None and module is not None:
        first = next(module.parameters(), None)
        device = None if first is None else first.device
    was_training = module.training if module is not None else False
    if module is not None:
        module.eval()  # batch-norm statistics and dropout must not depend on the probe's batches
    chunks = []
    try:
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                batch = x[start : start + batch_size]
                if device is not None:
                    batch = batch.to(device)
                z = encode(batch)
                if not isinstance(z, torch.Tensor):
                    raise TypeError(
                        f"encode must return a tensor (N, d), got {type(z).__name__}; for an encoder that "
                        "returns (mean, log-variance), pass lambda x: enc(x)[0]."
                    )
                if z.ndim != 2 or z.shape[0] != batch.shape[0]:
                    raise ValueError(
                        f"encode must map a batch of {batch.shape[0]} inputs to ({batch.shape[0]}, d), got "
                        f"shape {tuple(z.shape)}."
                    )
                chunks.append(z.detach().to("cpu", torch.float32))
    finally:
        if module is not None:
            module.train(was_training)
    return _check_features(torch.cat(chunks), "encoded")


def _get_split(data: object, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(x, labels or None) of split ``name`` of a Dataset-like object."""
    if isinstance(data, Mapping):
        split = data.get(name)
    else:
        split = getattr(data, name, None)
    if split is None:
        raise TypeError(
            f"data has no {name!r} split: pass a simvae_core.data.Dataset, an object with .train/.val/.test "
            "splits, or a mapping {'train': (x, labels), 'val': ..., 'test': ...}."
        )
    if isinstance(split, (tuple, list)):
        if not 1 <= len(split) <= 2:
            raise TypeError(f"split {name!r} must be (x,) or (x, labels), got {len(split)} items.")
        return split[0], (split[1] if len(split) == 2 else None)
    if not hasattr(split, "x"):
        raise TypeError(f"split {name!r} must have an .x attribute (and .labels for content probes).")
    return split.x, getattr(split, "labels", getattr(split, "y", None))


def _style_task(name: str, targets: Sequence[torch.Tensor]) -> tuple[str, list[torch.Tensor]]:
    """Binary targets (every value 0 or 1, one column) -> classification; anything else -> regression."""
    flat = []
    for split, t in zip(SPLITS, targets, strict=True):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"style target {name!r} ({split}) must be a torch.Tensor, got {type(t).__name__}."
            )
        flat.append(t.detach().cpu())
    binary = all(
        (t.ndim == 1 or (t.ndim == 2 and t.shape[1] == 1)) and bool(((t == 0) | (t == 1)).all()) for t in flat
    )
    if binary:
        return "classification", [t.reshape(-1).long() for t in flat]
    return "regression", flat


def evaluate_representation(
    encode: Callable[[torch.Tensor], torch.Tensor],
    data: object,
    *,
    content: bool = True,
    style_targets: Mapping[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] | None = None,
    style_data: object = None,
    probes: Sequence[str] = PROBES,
    seed: int = 0,
    device: torch.device | str | None = None,
    batch_size: int = 1024,
) -> dict[str, ProbeResult]:
    """Encode the train/val/test inputs of ``data`` and run the probes; returns a flat dict of results
    keyed ``"content/<probe>"`` and ``"style/<target>/<probe>"``.

    ``data``: a ``simvae_core.data.Dataset`` (or any object / mapping with train, val and test splits,
    each with ``.x`` and ``.labels`` or an ``(x, labels)`` pair). ``content``: class probes on the labels.
    ``style_targets``: name -> (train, val, test) tensors with one row per input of ``style_data`` (the
    held-out augmented views whose parameters they are; default: ``data`` itself). A target whose values
    are all 0 or 1 (one column) is a binary style and gets classification accuracy; anything else is
    continuous and gets R² (kNN, a classifier, is skipped for it). ``probes``: any of "linear", "mlp",
    "knn". The protocol of every style result says which kind was detected.
    """
    if isinstance(probes, str) or not isinstance(probes, Sequence) or len(probes) == 0:
        raise TypeError(f"probes must be a non-empty sequence of names from {PROBES}, got {probes!r}.")
    unknown = [p for p in probes if p not in PROBES]
    if unknown or len(set(probes)) != len(probes):
        raise ValueError(f"probes must be distinct names from {PROBES}, got {list(probes)}.")
    seed = _check_int(seed, "seed", minimum=0)
    style_targets = dict(style_targets or {})
    if not content and not style_targets:
        raise ValueError("nothing to evaluate: content=False and no style_targets.")

    def encoded(source: object) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
        xs, labels = zip(*(_get_split(source, s) for s in SPLITS), strict=True)
        return [features(encode, x, batch_size, device) for x in xs], list(labels)

    def run(probe: str, task: str, splits: list[tuple[torch.Tensor, torch.Tensor]]) -> ProbeResult:
        if probe == "linear":
            return linear_probe(*splits, task=task, seed=seed, device=device)
        if probe == "mlp":
            return mlp_probe(*splits, task=task, seed=seed, device=device)
        return knn_probe(splits[0], splits[2], device=device)

    results: dict[str, ProbeResult] = {}
    if content or style_data is None:
        feats, labels = encoded(data)
    if content:
        for split, y in zip(SPLITS, labels, strict=True):
            if y is None:
                raise ValueError(f"content probes need class labels, but the {split} split has none.")
        for probe in probes:
            result = run(probe, "classification", list(zip(feats, labels, strict=True)))
            results[f"content/{probe}"] = dataclasses.replace(
                result, protocol="content (class labels): " + result.protocol
            )
    if style_targets:
        style_feats = feats if style_data is None else encoded(style_data)[0]
        for name, triple in style_targets.items():
            if not isinstance(triple, (tuple, list)) or len(triple) != 3:
                raise TypeError(f"style target {name!r} must be a (train, val, test) triple of tensors.")
            task, targets = _style_task(name, triple)
            kind = (
                "binary (values in {0, 1}) -> classification accuracy"
                if task == "classification"
                else "continuous -> R²"
            )
            for probe in probes:
                if probe == "knn" and task == "regression":
                    continue  # the weighted kNN is a classifier
                try:
                    result = run(probe, task, list(zip(style_feats, targets, strict=True)))
                except ValueError as err:
                    raise ValueError(f"style target {name!r}: {err}") from err
                results[f"style/{name}/{probe}"] = dataclasses.replace(
                    result, protocol=f"style target {name!r}, {kind}: " + result.protocol
                )
    return results


def active_units(means: torch.Tensor, threshold: float = 0.01) -> int:
    """Number of active latent dimensions (Burda et al. 2016): ``#{k : Var_x(E_q[z_k | x]) > threshold}``.

    ``means`` (N, d): posterior means of N inputs. A dimension whose mean does not vary with the input is
    ignored by the decoder: the posterior has collapsed to the prior there.
    """
    means = _check_features(means, "means")
    return int((means.double().var(dim=0) > threshold).sum())


# ---------------------------------------------------------------------------------------------------------
# Trained models: content and style in one call


def augmented_style_data(
    dataset: object,
    augment: object,
    *,
    seed: int = 0,
    max_per_split: int | None = 10_000,
) -> tuple[dict[str, tuple[torch.Tensor]], dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]]:
    """One held-out augmented view per image of each split, and its augmentation parameters as targets.

    Returns ``(style_data, style_targets)`` for :func:`evaluate_representation`: ``style_data[split] =
    (views,)`` with views ``(N, C, H, W)`` floats, and ``style_targets[name] = (train, val, test)`` for every
    parameter that varies (crop scale/ratio/centre, flips, rotation, colour factors). The views are drawn
    with a generator seeded by ``seed`` (not the training stream), from at most ``max_per_split`` images.
    """
    from .augment import Augmenter, get_augment_config

    config = get_augment_config(augment)
    augmenter = Augmenter(config)
    generator = torch.Generator().manual_seed(_check_int(seed, "seed", minimum=0) + 7919)
    views, params = {}, {}
    for split in SPLITS:
        x, _ = _get_split(dataset, split)
        if max_per_split is not None:
            x = x[:max_per_split]
        drawn = augmenter(x, 1, generator)
        views[split] = (drawn.views[:, 0],)  # (N, C, H, W)
        params[split] = {k: v[:, 0] for k, v in drawn.params.items() if v.ndim == 2}  # (N,) each
    targets = {}
    for name in params["train"]:
        triple = tuple(params[s][name].float() for s in SPLITS)
        if all(t.std() > 0 for t in triple):  # a parameter that never varies carries no style
            targets[name] = triple
    return views, targets


def _attribute_splits(
    dataset: object, names: Sequence[str] | None, max_train: int | None
) -> dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """Per attribute name: {split: (x, labels)} restricted to labelled (>= 0) entries."""
    first = getattr(dataset, "train", None)
    available = getattr(first, "attributes", None) or {}
    if names is None:
        names = [n for n in ("hair_colour",) if n in available]
    out = {}
    for name in names:
        if name not in available:
            raise ValueError(f"dataset has no attribute {name!r}; available: {sorted(available)}")
        splits = {}
        for split in SPLITS:
            part = getattr(dataset, split)
            labels = part.attributes[name]
            keep = torch.nonzero(labels >= 0).squeeze(1)
            if split == "train" and max_train is not None:
                keep = keep[:max_train]
            splits[split] = (part.x[keep], labels[keep].long())
        out[name] = splits
    return out


def evaluate_trained(
    trained: object,
    dataset: object,
    *,
    probes: Sequence[str] = PROBES,
    style: bool = True,
    style_probes: Sequence[str] = ("linear", "mlp"),
    augment: object | None = None,
    clustering: bool = True,
    seed: int = 0,
    max_train: int | None = None,
    max_style: int | None = 10_000,
    style_names: Sequence[str] | None = None,
    attributes: Sequence[str] | None = None,
) -> dict[str, ProbeResult]:
    """Content probes on clean images, GMM clustering, and style probes on held-out augmented views.

    ``trained`` is what ``simvae_core.fit`` returns (anything with ``encode`` and ``config.augment``).
    Style targets are the parameters of the augmentation the model was trained with (or ``augment``).
    Keys: ``content/<probe>``, ``content/gmm`` (accuracy; NMI and ARI in params), ``style/<param>/<probe>``.
    ``max_train`` caps the training images of the content probes (the first ones of the fixed train split;
    validation and test stay whole); ``max_style`` caps every split of the style views; ``style_names``
    keeps only those augmentation parameters. ``attributes`` names per-image attributes of the dataset
    (e.g. CelebA's ``hair_colour``, a style attribute) probed on clean images like the class, skipping
    entries marked -1; by default ``hair_colour`` when the dataset has it. Keys ``attribute/<name>/<probe>``.
    """
    splits = {name: _get_split(dataset, name) for name in SPLITS}
    if max_train is not None:
        x, y = splits["train"]
        splits["train"] = (x[:max_train], None if y is None else y[:max_train])
    results = evaluate_representation(trained.encode, splits, probes=probes, seed=seed)
    if clustering:
        test_x, test_y = _get_split(dataset, "test")
        feats = features(trained.encode, test_x)
        n_clusters = int(test_y.max()) + 1
        gmm = gmm_clustering(feats, test_y, n_clusters, seed=seed)
        results["content/gmm"] = ProbeResult(
            metric="accuracy",
            test=float(gmm["accuracy"]),
            val=float("nan"),
            params={"nmi": float(gmm["nmi"]), "ari": float(gmm["ari"]), "n_clusters": n_clusters},
            protocol="content (class labels): " + gmm["protocol"],
        )
    for name, triple in _attribute_splits(dataset, attributes, max_train).items():
        for key, result in evaluate_representation(
            trained.encode, triple, probes=style_probes, seed=seed
        ).items():
            probe = key.split("/", 1)[1]
            results[f"attribute/{name}/{probe}"] = dataclasses.replace(
                result, protocol=f"attribute {name!r}: " + result.protocol.split(": ", 1)[-1]
            )
    augment = augment if augment is not None else getattr(getattr(trained, "config", None), "augment", "none")
    if style and augment not in (None, "none"):
        style_data, targets = augmented_style_data(dataset, augment, seed=seed, max_per_split=max_style)
        if style_names is not None:
            targets = {name: t for name, t in targets.items() if name in style_names}
        if targets:
            style_results = evaluate_representation(
                trained.encode,
                style_data,
                content=False,
                style_targets=targets,
                probes=style_probes,
                seed=seed,
            )
            results.update(style_results)
    return results


# --------------------------------------------------------------------------------------------- geometry
# the representation-geometry metrics live in .geometry; re-exported so a notebook finds every number it
# reports about a representation here
from .geometry import (  # noqa: E402
    VarianceTraces,
    alignment,
    covariance_spectrum,
    effective_rank,
    mean_cosine_to_prototypes,
    nearest_centroid_accuracy,
    uniformity,
    uniformity_optimum,
    uniformity_simplex,
    variance_traces,
    within_group_variance_ratio,
)
