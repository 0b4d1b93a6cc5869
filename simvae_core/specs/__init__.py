"""The claims of every notebook, declared as data before its run: one module per claim family.

Each module holds ``SPEC``, a :class:`simvae_core.claims.NotebookSpec`: every claim the notebook records
(id, statement, statistic, reference, margin and its source, direction, seeds, kind, primary or not) and
the paper claims it answers. A notebook opens its book with ``run.claims(SPEC)``; the spec's hash goes
into ``verdicts.json``. Change a margin here, in a commit, before a run, never after seeing its result.

=============================== ============================================================ ==========
module                          notebook                                                     answers
=============================== ============================================================ ==========
:mod:`.c1_model`                01_ssl_generative_model                                      C1
:mod:`.c2_c3_correspondence`    02_discriminative_ssl_correspondence                         C2, C3
:mod:`.c4_mutual_information`   03_mutual_information                                        C4
:mod:`.c5_projection_head`      04_projection_head                                           C5
:mod:`.c6_vae_family`           05_simvae_vs_vae_family                                      C6
=============================== ============================================================ ==========
"""

from __future__ import annotations

import importlib

from ..claims import NotebookSpec

MODULES = {
    "01_ssl_generative_model": "c1_model",
    "02_discriminative_ssl_correspondence": "c2_c3_correspondence",
    "03_mutual_information": "c4_mutual_information",
    "04_projection_head": "c5_projection_head",
    "05_simvae_vs_vae_family": "c6_vae_family",
}


def spec_for(notebook: str) -> NotebookSpec:
    """The declared spec of ``notebook`` (its file stem)."""
    if notebook not in MODULES:
        raise ValueError(f"no spec for notebook {notebook!r}; declared: {', '.join(MODULES)}")
    spec = importlib.import_module(f"{__name__}.{MODULES[notebook]}").SPEC
    if spec.notebook != notebook:
        raise ValueError(f"{MODULES[notebook]}.SPEC is declared for {spec.notebook!r}, not {notebook!r}")
    return spec
