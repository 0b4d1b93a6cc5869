"""The forest plot file of a notebook's claims: ``claims_forest.png`` beside its figures.

Drawn from ``verdicts.json`` alone, so that it always shows what the file records; the drawing itself is
the notebooks' recipe :func:`simvae_core.experiments.plots.forest` (margin units, outcome colours, the
primary starred), which a notebook also shows inline.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import atomic_path


def draw(verdicts: Mapping[str, Any], path: str | Path) -> Path | None:
    """Draw the forest plot of ``verdicts`` to ``path`` (PNG); None when it holds no empirical claim."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from ..experiments.plots import forest

    fig = forest(verdicts)
    if fig is None:
        return None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, metadata={"Software": None})
    plt.close(fig)
    return path
