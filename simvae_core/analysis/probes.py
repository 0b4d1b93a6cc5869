"""Probes that read content and style out of a frozen representation, each with an honest protocol.

Every probe chooses its settings on the validation split only and scores the test split exactly once,
with the model fitted on the training split alone: there is no refit on train + val, so the test number
belongs to exactly the model the selection looked at. Each result carries a human-readable ``protocol``.

- ``linear_probe``    multinomial logistic regression (accuracy) or ridge (R²); strength chosen on val
- ``mlp_probe``       one hidden ReLU layer; width and weight decay chosen on val, early stopping on val
- ``knn_probe``       DINO's weighted kNN: cosine similarity, top-k, votes weighted by exp(sim / T)
- ``group_split_probe`` one call for grouped data: groups split train/val/test (every view of a group on
  the same side), then a linear or MLP probe

Shapes: features ``(N, d)`` float, class labels ``(N,)`` non-negative ints, regression targets ``(N,)`` or
``(N, m)``. A split is passed as a ``(features, targets)`` pair.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F

from ..checks import check_features, check_int, check_labels, check_positive, check_targets
from ..repro import default_device
from .metrics import r2_columns

__all__ = [
    "ALPHA_GRID",
    "C_GRID",
    "PROBES",
    "SPLITS",
    "TASKS",
    "WEIGHT_DECAY_GRID",
    "ProbeResult",
    "group_split_probe",
    "group_splits",
    "knn_probe",
    "linear_probe",
    "mlp_probe",
    "standardiser",
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


def _unpack(split: object, name: str, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not isinstance(split, (tuple, list)) or len(split) != 2:
        raise TypeError(f"{name} must be a (features, targets) pair, got {type(split).__name__}.")
    x = check_features(split[0], name)
    n = x.shape[0]
    y = check_labels(split[1], name, n) if task == "classification" else check_targets(split[1], name, n)
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
    k = int(y_train.max()) + 1 if n_classes is None else check_int(n_classes, "n_classes", minimum=2)
    for name, y in {"train": y_train, **others}.items():
        if int(y.max()) >= k:
            raise ValueError(
                f"{name} labels contain class id {int(y.max())}, but the classes are 0..{k - 1} "
                + ("(n_classes)." if n_classes is not None else "(those seen in train).")
            )
    return k


def _check_grid(
    grid: object, name: str, default: Sequence[float], *, allow_zero: bool = False
) -> list[float]:
    if grid is None:
        return list(default)
    if isinstance(grid, (str, bytes)) or not isinstance(grid, Sequence) or len(grid) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of numbers, got {grid!r}.")
    values = [check_positive(v, f"{name} value", allow_zero=allow_zero) for v in grid]
    if len(set(values)) != len(values):
        raise ValueError(f"{name} has repeated values: {grid!r}.")
    return values


def _fmt(values: Sequence[float]) -> str:
    return "{" + ", ".join(f"{v:g}" for v in values) + "}"


# --------------------------------------------------------------------------------------------- shared maths


def standardiser(x_train: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
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
    mean, std = standardiser(xtr)
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
    mean, std = standardiser(xtr.to(cpu))
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
        r2 = float(r2_columns(yva, xva_s @ weights(alpha) + y_mean).mean())
        val_scores[f"{alpha:g}"] = r2
        if best is None or r2 > best[1]:
            best = (alpha, r2)
    assert best is not None
    alpha, val_r2 = best
    # the only use of the test split
    per_output = r2_columns(yte, xte_s @ weights(alpha) + y_mean)
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
    check_int(seed, "seed", minimum=0)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    data = _unpack_all((train, val, test), SPLITS, task)
    if task == "classification":
        return _linear_classification(
            data,
            _check_grid(grid, "grid", C_GRID),
            default_device(None if device is None else str(device)),
            max_iter,
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
    seed = check_int(seed, "seed", minimum=0)
    widths = [hidden] if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool) else hidden
    if isinstance(widths, (str, bytes)) or not isinstance(widths, Sequence) or len(widths) == 0:
        raise TypeError(f"hidden must be an int or a non-empty sequence of ints, got {hidden!r}.")
    widths = sorted({check_int(w, "hidden width", minimum=1) for w in widths})
    decays = sorted(_check_grid(grid, "grid", WEIGHT_DECAY_GRID, allow_zero=True), reverse=True)
    max_epochs = check_int(max_epochs, "max_epochs", minimum=1)
    patience = check_int(patience, "patience", minimum=1)
    lr = check_positive(lr, "lr")
    dev = default_device(None if device is None else str(device))
    (xtr, ytr), (xva, yva), (xte, yte) = _unpack_all((train, val, test), SPLITS, task)
    n_train = xtr.shape[0]
    if batch_size is None:
        batch_size = min(512, max(32, n_train // 50))
    batch_size = min(check_int(batch_size, "batch_size", minimum=1), n_train)

    mean, std = standardiser(xtr)
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
        per_output = r2_columns(yte, pred)
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
    k = check_int(k, "k", minimum=1)
    if k > xtr.shape[0]:
        raise ValueError(f"k={k} exceeds the {xtr.shape[0]} train samples.")
    t = check_positive(temperature, "temperature")
    n_cls = _n_classes(ytr, {"test": yte}, n_classes)
    dev = default_device(None if device is None else str(device))
    rows = (
        max(1, 2**24 // xtr.shape[0])
        if batch_size is None
        else check_int(batch_size, "batch_size", minimum=1)
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


# ------------------------------------------------------------------------------------- grouped data


def group_splits(
    n_groups: int, fractions: Sequence[float] = (0.7, 0.15, 0.15), generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Group indices of the train, val and test splits (in ``fractions``; shuffled by ``generator``, in
    order without one). Every split gets at least one group; an impossible split is an error."""
    n_groups = check_int(n_groups, "n_groups", minimum=3)
    if len(fractions) != 3 or any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be three positive numbers summing to 1, got {tuple(fractions)}")
    order = torch.arange(n_groups) if generator is None else torch.randperm(n_groups, generator=generator)
    a = max(1, round(fractions[0] * n_groups))
    b = max(a + 1, round((fractions[0] + fractions[1]) * n_groups))
    if b >= n_groups:
        raise ValueError(f"{n_groups} groups cannot be split {tuple(fractions)} with a non-empty test split")
    return order[:a], order[a:b], order[b:]


def group_split_probe(
    features: torch.Tensor,
    target: torch.Tensor,
    *,
    task: str = "regression",
    probe: str = "linear",
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    generator: torch.Generator | None = None,
    **options: Any,
) -> ProbeResult:
    """Probe ``target`` from ``features`` of grouped data, split by group.

    ``features``: ``(N, d)`` (one row per group) or ``(N, J, d)`` (J views per group); ``target``: one
    value per group (``(N,)``/``(N, m)``, repeated over the views) or per view (``(N, J)``/``(N, J, m)``).
    The N groups are split train/val/test in ``fractions`` (:func:`group_splits`), so the views of one
    group never straddle two splits, then :func:`linear_probe` or :func:`mlp_probe` (``probe``) runs with
    ``options``: settings chosen on val, test scored once. The protocol says how the groups were split.
    """
    if probe not in ("linear", "mlp"):
        raise ValueError(f"probe must be 'linear' or 'mlp', got {probe!r}")
    task = _check_task(task)
    if not isinstance(features, torch.Tensor) or features.dim() not in (2, 3):
        raise ValueError("features must be a tensor (N, d) or (N, J, d) of grouped data")
    n = features.shape[0]
    if not isinstance(target, torch.Tensor) or target.shape[0] != n:
        got = tuple(target.shape) if isinstance(target, torch.Tensor) else type(target).__name__
        raise ValueError(f"target must be a tensor with one entry per group first ({n} groups), got {got}")
    grouped = features.dim() == 3
    views = features.shape[1] if grouped else 1
    per_view = grouped and target.dim() >= 2 and target.shape[1] == views
    per_view = per_view and (task == "classification" or target.dim() == 3)

    def rows(idx: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = features[idx].reshape(len(idx) * views, -1)
        if per_view:
            return x, target[idx].reshape(len(idx) * views, *target.shape[2:])
        return x, target[idx].repeat_interleave(views, dim=0)

    split = group_splits(n, fractions, generator)
    fn = linear_probe if probe == "linear" else mlp_probe
    result = fn(*(rows(i) for i in split), task=task, **options)
    sizes = "/".join(str(len(i)) for i in split)
    where = f"groups split {sizes} train/val/test ({views} view(s) each, no group on two sides); "
    return ProbeResult(result.metric, result.test, result.val, result.params, where + result.protocol)
