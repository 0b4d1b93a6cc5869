"""The forest plot of a notebook's claims: every empirical claim and negative control against its margin.

Drawn from ``verdicts.json`` alone (``claims_forest.png`` beside the notebook's figures), so that it
always shows what the file records. Claims measure different things on different scales, so each row is
drawn in units of its own margin, turned so that "beyond the margin" is to the right: 0 is no
difference, 1 is the margin (for ``within`` claims the band ±1 is the tolerance). A claim with a zero
margin is scaled so that its widest interval end sits at ±½ (its margin is the 0 line); it is drawn
hollow. The thick bar is
the 95 % interval, the thin one the Holm-adjusted interval of a secondary claim; colour is the outcome;
the primary test is starred.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import atomic_path
from ..claims.readings import WORDS, num

COLOURS = {
    "supported": "#1b9e77",
    "direction_only": "#66a61e",
    "inconclusive": "#e6ab02",
    "no_effect": "#7570b3",
    "contradicted": "#d95f02",
    "not_decidable": "#999999",
}
LIMIT = 6.0  # rows beyond ±LIMIT margins are clipped, with an arrow


def _scaled(claim: Mapping[str, Any]) -> tuple[float, tuple[float, float], tuple[float, float] | None, float]:
    """(mean, interval, adjusted interval, scale) in margin units, turned by the claim's direction."""
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
    return sign * d["mean"] / scale, (lo / scale, hi / scale), adjusted, scale


def draw(verdicts: Mapping[str, Any], path: str | Path) -> Path | None:
    """Draw the forest plot of ``verdicts`` to ``path`` (PNG); None when it holds no empirical claim."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    rows = [c for c in verdicts.get("claims", []) if c["kind"] in ("empirical", "negative_control")]
    if not rows:
        return None
    rows.sort(key=lambda c: (not c.get("primary"), c["kind"] == "negative_control", c["id"]))
    height = 1.2 + 0.24 * len(rows)
    fig, ax = plt.subplots(figsize=(9.5, height), layout="constrained")
    for y, c in enumerate(rows):
        mean, (lo, hi), adjusted, _ = _scaled(c)
        colour = COLOURS[c["outcome"]]
        if adjusted:
            ax.plot(_clip(adjusted), [y, y], color=colour, lw=1, alpha=0.7)
        ax.plot(_clip((lo, hi)), [y, y], color=colour, lw=3.2, solid_capstyle="butt")
        marker = "*" if c.get("primary") else ("s" if c["kind"] == "negative_control" else "o")
        face = colour if c["margin"] else "white"
        ax.plot(
            [max(-LIMIT, min(LIMIT, mean))],
            [y],
            marker=marker,
            ms=11 if c.get("primary") else 6,
            color=colour,
            mfc=face,
            mec=colour,
        )
        for end in (lo, hi):
            if abs(end) > LIMIT:
                ax.annotate(
                    "",
                    (LIMIT * (1 if end > 0 else -1), y),
                    (LIMIT * 0.93 * (1 if end > 0 else -1), y),
                    arrowprops={"arrowstyle": "->", "color": colour},
                )
        if c["direction"] == "within":
            ax.plot([-1, -1], [y - 0.35, y + 0.35], color="k", lw=0.8)
        d = c["difference"]
        ax.text(
            LIMIT + 0.3,
            y,
            f"{num(d['mean'])} [{num(d['ci'][0])}, {num(d['ci'][1])}]  m={num(c['margin'])}",
            va="center",
            fontsize=7,
        )
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
    ax.set_xlim(-LIMIT - 0.2, LIMIT + 0.2)
    ax.set_xlabel(
        "difference in units of its margin, turned so that the claim points right (0: none; 1: the margin)\n"
        "hollow marker: a margin of 0, scaled to its interval; thin bar: the Holm-adjusted interval"
    )
    handles = [plt.Line2D([], [], color=COLOURS[o], lw=3, label=WORDS[o]) for o in COLOURS]
    ax.legend(
        handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6, fontsize=7, frameon=False
    )
    ax.set_title(
        f"{verdicts.get('notebook', '')}: empirical claims and negative controls", fontsize=9, pad=22
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path


def _clip(pair: tuple[float, float]) -> tuple[float, float]:
    return (max(-LIMIT, min(LIMIT, pair[0])), max(-LIMIT, min(LIMIT, pair[1])))
