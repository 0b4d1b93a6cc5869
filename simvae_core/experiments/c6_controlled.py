"""C6 where convergence is affordable: SimVAE against the VAE, β-VAE and CR-VAE on grouped data whose
content and style are known (notebook 05, the controlled comparison).

The data (:func:`grouped_views`) is linear-Gaussian and built so that a method *must choose*: each group
shares a content ``c ∈ R²`` (variance 1), each view has its own style ``ε_j ∈ R³`` of larger variance
(``STYLE_VAR`` = 4), and ``x_j = A [c; ε_j] + n_j`` in ``R¹²`` (A orthonormal columns, noise 0.1). The
latent has 3 units, too few for the 5 factors. A variance-driven objective (the VAE; β and the decoder
variance only move the threshold, E14) keeps the three style directions; an objective that knows which
views belong together can keep the content instead: SimVAE through its prior ``p(z_j | y)``, CR-VAE through
its consistency term ``γ KL(q(z|x₂) ‖ q(z|x₁))``. Whether SimVAE's way is better than CR-VAE's tuned one is
what the contest decides. Encoder and decoder are linear (``arch="linear"``), so every method reaches its
plateau in a CPU budget and the closed forms say what each should keep.

Runners (tidy tables; they read no notebook globals):

- :func:`select`   each method's knob (SimVAE σ², the VAE's decoder variance σ_x², β-VAE's β, CR-VAE's γ) on
  a three-point grid a decade apart, scored by the *validation* R² of the content at the selection seeds
  (never a test seed), each grid extended while its best value sits on an edge (at most ``MAX_EXTEND``)
- :func:`contest`  every method at its chosen value on the test seeds, with the content and style R² of
  held-out views along training (the plateau premise reads it through :func:`stopping_rise`);
  ``shuffled=True`` trains SimVAE on views whose groups were shuffled (the negative control: no shared
  content to find)
- :func:`early_stopped`  each run at its checkpoint of best *validation* content in the second half of
  training (the same rule for every method: CR-VAE's content oscillates from one checkpoint to the next at
  the learning rate that lets SimVAE converge, so a single end snapshot would be a lottery)
- :func:`stopping_rise`  what early stopping still gained over the last fifth (the plateau premise)
- :func:`best_baseline`  SimVAE against the best of the three baselines per seed (their maximum)
- :func:`gaps`     SimVAE − the best baseline along training (per seed and step), for the figure

``CLAIMS`` (declared in :mod:`simvae_core.specs.c6_controlled`) are the claims these runners feed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import torch

from ..analysis.probes import group_split_probe
from ..specs.c6_controlled import (
    CLAIMS,
    CONTENT_DIM,
    LATENT_DIM,
    NOISE_VAR,
    SELECT_OFFSET,
    STYLE_DIM,
    STYLE_VAR,
)
from .c2_c3_correspondence import N_HELD, N_POOL, Groups
from .common import Clock, encode_views, train_on_groups, watched_fit

__all__ = [
    "BASELINES",
    "CLAIMS",
    "GRIDS",
    "KNOBS",
    "METHODS",
    "OBS_DIM",
    "best_baseline",
    "chosen",
    "contest",
    "early_stopped",
    "gaps",
    "grouped_views",
    "references",
    "scores",
    "select",
    "selection_seeds",
    "shuffle_groups",
    "stopping_rise",
    "theory",
]

OBS_DIM = 12
BATCH, LR = (
    128,
    3e-3,
)  # groups per step; Adam's rate, the same for every method (1e-2: stiff settings oscillate)
METHODS = ("simvae", "vae", "beta_vae", "cr_vae")
BASELINES = ("vae", "beta_vae", "cr_vae")
KNOBS = {"simvae": "sigma2", "vae": "decoder_var", "beta_vae": "beta", "cr_vae": "gamma"}
# three values a decade apart per method, fixed before the run (equal tuning budgets)
GRIDS: dict[str, tuple[float, ...]] = {
    "simvae": (0.001, 0.01, 0.1),
    "vae": (0.1, 1.0, 10.0),
    "beta_vae": (0.1, 1.0, 10.0),
    "cr_vae": (1.0, 10.0, 100.0),
}
MAX_EXTEND = 2  # extra grid values per method while the best one sits on an edge


def theory() -> dict[str, float]:
    """What each objective should keep (R² of a linear read-out, mean over coordinates): the content's
    ceiling ``1/(1 + σ_n²)`` (its two directions seen through the noise), and the style a representation
    keeps with its one spare unit on one style direction, ``(1/3) a²/(a² + σ_n²)``, or with all three
    units on style, ``a²/(a² + σ_n²)``."""
    style = STYLE_VAR / (STYLE_VAR + NOISE_VAR)
    return {"content": 1 / (1 + NOISE_VAR), "style_one_unit": style / STYLE_DIM, "style_all": style}


def grouped_views(n_groups: int, generator: torch.Generator) -> Groups:
    """N groups of 6 views: content ``c ~ N(0, I₂)`` per group, style ``ε_j ~ N(0, a² I₃)`` per view
    (a² = ``STYLE_VAR``), ``x_j = A [c; ε_j] + n_j`` with A (12, 5) orthonormal columns and
    ``n_j ~ N(0, σ_n² I₁₂)``. Views 0–3 form the training pool, 4–5 are held out. ``y`` holds c (N, 2),
    ``per_view`` the ε (N, 6, 3), ``z`` the factors [c; ε_j] (N, 6, 5)."""
    j = N_POOL + N_HELD
    a, _ = torch.linalg.qr(torch.randn(OBS_DIM, CONTENT_DIM + STYLE_DIM, generator=generator))
    c = torch.randn(n_groups, CONTENT_DIM, generator=generator)
    eps = STYLE_VAR**0.5 * torch.randn(n_groups, j, STYLE_DIM, generator=generator)
    z = torch.cat([c[:, None].expand(-1, j, -1), eps], -1)  # (N, J, 5)
    x = z @ a.T + NOISE_VAR**0.5 * torch.randn(n_groups, j, OBS_DIM, generator=generator)  # (N, J, 12)
    return Groups(x[:, :N_POOL], x[:, N_POOL:], z, c, per_view=eps)


def shuffle_groups(pool: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """The pool with each view slot permuted across groups independently: a "group" then holds views of
    unrelated groups, so nothing is shared within it (the negative control's data)."""
    n, j = pool.shape[:2]
    return torch.stack([pool[torch.randperm(n, generator=generator), k] for k in range(j)], 1)


def scores(held: torch.Tensor, data: Groups, seed: int) -> dict[str, float]:
    """Ridge R² (mean over coordinates) of the content c and of the per-view style ε from both held-out
    views' representations (N, 2, d), groups split 70/15/15 by ``seed``: ``content``/``style`` on the test
    split, ``content_val``/``style_val`` on the validation split (what :func:`select` reads)."""
    assert data.per_view is not None
    out = {}
    for name, target in (("content", data.y), ("style", data.per_view[:, N_POOL:])):
        gen = torch.Generator().manual_seed(seed)
        r = group_split_probe(held.double(), target.double(), task="regression", generator=gen)
        out[name], out[f"{name}_val"] = float(r.test), float(r.val)
    return out


def references(data: Groups, seed: int = 0) -> pd.DataFrame:
    """The scores of the true factors and of the raw views x (one row each, column ``method``)."""
    rows = [
        {"method": "true factors", **scores(data.z[:, N_POOL:], data, seed)},
        {"method": "raw x", **scores(data.held, data, seed)},
    ]
    return pd.DataFrame(rows)


def _options(method: str, value: float) -> dict[str, Any]:
    """Every method: linear encoder and decoder, Gaussian likelihood, the same Adam; the decoder variance
    learned (σ-VAE) except where it is the VAE's knob."""
    base: dict[str, Any] = {"arch": "linear", "likelihood": "gaussian", "lr": LR, "decoder_var": "learned"}
    return {**base, KNOBS[method]: float(value)}


def selection_seeds(seeds: Sequence[int], n_select: int) -> list[int]:
    """``n_select`` selection seeds from ``seeds[0] + SELECT_OFFSET``, disjoint from the test ``seeds``."""
    out = [seeds[0] + SELECT_OFFSET + i for i in range(n_select)]
    if set(out) & set(seeds):
        raise ValueError(f"selection seeds {out} overlap the test seeds {list(seeds)}")
    return out


def _extended(grid: list[float], best: float) -> float | None:
    """The next value beyond the edge where ``best`` sits (same ratio as the grid), or None if interior."""
    if best == grid[0]:
        return grid[0] * grid[0] / grid[1]
    if best == grid[-1]:
        return grid[-1] * grid[-1] / grid[-2]
    return None


def select(
    data: Groups,
    *,
    seeds: Sequence[int],
    steps: int,
    clock: Clock,
    methods: Sequence[str] = METHODS,
    grids: Mapping[str, Sequence[float]] = GRIDS,
    max_extend: int = MAX_EXTEND,
) -> pd.DataFrame:
    """Each method trained at each value of its grid on the selection ``seeds`` (cached models), scored on
    the validation split; a grid whose best value (mean validation content R²) is on an edge is extended
    beyond it, at most ``max_extend`` times. Columns: method, knob, value, seed, content_val, style_val,
    added (True for an extension)."""
    rows: list[dict[str, Any]] = []

    def run(method: str, value: float, added: bool) -> None:
        for seed in seeds:
            with clock("train"):
                trained = train_on_groups(
                    method,
                    data.pool,
                    steps=steps,
                    batch_size=BATCH,
                    latent_dim=LATENT_DIM,
                    seed=seed,
                    **_options(method, value),
                )
            with clock("eval"):
                got = scores(encode_views(trained, data.held), data, seed)
            rows.append(
                {
                    "method": method,
                    "knob": KNOBS[method],
                    "value": float(value),
                    "seed": seed,
                    "content_val": got["content_val"],
                    "style_val": got["style_val"],
                    "added": added,
                }
            )

    for method in methods:
        grid = sorted(float(v) for v in grids[method])
        for value in grid:
            run(method, value, False)
        for _ in range(max_extend):
            table = pd.DataFrame([r for r in rows if r["method"] == method])
            nxt = _extended(grid, _best(table))
            if nxt is None:
                break
            run(method, nxt, True)
            grid = sorted([*grid, nxt])
    return pd.DataFrame(rows)


def _best(table: pd.DataFrame) -> float:
    means = table.groupby("value")["content_val"].mean()
    return float(means.idxmax())


def chosen(selection: pd.DataFrame) -> dict[str, float]:
    """Each method's value with the highest mean validation content R² over the selection seeds."""
    return {m: _best(part) for m, part in selection.groupby("method", sort=False)}


def on_edge(selection: pd.DataFrame) -> dict[str, bool]:
    """Whether each method's chosen value still sits on an edge of its (extended) grid."""
    out = {}
    for m, part in selection.groupby("method", sort=False):
        values = sorted(part["value"].unique())
        out[m] = _best(part) in (values[0], values[-1])
    return out


def contest(
    data: Groups,
    values: Mapping[str, float],
    *,
    seeds: Sequence[int],
    steps: int,
    checkpoints: int,
    clock: Clock,
    shuffled: bool = False,
) -> pd.DataFrame:
    """Each method of ``values`` (method → chosen knob value) on the test ``seeds``, with :func:`scores` of
    the held-out views at step 0 (the untrained network) and at ``checkpoints`` points of ``steps``.
    ``shuffled=True``: trained on :func:`shuffle_groups` of the pool (shuffled by ``seed``), recorded as
    ``<method>_shuffled``. Columns: method, value, seed, step, content, style, content_val, style_val."""
    rows = []
    for method, value in values.items():
        for seed in seeds:
            pool = data.pool
            if shuffled:
                pool = shuffle_groups(pool, torch.Generator().manual_seed(seed))
            got, _ = watched_fit(
                method,
                pool,
                steps=steps,
                batch_size=BATCH,
                latent_dim=LATENT_DIM,
                seed=seed,
                checkpoints=checkpoints,
                evaluate=lambda model, seed=seed: scores(encode_views(model, data.held), data, seed),
                clock=clock,
                **_options(method, value),
            )
            name = f"{method}_shuffled" if shuffled else method
            rows += [{"method": name, "value": float(value), "seed": seed, **r} for r in got]
    return pd.DataFrame(rows)


def early_stopped(curves: pd.DataFrame, after: float = 0.5) -> pd.DataFrame:
    """Each run's checkpoint with the highest *validation* content R² among those at or after ``after`` of
    its training (the same rule for every method), with its test scores: early stopping on the validation
    split. Columns as ``curves``, one row per method × seed."""
    last = curves.groupby(["method", "seed"])["step"].transform("max")
    late = curves[curves["step"] >= after * last]
    return late.loc[late.groupby(["method", "seed"])["content_val"].idxmax()].reset_index(drop=True)


def stopping_rise(curves: pd.DataFrame, after: float = 0.5, value: str = "content_val") -> pd.DataFrame:
    """How much early stopping still gained in the last fifth of training: per method and seed, the best
    validation ``value`` in :func:`early_stopped`'s window (checkpoints at or after ``after`` of the run)
    minus the best in that window up to four fifths of the run (never negative). Near zero for every
    method: the early-stopped readings have converged, whatever a run's swings between checkpoints.
    Columns: method, seed, rise."""
    rows = []
    for (method, seed), part in curves.groupby(["method", "seed"], sort=False):
        last = part["step"].max()
        window = part[part["step"] >= after * last]
        before = window[window["step"] <= 0.8 * last + 1e-9]
        rise = float(window[value].max() - before[value].max()) if len(before) else float("nan")
        rows.append({"method": method, "seed": seed, "rise": rise})
    return pd.DataFrame(rows)


def best_baseline(stopped: pd.DataFrame, value: str = "content") -> pd.DataFrame:
    """Per seed: SimVAE's ``value`` and the best of the three baselines' (their maximum, which favours
    them), from :func:`early_stopped` rows. Columns: seed, simvae, best, best_method, gap."""
    wide = stopped.pivot_table(value, "seed", "method")
    best = wide[list(BASELINES)]
    out = pd.DataFrame(
        {"simvae": wide["simvae"], "best": best.max(axis=1), "best_method": best.idxmax(axis=1)}
    ).reset_index()
    return out.assign(gap=out["simvae"] - out["best"])


def gaps(curves: pd.DataFrame, value: str = "content") -> pd.DataFrame:
    """SimVAE − the best of the three baselines on ``value``, per seed and step (the best taken per seed
    and step, which favours the baselines). Columns: seed, step, simvae, best, best_method, gap."""
    wide = curves[curves["method"].isin(("simvae", *BASELINES))].pivot_table(
        value, ["seed", "step"], "method"
    )
    best = wide[list(BASELINES)]
    out = pd.DataFrame(
        {
            "simvae": wide["simvae"],
            "best": best.max(axis=1),
            "best_method": best.idxmax(axis=1),
        }
    ).reset_index()
    return out.assign(gap=out["simvae"] - out["best"])
