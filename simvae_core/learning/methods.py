"""The method registry: every trainable method by name, with its loss, its model and its view needs.

``fit("vicreg", ...)`` looks the name up here. The VAE family (SimVAE, VAE, β-VAE, CR-VAE) is trained by
:class:`~simvae_core.learning.models.VAEModel` on the objectives of :mod:`simvae_core.objectives.elbo`;
the discriminative family by the models of :mod:`simvae_core.learning.models` on the losses of
:mod:`simvae_core.objectives.discriminative`. :func:`register_method` adds others.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from ..checks import did_you_mean
from ..objectives import discriminative, elbo
from .models import EMBEDDING_MODELS

__all__ = ["METHODS", "Method", "get_method", "label", "register_method"]


@dataclass(frozen=True)
class Method:
    """A trainable method: its loss, its model, how many views per group it needs, its default options.

    VAE family (``model=None``): ``loss(x, x_params, mu, logvar, z, **options) -> LossOutput`` on groups
    ``(B, J, ...)``, trained by a :class:`~simvae_core.learning.models.VAEModel`; the options are the loss's
    keyword-only arguments. Other families give ``model``: a class ``model(x_shape, latent_dim, arch,
    **options)`` with ``training_loss``/``after_step``/``encode`` (see :mod:`simvae_core.learning.models`);
    the options are its keyword-only arguments (``n_train`` is filled in by ``fit``). ``loss`` is then the
    pure function the model calls (for reference and documentation).
    ``original_view``: view 0 of each group is the un-augmented image (CR-VAE compares x with t(x)).
    ``label``: the name a figure or a table shows (``"MoCo v2"`` for ``"moco"``); the name when not given.
    """

    name: str
    loss: Callable[..., Any]
    min_views: int = 1
    max_views: int | None = None
    original_view: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    model: Callable[..., nn.Module] | None = None
    modalities: bool = False  # the views are modalities in a fixed order (CLIP): never drawn from a pool
    label: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise TypeError(f"a method's name must be a non-empty str, got {self.name!r}")
        if not isinstance(self.label, str):
            raise TypeError(f"label must be a str, got {type(self.label).__name__}")
        if not self.label:
            object.__setattr__(self, "label", self.name)

    def loss_options(self) -> list[str]:
        """Keyword-only options the method accepts (validated against user options)."""
        if self.model is None:
            functions = [self.loss]
        else:  # the class's own options and those of its bases (e.g. the head's)
            classes = self.model.__mro__ if isinstance(self.model, type) else (self.model,)
            functions = [c.__init__ for c in classes if "__init__" in vars(c) and c is not nn.Module]
            functions = functions or [self.model]
        names: list[str] = []
        for fn in functions:
            for p in inspect.signature(fn).parameters.values():
                if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in names and p.name != "n_train":
                    names.append(p.name)
        return names

    def takes_n_train(self) -> bool:
        """Whether the model needs the number of training instances (a memory bank, prototypes)."""
        return self.model is not None and "n_train" in inspect.signature(self.model).parameters


METHODS: dict[str, Method] = {}


def register_method(method: Method) -> Method:
    """Add ``method`` to the registry that :func:`~simvae_core.learning.train.fit` reads (replacing a
    method of the same name)."""
    if not isinstance(method, Method):
        raise TypeError(f"register_method takes a Method, got {type(method).__name__}.")
    METHODS[method.name] = method
    return method


def get_method(name: str) -> Method:
    """The registered method called ``name``; an unknown name is an error that lists the known ones."""
    if not isinstance(name, str) or name not in METHODS:
        raise ValueError(
            f"unknown method {name!r}{did_you_mean(name, METHODS)}; available: {', '.join(sorted(METHODS))}"
        )
    return METHODS[name]


def label(name: str) -> str:
    """The display label of the registered method ``name``: ``label("moco") == "MoCo v2"``."""
    return get_method(name).label


_LABELS = {
    "simclr": "SimCLR",
    "clip": "CLIP",
    "moco": "MoCo v2",
    "instance_discrimination": "InstDisc",
    "vicreg": "VICReg",
    "barlow_twins": "Barlow Twins",
    "byol": "BYOL",
    "simsiam": "SimSiam",
    "dino": "DINO",
    "swav": "SwAV",
}
_DESCRIPTIONS = {
    "simclr": "SimCLR: NT-Xent between the views of a batch (Chen et al. 2020)",
    "clip": "CLIP: symmetric cross-modal InfoNCE, two encoders, learnable temperature (Radford et al. 2021)",
    "moco": "MoCo v2: momentum key encoder and a FIFO queue of negatives (He et al. 2020)",
    "instance_discrimination": "softmax over a memory bank of every instance (Wu et al. 2018)",
    "vicreg": "VICReg: variance, invariance, covariance (Bardes et al. 2022)",
    "barlow_twins": "Barlow Twins: cross-correlation to the identity (Zbontar et al. 2021)",
    "byol": "BYOL: predictor and EMA target (Grill et al. 2020)",
    "simsiam": "SimSiam: predictor and stop-gradient (Chen & He 2021)",
    "dino": "DINO: self-distillation with centring and sharpening (Caron et al. 2021)",
    "swav": "SwAV: swapped prediction of Sinkhorn-Knopp codes (Caron et al. 2020)",
}

# ------------------------------------------------------------------------------------------- the VAE family
register_method(
    Method(
        "simvae",
        elbo.simvae_elbo,
        min_views=2,
        defaults={"sigma2": 0.15},
        description="ELBO_SSL: J views share a content latent (Bizeul et al. 2024)",
        label="SimVAE",
    )
)
register_method(Method("vae", elbo.vae_elbo, description="VAE: every view an independent datum", label="VAE"))
register_method(
    Method(
        "beta_vae",
        elbo.beta_vae,
        defaults={"beta": 4.0},
        description="β-VAE (Higgins et al. 2017)",
        label="β-VAE",
    )
)
register_method(
    Method(
        "cr_vae",
        elbo.cr_vae,
        min_views=2,
        max_views=2,
        original_view=True,
        description="CR-VAE: ELBO(x) + ELBO(t(x)) − γ KL(q(z|t(x)) ‖ q(z|x)) (Sinha & Dieng 2021)",
        label="CR-VAE",
    )
)

# ------------------------------------------------------------------------------------------- discriminative
for _name, _model in EMBEDDING_MODELS.items():
    register_method(
        Method(
            _name,
            discriminative.LOSS_FUNCTIONS[_name],
            min_views=2,
            max_views=2 if _name == "clip" else None,
            modalities=_name == "clip",
            description=_DESCRIPTIONS[_name],
            model=_model,
            label=_LABELS[_name],
        )
    )
