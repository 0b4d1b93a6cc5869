"""The method registry: every trainable method by name, with its loss, its model and its view needs.

``fit("vicreg", ...)`` looks the name up here. The VAE family (SimVAE, VAE, β-VAE, CR-VAE) is trained by
:class:`~simvae_core.learning.models.VAEModel` on the objectives of :mod:`simvae_core.objectives.elbo`;
the discriminative family by the models of :mod:`simvae_core.learning.models` on the losses of
:mod:`simvae_core.objectives.discriminative`. :func:`register_method` adds others.
"""

from __future__ import annotations

import collections.abc
import inspect
import numbers
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..checks import did_you_mean
from ..objectives import discriminative, elbo
from .models import EMBEDDING_MODELS

__all__ = ["METHODS", "Method", "Option", "get_method", "label", "register_method"]

# keyword arguments that fit fills in itself (from the configuration and the data), never options
_SET_BY_FIT = ("likelihood", "decoder_logvar", "n_train")


@dataclass(frozen=True)
class Option:
    """One keyword option of a method, as its loss's (or model's) signature defines it: the one place its
    type and its default are written (``inspect.Parameter.empty``: no default)."""

    name: str
    type: Any
    default: Any

    def accepts(self, value: object) -> bool:
        return _is_instance(value, self.type)

    @property
    def type_name(self) -> str:
        return _type_name(self.type)

    @property
    def per_coordinate(self) -> bool:
        """A variance of the latent model (:data:`~simvae_core.objectives.elbo.Variance`): a number or one
        entry per latent coordinate."""
        return set(typing.get_args(elbo.Variance)) <= set(typing.get_args(self.type))


def _is_instance(value: object, hint: Any) -> bool:
    """``isinstance`` for the annotations the options use (unions, ``Sequence[float]``, ``Literal``);
    bools are not numbers here, and an annotation it does not know accepts anything."""
    if hint is Any or hint is inspect.Parameter.empty:
        return True
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return any(_is_instance(value, arm) for arm in args)
    if hint is None or hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, numbers.Real) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if origin is typing.Literal:
        return value in args
    if origin in (collections.abc.Sequence, list, tuple):
        return isinstance(value, (list, tuple)) and all(_is_instance(v, args[0]) for v in value if args)
    if origin is collections.abc.Callable or hint is collections.abc.Callable:
        return callable(value)
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True


def _type_name(hint: Any) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        return " | ".join(_type_name(arm) for arm in args)
    if hint is None or hint is type(None):
        return "None"
    if hint is torch.Tensor:
        return "torch.Tensor"
    if origin is not None and args:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"
    return getattr(hint, "__name__", str(hint))


def _hints(fn: Callable[..., Any]) -> dict[str, Any]:
    try:
        return typing.get_type_hints(fn)
    except Exception:  # an annotation that does not resolve: the option is untyped, not an error
        return {}


@dataclass(frozen=True)
class Method:
    """A trainable method: its loss, its model, how many views per group it needs, its default options.

    VAE family (``model=None``): ``loss(x, x_params, mu, logvar, z, **options) -> LossOutput`` on groups
    ``(B, J, ...)``, trained by a :class:`~simvae_core.learning.models.VAEModel`; the options are the loss's
    keyword-only arguments. Other families give ``model``: a class ``model(x_shape, latent_dim, arch,
    **options)`` with ``training_loss``/``after_step``/``encode`` (see :mod:`simvae_core.learning.models`);
    the options are its keyword-only arguments (``n_train`` is filled in by ``fit``). ``loss`` is then the
    pure function the model calls (for reference and documentation).
    The signature is the one definition of an option: its name, its type (checked by ``fit`` before any
    work) and its default (:meth:`options`); ``defaults`` only overrides a default for a method that
    reuses another's loss (the built-in methods leave it empty).
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

    def options(self) -> dict[str, Option]:
        """The method's options, by name: the keyword-only parameters of its loss (VAE family) or of its
        model class and the classes it builds on (e.g. the head's), with their types and defaults."""
        if self.model is None:
            functions = [self.loss]
        else:  # the class's own options and those of its bases (e.g. the head's)
            classes = self.model.__mro__ if isinstance(self.model, type) else (self.model,)
            functions = [c.__init__ for c in classes if "__init__" in vars(c) and c is not nn.Module]
            functions = functions or [self.model]
        found: dict[str, Option] = {}
        for fn in functions:
            hints = _hints(fn)
            for p in inspect.signature(fn).parameters.values():
                if (
                    p.kind is inspect.Parameter.KEYWORD_ONLY
                    and p.name not in found
                    and p.name not in _SET_BY_FIT
                ):
                    default = self.defaults.get(p.name, p.default)
                    found[p.name] = Option(p.name, hints.get(p.name, Any), default)
        return found

    def loss_options(self) -> list[str]:
        """The names of the method's options (see :meth:`options`)."""
        return list(self.options())

    def option_defaults(self) -> dict[str, Any]:
        """Every option that has a default, with it."""
        return {
            o.name: o.default for o in self.options().values() if o.default is not inspect.Parameter.empty
        }

    def resolve_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """``given`` (known option names) checked against the options' types, with the defaults filled in;
        a wrong type is a ``TypeError`` naming the option and the method."""
        options = self.options()
        for key, value in given.items():
            if not options[key].accepts(value):
                raise TypeError(
                    f"method {self.name!r}: option {key!r} must be {options[key].type_name}, got "
                    f"{type(value).__name__} {value!r}"
                )
        return {**self.option_defaults(), **given}

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
        description="ELBO_SSL: J views share a content latent (Bizeul et al. 2024)",
        label="SimVAE",
    )
)
register_method(Method("vae", elbo.vae_elbo, description="VAE: every view an independent datum", label="VAE"))
register_method(
    Method(
        "beta_vae",
        elbo.beta_vae,
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
