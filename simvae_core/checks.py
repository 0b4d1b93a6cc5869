"""The input checks shared by the whole package: one function per kind of argument.

Every check raises a ``TypeError`` (wrong kind of value) or a ``ValueError`` (right kind, wrong value)
whose message names the argument and says what to pass instead, so a wrong call fails at the boundary
rather than as a shape error deep inside torch. Checks run where user input enters (a public function, a
model's constructor, ``fit``).

Checks of *values* inside tensors (finite, positive, in range) read a result back to the host: on a GPU
each is a stall that waits for every queued kernel. ``fit`` checks its data once, then runs the training
loop inside :func:`trusted_inputs`, where those value checks are skipped (shapes, dtypes and devices are
still checked: they cost nothing) and a non-finite loss is caught from the epoch's accumulated sums.
"""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import math
import numbers
from collections.abc import Iterable, Iterator

import numpy as np
import torch

__all__ = [
    "as_positive_scalar",
    "as_variance",
    "check_choice",
    "check_compatible",
    "check_features",
    "check_fraction",
    "check_int",
    "check_labels",
    "check_number",
    "check_positive",
    "check_same_device",
    "check_same_shape",
    "check_targets",
    "check_tensor",
    "trusted_inputs",
    "values_checked",
    "did_you_mean",
    "resolve_generator",
]


# --------------------------------------------------------------------------------------------- numbers


def check_int(value: object, name: str, *, minimum: int = 1) -> int:
    """``value`` as an int if it is an integer ``>= minimum`` (bools are not integers here)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_number(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    strict_minimum: bool = False,
    strict_maximum: bool = False,
    what: str = "",
) -> float:
    """``value`` as a float if it is a finite real number within the given bounds (bools rejected).

    ``what`` says in words what the number is (``"a probability"``); it is added to the error message.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    v = float(value)
    low_ok = minimum is None or (v > minimum if strict_minimum else v >= minimum)
    high_ok = maximum is None or (v < maximum if strict_maximum else v <= maximum)
    if math.isfinite(v) and low_ok and high_ok:
        return v
    if minimum is not None and maximum is not None:
        interval = f"{'(' if strict_minimum else '['}{minimum:g}, {maximum:g}{')' if strict_maximum else ']'}"
        within = f" in {interval}"
    elif minimum is not None:
        within = f" {'>' if strict_minimum else '>='} {minimum:g}"
    elif maximum is not None:
        within = f" {'<' if strict_maximum else '<='} {maximum:g}"
    else:
        within = ""
    meaning = f" ({what})" if what else ""
    raise ValueError(f"{name} must be a finite number{within}{meaning}, got {value!r}.")


def check_positive(value: object, name: str, *, allow_zero: bool = False) -> float:
    """A finite number ``> 0`` (or ``>= 0`` with ``allow_zero``): a rate, a weight, a temperature."""
    return check_number(value, name, minimum=0.0, strict_minimum=not allow_zero)


def check_fraction(value: object, name: str, *, include_one: bool = True) -> float:
    """A number in ``[0, 1]`` (or ``[0, 1)`` without ``include_one``: an EMA momentum)."""
    return check_number(value, name, minimum=0.0, maximum=1.0, strict_maximum=not include_one)


# --------------------------------------------------------------------------------------------- names


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choice, or an empty string."""
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def check_choice(value: object, choices: Iterable[str], name: str) -> str:
    """``value`` if it is one of ``choices``; otherwise an error listing them."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        hint = did_you_mean(value, choices)
        raise ValueError(f"unknown {name} {value!r}{hint}; choose one of {list(choices)}.")
    return value


# --------------------------------------------------------------------------------------------- tensors

_VALUES_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("simvae_values_checked", default=True)


@contextlib.contextmanager
def trusted_inputs() -> Iterator[None]:
    """Within this block, checks that read tensor *values* back to the host are skipped.

    For loops whose inputs were checked once at the boundary (``fit`` checks its data, options and a dry
    run of the loss before the first step); every call outside such a block is checked in full.
    """
    token = _VALUES_CHECKED.set(False)
    try:
        yield
    finally:
        _VALUES_CHECKED.reset(token)


def values_checked() -> bool:
    """False inside :func:`trusted_inputs`: value checks that would synchronise with the device are off."""
    return _VALUES_CHECKED.get()


def check_tensor(
    x: object, name: str, *, ndim: int | None = None, shape_hint: str = "", finite: bool = True
) -> torch.Tensor:
    """Return ``x`` if it is a floating-point tensor (of ``ndim`` dimensions when given).

    ``finite=True`` also refuses NaN and inf; that reads a value back from the device, so calls on the
    hot path (inside a loss that ``fit`` calls every step) pass ``finite=False`` and leave it to ``fit``.
    """
    if not isinstance(x, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor, got {type(x).__name__}; wrap it with torch.as_tensor(...)."
        )
    if not x.is_floating_point():
        raise TypeError(
            f"{name} must have a floating-point dtype, got {x.dtype}; convert it with .float() or .double()."
        )
    if ndim is not None and x.ndim != ndim:
        hint = f" {shape_hint}" if shape_hint else ""
        raise ValueError(f"{name} must be {ndim}-D{hint}, got shape {tuple(x.shape)}.")
    if finite and values_checked() and not bool(torch.isfinite(x.detach()).all()):
        raise ValueError(f"{name} contains NaN or inf values; pass finite values only.")
    return x


def check_same_device(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise if two tensors live on different devices (no silent transfer)."""
    if a.device != b.device:
        raise ValueError(f"{name_a} and {name_b} must be on the same device, got {a.device} and {b.device}.")


def check_compatible(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise if two tensors differ in dtype or device (no silent promotion or transfer)."""
    if a.dtype != b.dtype:
        raise TypeError(
            f"{name_a} and {name_b} must share a dtype, got {a.dtype} and {b.dtype}; convert one with .to()."
        )
    check_same_device(a, b, name_a, name_b)


def check_same_shape(
    a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str, *, same_dtype: bool = True
) -> None:
    """Raise if two tensors differ in shape or device (and, with ``same_dtype``, in dtype)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}."
        )
    if same_dtype:
        check_compatible(a, b, name_a, name_b)
    else:
        check_same_device(a, b, name_a, name_b)


def as_variance(
    value: object,
    name: str,
    *,
    d: int,
    dtype: torch.dtype,
    device: torch.device | str | None,
    strictly_positive: bool,
    allow_none: bool = False,
    none_hint: str = "",
) -> torch.Tensor | None:
    """Turn a scalar or per-coordinate variance into a tensor of shape ``(d,)``.

    ``value`` may be a Python number, a 0-d tensor or a 1-D tensor of length ``d``. The result has the
    requested dtype/device and keeps any autograd graph of a tensor input. ``None`` is returned as is
    when ``allow_none`` (the flat prior); ``strictly_positive`` selects ``> 0`` over ``>= 0``.
    """
    if value is None:
        if allow_none:
            return None
        hint = f" {none_hint}" if none_hint else ""
        raise ValueError(f"{name} must be a number or a tensor of shape ({d},), got None.{hint}")
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number or a tensor, got bool.")
    if isinstance(value, torch.Tensor):
        if value.is_complex():
            raise TypeError(f"{name} must be real, got dtype {value.dtype}.")
        v = value.to(dtype=dtype, device=device)
    elif isinstance(value, numbers.Real):
        v = torch.tensor(float(value), dtype=dtype, device=device)
    else:
        try:
            v = torch.as_tensor(value, dtype=dtype, device=device)
        except (TypeError, ValueError, RuntimeError) as err:
            raise TypeError(
                f"{name} must be a number or a 1-D tensor of shape ({d},), got {type(value).__name__}."
            ) from err
    if v.ndim > 1 or (v.ndim == 1 and v.shape[0] != d):
        raise ValueError(
            f"{name} must be a scalar or a 1-D tensor of length d={d} (one variance per latent coordinate), "
            f"got shape {tuple(v.shape)}."
        )
    if not values_checked():
        return v.expand(d) if v.ndim == 0 else v
    detached = v.detach()
    if not bool(torch.isfinite(detached).all()):
        hint = " Pass prior_var=None for the flat (improper) prior." if allow_none else ""
        raise ValueError(f"{name} must be finite, got {detached.tolist()}.{hint}")
    if strictly_positive and not bool((detached > 0).all()):
        raise ValueError(
            f"{name} must be > 0 here (the closed forms divide by it), got {detached.tolist()}; "
            "a zero variance is only allowed when sampling."
        )
    if not strictly_positive and not bool((detached >= 0).all()):
        raise ValueError(f"{name} must be >= 0, got {detached.tolist()}.")
    return v.expand(d) if v.ndim == 0 else v


def as_positive_scalar(
    value: object, name: str, *, dtype: torch.dtype, device: torch.device | str | None
) -> torch.Tensor:
    """Turn a positive number (or one-element tensor) into a 0-d tensor of the given dtype/device."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, torch.Tensor)):
        raise TypeError(f"{name} must be a positive number, got {type(value).__name__}.")
    if isinstance(value, torch.Tensor):
        v = value.to(dtype=dtype, device=device)
    else:
        # straight to the target dtype: a float32 detour would round e.g. 0.8 before widening it
        v = torch.tensor(float(value), dtype=dtype, device=device)
    if v.numel() != 1:
        raise ValueError(f"{name} must be a single number, got shape {tuple(v.shape)}.")
    v = v.reshape(())
    if values_checked() and (not bool(torch.isfinite(v.detach())) or not bool(v.detach() > 0)):
        raise ValueError(f"{name} must be a finite number > 0, got {float(v.detach())}.")
    return v


# --------------------------------------------------------------------------------------------- features


def check_features(x: object, name: str) -> torch.Tensor:
    """``x`` as a finite 2-D float tensor ``(N, d)``; NaN/inf rows get an error that points at the encoder."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} features must be a torch.Tensor (N, d), got {type(x).__name__}.")
    if not x.is_floating_point():
        raise TypeError(f"{name} features must be floating point, got {x.dtype}; convert with .float().")
    if x.ndim != 2:
        raise ValueError(
            f"{name} features must be 2-D (N, d), got shape {tuple(x.shape)}; flatten with x.flatten(1)."
        )
    if x.shape[0] == 0 or x.shape[1] == 0:
        raise ValueError(f"{name} features are empty, shape {tuple(x.shape)}.")
    bad = ~torch.isfinite(x).all(dim=1)
    if bool(bad.any()):
        raise ValueError(
            f"{name} features contain NaN or inf in {int(bad.sum())} of {x.shape[0]} rows: the encoder has "
            "probably diverged (check its training loss), and no probe on such features means anything."
        )
    return x


def check_labels(y: object, name: str, n: int, *, non_negative: bool = True) -> torch.Tensor:
    """Integer labels ``(N,)`` (a tensor or a NumPy array) as int64; class ids must be ``>= 0`` unless
    ``non_negative=False`` (group ids of any sign)."""
    if isinstance(y, np.ndarray):
        y = torch.from_numpy(y)
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} labels must be a torch.Tensor (N,), got {type(y).__name__}.")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        kind = "class" if non_negative else "group"
        raise TypeError(
            f"{name} labels must be integer {kind} ids, got {y.dtype}; convert with .long(), or use "
            "task='regression' for continuous targets."
        )
    if y.ndim != 1:
        raise ValueError(f"{name} labels must be 1-D (N,), got shape {tuple(y.shape)}.")
    if y.shape[0] != n:
        raise ValueError(f"{name}: {n} feature rows but {y.shape[0]} labels; they must match.")
    y = y.long()
    if non_negative and y.numel() and int(y.min()) < 0:
        raise ValueError(
            f"{name} labels must be class ids >= 0, got {int(y.min())}; simvae_core.data marks unlabelled "
            "samples with -1, and a content probe needs labelled data."
        )
    return y


def check_targets(y: object, name: str, n: int) -> torch.Tensor:
    """Regression targets ``(N,)`` or ``(N, m)`` -> float64 ``(N, m)``."""
    if not isinstance(y, torch.Tensor):
        raise TypeError(f"{name} targets must be a torch.Tensor (N,) or (N, m), got {type(y).__name__}.")
    if y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{name} targets must be real numbers, got {y.dtype}.")
    if y.ndim not in (1, 2):
        raise ValueError(f"{name} targets must be 1-D (N,) or 2-D (N, m), got shape {tuple(y.shape)}.")
    if y.shape[0] != n:
        raise ValueError(f"{name}: {n} feature rows but {y.shape[0]} targets; they must match.")
    y = y.detach().to("cpu", torch.float64).reshape(n, -1)
    if y.shape[1] == 0:
        raise ValueError(f"{name} targets have no columns.")
    if not bool(torch.isfinite(y).all()):
        raise ValueError(f"{name} targets contain NaN or inf values.")
    return y


# --------------------------------------------------------------------------------------------- randomness


def resolve_generator(generator: object, seed: object, who: str) -> torch.Generator:
    """Return the caller's generator, or one seeded with ``seed``; refuse to fall back on global RNG."""
    if generator is not None and seed is not None:
        raise ValueError(f"{who}: pass either generator= or seed=, not both.")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(
                f"{who}: generator must be a torch.Generator, got {type(generator).__name__}; "
                "build one with torch.Generator().manual_seed(0)."
            )
        return generator
    if seed is not None:
        seed = check_int(seed, "seed", minimum=0)
        return torch.Generator().manual_seed(seed)
    raise ValueError(
        f"{who} draws random numbers and needs a caller-seeded source: pass "
        "generator=torch.Generator().manual_seed(0) or seed=0."
    )
