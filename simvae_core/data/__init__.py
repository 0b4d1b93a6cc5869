"""Datasets as tensors with fixed train / validation / test splits and class labels.

    from simvae_core.data import load_dataset
    data = load_dataset("fashion_mnist")        # Dataset: .train / .val / .test, each a Split (x, labels)

- :mod:`.dataset`  the containers (``Dataset``, ``Split``) and ``as_float``
- :mod:`.splits`   fixed, class-stratified splits that depend only on the dataset's name
- :mod:`.files`    the cache folder, published checksums, verified downloads
- :mod:`.formats`  parsers of IDX and CIFAR-10 batches (a safe unpickler)
- :mod:`.loaders`  one loader per dataset and ``load_dataset``, the entry point
"""

from __future__ import annotations

from .dataset import SPLIT_NAMES, Dataset, Split, as_float
from .files import FASHION_MNIST_SYSTEM_DIR, ChecksumError, DatasetNotAvailableError, cache_dir
from .formats import read_idx
from .loaders import CELEBA_ATTRIBUTES, DATASETS, FASHION_MNIST_CLASSES, HAIR_COLOURS, load_dataset

__all__ = [
    "CELEBA_ATTRIBUTES",
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_SYSTEM_DIR",
    "HAIR_COLOURS",
    "SPLIT_NAMES",
    "ChecksumError",
    "Dataset",
    "DatasetNotAvailableError",
    "Split",
    "as_float",
    "cache_dir",
    "load_dataset",
    "read_idx",
]
