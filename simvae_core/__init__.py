"""simvae_core: the SSL latent-variable model of SimVAE, its closed forms, and the tools the notebooks use.

Submodules are imported lazily, so ``import simvae_core`` is cheap (no torch until a name is used):

- ``ssl_model``   the generative SSL model p(y) p(z_j | y) p(x_j | z_j), its sampler and closed forms
- ``decoders``    fixed random decoders x = g(z): identity, linear, injective MLP, shape renderer
- ``config``      typed run profiles (smoke / default / full) shared by notebooks, CLI and tests
- ``experiment``  one notebook run: profile, seed, figure output with provenance
- ``figures``     the plotting style and the one ``savefig`` every notebook calls, plus its manifest
- ``repro``       seeding, code and package versions, device choice
- ``pipeline``    executes notebooks with papermill (``python -m simvae_core.pipeline``)
- ``data``        datasets with fixed splits (synthetic, digits, mnist5k, fashion_mnist, mnist, ...)
- ``augment``     batched per-sample augmentations returning their parameters (style labels)
- ``nets``        encoders and decoders (the authors' MLP and ResNet-like nets, conv, vector, linear)
- ``losses``      ELBO_SSL (SimVAE), VAE, β-VAE, CR-VAE (and, lazily, the discriminative losses)
- ``discriminative``  SimCLR, CLIP, MoCo, instance discrimination, VICReg, Barlow Twins, BYOL, SimSiam,
                  DINO, SwAV: pure loss functions on view embeddings (B, J, d)
- ``models``      the trainable models: VAE family; encoder + projection head for the discriminative family
- ``train``       ``fit(method, data, ...)``: one loop for every method, checkpoints, exact resume
- ``evaluate``    probes (linear, MLP, kNN), clustering, R², active units
- ``mi``          MI bounds on one scores matrix (InfoNCE, NWJ, JS, SMILE, I_α, BA), critics, known-MI data
- ``geometry``    representation geometry: spectrum, RankMe, alignment/uniformity, within-group variance
- ``linear_theory``  closed-form linear-Gaussian SSL: spectral contrastive vs pPCA optima, E12 dynamics
- ``collapse``    dimensional-collapse toys (Jing et al. 2022): strong augmentation, implicit regularisation
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> submodule that defines it
_EXPORTS: dict[str, str] = {
    # ssl_model
    "SSLModel": "ssl_model",
    "GroupSample": "ssl_model",
    "Posterior": "ssl_model",
    "log_p_z": "ssl_model",
    "expected_log_p_z": "ssl_model",
    "posterior_y": "ssl_model",
    "view_mutual_information": "ssl_model",
    "content_mutual_information": "ssl_model",
    "posterior_over_groups": "ssl_model",
    "instance_discrimination_softmax": "ssl_model",
    "content_style_variances": "ssl_model",
    # config / experiment / figures / repro
    "Profile": "config",
    "resolve_profile": "config",
    "PROFILE_NAMES": "config",
    "start_run": "experiment",
    "ExperimentRun": "experiment",
    "savefig": "figures",
    "set_style": "figures",
    "seed_everything": "repro",
    "default_device": "repro",
    # data / training
    "load_dataset": "data",
    "fit": "train",
}
_SUBMODULES = (
    "ssl_model",
    "decoders",
    "data",
    "augment",
    "nets",
    "losses",
    "discriminative",
    "models",
    "train",
    "evaluate",
    "geometry",
    "linear_theory",
    "mi",
    "collapse",
    "config",
    "experiment",
    "figures",
    "repro",
    "pipeline",
)

__all__ = sorted(_EXPORTS) + list(_SUBMODULES)

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from . import (  # noqa: F401
        augment,
        collapse,
        config,
        data,
        decoders,
        discriminative,
        evaluate,
        experiment,
        figures,
        geometry,
        linear_theory,
        losses,
        mi,
        models,
        nets,
        pipeline,
        repro,
        ssl_model,
        train,
    )
    from .config import PROFILE_NAMES, Profile, resolve_profile  # noqa: F401
    from .data import load_dataset  # noqa: F401
    from .experiment import ExperimentRun, start_run  # noqa: F401
    from .figures import savefig, set_style  # noqa: F401
    from .repro import default_device, seed_everything  # noqa: F401
    from .ssl_model import (  # noqa: F401
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
    from .train import fit  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(
        f"module 'simvae_core' has no attribute {name!r}; public names: {', '.join(__all__)}"
    )


def __dir__() -> list[str]:
    return __all__
