"""Checkpoints that are safe to load, describe themselves, detect damage, and refuse an inexact resume.

A checkpoint is one file (``last.pt``) written atomically by :func:`save_checkpoint`: a ``torch.save``
archive of plain containers and tensors only, so :func:`load_checkpoint` reads it with
``torch.load(weights_only=True)`` and never unpickles an arbitrary object (a checkpoint downloaded from
someone else cannot run code). Besides the weights it holds

- ``format`` / ``format_version``: which layout it has (:data:`FORMAT_VERSION`; older and newer files are
  refused with an error that names both versions);
- ``sha256``: a digest of every other entry, recomputed on load, so a file whose bytes were damaged is
  refused instead of silently giving wrong accuracies;
- what a resume must match: the configuration, a fingerprint of the training data
  (:func:`data_fingerprint`), the mixed-precision setting, the preset; :func:`check_resumable` compares
  them with a new call of ``fit`` and says what differs and what to do;
- no device-specific state: every tensor is on the CPU and the only generator state is a CPU one (the
  device's noise generator is re-seeded from the run's seed at each epoch), so a run written on CUDA
  resumes on a CPU.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..atomic import atomic_path

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "FORMAT_VERSION",
    "RESUME_KEYS",
    "CheckpointError",
    "check_resumable",
    "data_fingerprint",
    "describe_fingerprint",
    "load_checkpoint",
    "save_checkpoint",
    "state_digest",
]

CHECKPOINT = "last.pt"
FORMAT = "simvae_core.checkpoint"
# 1: simvae-core 0.1.0 (no format entry, no digest, device generator state); 2: this layout.
FORMAT_VERSION = 2
# Config fields that must match to resume a run (``epochs`` may grow; ``device`` may change).
RESUME_KEYS = (
    "method",
    "dataset",
    "latent_dim",
    "batch_size",
    "n_views",
    "arch",
    "augment",
    "likelihood",
    "decoder_var",
    "seed",
    "optimizer",
    "lr",
    "eps",
    "weight_decay",
    "loss_options",
    "max_train",
)


class CheckpointError(ValueError):
    """A file that cannot be loaded as a checkpoint: damaged, foreign, unsafe, or of another format."""


# --------------------------------------------------------------------------------------------- digests


def _feed(h: Any, obj: Any) -> None:
    """Feed a canonical, type-tagged byte encoding of ``obj`` to the hash ``h``."""
    if isinstance(obj, torch.Tensor):
        t = obj.detach().to("cpu").contiguous()
        h.update(f"T{t.dtype}{tuple(t.shape)}:".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    elif isinstance(obj, Mapping):
        items = sorted(obj.items(), key=lambda kv: (type(kv[0]).__name__, str(kv[0])))
        h.update(f"D{len(items)}:".encode())
        for key, value in items:
            _feed(h, key)
            _feed(h, value)
    elif isinstance(obj, (list, tuple)):
        h.update(f"{'L' if isinstance(obj, list) else 'U'}{len(obj)}:".encode())
        for value in obj:
            _feed(h, value)
    elif obj is None or isinstance(obj, (bool, int, float, str)):
        # repr keeps float bits exactly (shortest round-trip) and tells 1 from 1.0 and True
        h.update(f"S{type(obj).__name__}:{obj!r};".encode())
    else:
        raise TypeError(
            f"a checkpoint may hold only tensors, numbers, strings and containers of them; got "
            f"{type(obj).__name__}"
        )


def state_digest(state: Mapping[str, Any]) -> str:
    """SHA-256 of every entry of ``state`` except ``sha256`` itself (canonical: order-independent)."""
    h = hashlib.sha256()
    _feed(h, {k: v for k, v in state.items() if k != "sha256"})
    return h.hexdigest()


def data_fingerprint(x: torch.Tensor, dataset: str) -> dict[str, Any]:
    """What identifies the training data of a run: its name, shape, dtype and a SHA-256 of its bytes.

    Read once, before training (on a GPU this is one transfer at the start, never inside the loop).
    """
    h = hashlib.sha256()
    _feed(h, x)
    return {"dataset": dataset, "shape": list(x.shape), "dtype": str(x.dtype), "sha256": h.hexdigest()}


def describe_fingerprint(fp: Mapping[str, Any] | None) -> str:
    if not fp:
        return "unknown data"
    shape = "×".join(str(s) for s in fp.get("shape", []))
    dtype = str(fp.get("dtype", "?")).removeprefix("torch.")
    return f"{fp.get('dataset', '?')} {dtype} ({shape}), sha256 {str(fp.get('sha256', ''))[:12]}…"


# --------------------------------------------------------------------------------------------- writing


def save_checkpoint(path: str | os.PathLike, state: Mapping[str, Any]) -> None:
    """Write ``state`` (tensors, numbers, strings, containers) atomically, with format and digest."""
    payload = {k: v for k, v in state.items() if k not in ("format", "format_version", "sha256")}
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, **payload}
    payload["sha256"] = state_digest(payload)  # also refuses anything that is not plain data
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


# --------------------------------------------------------------------------------------------- reading


def _sniff(path: Path) -> str:
    """What kind of file ``path`` is, judged from its first bytes: zip, pickle, json or other."""
    with open(path, "rb") as handle:
        head = handle.read(64)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[:1] == b"\x80":  # a raw pickle (torch's legacy format, or any pickle)
        return "pickle"
    if head.lstrip()[:1] in (b"{", b"["):
        return "json"
    return "other"


def _damaged(path: Path, why: str) -> CheckpointError:
    return CheckpointError(
        f"checkpoint {path} is damaged ({why}); delete it to start over, or restore it from a copy"
    )


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` and verify it.

    Raises ``FileNotFoundError`` when there is nothing at ``path`` and :class:`CheckpointError` (a
    ``ValueError``) with a message fit for the case: a folder, a JSON file such as ``metrics.json``, a
    foreign or unsafe file (never unpickled), a damaged checkpoint (the only case where deleting it is
    the advice), or a checkpoint of another format version.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if path.is_dir():
        hint = f"; the checkpoint of a run is {path / CHECKPOINT}" if (path / CHECKPOINT).exists() else ""
        raise CheckpointError(f"{path} is a folder, not a checkpoint file{hint}")
    kind = _sniff(path)
    if kind == "json":
        raise CheckpointError(
            f"{path} is a JSON file (a run's metrics.json or eval.json?), not a checkpoint; the checkpoint "
            f"of a run is the {CHECKPOINT} beside it"
        )
    if kind == "pickle":
        raise CheckpointError(
            f"{path} is a raw Python pickle, not a simvae_core checkpoint; it was not loaded, because "
            "unpickling an arbitrary file can run code"
        )
    if kind != "zip":
        raise CheckpointError(
            f"{path} is not a simvae_core checkpoint (not a PyTorch archive); nothing was loaded"
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as err:
        raise _damaged(path, f"the archive cannot be read: {err}") from err
    if not any(name.endswith("/data.pkl") or name == "data.pkl" for name in names):
        raise CheckpointError(f"{path} is a zip archive but not a PyTorch checkpoint; nothing was loaded")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "weights_only" in str(err) or "Weights only" in str(err):
            raise CheckpointError(
                f"refused to load {path}: it holds Python objects other than tensors and plain containers, "
                "and unpickling them could run code. simvae_core checkpoints never hold such objects; only "
                "load it some other way if you trust where it came from"
            ) from err
        raise _damaged(path, f"{type(err).__name__}: {err}") from err
    except Exception as err:  # torch raises RuntimeError, EOFError, ... for damaged archives
        raise _damaged(path, f"{type(err).__name__}: {err}") from err
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        if isinstance(state, dict) and "model" in state and "config" in state:
            raise CheckpointError(
                f"{path} has checkpoint format 1 (simvae-core 0.1.0); this version reads format "
                f"{FORMAT_VERSION} only: retrain it (fit with resume=False), or load it with "
                "simvae-core 0.1.0"
            )
        raise CheckpointError(
            f"{path} is a PyTorch file but not a simvae_core checkpoint (no {FORMAT!r} entry)"
        )
    version = state.get("format_version")
    if version != FORMAT_VERSION:
        newer = isinstance(version, int) and version > FORMAT_VERSION
        advice = "upgrade simvae-core to read it" if newer else "retrain it (fit with resume=False)"
        raise CheckpointError(
            f"{path} has checkpoint format {version}; this version of simvae-core reads format "
            f"{FORMAT_VERSION}: {advice}"
        )
    if state.get("sha256") != state_digest(state):
        raise _damaged(path, "its contents do not match the SHA-256 recorded when it was written")
    return state


# --------------------------------------------------------------------------------------------- resuming


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def check_resumable(
    state: Mapping[str, Any],
    path: str | os.PathLike,
    *,
    config: Mapping[str, Any],
    data: Mapping[str, Any] | None,
    amp: bool,
    preset: str | None,
    steps_per_epoch: int | None = None,
) -> None:
    """Raise ``ValueError`` unless ``fit`` called with ``config`` can continue ``state`` exactly.

    Compared: the fields of :data:`RESUME_KEYS`, the training data's fingerprint, ``amp`` (bfloat16
    autocast changes every step), and that the checkpoint does not already hold more epochs (or, with
    ``config["steps"]``, more steps) than asked. Given ``steps_per_epoch``, a checkpoint whose last epoch
    was cut short by ``steps`` is only loaded as it is: the rest of that epoch's batches are not saved, so
    training on from it could not equal a run that never stopped. The message lists every difference and
    what to do.
    """
    saved = state["config"]
    problems = [
        f"{key}: saved {saved.get(key)!r} vs now {config.get(key)!r}"
        for key in RESUME_KEYS
        if not _same(saved.get(key), config.get(key))
    ]
    if problems and state.get("preset") != preset:
        problems.append(
            f"preset: saved {state.get('preset')!r} vs now {preset!r} (preset='authors' sets lr, eps, "
            "batch_size and n_views)"
        )
    if data is not None and state.get("data") is not None:
        old, new = state["data"], data
        if (old.get("shape"), old.get("dtype"), old.get("sha256")) != (
            new.get("shape"),
            new.get("dtype"),
            new.get("sha256"),
        ):
            problems.append(
                f"training data: saved {describe_fingerprint(old)} vs now {describe_fingerprint(new)}"
            )
    if bool(state.get("amp")) != bool(amp):
        problems.append(
            f"amp: saved {bool(state.get('amp'))} vs now {bool(amp)} (bfloat16 autocast changes every step; "
            f"pass amp={bool(state.get('amp'))} to continue it)"
        )
    if problems:
        raise ValueError(
            f"cannot resume from {path}: the run differs ({'; '.join(problems)}). To continue it, call fit "
            "with its saved settings; to start a new run, use another checkpoint_dir, or resume=False "
            "(which overwrites this checkpoint)"
        )
    done, asked = int(state["epoch"]), int(config["epochs"])
    if steps_per_epoch is not None:
        done_steps = int(state.get("steps_done", done * steps_per_epoch))
        steps = config.get("steps")
        asked_steps = int(steps) if steps is not None else asked * steps_per_epoch
        if steps is not None and done_steps > asked_steps:
            raise ValueError(
                f"cannot resume from {path}: it already holds {done_steps} steps but steps={asked_steps} "
                f"was asked, and training cannot be undone. Pass steps={done_steps} (or more) to continue "
                "it, load it as it is with model_from_checkpoint, or use another checkpoint_dir"
            )
        if done_steps != done * steps_per_epoch and done_steps < asked_steps:
            raise ValueError(
                f"cannot resume from {path}: its run stopped after {done_steps} steps, in the middle of "
                f"epoch {done}, and the rest of that epoch cannot be replayed exactly. Pass "
                f"steps={done_steps} to load it as it is (or use model_from_checkpoint), or train the "
                "longer run in another checkpoint_dir"
            )
    if done > asked:
        raise ValueError(
            f"cannot resume from {path}: it already holds {done} epochs but epochs={asked} was asked, and "
            f"training cannot be undone. Pass epochs={done} (or more) to continue it, load it as it is with "
            "model_from_checkpoint, or use another checkpoint_dir"
        )
