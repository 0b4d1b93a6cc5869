"""simvae_core: the SSL latent-variable model of SimVAE, its closed forms, and the tools the notebooks use.

The package is layered like the paper; every arrow points down, and there is no cycle:

- ``theory``      the SSL model ``p(y) p(z_j | y) p(x_j | z_j)``, its closed forms, linear-Gaussian SSL,
                  fixed generators, data with known MI
- ``objectives``  ELBO_SSL and the VAE family, the ten discriminative losses, the MI bounds
- ``data``        datasets with fixed splits (synthetic, digits, mnist5k, fashion_mnist, mnist, ...)
- ``learning``    networks, models, augmentations, ``fit``, checkpoints, MI critics
- ``analysis``    probes, metrics, clustering, the evaluation protocol, geometry, collapse toys
- ``notebook``    run profiles, ``start_run``, figures and the papermill pipeline (beside the others)
- ``claims``      the verdict mechanism: a statistic against a control or theory value, margin, seeds, CI
- ``checks``, ``atomic``, ``repro``   input checks, atomic writes, seeds and versions (beneath them all)
- ``cli``         ``simvae train|evaluate`` (also ``python -m simvae_core``)
- ``teaching``    live controls (sliders) over the closed forms, for notebooks 01 and 03 (beside ``cli``)

The most used names are available here, e.g. ``sc.fit``, ``sc.SSLModel``, ``sc.load_dataset``,
``sc.evaluate_trained``, ``sc.start_run``. They are resolved on first use, because importing torch takes
about 1.3 s and ``import simvae_core`` (by the command line's ``--help``, the notebook pipeline, the tests'
collection) should not pay it; the table below is the whole public API of this level.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.2.0"

# public name -> the module that defines it (subpackages map to themselves)
_API: dict[str, str] = {
    # theory
    "SSLModel": "theory.ssl_model",
    "GroupSample": "theory.ssl_model",
    "Posterior": "theory.ssl_model",
    "log_p_z": "theory.ssl_model",
    "expected_log_p_z": "theory.ssl_model",
    "posterior_y": "theory.ssl_model",
    "view_mutual_information": "theory.ssl_model",
    "content_mutual_information": "theory.ssl_model",
    "posterior_over_groups": "theory.ssl_model",
    "instance_discrimination_softmax": "theory.ssl_model",
    "content_style_variances": "theory.ssl_model",
    # data, learning, analysis
    "load_dataset": "data",
    "fit": "learning.train",
    "label": "learning.methods",
    "model_from_checkpoint": "learning.train",
    "evaluate_trained": "analysis.evaluate",
    "evaluate_representation": "analysis.evaluate",
    "linear_probe": "analysis.probes",
    "mlp_probe": "analysis.probes",
    "knn_probe": "analysis.probes",
    # notebook support, reproducibility
    "Profile": "notebook.profiles",
    "resolve_profile": "notebook.profiles",
    "PROFILE_NAMES": "notebook.profiles",
    "start_run": "notebook.experiment",
    "ExperimentRun": "notebook.experiment",
    "savefig": "notebook.figures",
    "set_style": "notebook.figures",
    "seed_everything": "repro",
    "default_device": "repro",
}
_SUBPACKAGES = (
    "theory",
    "objectives",
    "data",
    "learning",
    "analysis",
    "notebook",
    "claims",
    "checks",
    "atomic",
    "repro",
)
# ``sc.evaluate`` is the evaluation module (as in 0.1, where ``sc.evaluate.evaluate_trained`` was documented)
_MODULE_ALIASES = {"evaluate": "analysis.evaluate"}

__all__ = sorted(_API) + sorted(_MODULE_ALIASES) + list(_SUBPACKAGES) + ["__version__"]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import analysis, atomic, checks, claims, data, learning, notebook, objectives, repro, theory  # noqa: F401
    from .analysis import evaluate  # noqa: F401
    from .analysis.evaluate import evaluate_representation, evaluate_trained  # noqa: F401
    from .analysis.probes import knn_probe, linear_probe, mlp_probe  # noqa: F401
    from .data import load_dataset  # noqa: F401
    from .learning.methods import label  # noqa: F401
    from .learning.train import fit, model_from_checkpoint  # noqa: F401
    from .notebook.experiment import ExperimentRun, start_run  # noqa: F401
    from .notebook.figures import savefig, set_style  # noqa: F401
    from .notebook.profiles import PROFILE_NAMES, Profile, resolve_profile  # noqa: F401
    from .repro import default_device, seed_everything  # noqa: F401
    from .theory.ssl_model import (  # noqa: F401
        GroupSample,
        Posterior,
        SSLModel,
        content_mutual_information,
        content_style_variances,
        expected_log_p_z,
        instance_discrimination_softmax,
        log_p_z,
        posterior_over_groups,
        posterior_y,
        view_mutual_information,
    )


def __getattr__(name: str) -> Any:
    """Resolve a public name on first use (see the module docstring for why), then cache it."""
    if name in _SUBPACKAGES:
        value = importlib.import_module(f"{__name__}.{name}")
    elif name in _MODULE_ALIASES:
        value = importlib.import_module(f"{__name__}.{_MODULE_ALIASES[name]}")
    elif name in _API:
        value = getattr(importlib.import_module(f"{__name__}.{_API[name]}"), name)
    else:
        raise AttributeError(
            f"module 'simvae_core' has no attribute {name!r}; public names: {', '.join(__all__)}"
        )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
