"""Finished models on disk: training the same method with the same configuration on the same data twice is
one training.

``fit(..., cache=True)`` looks for a finished model under :func:`cache_dir` (``~/.cache/simvae/models``,
or ``$SIMVAE_CACHE_DIR``; ``cache="some/folder"`` names another) before it trains, and stores the model it
trained there afterwards. An entry is found by a key that covers everything that decides the result:

- the full resolved configuration (every :class:`~simvae_core.learning.train.TrainConfig` field and loss
  option, after the ``"auto"`` values are filled in) and the preset;
- a fingerprint of the training tensor (shape, dtype and a SHA-256 of its bytes, after ``max_train``);
- the device type and the mixed-precision setting;
- :func:`training_code_version`: a digest of the source of every module that trains (data, objectives,
  theory, learning, the shared checks) and the torch version, so an entry written by other training code
  is never used: it simply has another key.

Entries are checkpoint files (:mod:`.checkpoint`: loaded with ``weights_only=True``, digest-checked), so a
damaged or planted file is refused, never unpickled. ``SIMVAE_CACHE=off`` bypasses every cache (a cold run
that still uses the same code paths); :func:`clear_cache` (``python -m simvae_core cache clear``) deletes
the entries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_SWITCH_ENV",
    "cache_dir",
    "cache_enabled",
    "cache_key",
    "clear_cache",
    "entry_path",
    "list_entries",
    "load_entry",
    "store_entry",
    "training_code_version",
]

CACHE_DIR_ENV = "SIMVAE_CACHE_DIR"
CACHE_SWITCH_ENV = "SIMVAE_CACHE"  # "off" (or 0/false/no) bypasses every model cache
SUFFIX = ".pt"

# the parts of the package whose code decides what a training run produces (relative to simvae_core/)
_TRAINING_CODE = ("checks.py", "repro.py", "data", "learning", "objectives", "theory")


def cache_dir(where: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``where`` if given, else ``$SIMVAE_CACHE_DIR``, else ``$XDG_CACHE_HOME`` (or
    ``~/.cache``) ``/simvae/models``."""
    if where is not None:
        return Path(where).expanduser()
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "simvae" / "models"


def cache_enabled() -> bool:
    """False when ``$SIMVAE_CACHE`` says off: then ``fit(cache=...)`` trains and stores nothing."""
    return os.environ.get(CACHE_SWITCH_ENV, "on").strip().lower() not in ("off", "0", "false", "no")


@functools.lru_cache(maxsize=1)
def training_code_version() -> str:
    """SHA-256 over the source of the training code (:data:`_TRAINING_CODE`) and the torch version."""
    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"torch {torch.__version__}\n".encode())
    files: list[Path] = []
    for part in _TRAINING_CODE:
        path = root / part
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    for path in files:
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def cache_key(config: Mapping[str, Any], data: Mapping[str, Any], *, device: str, amp: bool, **extra) -> str:
    """The entry name of a run: a digest of its configuration, data fingerprint, device type, ``amp``,
    the training code version and any ``extra`` facts (all JSON)."""
    facts = {
        "config": dict(config),
        "data": dict(data),
        "device": device,
        "amp": bool(amp),
        "code": training_code_version(),
        **extra,
    }
    text = json.dumps(facts, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def entry_path(key: str, where: str | os.PathLike | None = None) -> Path:
    return cache_dir(where) / f"{key}{SUFFIX}"


def load_entry(key: str, where: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """The stored state of ``key``, or None when there is none. A damaged entry is deleted and reported
    (it is a cache: the run trains again) rather than loaded."""
    path = entry_path(key, where)
    if not path.is_file():
        return None
    try:
        state = load_checkpoint(path)
    except CheckpointError as err:
        print(f"model cache: ignoring and deleting a damaged entry ({err})", flush=True)
        path.unlink(missing_ok=True)
        return None
    return state if state.get("cache_key") == key else None


def store_entry(key: str, state: Mapping[str, Any], where: str | os.PathLike | None = None) -> Path:
    """Write ``state`` as entry ``key`` (atomically: a parallel run reading it sees all or nothing)."""
    path = entry_path(key, where)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(path, {**state, "cache_key": key})
    return path


def list_entries(where: str | os.PathLike | None = None) -> list[Path]:
    folder = cache_dir(where)
    return sorted(folder.glob(f"*{SUFFIX}")) if folder.is_dir() else []


def clear_cache(where: str | os.PathLike | None = None) -> int:
    """Delete every entry (only the cache's own files); return how many were deleted."""
    entries = list_entries(where)
    for path in entries:
        path.unlink(missing_ok=True)
    return len(entries)
