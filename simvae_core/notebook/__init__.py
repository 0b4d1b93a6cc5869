"""Notebook support: typed run profiles, one run's seed streams and figures, and the papermill pipeline.

- :mod:`.profiles`    ``smoke`` / ``default`` / ``full``: the sizes every notebook reads
- :mod:`.experiment`  ``start_run``: a notebook's profile, seed streams and figure output
- :mod:`.figures`     the plotting style, ``savefig`` and the manifest
- :mod:`.pipeline`    executes the notebooks (``python -m simvae_core.notebook.pipeline``)
- :mod:`.results`     the results page and the README's table, generated from the verdicts

Importing this package does not import torch.
"""

from . import experiment, figures, profiles
from .experiment import ExperimentRun, start_run
from .profiles import PROFILE_NAMES, Profile, resolve_profile

__all__ = [
    "PROFILE_NAMES",
    "ExperimentRun",
    "Profile",
    "experiment",
    "figures",
    "profiles",
    "resolve_profile",
    "start_run",
]
