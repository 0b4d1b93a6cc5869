"""Fixed train / validation / test splits that depend on nothing but the dataset's name.

The validation set is carved from the official training set (or from all samples when there is no
official split) by a pseudo-random, class-stratified order computed with SplitMix64 from a constant of
this module and the dataset's name: never from an experiment seed, nor from the torch or NumPy version.
"""

from __future__ import annotations

import math
import numbers
import zlib

import numpy as np

# Fixed split seed: changing it changes every published split, so it is a constant, not an option.
_SPLIT_SEED = 0x5133_7AE5


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser on uint64 arrays: a fixed, platform- and version-independent hash."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def _stratified_order(labels: np.ndarray, salt: str) -> np.ndarray:
    """A fixed permutation of ``range(N)`` in which every prefix holds the classes in proportion.

    Each sample gets a hash key (seeded by ``_SPLIT_SEED`` and ``salt``); within its class, samples are
    ranked by key, and the order sorts by the fractional rank ``(rank + ½) / class size`` (ties by key).
    Torch's and NumPy's generators may change between versions; this hash does not.
    """
    n = labels.shape[0]
    offset = _splitmix64(np.array([_SPLIT_SEED ^ zlib.crc32(salt.encode())], dtype=np.uint64))[0]
    with np.errstate(over="ignore"):
        keys = _splitmix64(np.arange(n, dtype=np.uint64) + offset)
    _, classes = np.unique(labels, return_inverse=True)
    by_class_then_key = np.lexsort((keys, classes))
    counts = np.bincount(classes)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[by_class_then_key] = np.arange(n) - starts[classes[by_class_then_key]]
    fraction = (rank + 0.5) / counts[classes]
    return np.lexsort((keys, fraction))


def _count(size: int | float, pool: int, what: str) -> int:
    if isinstance(size, bool) or not isinstance(size, numbers.Real):
        raise TypeError(
            f"{what} must be an int (a count) or a float (a fraction), got {type(size).__name__}."
        )
    if isinstance(size, numbers.Integral):
        n = int(size)
    else:
        if not (math.isfinite(size) and 0 <= size < 1):
            raise ValueError(f"{what} as a fraction must lie in [0, 1), got {size}.")
        n = round(size * pool)
    if n < 0:
        raise ValueError(f"{what} must be >= 0, got {size}.")
    if n >= pool:
        raise ValueError(f"{what}={size} leaves no training data: it must be below {pool} here.")
    return n


def _carve(labels: np.ndarray, sizes: tuple[int, ...], salt: str, sort: bool = True) -> list[np.ndarray]:
    """Cut the stratified order into consecutive chunks of ``sizes`` (the rest last): sorted indices, or
    (``sort=False``) in the stratified order, so that every prefix of a chunk holds the classes in
    proportion even when the source is sorted by class."""
    order = _stratified_order(labels, salt)
    bounds = np.cumsum((0, *sizes))
    chunks = [order[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)] + [order[bounds[-1] :]]
    return [np.sort(c) for c in chunks] if sort else chunks
