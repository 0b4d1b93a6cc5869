"""Figure recipes for the notebooks: every number drawn with its interval, every claim with its margin.

Tables are tidy (pandas): one row per seed and condition, one column per measured quantity. Intervals
are the claims' own 95 % t-intervals over seeds (:func:`simvae_core.claims.estimate`), so a figure and
the verdict it illustrates never disagree about the uncertainty.

- :func:`summarise`   mean, interval and n of a column per condition
- :func:`mean_ci`     a curve per condition: mean over seeds with its interval as a band
- :func:`bars`        bars with intervals and the seeds as dots
- :func:`margin`      a claim's reference and margin on an axis (``claim_margin`` from a recorded claim)
- :func:`spectrum`    sorted eigenvalues on a log axis, mean and band over seeds
- :func:`image_grid`  a grid of images on one axis
- :func:`forest`      the forest plot of a notebook's claims (what ``claims_forest.png`` shows)

Seaborn draws where it fits (its palettes and despined style); the intervals are ours. Importing this
module does not import torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from ..claims.readings import WORDS, num
from ..claims.stats import estimate

__all__ = [
    "COLOURS",
    "bars",
    "claim_margin",
    "forest",
    "image_grid",
    "margin",
    "mean_ci",
    "spectrum",
    "summarise",
]

# outcome colours (forest plot and any figure that colours by outcome)
COLOURS = {
    "supported": "#1b9e77",
    "direction_only": "#66a61e",
    "inconclusive": "#e6ab02",
    "no_effect": "#7570b3",
    "contradicted": "#d95f02",
    "not_decidable": "#999999",
}
FOREST_LIMIT = 6.0  # forest rows beyond ±LIMIT margins are clipped, with an arrow


def _palette(n: int) -> list[Any]:

    return sns.color_palette("colorblind", max(n, 1))


def summarise(table: Any, by: str | Sequence[str], value: str) -> Any:
    """Per condition (``by``): ``mean``, ``lo``, ``hi`` (95 % t-interval over the rows, the seeds) and
    ``n`` of column ``value``; one row per condition, in the table's order of first appearance."""

    keys = [by] if isinstance(by, str) else list(by)
    rows = []
    for key, part in table.groupby(keys, sort=False):
        e = estimate(part[value].astype(float).tolist())
        key = key if isinstance(key, tuple) else (key,)
        lo, hi = e.ci if e.n > 1 else (e.mean, e.mean)
        rows.append({**dict(zip(keys, key, strict=True)), "mean": e.mean, "lo": lo, "hi": hi, "n": e.n})
    return pd.DataFrame(rows)


def mean_ci(
    ax: Any,
    table: Any,
    x: str,
    y: str,
    hue: str | None = None,
    *,
    labels: Mapping[Any, str] | None = None,
    colours: Mapping[Any, Any] | None = None,
    band: bool = True,
    **line: Any,
) -> Any:
    """One curve per ``hue`` value: the mean of ``y`` over seeds at each ``x``, its 95 % interval as a band.
    ``labels`` renames the legend entries; returns the summary table drawn."""
    s = summarise(table, [hue, x] if hue else [x], y)
    groups = list(dict.fromkeys(s[hue])) if hue else [None]
    palette = dict(zip(groups, _palette(len(groups)), strict=True))
    palette.update(colours or {})
    for g in groups:
        part = s[s[hue] == g] if hue else s
        label = (labels or {}).get(g, g) if hue else line.pop("label", None)
        ax.plot(part[x], part["mean"], color=palette[g], label=label, **line)
        if band:
            ax.fill_between(part[x], part["lo"], part["hi"], color=palette[g], alpha=0.2, lw=0)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    return s


def bars(
    ax: Any,
    table: Any,
    x: str,
    y: str,
    hue: str | None = None,
    *,
    order: Sequence[Any] | None = None,
    hue_order: Sequence[Any] | None = None,
    labels: Mapping[Any, str] | None = None,
    seeds: bool = True,
    horizontal: bool = False,
) -> Any:
    """Bars of the mean of ``y`` per ``x`` (and ``hue``), with 95 % t-intervals over seeds and each seed
    drawn as a dot. ``labels`` renames the ``x`` ticks. Returns the summary table drawn."""

    s = summarise(table, [x, hue] if hue else [x], y)
    xs = list(order or dict.fromkeys(s[x]))
    hs = list(hue_order or dict.fromkeys(s[hue])) if hue else [None]
    width = 0.8 / len(hs)
    colours = _palette(len(hs))
    for k, h in enumerate(hs):
        part = s[s[hue] == h] if hue else s
        pos, means, errs = [], [], []
        for i, xv in enumerate(xs):
            row = part[part[x] == xv]
            if row.empty:
                continue
            r = row.iloc[0]
            pos.append(i - 0.4 + width * (k + 0.5))
            means.append(r["mean"])
            errs.append([r["mean"] - r["lo"], r["hi"] - r["mean"]])
            if seeds:
                sel = table[(table[x] == xv) & ((table[hue] == h) if hue else True)][y].to_numpy(float)
                jitter = np.linspace(-width / 4, width / 4, len(sel)) if len(sel) > 1 else np.zeros(1)
                dots = (sel, pos[-1] + jitter) if horizontal else (pos[-1] + jitter, sel)
                ax.scatter(*dots, s=6, color="k", alpha=0.5, zorder=3, lw=0)
        err = np.asarray(errs, dtype=float).T if errs else None
        draw = ax.barh if horizontal else ax.bar
        kw = {"xerr" if horizontal else "yerr": err}
        draw(pos, means, width * 0.95, color=colours[k], label=h if hue else None, capsize=2, **kw)
    ticks = [(labels or {}).get(v, v) for v in xs]
    (ax.set_yticks if horizontal else ax.set_xticks)(range(len(xs)), ticks)
    (ax.set_xlabel if horizontal else ax.set_ylabel)(y)
    return s


def margin(
    ax: Any,
    reference: float,
    margin: float,
    direction: str = "greater",
    *,
    axis: str = "y",
    label: str | None = "margin",
    colour: str = "k",
) -> None:
    """Draw a claim's reference (solid) and the line its value must cross (dashed): reference + margin for
    ``greater``, reference − margin for ``less``, the band ±margin for ``within``; on the ``y`` axis
    (horizontal lines) or the ``x`` axis (vertical ones)."""
    line = ax.axhline if axis == "y" else ax.axvline
    line(reference, color=colour, lw=0.8)
    if direction == "within":
        span = ax.axhspan if axis == "y" else ax.axvspan
        span(reference - margin, reference + margin, color=colour, alpha=0.08, lw=0, label=label)
        return
    if direction not in ("greater", "less"):
        raise ValueError(f"direction must be 'greater', 'less' or 'within', got {direction!r}")
    sign = 1.0 if direction == "greater" else -1.0
    line(reference + sign * margin, color=colour, lw=0.9, ls="--", label=label)


def claim_margin(ax: Any, claim: Any, *, axis: str = "y", label: str | None = None) -> None:
    """:func:`margin` for a recorded claim (``book[id]``): its reference's mean and its margin."""
    text = label if label is not None else f"{claim.id}: margin {num(claim.margin)}"
    margin(ax, claim.reference.mean, claim.margin, claim.spec.direction, axis=axis, label=text)


def spectrum(ax: Any, eigenvalues: Any, *, label: str | None = None, colour: Any = None) -> None:
    """Eigenvalues sorted in decreasing order on a log axis: the mean over seeds (rows of ``eigenvalues``,
    shape ``(seeds, k)``) with the band between the smallest and largest seed."""

    ev = np.sort(np.atleast_2d(np.asarray(eigenvalues, dtype=float)), axis=1)[:, ::-1]
    k = np.arange(1, ev.shape[1] + 1)
    (line,) = ax.plot(k, ev.mean(0), marker="o", ms=3, label=label, color=colour)
    if ev.shape[0] > 1:
        ax.fill_between(k, ev.min(0), ev.max(0), color=line.get_color(), alpha=0.2, lw=0)
    ax.set_yscale("log")
    ax.set_xlabel("eigenvalue rank")
    ax.set_ylabel("eigenvalue")


def image_grid(ax: Any, images: Any, nrow: int, *, pad: int = 1) -> None:
    """Images ``(N, C, H, W)`` or ``(N, H, W)`` in [0, 1] tiled row by row, ``nrow`` per row, on ``ax``."""

    a = np.asarray(images, dtype=float)
    if a.ndim == 3:
        a = a[:, None]
    n, c, h, w = a.shape
    rows = -(-n // nrow)
    grid = np.ones((c, rows * (h + pad) + pad, nrow * (w + pad) + pad))
    for i in range(n):
        r, q = divmod(i, nrow)
        grid[
            :, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + q * (w + pad) : pad + q * (w + pad) + w
        ] = a[i]
    ax.imshow(grid[0] if c == 1 else grid.transpose(1, 2, 0), cmap="gray" if c == 1 else None, vmin=0, vmax=1)
    ax.set_axis_off()


# ------------------------------------------------------------------------------------------------ forest


def _scaled(claim: Mapping[str, Any]) -> tuple[float, tuple[float, float], tuple[float, float] | None]:
    """(mean, interval, adjusted interval) in margin units, turned by the claim's direction."""
    sign = -1.0 if claim["direction"] == "less" else 1.0
    d = claim["difference"]
    lo, hi = sorted((sign * d["ci"][0], sign * d["ci"][1]))
    adj = claim.get("adjusted")
    alo = ahi = None
    if adj:
        alo, ahi = sorted((sign * adj["ci"][0], sign * adj["ci"][1]))
    # a zero margin gives no unit: the widest interval end is put at ±½, clear of the margin line at 1
    scale = claim["margin"] or 2 * max(abs(lo), abs(hi), abs(alo or 0), abs(ahi or 0)) or 1.0
    adjusted = (alo / scale, ahi / scale) if adj else None
    return sign * d["mean"] / scale, (lo / scale, hi / scale), adjusted


def _clip(pair: tuple[float, float]) -> tuple[float, float]:
    lim = FOREST_LIMIT
    return (max(-lim, min(lim, pair[0])), max(-lim, min(lim, pair[1])))


def forest(verdicts: Any) -> Any:
    """The forest plot of a notebook's empirical claims and negative controls, from its verdicts (the
    ``verdicts.json`` mapping, or a finished :class:`~simvae_core.claims.ClaimBook`); None when there is
    none. Each row is drawn in units of its own margin, turned so that "beyond the margin" is to the right
    (0: no difference; 1: the margin; for ``within`` claims the band ±1 is the tolerance). A zero-margin
    claim is scaled so that its widest interval end sits at ±½ and drawn hollow. Thick bar: the 95 %
    interval; thin bar: a secondary claim's Holm-adjusted interval; colour: the outcome; ★: the primary."""

    if not isinstance(verdicts, Mapping):
        verdicts = verdicts.as_json()
    rows = [c for c in verdicts.get("claims", []) if c["kind"] in ("empirical", "negative_control")]
    if not rows:
        return None
    rows.sort(key=lambda c: (not c.get("primary"), c["kind"] == "negative_control", c["id"]))
    lim = FOREST_LIMIT
    fig, ax = plt.subplots(figsize=(9.5, 1.2 + 0.24 * len(rows)), layout="constrained")
    for y, c in enumerate(rows):
        mean, (lo, hi), adjusted = _scaled(c)
        colour = COLOURS[c["outcome"]]
        if adjusted:
            ax.plot(_clip(adjusted), [y, y], color=colour, lw=1, alpha=0.7)
        ax.plot(_clip((lo, hi)), [y, y], color=colour, lw=3.2, solid_capstyle="butt")
        marker = "*" if c.get("primary") else ("s" if c["kind"] == "negative_control" else "o")
        face = colour if c["margin"] else "white"
        size = 11 if c.get("primary") else 6
        ax.plot([max(-lim, min(lim, mean))], [y], marker=marker, ms=size, color=colour, mfc=face, mec=colour)
        for end in (lo, hi):
            if abs(end) > lim:
                side = 1 if end > 0 else -1
                arrow = {"arrowstyle": "->", "color": colour}
                ax.annotate("", (lim * side, y), (lim * 0.93 * side, y), arrowprops=arrow)
        if c["direction"] == "within":
            ax.plot([-1, -1], [y - 0.35, y + 0.35], color="k", lw=0.8)
        d = c["difference"]
        text = f"{num(d['mean'])} [{num(d['ci'][0])}, {num(d['ci'][1])}]  m={num(c['margin'])}"
        ax.text(lim + 0.3, y, text, va="center", fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    ax.axvline(1, color="k", lw=0.8, ls="--")
    labels = [
        ("★ " if c.get("primary") else "")
        + c["id"]
        + (" (negative control)" if c["kind"] == "negative_control" else "")
        for c in rows
    ]
    ax.set_yticks(range(len(rows)), labels, fontsize=7)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-lim - 0.2, lim + 0.2)
    ax.set_xlabel(
        "difference in units of its margin, turned so that the claim points right (0: none; 1: the margin)\n"
        "hollow marker: a margin of 0, scaled to its interval; thin bar: the Holm-adjusted interval"
    )
    handles = [plt.Line2D([], [], color=COLOURS[o], lw=3, label=WORDS[o]) for o in COLOURS]
    ax.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6, fontsize=7, frameon=False
    )
    title = f"{verdicts.get('notebook', '')}: empirical claims and negative controls"
    ax.set_title(title, fontsize=9, pad=22)
    return fig
