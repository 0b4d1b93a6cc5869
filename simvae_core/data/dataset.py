"""The containers every loader returns: a ``Dataset`` of three ``Split``s of tensors, and ``as_float``.

Images are kept as ``uint8 (N, C, H, W)`` (4× smaller than float, so even CelebA fits on a GPU);
``as_float`` turns a batch into ``float32`` in [0, 1].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch

__all__ = ["SPLIT_NAMES", "Dataset", "Split", "as_float"]

SPLIT_NAMES = ("train", "val", "test")


def _describe(t: torch.Tensor) -> str:
    return f"{str(t.dtype).removeprefix('torch.')}{tuple(t.shape)}"


@dataclass(repr=False, eq=False)
class Split:
    """One split: ``x`` (N, *x_shape), ``labels`` int64 (N,) (-1: none), per-sample ``attributes`` and,
    for synthetic data, ready-made ``views`` (N, J, *x_shape) of which ``x`` is the first."""

    x: torch.Tensor
    labels: torch.Tensor
    attributes: dict[str, torch.Tensor] = field(default_factory=dict)
    views: torch.Tensor | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.x, torch.Tensor) or self.x.ndim < 2:
            raise ValueError(f"Split.x must be a tensor of shape (N, *x_shape), got {self.x!r:.80}.")
        n = self.x.shape[0]
        if self.x.dtype != torch.uint8 and not self.x.is_floating_point():
            raise TypeError(f"Split.x must be uint8 images or floating-point vectors, got {self.x.dtype}.")
        if self.labels.dtype != torch.int64 or self.labels.shape != (n,):
            raise ValueError(f"Split.labels must be int64 of shape ({n},), got {_describe(self.labels)}.")
        for key, value in self.attributes.items():
            if not isinstance(value, torch.Tensor) or value.ndim < 1 or value.shape[0] != n:
                raise ValueError(f"Split.attributes[{key!r}] must be a tensor with {n} rows.")
        if self.views is not None and (
            self.views.ndim != self.x.ndim + 1
            or self.views.shape[0] != n
            or self.views.shape[2:] != self.x.shape[1:]
        ):
            raise ValueError(
                f"Split.views must have shape ({n}, J, {', '.join(map(str, self.x.shape[1:]))}), "
                f"got {tuple(self.views.shape)}."
            )
        named = [
            ("x", self.x),
            ("views", self.views),
            *((f"attributes[{k!r}]", v) for k, v in self.attributes.items()),
        ]
        for name, t in named:
            if t is not None and t.is_floating_point() and not bool(torch.isfinite(t).all()):
                raise ValueError(f"Split.{name} contains NaN or inf values; the data must be finite.")

    def __len__(self) -> int:
        return self.x.shape[0]

    def __repr__(self) -> str:
        attrs = ", ".join(self.attributes) if len(self.attributes) <= 6 else f"{len(self.attributes)} keys"
        views = "None" if self.views is None else _describe(self.views)
        return f"Split(n={len(self)}, x={_describe(self.x)}, views={views}, attributes=[{attrs}])"

    def _map(self, fn: Callable[[torch.Tensor], torch.Tensor]) -> Split:
        # this split was validated when built; skipping __post_init__ keeps per-batch subsets free of a
        # full finiteness scan (and, on a GPU, of a host sync)
        out = Split.__new__(Split)
        out.x = fn(self.x)
        out.labels = fn(self.labels)
        out.attributes = {k: fn(v) for k, v in self.attributes.items()}
        out.views = None if self.views is None else fn(self.views)
        return out

    def to(self, device: torch.device | str) -> Split:
        """All tensors moved to ``device`` (dtypes unchanged)."""
        return self._map(lambda t: t.to(device))

    def subset(self, index: torch.Tensor | slice) -> Split:
        """The samples at ``index`` (int indices, a bool mask of length N, or a slice)."""
        if isinstance(index, torch.Tensor):
            if index.dtype == torch.bool and index.shape != (len(self),):
                raise ValueError(f"a boolean index must have shape ({len(self)},), got {tuple(index.shape)}.")
            if index.dtype != torch.bool and (index.is_floating_point() or index.ndim != 1):
                raise ValueError(f"index must be a 1-D integer or boolean tensor, got {_describe(index)}.")
            index = index.to(self.x.device)
        elif not isinstance(index, slice):
            raise TypeError(f"index must be a torch.Tensor or a slice, got {type(index).__name__}.")
        return self._map(lambda t: t[index])


@dataclass(repr=False, eq=False)
class Dataset:
    """A dataset's three fixed splits with its shape, classes and provenance (``source``)."""

    name: str
    train: Split
    val: Split
    test: Split
    x_shape: tuple[int, ...]
    n_classes: int | None
    class_names: tuple[str, ...] | None
    source: str

    def __repr__(self) -> str:
        sizes = "/".join(str(len(s)) for s in (self.train, self.val, self.test))
        return (
            f"Dataset({self.name!r}, train/val/test={sizes}, x_shape={self.x_shape}, "
            f"dtype={str(self.train.x.dtype).removeprefix('torch.')}, n_classes={self.n_classes}, "
            f"source={self.source!r})"
        )

    def to(self, device: torch.device | str) -> Dataset:
        """Every split moved to ``device``."""
        return Dataset(
            self.name,
            self.train.to(device),
            self.val.to(device),
            self.test.to(device),
            self.x_shape,
            self.n_classes,
            self.class_names,
            self.source,
        )

    def split(self, name: str) -> Split:
        """The split called ``name``: ``"train"``, ``"val"`` or ``"test"``."""
        if name not in SPLIT_NAMES:
            raise ValueError(f"unknown split {name!r}; choose one of {', '.join(map(repr, SPLIT_NAMES))}.")
        return getattr(self, name)


def as_float(x: torch.Tensor) -> torch.Tensor:
    """``uint8`` images -> ``float32`` in [0, 1]; floating-point data is returned unchanged."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"x must be a torch.Tensor, got {type(x).__name__}.")
    if x.is_floating_point():
        return x
    if x.dtype == torch.uint8:
        return x.to(torch.float32) / 255.0
    raise TypeError(f"as_float expects uint8 images or floating-point data, got {x.dtype}.")
