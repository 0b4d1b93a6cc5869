"""Small input checks shared by the model code.

Every check raises a ``TypeError`` or ``ValueError`` whose message names the argument and says what to
pass instead, so a wrong call fails at the boundary rather than as a shape error deep inside torch.
"""

from __future__ import annotations

import numbers

import torch

__all__ = [
    "as_positive_scalar",
    "as_variance",
    "check_compatible",
    "check_positive_int",
    "check_same_shape",
    "check_tensor",
    "resolve_generator",
]


def check_tensor(x: object, name: str, *, ndim: int | None = None, shape_hint: str = "") -> torch.Tensor:
    """Return ``x`` if it is a finite floating-point tensor (of ``ndim`` dimensions when given)."""
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
    if not bool(torch.isfinite(x.detach()).all()):
        raise ValueError(f"{name} contains NaN or inf values; pass finite values only.")
    return x


def check_same_shape(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise if two tensors differ in shape (see also ``check_compatible``)."""
    if a.shape != b.shape:
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}."
        )
    check_compatible(a, b, name_a, name_b)


def check_compatible(a: torch.Tensor, b: torch.Tensor, name_a: str, name_b: str) -> None:
    """Raise if two tensors differ in dtype or device (no silent promotion or transfer)."""
    if a.dtype != b.dtype:
        raise TypeError(
            f"{name_a} and {name_b} must share a dtype, got {a.dtype} and {b.dtype}; convert one with .to()."
        )
    if a.device != b.device:
        raise ValueError(f"{name_a} and {name_b} must be on the same device, got {a.device} and {b.device}.")


def check_positive_int(n: object, name: str, *, minimum: int = 1) -> int:
    """Return ``n`` as an int if it is an integer ``>= minimum`` (bools are rejected)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(n).__name__}.")
    if n < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {n}.")
    return int(n)


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
    if not bool(torch.isfinite(v.detach())) or not bool(v.detach() > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {float(v.detach())}.")
    return v


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
        seed = check_positive_int(seed, "seed", minimum=0)
        return torch.Generator().manual_seed(seed)
    raise ValueError(
        f"{who} draws random numbers and needs a caller-seeded source: pass "
        "generator=torch.Generator().manual_seed(0) or seed=0."
    )
