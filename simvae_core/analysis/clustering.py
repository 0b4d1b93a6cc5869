"""Clustering a representation and scoring the clusters against the classes (the labels only score)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from ..checks import check_features, check_int, check_labels
from .probes import standardiser

__all__ = ["gmm_clustering", "hungarian_accuracy"]


def hungarian_accuracy(labels: torch.Tensor, clusters: torch.Tensor) -> float:
    """Accuracy of ``clusters`` (N,) against ``labels`` (N,) under the best one-to-one matching of
    clusters to classes (Hungarian algorithm on the contingency table); unmatched clusters count as
    errors."""
    y = check_labels(labels, "labels", labels.shape[0] if isinstance(labels, torch.Tensor) else -1)
    c = check_labels(clusters, "clusters", y.shape[0])
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
    # imported here: scikit-learn takes ~1.7 s to import, and only GMM clustering needs it
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score
    from sklearn.mixture import GaussianMixture

    x = check_features(features, "features")
    y = check_labels(labels, "labels", x.shape[0])
    n_clusters = check_int(n_clusters, "n_clusters", minimum=1)
    if n_clusters > x.shape[0]:
        raise ValueError(f"n_clusters={n_clusters} exceeds the {x.shape[0]} samples.")
    seed = check_int(seed, "seed", minimum=0)
    n_init = check_int(n_init, "n_init", minimum=1)
    max_iter = check_int(max_iter, "max_iter", minimum=1)
    covariance_types = ("full", "diag", "tied", "spherical")
    if covariance_type not in covariance_types:
        raise ValueError(f"unknown covariance_type {covariance_type!r}; choose one of {covariance_types}.")

    mean, std = standardiser(x.cpu())
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
