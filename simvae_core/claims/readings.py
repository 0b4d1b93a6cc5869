"""Readings rendered from the run: prose whose numbers come from the recorded claims, never typed.

A notebook writes what a result means as a template and displays it as Markdown::

    book.reading(
        "SimVAE against the VAE: {c[C6.content.linear.vs_vae]}; the rate is {rate:.1f} nats.",
        rate=float(rate),
    )

``{c[<id>]}`` renders a recorded claim's difference with its interval, n and outcome; ``.value``,
``.reference``, ``.difference``, ``.interval``, ``.outcome`` and ``.n`` pick one part. Other fields are
Python format fields over the keyword values (numbers the notebook computed in the same run). A template
that names an unrecorded claim or an unknown part fails at once: a reading cannot silently go stale.

    >>> from simvae_core.claims.stats import estimate
    >>> fmt_estimate(estimate([0.1, 0.12, 0.11]))
    '0.11 [0.0852, 0.135]'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .stats import Estimate

WORDS = {
    "supported": "supported",
    "contradicted": "contradicted",
    "direction_only": "direction only",
    "no_effect": "no effect",
    "inconclusive": "inconclusive",
    "not_decidable": "not decidable",
}


def num(x: float) -> str:
    """Three significant digits, and no spurious precision."""
    if x != x:  # NaN
        return "nan"
    if x == 0:
        return "0"
    if abs(x) >= 1e4 or abs(x) < 1e-3:
        return f"{x:.2g}"
    return f"{x:.3g}"


def signed(x: float) -> str:
    return ("+" if x > 0 else "") + num(x)


def fmt_estimate(e: Estimate, sign: bool = False) -> str:
    f = signed if sign else num
    if e.ci[0] == e.ci[1]:
        return f(e.mean)
    return f"{f(e.mean)} [{num(e.ci[0])}, {num(e.ci[1])}]"


class _Text(str):
    """A rendered part: formats as itself whatever the format spec."""

    def __format__(self, spec: str) -> str:
        return str(self)


class ClaimView:
    """How one recorded claim reads inside a template (see the module docstring)."""

    def __init__(self, claim: Any, final: bool) -> None:
        self._c = claim
        self._final = final

    @property
    def value(self) -> _Text:
        return _Text(fmt_estimate(self._c.value))

    @property
    def reference(self) -> _Text:
        return _Text(fmt_estimate(self._c.reference))

    @property
    def difference(self) -> _Text:
        return _Text(fmt_estimate(self._c.difference, sign=True))

    @property
    def interval(self) -> _Text:
        lo, hi = self._c.difference.ci
        return _Text(f"[{num(lo)}, {num(hi)}]")

    @property
    def n(self) -> int:
        return self._c.n

    @property
    def outcome(self) -> _Text:
        word = WORDS[self._c.outcome]
        if self._final:
            return _Text(word)
        # what is decided once the whole run is in (finalize): a premise, then the Holm adjustment
        if self._c.spec.premise is not None:
            return _Text(f"{word} if its premise {self._c.spec.premise} holds")
        if self._c.spec.kind == "empirical" and not self._c.spec.primary and not self._c.gates:
            return _Text(f"{word} before the Holm adjustment")
        return _Text(word)

    def __format__(self, spec: str) -> str:
        return f"{self.difference} (n = {self.n}; {self.outcome})"


class _Claims(Mapping[str, ClaimView]):
    def __init__(self, lookup: Callable[[str], Any], final: bool) -> None:
        self._lookup = lookup
        self._final = final

    def __getitem__(self, id: str) -> ClaimView:
        return ClaimView(self._lookup(id), self._final)

    def __iter__(self):  # pragma: no cover - a template only indexes
        return iter(())

    def __len__(self) -> int:  # pragma: no cover
        return 0


def render(template: str, lookup: Callable[[str], Any], final: bool = False, **values: Any) -> str:
    """``template`` with ``{c[<id>]...}`` taken from ``lookup(id)`` and other fields from ``values``."""
    if "c" in values:
        raise ValueError("'c' is reserved for the claims in a reading; name the value otherwise")
    try:
        return template.format(c=_Claims(lookup, final), **values)
    except KeyError as err:
        raise KeyError(
            f"a reading names {err}, which is neither a recorded claim nor a given value"
        ) from None
    except AttributeError as err:
        raise AttributeError(
            f"a reading asks for {err}: a claim offers value, reference, difference, interval, outcome, n"
        ) from None


def show_markdown(text: str) -> None:
    """Display ``text`` as Markdown inside a kernel, print it elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - IPython is there wherever a notebook runs
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))
