"""Notebook support, what a notebook imports: typed run profiles, one run's seed streams and figures.

- :mod:`.profiles`    ``smoke`` / ``default`` / ``full``: the sizes every notebook reads
- :mod:`.sizes`       ``SizeTable``: a claim family's typed sizes per profile
- :mod:`.experiment`  ``start_run``: a notebook's profile, seed streams and figure output
- :mod:`.figures`     the plotting style, ``savefig`` and the manifest

The build tooling that executes notebooks and publishes their results (pipeline, results page, forest
plot files, book) is :mod:`simvae_core.tooling`, above everything a notebook imports.

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
