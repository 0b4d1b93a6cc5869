"""Analysis: what a trained representation holds, measured with honest protocols.

- :mod:`.probes`      linear, MLP and kNN probes (settings chosen on val, test used once)
- :mod:`.metrics`     R², expected calibration error, active units
- :mod:`.clustering`  GMM clustering scored by Hungarian accuracy, NMI, ARI
- :mod:`.evaluate`    the protocol for a trained model: encode the splits, probe content and style
- :mod:`.geometry`    spectrum, RankMe, alignment/uniformity, within-group variance, nearest centroids
- :mod:`.collapse`    dimensional-collapse toys (Jing et al. 2022)
- :mod:`.heads`       the projection head of a trained network and its control, a random frozen head
"""

from . import clustering, collapse, evaluate, geometry, heads, metrics, probes

__all__ = ["clustering", "collapse", "evaluate", "geometry", "heads", "metrics", "probes"]
