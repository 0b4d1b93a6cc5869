"""Claims that can fail, and answers a reader can trust: one mechanism for every notebook.

- :mod:`.spec`      the declarations, made before a run: :class:`ClaimSpec`, :class:`Answer`,
                    :class:`NotebookSpec` (kinds: derivation, empirical, negative control)
- :mod:`.stats`     per-seed estimates and the difference of a value and its reference
- :mod:`.outcomes`  the six outcomes, the Holm adjustment, the resolution of a claim
- :mod:`.book`      :class:`ClaimBook`: a run's records against its spec, ``verdicts.json``
- :mod:`.answers`   the answer to a paper claim from its primary test and qualifications
- :mod:`.readings`  prose rendered from the run

No torch: the verdicts are statistics of per-seed numbers (scipy).
"""

from .answers import ANSWERS, answer
from .book import Claim, ClaimBook
from .outcomes import OUTCOMES, holm_levels, outcome, resolution
from .spec import KINDS, Answer, ClaimSpec, NotebookSpec, Qualification, SpecError, derivation, empirical
from .stats import Estimate, difference, estimate

__all__ = [
    "ANSWERS",
    "KINDS",
    "OUTCOMES",
    "Answer",
    "Claim",
    "ClaimBook",
    "ClaimSpec",
    "Estimate",
    "NotebookSpec",
    "Qualification",
    "SpecError",
    "answer",
    "derivation",
    "empirical",
    "difference",
    "estimate",
    "holm_levels",
    "outcome",
    "resolution",
]
