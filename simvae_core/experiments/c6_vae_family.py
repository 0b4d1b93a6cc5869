"""C6, SimVAE against the VAE family (notebook 05): a fair, paired comparison on content, at a CPU budget
whose distance from the authors' is shown rather than hidden.

Four methods share the authors' MLP (784-2000-500-500-2·10 and its mirror), batches of 64 images × 2
augmented views (their random resized crop and vertical flip) and Adam: SimVAE (knob σ²), the VAE (knob:
its learning rate, the one setting its definition leaves open), β-VAE (β) and CR-VAE (γ). Content is the
linear-probe accuracy of the class from the posterior mean μ(x) of clean images; every probe reads
features encoded once per model.

Runners (explicit arguments, tidy pandas tables, one row per seed × condition):

- :func:`select`        each method's grid on the *validation* split, at a selection seed disjoint from the
  test seeds, extended while the best value sits on an edge
- :func:`paired_curve`  the chosen settings per test seed, evaluated at the epochs of the budget curve
  (the model after epoch e of a longer run *is* the e-epoch model: Adam at a constant rate, seeds per epoch)
- :func:`rate_matched`  a rate-constrained β-VAE (Burgess et al. 2018) whose capacity is SimVAE's rate at
  the same seed, so that "it is just a different rate" is tested with the premise met by design
- :func:`pixel_probe`   the raw-pixel linear probe with the same protocol (the reference line)
- :func:`paper_scale`   the optimisation steps of the authors' budget and the GPU time they would need
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from ..analysis.probes import linear_probe
from ..claims.stats import t_quantile
from ..learning.train import TrainedModel, fit
from ..notebook.sizes import RunSizes, SizeTable
from ..specs.c6_vae_family import (
    AUTHORS_EPOCHS,
    AUTHORS_IMAGES,
    GPU_MS_PER_STEP,
    RATE_WEIGHT,
    SELECT_OFFSET,
    SPEC,
)
from .common import Clock

__all__ = [
    "AUGMENT",
    "BASELINES",
    "KNOBS",
    "METHODS",
    "PROBE_ITER",
    "SIZES",
    "SPEC",
    "Sizes",
    "best_baseline",
    "budget",
    "chosen",
    "content_scores",
    "curve_plan",
    "edges",
    "encode_splits",
    "gaps",
    "mde",
    "paired_curve",
    "paper_scale",
    "pixel_probe",
    "rate_matched",
    "select",
    "train",
]

METHODS = {"SimVAE": "simvae", "VAE": "vae", "β-VAE": "beta_vae", "CR-VAE": "cr_vae"}
KNOBS = {"SimVAE": "sigma2", "VAE": "lr", "β-VAE": "beta", "CR-VAE": "gamma"}  # one tuned knob each
BASELINES = ("VAE", "β-VAE", "CR-VAE")
AUGMENT = {"fashion_mnist": "authors_fashion", "mnist5k": "authors_mnist"}
# L-BFGS iterations per C of every linear probe (features, pixels, selection): enough for the C that val
# chooses; the largest C of the grid stops short of convergence, which regularises it a little more
PROBE_ITER = 100
NET = {"latent_dim": 10, "batch_size": 64, "n_views": 2, "lr": 1e-3, "arch": "mlp", "progress": False}


def curve_plan(sizes: Any) -> list[int]:
    """The epochs each test seed trains for (seed index k: the last curve epoch with more than k seeds).
    A seed count above ``n_seeds`` is read as ``n_seeds`` (so a smaller ``n_seeds`` override shrinks the
    curve with the primary)."""
    epochs = sizes.curve_epochs
    if len(epochs) != len(sizes.curve_seeds) or list(epochs) != sorted(set(epochs)):
        raise ValueError("curve_epochs must increase, with one seed count each in curve_seeds")
    if list(sizes.curve_seeds) != sorted(sizes.curve_seeds, reverse=True):
        raise ValueError("curve_seeds must not increase")
    seeds = [min(n, sizes.n_seeds) for n in sizes.curve_seeds]
    if sizes.epochs not in epochs or seeds[epochs.index(sizes.epochs)] != sizes.n_seeds:
        raise ValueError(f"the curve must evaluate the primary's {sizes.epochs} epochs on all n_seeds seeds")
    return [max(e for e, n in zip(epochs, seeds, strict=True) if k < n) for k in range(sizes.n_seeds)]


@dataclass(frozen=True)
class Sizes(RunSizes):
    """n_seeds: paired test seeds of the primary; n_train: Fashion-MNIST training images; epochs: the
    primary's budget; select_epochs: the (cheaper) selection budget; sigma2 / vae_lr / beta / gamma: the
    grids, one knob per method, of equal length; extend: extensions allowed per grid while its best value
    is on an edge; curve_epochs / curve_seeds: the budget curve, seeds evaluated at each epoch (epochs
    must appear with n_seeds); rate_seeds: seeds of the rate-matched β-VAE; mnist_*: the MNIST 5k
    benchmark; n_val / n_test: validation and test images read by the probes; controlled_*: the controlled
    synthetic contest (:mod:`.c6_controlled`: groups, training steps, checkpoints along training, selection
    seeds), on the same ``n_seeds`` test seeds."""

    n_train: int
    epochs: int
    select_epochs: int
    sigma2: tuple[float, ...]
    vae_lr: tuple[float, ...]
    beta: tuple[float, ...]
    gamma: tuple[float, ...]
    extend: int
    curve_epochs: tuple[int, ...]
    curve_seeds: tuple[int, ...]
    rate_seeds: int
    mnist_seeds: int
    mnist_epochs: int
    mnist_train: int
    n_val: int
    n_test: int
    controlled_groups: int
    controlled_steps: int
    controlled_checkpoints: int
    controlled_select_seeds: int

    def __post_init__(self) -> None:
        super().__post_init__()
        grids = {len(self.sigma2), len(self.vae_lr), len(self.beta), len(self.gamma)}
        if len(grids) != 1:
            raise ValueError("every method gets the same number of configurations: grids of equal length")
        curve_plan(self)  # the curve must contain the primary's epochs with every seed


def _grids(sizes: Sizes) -> dict[str, tuple[float, ...]]:
    return {"SimVAE": sizes.sigma2, "VAE": sizes.vae_lr, "β-VAE": sizes.beta, "CR-VAE": sizes.gamma}


SIZES = SizeTable(
    smoke=Sizes(
        n_seeds=3,
        n_train=256,
        epochs=2,
        select_epochs=1,
        sigma2=(0.05,),
        vae_lr=(1e-3,),
        beta=(0.25,),
        gamma=(0.1,),
        extend=0,
        curve_epochs=(2,),
        curve_seeds=(3,),
        rate_seeds=3,
        mnist_seeds=3,
        mnist_epochs=1,
        mnist_train=256,
        n_val=300,
        n_test=500,
        controlled_groups=256,
        controlled_steps=30,
        controlled_checkpoints=3,
        controlled_select_seeds=1,
    ),
    default=Sizes(
        n_seeds=10,
        n_train=2048,
        epochs=8,
        select_epochs=4,
        sigma2=(0.02, 0.05, 0.15),
        vae_lr=(3e-4, 1e-3, 3e-3),
        beta=(0.1, 0.25, 0.5),
        gamma=(0.01, 0.1, 1.0),
        extend=2,
        curve_epochs=(2, 4, 8, 16, 32),
        curve_seeds=(10, 10, 10, 3, 2),
        rate_seeds=5,
        mnist_seeds=10,
        mnist_epochs=3,
        mnist_train=3500,
        n_val=3000,
        n_test=10000,
        controlled_groups=2048,
        controlled_steps=1500,
        controlled_checkpoints=10,
        controlled_select_seeds=2,
    ),
    full=Sizes(  # the authors' budget, for a GPU: 400 epochs on every training image
        n_seeds=10,
        n_train=54000,
        epochs=400,
        select_epochs=100,
        sigma2=(0.02, 0.05, 0.15),
        vae_lr=(3e-4, 1e-3, 3e-3),
        beta=(0.1, 0.25, 0.5),
        gamma=(0.01, 0.1, 1.0),
        extend=2,
        curve_epochs=(25, 50, 100, 200, 400),
        curve_seeds=(10, 10, 10, 10, 10),
        rate_seeds=10,
        mnist_seeds=10,
        mnist_epochs=400,
        mnist_train=3500,
        n_val=6000,
        n_test=10000,
        controlled_groups=8192,
        controlled_steps=6000,
        controlled_checkpoints=10,
        controlled_select_seeds=3,
    ),
)


def budget(sizes: Sizes) -> str:
    """The run's budget in one line (shown beside every answer)."""
    share = sizes.epochs * sizes.n_train / (AUTHORS_EPOCHS * AUTHORS_IMAGES)
    return (
        f"Fashion-MNIST: {sizes.epochs} epochs on {sizes.n_train} training images (batches of 64 images × 2 "
        f"views), {sizes.n_seeds} paired seeds, {share:.2%} of the authors' optimisation steps "
        f"({AUTHORS_EPOCHS} epochs × {AUTHORS_IMAGES} images); selection: {sizes.select_epochs} epochs, "
        f"seed + {SELECT_OFFSET}; curve to {max(sizes.curve_epochs)} epochs on "
        f"{min(*sizes.curve_seeds, sizes.n_seeds)} seeds; "
        f"MNIST 5k: {sizes.mnist_epochs} epochs on {sizes.mnist_train} images, {sizes.mnist_seeds} seeds"
    )


# ------------------------------------------------------------------------------------ train and probe


def train(
    label: str,
    value: float,
    data: Any,
    *,
    epochs: int,
    n_train: int,
    seed: int,
    augment: str,
    callback: Callable[[int, TrainedModel], Any] | None = None,
    **options: Any,
) -> TrainedModel:
    """Fit method ``label`` with its knob at ``value`` (the VAE's knob is its learning rate). Cached unless
    a ``callback`` watches the training."""
    knob = KNOBS[label]
    settings = {**NET, knob: value, **options}
    return fit(
        METHODS[label],
        data,
        epochs=epochs,
        seed=seed,
        max_train=n_train,
        augment=augment,
        callback=callback,
        cache=callback is None,
        **settings,
    )


def encode_splits(
    trained: TrainedModel, data: Any, n_train: int, n_val: int, n_test: int
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """μ(x) of clean images, once per model: the training images the model saw, and the first ``n_val``
    validation and ``n_test`` test images (``n_test = 0``: the test split is not read), with labels."""
    out = {}
    for name, split, n in (
        ("train", data.train, n_train),
        ("val", data.val, n_val),
        ("test", data.test, n_test),
    ):
        if n == 0:
            continue
        with torch.no_grad():
            out[name] = (trained.encode(split.x[:n]).float().cpu(), split.labels[:n])
    return out


def content_scores(
    features: Mapping[str, tuple[torch.Tensor, torch.Tensor]], *, shuffle_seed: int | None
) -> dict[str, float]:
    """Linear-probe accuracy of the class (C chosen on val, test scored once), and the same probe on labels
    permuted within each split by ``shuffle_seed`` (what no representation can predict: the negative
    control, at chance whatever the features; NaN when ``shuffle_seed`` is None)."""
    splits = [features[s] for s in ("train", "val", "test")]
    probe = linear_probe(*splits, max_iter=PROBE_ITER)
    if shuffle_seed is None:
        return {"acc": probe.test, "val": probe.val, "acc_shuffled": math.nan}
    g = torch.Generator().manual_seed(shuffle_seed)
    shuffled = [(x, y[torch.randperm(len(y), generator=g)]) for x, y in splits]
    return {
        "acc": probe.test,
        "val": probe.val,
        "acc_shuffled": linear_probe(*shuffled, max_iter=PROBE_ITER).test,
    }


def pixel_probe(data: Any, n_train: int, n_val: int, n_test: int) -> dict[str, float]:
    """The same linear probe on raw pixels (intensities in [0, 1]): the reference line of the curve."""
    feats = {
        name: (split.x[:n].flatten(1).float() / 255.0, split.labels[:n])
        for name, split, n in (
            ("train", data.train, n_train),
            ("val", data.val, n_val),
            ("test", data.test, n_test),
        )
    }
    probe = linear_probe(feats["train"], feats["val"], feats["test"], max_iter=PROBE_ITER)
    return {"acc": probe.test, "val": probe.val}


# ------------------------------------------------------------------------------------------ selection


def _next_value(values: Sequence[float], edge: str) -> float:
    """One step beyond the grid's edge, at the ratio of its two values nearest that edge."""
    v = sorted(values)
    beyond = v[0] * v[0] / v[1] if edge == "low" else v[-1] * v[-1] / v[-2]
    return float(f"{beyond:.2g}")  # a round number: 9e-05, not 8.999999999999998e-05


def select(data: Any, sizes: Sizes, *, seed: int, clock: Clock) -> pd.DataFrame:
    """Each method's grid, trained for ``select_epochs`` at the selection seed ``seed + SELECT_OFFSET`` and
    scored on the *validation* split (linear probe). While a method's best value sits on a grid edge, one
    value beyond that edge is tried (at most ``extend`` times). One row per method × value: ``val``,
    ``kl`` (the rate, nats per pair of views, last epoch), ``extension`` (tried beyond the grid)."""
    rows = []
    sel_seed = seed + SELECT_OFFSET
    for label, grid in _grids(sizes).items():
        tried: list[float] = []
        todo = list(grid)
        extensions = 0
        while todo:
            value = todo.pop(0)
            with clock("train"):
                trained = train(
                    label,
                    value,
                    data,
                    epochs=sizes.select_epochs,
                    n_train=sizes.n_train,
                    seed=sel_seed,
                    augment=AUGMENT["fashion_mnist"],
                )
            with clock("eval"):
                feats = encode_splits(trained, data, sizes.n_train, sizes.n_val, 0)  # test split unread
                probe = linear_probe(feats["train"], feats["val"], feats["val"], max_iter=PROBE_ITER)
            tried.append(value)
            rows.append(
                {
                    "method": label,
                    "knob": KNOBS[label],
                    "value": value,
                    "val": probe.val,
                    "kl": trained.history["kl"][-1],
                    "extension": value not in grid,
                    "seed": sel_seed,
                }
            )
            if not todo and extensions < sizes.extend and len(tried) > 1:
                mine = [r for r in rows if r["method"] == label]
                best = max(mine, key=lambda r: r["val"])["value"]
                edge = "low" if best == min(tried) else "high" if best == max(tried) else None
                if edge is not None:
                    todo.append(_next_value(tried, edge))
                    extensions += 1
    return pd.DataFrame(rows)


def chosen(selection: pd.DataFrame) -> dict[str, float]:
    """Each method's value with the best validation accuracy."""
    best = selection.loc[selection.groupby("method", sort=False)["val"].idxmax()]
    return dict(zip(best.method, best.value.astype(float), strict=True))


def best_baseline(selection: pd.DataFrame) -> str:
    """The baseline whose chosen setting has the highest validation accuracy: the primary's reference."""
    best = selection.groupby("method")["val"].max()
    return max(BASELINES, key=lambda b: best[b])


def edges(selection: pd.DataFrame) -> pd.DataFrame:
    """Per method: the chosen value, whether it is interior to the values tried, and the extension tried."""
    out = []
    for label, part in selection.groupby("method", sort=False):
        best = float(part.loc[part.val.idxmax(), "value"])
        tried = sorted(part.value.astype(float))
        ext = part.loc[part.extension, "value"].astype(float).tolist()
        out.append(
            {
                "method": label,
                "knob": KNOBS[label],
                "chosen": best,
                "interior": tried[0] < best < tried[-1],
                "tried": ", ".join(f"{v:g}" for v in tried),
                "extension": ", ".join(f"{v:g}" for v in ext) or "—",
            }
        )
    return pd.DataFrame(out)


# ------------------------------------------------------------------------------------------ test runs


def paired_curve(
    data: Any,
    settings: Mapping[str, float],
    *,
    seeds: Sequence[int],
    epochs_per_seed: Sequence[int],
    eval_epochs: Sequence[int],
    n_train: int,
    n_val: int,
    n_test: int,
    augment: str,
    clock: Clock,
    control_epochs: Sequence[int] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Train each method of ``settings`` (label → knob value) at each seed for its ``epochs_per_seed`` and
    score it at every epoch of ``eval_epochs`` it reaches (a callback: the model after epoch e is the
    e-epoch model). One row per seed × method × epoch: ``acc``, ``val``, ``acc_shuffled`` (labels permuted
    by the seed, the same for every method; only at ``control_epochs``, default every epoch scored, else
    NaN), ``kl`` (rate of that epoch), ``image_passes``."""
    controls = eval_epochs if control_epochs is None else control_epochs
    rows = []
    for seed, last in zip(seeds, epochs_per_seed, strict=True):
        for label, value in settings.items():

            def watch(
                epoch: int, trained: TrainedModel, label: str = label, seed: int = seed, value: float = value
            ) -> None:
                if epoch not in eval_epochs:
                    return
                with clock("eval"):
                    feats = encode_splits(trained, data, n_train, n_val, n_test)
                    scores = content_scores(feats, shuffle_seed=seed if epoch in controls else None)
                rows.append(
                    {
                        "seed": seed,
                        "method": label,
                        "value": value,
                        "epoch": epoch,
                        "image_passes": epoch * n_train,
                        "kl": trained.history["kl"][-1],
                        **scores,
                    }
                )

            with clock("train"):
                train(
                    label,
                    value,
                    data,
                    epochs=last,
                    n_train=n_train,
                    seed=seed,
                    augment=augment,
                    callback=watch,
                    **options,
                )
    return pd.DataFrame(rows)


def rate_matched(
    data: Any,
    simvae: pd.DataFrame,
    *,
    epochs: int,
    n_train: int,
    n_val: int,
    n_test: int,
    clock: Clock,
    weight: float = RATE_WEIGHT,
) -> pd.DataFrame:
    """A rate-constrained β-VAE per row of ``simvae`` (columns ``seed``, ``kl``: SimVAE's rate at that seed):
    ``recon − weight · |KL − C|`` with C = that rate (``beta_vae``'s ``capacity``), same seed and budget.
    One row per seed: ``capacity``, ``kl`` (its own rate), ``acc``, ``val``."""
    rows = []
    for seed, capacity in zip(simvae.seed, simvae.kl, strict=True):
        with clock("train"):
            trained = train(
                "β-VAE",
                weight,
                data,
                epochs=epochs,
                n_train=n_train,
                seed=int(seed),
                augment=AUGMENT["fashion_mnist"],
                capacity=float(capacity),
            )
        with clock("eval"):
            scores = content_scores(encode_splits(trained, data, n_train, n_val, n_test), shuffle_seed=None)
        rows.append(
            {"seed": int(seed), "capacity": float(capacity), "kl": trained.history["kl"][-1], **scores}
        )
    return pd.DataFrame(rows)


def paper_scale(n_models: int, *, ms_per_step: float = GPU_MS_PER_STEP, batch: int = 64) -> dict[str, float]:
    """What the authors' budget costs: optimisation steps per model (400 epochs × 60 000 images / 64) and
    GPU hours for ``n_models`` models at ``ms_per_step`` (an estimate, see the spec)."""
    steps = math.ceil(AUTHORS_EPOCHS * AUTHORS_IMAGES / batch)
    hours = n_models * steps * ms_per_step / 1000 / 3600
    return {"steps_per_model": steps, "models": n_models, "ms_per_step": ms_per_step, "gpu_hours": hours}


def gaps(curve: pd.DataFrame, baseline: str, column: str = "acc") -> pd.DataFrame:
    """SimVAE − ``baseline`` of ``column``, per seed × epoch (paired), with ``image_passes``."""
    wide = curve.pivot_table(index=["seed", "epoch", "image_passes"], columns="method", values=column)
    out = (wide["SimVAE"] - wide[baseline]).rename("gap").reset_index()
    return out


def mde(sd: float, n: int, power: float = 0.8) -> float:
    """The smallest true paired difference that a two-sided 95 % t-interval over ``n`` seeds excludes 0
    for with probability ``power``, at per-seed sd ``sd``: ``(t_{.975} + t_{power}) · sd / √n``."""
    one_sided = t_quantile(n - 1, 2 * power - 1)  # the one-sided `power` quantile
    return float((t_quantile(n - 1) + one_sided) * sd / math.sqrt(n))
