"""Typed run profiles: one place that turns ``profile="smoke" | "default" | "full"`` into sizes.

Notebooks (through their papermill ``parameters`` cell), the command line and the tests all resolve
their sizes here, so a notebook never hard-codes a sample count. Overrides are checked: an unknown key
or a value of the wrong type is an error that names the valid keys, never a silently ignored typo.

    >>> p = resolve_profile("smoke", n_samples=5000)
    >>> p.n_samples, p.n_seeds
    (5000, 1)
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

PROFILE_NAMES = ("smoke", "default", "full")


@dataclass(frozen=True)
class Profile:
    """Sizes of one run. Every notebook reads what it needs from here; nothing else sets a size.

    name:             "smoke" (tests, seconds), "default" (figures on a laptop CPU, minutes) or
                      "full" (paper-scale, meant for a GPU).
    n_samples:        Monte Carlo draws, or synthetic groups drawn from the SSL model.
    epochs:           passes over a real dataset when training.
    steps:            optimisation steps when training on freshly drawn synthetic data.
    n_seeds:          independent repetitions; results are reported as mean ± spread over them.
    batch_size:       groups per optimisation step.
    dataset_fraction: fraction of a real dataset's training split used (1.0 = all of it).
    """

    name: str
    n_samples: int
    epochs: int
    steps: int
    n_seeds: int
    batch_size: int
    dataset_fraction: float

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_PRESETS: dict[str, dict[str, Any]] = {
    "smoke": dict(n_samples=20_000, epochs=1, steps=200, n_seeds=1, batch_size=256, dataset_fraction=0.05),
    "default": dict(
        n_samples=200_000, epochs=30, steps=6_000, n_seeds=3, batch_size=512, dataset_fraction=1.0
    ),
    "full": dict(
        n_samples=1_000_000, epochs=400, steps=20_000, n_seeds=5, batch_size=128, dataset_fraction=1.0
    ),
}

_POSITIVE_INTS = ("n_samples", "epochs", "steps", "n_seeds", "batch_size")


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", str(tp))


def _check_type(key: str, value: Any, expected: type) -> Any:
    """Accept ints for floats (a user writes ``1``), never bools for numbers (``True`` is not a size)."""
    if isinstance(value, bool) and expected is not bool:
        raise TypeError(f"profile key {key!r} must be {_type_name(expected)}, got bool {value!r}")
    if expected is float and isinstance(value, int):
        return float(value)
    if not isinstance(value, expected):
        raise TypeError(
            f"profile key {key!r} must be {_type_name(expected)}, got {type(value).__name__} {value!r}"
        )
    return value


_FIELD_TYPES: dict[str, type] = {"name": str, "dataset_fraction": float, **{k: int for k in _POSITIVE_INTS}}
# the fields a run may override (everything but the name)
PROFILE_FIELDS = tuple(f.name for f in fields(Profile) if f.name != "name")


def check_profile_value(key: str, value: Any) -> Any:
    """``value`` for profile field ``key``, checked exactly as :func:`resolve_profile` checks it."""
    resolve_profile("smoke", {key: value})
    return _check_type(key, value, _FIELD_TYPES[key])


def resolve_profile(
    profile: str | Profile = "default", overrides: Mapping[str, Any] | None = None, **kw
) -> Profile:
    """Expand a profile name into a :class:`Profile`, applying typed overrides.

    ``overrides`` (a mapping, e.g. from papermill or the CLI) and keyword arguments are merged, keywords
    last. Raises ``ValueError`` for an unknown profile or key (with the closest valid key suggested) or an
    out-of-range value, ``TypeError`` for a value of the wrong type.
    """
    if isinstance(profile, Profile):
        base = profile.as_dict()
    elif isinstance(profile, str):
        if profile not in _PRESETS:
            raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILE_NAMES)}")
        base = {"name": profile, **_PRESETS[profile]}
    else:
        raise TypeError(f"profile must be a name ({', '.join(PROFILE_NAMES)}) or a Profile, got {profile!r}")

    changes = {**(dict(overrides) if overrides else {}), **kw}
    valid = [f.name for f in fields(Profile) if f.name != "name"]
    for key, value in changes.items():
        if key not in valid:
            hint = difflib.get_close_matches(key, valid, n=1)
            suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(f"unknown profile key {key!r}{suggestion}; valid keys: {', '.join(valid)}")
        base[key] = _check_type(key, value, _FIELD_TYPES[key])

    for key in _POSITIVE_INTS:
        if base[key] < 1:
            raise ValueError(f"profile key {key!r} must be >= 1, got {base[key]}")
    if not 0.0 < base["dataset_fraction"] <= 1.0:
        raise ValueError(f"profile key 'dataset_fraction' must be in (0, 1], got {base['dataset_fraction']}")
    return Profile(**base)
