"""Parsers of the published file formats: IDX (MNIST, Fashion-MNIST) and CIFAR-10's python batches.

CIFAR-10 ships pickles; they are read by an unpickler that admits NumPy arrays and plain containers only,
so a tampered download cannot run code.
"""

from __future__ import annotations

import codecs
import gzip
import io
import math
import os
import pickle
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch

__all__ = ["read_idx"]

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _gunzip_if_needed(raw: bytes, label: str) -> bytes:
    if raw[:2] != b"\x1f\x8b":  # the gzip magic number; anything else is read as is
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as err:
        raise ValueError(f"{label}: corrupt or truncated gzip data ({err}).") from err


def _parse_idx(raw: bytes, label: str) -> torch.Tensor:
    """Parse IDX bytes: magic ``0 0 <type> <ndim>``, ``ndim`` big-endian uint32 sizes, then the data."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{label}: not an IDX file (the first two bytes must be zero, got {raw[:4].hex()}).")
    code, ndim = raw[2], raw[3]
    if code not in _IDX_DTYPES:
        raise ValueError(f"{label}: unknown IDX data type 0x{code:02x} (expected one of 08 09 0b 0c 0d 0e).")
    if ndim == 0:
        raise ValueError(f"{label}: IDX header declares zero dimensions.")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{label}: truncated IDX header ({len(raw)} bytes for {ndim} dimensions).")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_DTYPES[code])
    expected = math.prod(dims) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{label}: IDX header announces shape {dims} ({expected} data bytes) but the file holds "
            f"{len(raw) - header}; the file is truncated or corrupt."
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return torch.from_numpy(array.astype(dtype.newbyteorder("="), copy=True))


def read_idx(path: str | os.PathLike) -> torch.Tensor:
    """Read an IDX file (MNIST's format), gzip-compressed or not, into a tensor of its shape and type."""
    path = Path(path)
    return _parse_idx(_gunzip_if_needed(path.read_bytes(), str(path)), str(path))


class _ArrayUnpickler(pickle.Unpickler):
    """Unpickles plain containers and NumPy arrays only: a downloaded pickle cannot run other code."""

    _ALLOWED = {
        "_reconstruct": np.ndarray.__reduce__(np.zeros(1))[0],
        "ndarray": np.ndarray,
        "dtype": np.dtype,
    }

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == "numpy" and name in self._ALLOWED:
            return self._ALLOWED[name]
        if (module, name) == ("_codecs", "encode"):  # how protocol-2 pickles from Python 3 store bytes
            return codecs.encode
        raise pickle.UnpicklingError(f"refusing to unpickle {module}.{name} from a data file.")


def _read_cifar_batch(raw: bytes, label: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _ArrayUnpickler(io.BytesIO(raw), encoding="bytes").load()
        data = np.asarray(batch[b"data"], dtype=np.uint8)
        labels = np.asarray(batch[b"labels"], dtype=np.int64)
    except (pickle.UnpicklingError, KeyError, TypeError, ValueError, EOFError) as err:
        raise ValueError(f"{label}: not a CIFAR-10 python batch ({err}).") from err
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or data.shape[0] != labels.shape[0]:
        raise ValueError(
            f"{label}: expected data (N, 3072) and N labels, got {data.shape} and {labels.shape}."
        )
    return data.reshape(-1, 3, 32, 32), labels
