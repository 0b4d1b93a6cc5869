"""Typed run sizes, one table per claim family: the only place a notebook's sizes live.

Each experiment module declares a frozen dataclass of the sizes its runners take and one value of it per
profile::

    @dataclass(frozen=True)
    class Sizes(RunSizes):
        n_groups: int
        steps: int

    SIZES = SizeTable(smoke=Sizes(n_seeds=2, ...), default=Sizes(n_seeds=10, ...), full=Sizes(...))

``SIZES.resolve("default", {"steps": 300})`` returns the default sizes with the user's overrides applied,
each checked against the field's declared type; an unknown key is an error that names the valid ones. A
notebook passes ``SIZES`` to :func:`simvae_core.notebook.start_run` and reads ``run.sizes``; the seeds of
every repeated measurement are ``run.seeds`` (``seed, seed + 1, …, seed + n_seeds − 1``: seeds 0…n−1 in
the committed default run, ≥ 1000 in calibration runs).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ..checks import did_you_mean

__all__ = ["PROFILES", "RunSizes", "SizeTable"]

PROFILES = ("smoke", "default", "full")


@dataclass(frozen=True)
class RunSizes:
    """The field every family has: independent repetitions (seeds) of each measurement."""

    n_seeds: int

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check_value(type(self).__name__, f.name, getattr(self, f.name), _field_type(type(self), f.name))

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


S = TypeVar("S", bound=RunSizes)


def _field_type(cls: type, name: str) -> Any:
    return typing.get_type_hints(cls)[name]


def _check_value(owner: str, key: str, value: Any, expected: Any) -> None:
    """Ints for ints (never bools), ints or floats for floats, tuples of the declared item type."""
    origin = typing.get_origin(expected)
    if origin is tuple:
        item = typing.get_args(expected)[0]
        if not isinstance(value, tuple):
            raise TypeError(f"{owner}.{key} must be a tuple, got {type(value).__name__} {value!r}")
        for v in value:
            _check_value(owner, key, v, item)
        return
    if expected is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    elif expected is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, expected)
    if not ok:
        name = getattr(expected, "__name__", str(expected))
        raise TypeError(f"{owner}.{key} must be {name}, got {type(value).__name__} {value!r}")
    if expected in (int, float) and key.startswith(("n_", "steps", "epochs", "batch")) and value <= 0:
        raise ValueError(f"{owner}.{key} must be positive, got {value!r}")


class SizeTable(Generic[S]):
    """One sizes value per profile (``smoke``, ``default``, ``full``), all of the same dataclass."""

    def __init__(self, *, smoke: S, default: S, full: S):
        kinds = {type(smoke), type(default), type(full)}
        if len(kinds) != 1 or not issubclass(next(iter(kinds)), RunSizes):
            raise TypeError("a SizeTable holds three values of one RunSizes dataclass")
        self.by_profile: dict[str, S] = {"smoke": smoke, "default": default, "full": full}
        self.type = type(default)

    @property
    def fields(self) -> list[str]:
        return [f.name for f in dataclasses.fields(self.type)]

    def check_overrides(self, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
        """The overrides, each checked against its field's type; an unknown key names the valid ones."""
        out = dict(overrides or {})
        for key, value in out.items():
            if key not in self.fields:
                raise KeyError(
                    f"unknown size {key!r}{did_you_mean(key, self.fields)}; this notebook's sizes are "
                    f"{', '.join(self.fields)}"
                )
            expected = _field_type(self.type, key)
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                out[key] = float(value)
            elif typing.get_origin(expected) is tuple and isinstance(value, list):
                out[key] = tuple(value)
        return out

    def resolve(self, profile: str, overrides: Mapping[str, Any] | None = None) -> S:
        """The sizes of ``profile`` with ``overrides`` applied (typed: see :class:`RunSizes`)."""
        if profile not in self.by_profile:
            raise ValueError(
                f"unknown profile {profile!r}{did_you_mean(profile, PROFILES)}; use one of {PROFILES}"
            )
        return dataclasses.replace(self.by_profile[profile], **self.check_overrides(overrides))

    def __repr__(self) -> str:
        return f"SizeTable[{self.type.__name__}]({', '.join(self.by_profile)})"
