"""Where dataset files live and how they get there: the cache folder, published checksums, downloads.

Files live in a cache directory: ``root``, else ``$SIMVAE_DATA``, else ``~/.cache/simvae``, one folder per
dataset. Downloads go to a temporary file, are checked against the published checksum and only then
renamed into place; parsed tensors are cached as ``.pt`` (written atomically, read with
``weights_only=True``), so later loads skip the parsing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import torch

from ..atomic import atomic_path

__all__ = ["FASHION_MNIST_SYSTEM_DIR", "ChecksumError", "DatasetNotAvailableError", "cache_dir"]

# Where Debian's dataset-fashion-mnist package installs the four IDX files.
FASHION_MNIST_SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
# Bump when the layout of a processed .pt cache file changes, so stale caches are rebuilt.
_CACHE_VERSION = 1


class DatasetNotAvailableError(FileNotFoundError):
    """The data is neither installed nor cached and could not (or may not) be downloaded."""


class ChecksumError(ValueError):
    """A file's hash differs from the published one."""


def cache_dir(root: str | os.PathLike | None = None) -> Path:
    """The data cache: ``root`` if given, else ``$SIMVAE_DATA``, else ``~/.cache/simvae``."""
    if root is not None:
        return Path(root).expanduser()
    env = os.environ.get("SIMVAE_DATA")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "simvae"


class _Resource(NamedTuple):
    filename: str
    urls: tuple[str, ...]  # mirrors, tried in order
    checksum: str  # "md5:<hex>" or "sha256:<hex>" of the file as published


_FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_MNIST_URLS = ("https://ossci-datasets.s3.amazonaws.com/mnist/", "http://yann.lecun.com/exdb/mnist/")
_GDRIVE = "https://drive.google.com/uc?export=download&id="

# MD5s as published: Fashion-MNIST's README (zalandoresearch/fashion-mnist, also shipped in the Debian
# package's /usr/share/doc), MNIST's as used by torchvision, CIFAR-10's on its Toronto page, CelebA's as
# used by torchvision (Google Drive file ids of the official folder).
_RESOURCES: dict[str, tuple[_Resource, ...]] = {
    "fashion_mnist": (
        _Resource("train-images-idx3-ubyte.gz", (_FASHION_URL,), "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
        _Resource("train-labels-idx1-ubyte.gz", (_FASHION_URL,), "md5:25c81989df183df01b3e8a0aad5dffbe"),
        _Resource("t10k-images-idx3-ubyte.gz", (_FASHION_URL,), "md5:bef4ecab320f06d8554ea6380940ec79"),
        _Resource("t10k-labels-idx1-ubyte.gz", (_FASHION_URL,), "md5:bb300cfdad3c16e7a12a480ee83cd310"),
    ),
    "mnist": (
        _Resource("train-images-idx3-ubyte.gz", _MNIST_URLS, "md5:f68b3c2dcbeaaa9fbdd348bbdeb94873"),
        _Resource("train-labels-idx1-ubyte.gz", _MNIST_URLS, "md5:d53e105ee54ea40749a09fcbcd1e9432"),
        _Resource("t10k-images-idx3-ubyte.gz", _MNIST_URLS, "md5:9fb629c4189551a2d022fa330f9573f3"),
        _Resource("t10k-labels-idx1-ubyte.gz", _MNIST_URLS, "md5:ec29112dd5afa0611ce80d1b7f02629c"),
    ),
    "cifar10": (
        _Resource(
            "cifar-10-python.tar.gz",
            ("https://www.cs.toronto.edu/~kriz/",),
            "md5:c58f30108f718f92721af3b95e74349a",
        ),
    ),
    "celeba": (
        _Resource(
            "img_align_celeba.zip",
            (_GDRIVE + "0B7EVK8r0v71pZjFTYXZWM3FlRnM",),
            "md5:00d2c5bc6d35e252742224ab0c1e8fcb",
        ),
        _Resource(
            "list_attr_celeba.txt",
            (_GDRIVE + "0B7EVK8r0v71pblRyaVFSWGxPY0U",),
            "md5:75e246fa4810816ffd6ee81facbd244c",
        ),
        _Resource(
            "list_eval_partition.txt",
            (_GDRIVE + "0B7EVK8r0v71pY0NSMzRuSXJEVkk",),
            "md5:d32c9cbf5e040fd4025c592c306e6668",
        ),
    ),
}

# SHA-256 of the *decompressed* IDX files of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1
# (computed from the package). Debian re-gzipped the files (the .gz differ from the published MD5s by the
# stored file name), so the package is checked on its content instead.
_FASHION_MNIST_CONTENT_SHA256 = {
    "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def _resource_url(res: _Resource, base: str) -> str:
    # a mirror entry ending in "/" is a folder holding the file; otherwise it is the file's own URL
    return base + res.filename if base.endswith("/") else base


def _hash_file(path: Path, algorithm: str) -> str:
    h = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _verify(path: Path, checksum: str, label: str) -> None:
    """Raise ``ChecksumError`` naming ``label`` and both hashes unless ``path`` hashes to ``checksum``."""
    algorithm, _, expected = checksum.partition(":")
    actual = _hash_file(path, algorithm)
    if actual != expected.lower():
        with open(path, "rb") as f:
            head = f.read(512).lstrip().lower()
        html = (
            " The server sent an HTML page instead of the file (Google Drive does this for large files)."
            if head.startswith((b"<!doctype html", b"<html"))
            else ""
        )
        raise ChecksumError(
            f"checksum mismatch for {label}: expected {algorithm} {expected}, got {actual}.{html}"
        )


def _fetch(url: str, dest: Path) -> None:
    """Stream ``url`` into ``dest``: the only function here that touches the network."""
    request = urllib.request.Request(url, headers={"User-Agent": "simvae-core"})
    with urllib.request.urlopen(request, timeout=60) as response, open(dest, "wb") as out:
        while chunk := response.read(1 << 20):
            out.write(chunk)


def _download(res: _Resource, dest: Path) -> None:
    """Fetch ``res`` from its first working mirror into a temporary file, verify it, rename it to ``dest``.

    A checksum mismatch deletes the temporary file and raises ``ChecksumError``; if every mirror fails to
    answer, the last network error (an ``OSError``) propagates.
    """
    errors: list[str] = []
    with atomic_path(dest) as tmp:  # removed on any exception; renamed to dest only on success
        for base in res.urls:
            url = _resource_url(res, base)
            try:
                _fetch(url, tmp)
            except OSError as err:  # URLError, HTTPError, timeouts and refused connections
                errors.append(f"{url}: {err}")
                continue
            _verify(tmp, res.checksum, f"{res.filename} downloaded from {url}")
            return
        raise urllib.error.URLError("; ".join(errors))


def _how_to(name: str, directory: Path, missing: tuple[_Resource, ...]) -> str:
    """Instructions for obtaining the ``missing`` files of dataset ``name`` (for error messages)."""
    lines = []
    if name == "fashion_mnist":
        lines.append(
            "  - on Debian/Ubuntu: sudo apt install dataset-fashion-mnist "
            f"(installs the files into {FASHION_MNIST_SYSTEM_DIR}/), or"
        )
    lines.append(f"  - download these files into {directory}/ :")
    for res in missing:
        urls = [_resource_url(res, base) for base in res.urls]
        alternatives = f"  (or {', '.join(urls[1:])})" if len(urls) > 1 else ""
        lines.append(f"      {res.filename}  from  {urls[0]}{alternatives}")
    if name == "celeba":
        lines.append(
            "    (Google Drive refuses scripted downloads of the large zip: fetch the files in a browser "
            "from the 'Align&Cropped Images' and 'Anno' / 'Eval' folders linked on "
            "https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html and place them there unchanged; an unpacked "
            f"{directory}/img_align_celeba/ folder of .jpg files works instead of the zip)"
        )
    else:
        lines.append(f"  - or call load_dataset({name!r}, download=True) on a machine with internet access.")
    return "\n".join(lines)


def _ensure_files(
    name: str, directory: Path, download: bool, resources: tuple[_Resource, ...]
) -> dict[str, Path]:
    """Paths of the verified ``resources`` in ``directory``, downloading the missing ones if allowed."""
    present = tuple(r for r in resources if (directory / r.filename).is_file())
    for res in present:
        try:
            _verify(directory / res.filename, res.checksum, str(directory / res.filename))
        except ChecksumError as err:
            # a file already in the cache may have been placed there by the user: report, never delete
            raise ChecksumError(
                f"{err} Delete the file (or replace it with the original) and retry."
            ) from None
    missing = tuple(r for r in resources if r not in present)
    if missing and not download:
        raise DatasetNotAvailableError(
            f"{name} is not available offline (download=False). To get it:\n"
            + _how_to(name, directory, missing)
        )
    for res in missing:
        try:
            _download(res, directory / res.filename)
        except OSError as err:
            raise DatasetNotAvailableError(
                f"could not download {res.filename} for {name} ({err}). To get it:\n"
                f"{_how_to(name, directory, missing)}"
            ) from err
        except ChecksumError as err:
            raise ChecksumError(
                f"{err}\nTo get the file by hand:\n{_how_to(name, directory, (res,))}"
            ) from None
    return {r.filename: directory / r.filename for r in resources}


def _stamp(resources: tuple[_Resource, ...], extra: str = "") -> str:
    """What a processed cache was built from: a changed checksum table (or option) invalidates it."""
    return f"v{_CACHE_VERSION};" + ";".join(f"{r.filename}={r.checksum}" for r in resources) + extra


def _cached(
    path: Path, stamp: str, build: Callable[[], dict[str, Any]], mmap: bool = False
) -> dict[str, Any]:
    """Load the processed tensors at ``path`` if they were built from ``stamp``; else build and save them."""
    if path.is_file():
        try:
            blob = torch.load(path, map_location="cpu", weights_only=True, mmap=mmap)
        except (RuntimeError, OSError, pickle.UnpicklingError, EOFError):
            blob = None  # unreadable (e.g. written by an incompatible version): rebuild it
        if isinstance(blob, dict) and blob.get("stamp") == stamp:
            return blob
    blob = {**build(), "stamp": stamp}
    with atomic_path(path) as tmp:
        torch.save(blob, tmp)
    if mmap:  # hand back file-backed tensors, not the freshly built copy held in memory
        return torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    return blob
