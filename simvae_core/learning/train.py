"""One training loop for every method: ``fit(method, data, *, epochs | steps, latent_dim, seed, **options)``.

    model = fit("simvae", "fashion_mnist", epochs=10, latent_dim=10, seed=0, sigma2=0.15)
    z = model.encode(images)                     # the representation evaluated downstream (posterior mean)

- ``method`` is a name in the registry (:mod:`simvae_core.learning.methods`): the VAE family
  (``"simvae"``, ``"vae"``, ``"beta_vae"``, ``"cr_vae"``) and the discriminative family (``"simclr"``,
  ``"clip"``, ``"moco"``, ``"instance_discrimination"``, ``"vicreg"``, ``"barlow_twins"``, ``"byol"``,
  ``"simsiam"``, ``"dino"``, ``"swav"``: encoder + projection head, :mod:`simvae_core.learning.models`).
- ``data`` is a dataset name (see :mod:`simvae_core.data`), a :class:`~simvae_core.data.Dataset`, or a tensor
  of ready-made view groups ``(N, J, *x_shape)`` (synthetic data brings its own views: no augmentation).
- Every option is checked before any work is done: unknown names (with a suggestion), wrong types, values
  out of range, an unavailable device, an unwritable ``checkpoint_dir``, a checkpoint that cannot be
  continued exactly.
- Images stay on the device as uint8; each step gathers a batch of B images, draws J augmented views per
  image on the device with per-sample parameters, and takes one optimiser step on the group loss. Loss
  terms are accumulated on the device and read once per epoch.
- Every random draw comes from the run's ``seed``: batch order, augmentations and view pools from one CPU
  generator, whose state the checkpoint saves at each epoch boundary; the reparameterisation noise from a
  device generator re-seeded from ``(seed, epoch)`` at the start of each epoch, so the checkpoint holds no
  device-specific state. An interrupted run that is resumed gives the same parameters as one that never
  stopped (on the same device), and a run written on CUDA resumes on a CPU.
- Under ``torchrun`` (or with ``distributed=True``) every process trains its shard of the global batch
  with DistributedDataParallel (:mod:`simvae_core.learning.distributed`): one permutation and the global
  batch's augmentation parameters and noise on every rank, each keeping its rows; losses on the gathered
  global batch; rank 0 writes. Two processes reproduce one with the same ``batch_size`` to float rounding.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm.auto import tqdm

from .. import repro
from ..atomic import ensure_writable_dir
from ..checks import check_choice, check_int, check_positive, did_you_mean, trusted_inputs
from ..data import Dataset, as_float, load_dataset
from . import cache as model_cache
from . import distributed as dist_tools
from .augment import PRESETS, Augmenter, get_augment_config
from .checkpoint import CHECKPOINT, check_resumable, data_fingerprint, load_checkpoint, save_checkpoint
from .methods import Method, get_method
from .models import VAEModel
from .nets import ARCHITECTURES, build_decoder, build_encoder

__all__ = [
    "AUTHORS_PRESET",
    "TrainConfig",
    "TrainedModel",
    "build_model",
    "fit",
    "model_from_checkpoint",
]


# --------------------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------------------
@dataclass
class TrainConfig:
    """Everything that defines a training run (saved in checkpoints and metrics files).

    ``batch_size`` counts groups (images) per step; each contributes ``n_views`` views. ``lr``/``eps``
    default to values that train well in short budgets; ``preset="authors"`` in :func:`fit` sets the
    authors' Adam (lr 8e-5, eps 1e-4) and batch of 64 groups × 2 views. ``clean_view``: view 0 of every
    group is the un-augmented image (``"auto"``: as the method defines it — CR-VAE pairs x with t(x), every
    other method sees augmented views only); ``True``/``False`` overrides it, e.g. for an ablation.
    ``steps``: the run's total number of optimisation steps when it was given instead of ``epochs``; then
    ``epochs`` is ``ceil(steps / steps_per_epoch)`` and the last epoch stops after the remaining steps.
    """

    method: str
    dataset: str = "tensor"
    latent_dim: int = 10
    epochs: int = 10
    steps: int | None = None
    batch_size: int = 128
    n_views: int = 2
    lr: float = 1e-3
    eps: float = 1e-8
    weight_decay: float = 0.0
    optimizer: str = "adam"
    arch: str = "auto"
    augment: str = "auto"
    likelihood: str = "auto"
    decoder_var: float | str = "auto"
    clean_view: bool | str = "auto"
    seed: int = 0
    device: str | None = None
    amp: bool | None = None
    max_train: int | None = None
    loss_options: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FIELD_NAMES = {f.name for f in dataclasses.fields(TrainConfig)} - {"method", "loss_options", "dataset"}
_RUN_OPTIONS = {
    "checkpoint_dir",
    "resume",
    "progress",
    "checkpoint_every",
    "preset",
    "log_every",
    "callback",
    "cache",
    "distributed",
}

# The authors' optimiser and batch (they train 400 epochs; epochs stay the explicit argument of fit).
AUTHORS_PRESET = {"lr": 8e-5, "eps": 1e-4, "batch_size": 64, "n_views": 2}

# Augmentation preset by dataset, as in the authors' setup.
_AUTO_AUGMENT = {
    "mnist": "authors_mnist",
    "mnist5k": "authors_mnist",
    "fashion_mnist": "authors_fashion",
    "digits": "authors_fashion",
    "cifar10": "authors_cifar",
    "celeba": "authors_celeba",
}


def _resolve_auto(
    config: TrainConfig, x_shape: tuple[int, ...], has_views: bool, clean_default: bool = False
) -> TrainConfig:
    c = dataclasses.replace(config)
    if c.clean_view == "auto":  # a tensor of ready-made views is used as it is: nothing to leave clean
        c.clean_view = clean_default and not has_views
    if c.augment == "auto":
        c.augment = (
            "none" if has_views or len(x_shape) != 3 else _AUTO_AUGMENT.get(c.dataset, "authors_fashion")
        )
    if c.likelihood == "auto":
        # Grey-scale images are modelled as Bernoulli (as the authors do); colour images and vectors Gaussian.
        c.likelihood = "bernoulli" if len(x_shape) == 3 and x_shape[0] == 1 else "gaussian"
    if c.decoder_var == "auto":
        c.decoder_var = "learned" if c.likelihood == "gaussian" else 1.0
    return c


def _check_options(method: Method, config_kwargs: dict[str, Any]) -> tuple[dict, dict, dict]:
    """Split ``**options`` into config fields, loss options and run options; reject unknown keys."""
    loss_names = set(method.options())
    cfg, loss, run = {}, {}, {}
    for key, value in config_kwargs.items():
        if key in _FIELD_NAMES:
            cfg[key] = value
        elif key in loss_names:
            loss[key] = value
        elif key in _RUN_OPTIONS:
            run[key] = value
        else:
            valid = sorted(_FIELD_NAMES | loss_names | _RUN_OPTIONS)
            raise ValueError(
                f"unknown option {key!r} for method {method.name!r}{did_you_mean(key, valid)}; "
                f"valid options: {', '.join(valid)}"
            )
    return cfg, loss, run


def _validate_config(c: TrainConfig, method: Method) -> None:
    """Every field of ``c`` (after the ``"auto"`` values are resolved), before any work is done."""
    for name in ("latent_dim", "epochs", "batch_size", "n_views"):
        check_int(getattr(c, name), name)
    if c.steps is not None:
        check_int(c.steps, "steps")
    check_int(c.seed, "seed", minimum=0)
    if c.max_train is not None:
        check_int(c.max_train, "max_train")
    if c.n_views < method.min_views:
        hint = " (use 'vae' for single views)" if method.name == "simvae" else ""
        raise ValueError(
            f"method {method.name!r} needs n_views >= {method.min_views} views per group, "
            f"got {c.n_views}{hint}"
        )
    if method.max_views is not None and c.n_views > method.max_views:
        raise ValueError(f"method {method.name!r} takes at most {method.max_views} views, got {c.n_views}")
    if isinstance(c.lr, bool) or not isinstance(c.lr, (int, float)) or not (c.lr > 0 and math.isfinite(c.lr)):
        raise ValueError(f"lr must be a positive finite number, got {c.lr!r}")
    check_positive(c.eps, "eps")
    check_positive(c.weight_decay, "weight_decay", allow_zero=True)
    check_choice(c.optimizer, ("adam", "adamw", "sgd"), "optimizer")
    check_choice(c.arch, ("auto", *ARCHITECTURES), "arch")
    check_choice(c.augment, PRESETS, "augment")
    check_choice(c.likelihood, ("bernoulli", "gaussian"), "likelihood")
    if not (
        c.decoder_var == "learned"
        or (
            not isinstance(c.decoder_var, bool)
            and isinstance(c.decoder_var, (int, float))
            and c.decoder_var > 0
        )
    ):
        raise ValueError(f"decoder_var must be a positive number, 'learned' or 'auto', got {c.decoder_var!r}")
    if not isinstance(c.clean_view, bool):
        raise ValueError(f"clean_view must be True, False or 'auto', got {c.clean_view!r}")
    if c.amp is not None and not isinstance(c.amp, bool):
        raise TypeError(f"amp must be True, False or None (automatic: on for CUDA), got {c.amp!r}")
    if c.device is not None and not isinstance(c.device, str):
        raise TypeError(f"device must be a name such as 'cuda', 'cpu' or 'mps', got {c.device!r}")


def _per_coordinate(value: Any, name: str, method: str, d: int) -> float | list[float] | None:
    """A variance option as the configuration stores it (JSON, for checkpoints and cache keys): a float,
    or a list of ``d`` floats, one per latent coordinate; checked here, once."""
    if value is None:
        return None  # prior_var=None: the flat prior (the dry run says if the method does not allow it)
    if isinstance(value, torch.Tensor):
        if value.ndim > 1 or value.is_complex():
            raise ValueError(
                f"method {method!r}: {name} must be a number or a 1-D tensor of length latent_dim={d}, got a "
                f"tensor of shape {tuple(value.shape)}"
            )
        value = value.item() if value.ndim == 0 else value.detach().cpu().double().tolist()
    values = [float(v) for v in value] if isinstance(value, (list, tuple)) else [float(value)]
    if isinstance(value, (list, tuple)) and len(values) != d:
        raise ValueError(
            f"method {method!r}: {name} has {len(values)} entries but latent_dim={d}: pass one number, or "
            f"one variance per latent coordinate ({d} entries)"
        )
    if not all(math.isfinite(v) and v > 0 for v in values):
        raise ValueError(
            f"method {method!r}: {name} must be > 0 and finite in every coordinate, got {value!r}"
        )
    return values if isinstance(value, (list, tuple)) else values[0]


def _dry_run_loss(spec: Method, config: TrainConfig) -> None:
    """Call a VAE-family objective once on a tiny dummy group, so that a bad loss option (``sigma2='abc'``,
    ``prior='gauss'``) fails here, before any data is moved or any step is taken."""
    if spec.model is not None:  # discriminative models check their options in their constructors
        return
    J, d = config.n_views, config.latent_dim
    x = torch.full((1, J, 1), 0.5)
    zeros = torch.zeros(1, J, d)
    logvar = 0.0 if config.likelihood == "gaussian" else None
    try:
        spec.loss(
            x,
            x,
            zeros,
            zeros,
            zeros,
            likelihood=config.likelihood,
            decoder_logvar=logvar,
            **config.loss_options,
        )
    except (TypeError, ValueError) as err:
        raise type(err)(f"{config.method}: {err}") from err


# --------------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------------
@dataclass
class TrainedModel:
    """What :func:`fit` returns: the model plus its config and per-epoch history of every loss term."""

    model: nn.Module
    config: TrainConfig
    history: dict[str, list[float]]
    device: torch.device
    from_cache: bool = False  # True when fit found this model in the model cache instead of training it

    def encode(self, x: torch.Tensor, **kw) -> torch.Tensor:
        """The representation (posterior mean, or the encoder output before the head); ``after_head=True``
        gives a discriminative model's embedding after its projection head."""
        return self.model.encode(x, **kw)

    def _generative(self, what: str) -> None:
        if not isinstance(self.model, VAEModel):
            raise ValueError(f"{self.config.method!r} is a discriminative model: it has no decoder to {what}")

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        self._generative("reconstruct with")
        return self.model.reconstruct(x)

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        self._generative("sample from")
        return self.model.sample(n, generator)


def _marginal_prior_var(
    method: str, loss_options: Mapping[str, Any], latent_dim: int
) -> float | list[float] | None:
    """Variance of p(z) for sampling: s² + σ² for SimVAE's Gaussian prior (z = y + ε), per coordinate when
    either is; 1 for the VAEs; None for the flat prior. ``loss_options``: resolved (defaults filled in)."""
    if method != "simvae":
        return 1.0
    if loss_options["prior"] in ("flat", "uniform"):
        return None
    s2, pv = loss_options["sigma2"], loss_options["prior_var"]
    if isinstance(s2, list) or isinstance(pv, list):
        s2, pv = (v if isinstance(v, list) else [float(v)] * latent_dim for v in (s2, pv))
        return [a + b for a, b in zip(pv, s2, strict=True)]
    return float(pv) + float(s2)


def build_model(
    config: TrainConfig, x_shape: tuple[int, ...], generator: torch.Generator, n_train: int = 1
) -> nn.Module:
    """The method's model with weights drawn from ``generator`` (``n_train``: size of a memory bank)."""
    spec = get_method(config.method)
    # Weights are initialised from the run's own generator, so the seed alone fixes the initial model.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(torch.randint(0, 2**62, (1,), generator=generator)))
        if spec.model is not None:
            extra = {"n_train": n_train} if spec.takes_n_train() else {}
            return spec.model(x_shape, config.latent_dim, config.arch, **config.loss_options, **extra)
        encoder = build_encoder(x_shape, 2 * config.latent_dim, arch=config.arch)
        decoder = build_decoder(config.latent_dim, x_shape, arch=config.arch)
    options = {**spec.option_defaults(), **config.loss_options}  # a config made by hand, an old checkpoint
    return VAEModel(
        encoder,
        decoder,
        x_shape,
        config.latent_dim,
        config.likelihood,
        config.decoder_var,
        _marginal_prior_var(config.method, options, config.latent_dim),
        loss=spec.loss,
        loss_options=config.loss_options,
    )


def _optimizer(config: TrainConfig, model: nn.Module) -> torch.optim.Optimizer:
    """Adam / AdamW (``lr``, ``eps``, ``weight_decay``) or SGD with momentum 0.9 (``eps`` unused)."""
    if config.optimizer == "sgd":
        return torch.optim.SGD(
            model.parameters(), lr=config.lr, momentum=0.9, weight_decay=config.weight_decay
        )
    opt_cls = torch.optim.AdamW if config.optimizer == "adamw" else torch.optim.Adam
    return opt_cls(model.parameters(), lr=config.lr, eps=config.eps, weight_decay=config.weight_decay)


def initial_model(trained: TrainedModel, data: Any) -> TrainedModel:
    """The network of ``trained`` as it was before its first step: same configuration, same seed, so the
    same initial weights. This is the *untrained-encoder control* of a claim about what training did.

    ``data`` is what ``trained`` was fitted on (a view tensor, a Dataset or its name); it gives the input
    shape and the size of a memory bank.
    """
    if not isinstance(trained, TrainedModel):
        raise TypeError(f"initial_model takes what fit returned, got {type(trained).__name__}")
    config = trained.config
    _, train_x, has_views = _training_tensor(data)
    x_shape = tuple(train_x.shape[2:] if has_views else train_x.shape[1:])
    n = train_x.shape[0] if config.max_train is None else min(train_x.shape[0], config.max_train)
    model = build_model(config, x_shape, torch.Generator().manual_seed(config.seed), n_train=n)
    return TrainedModel(model.to(trained.device).eval(), config, {}, trained.device)


def model_from_checkpoint(path: str | Path, device: str | torch.device | None = None) -> TrainedModel:
    """Rebuild the trained model saved at ``path`` (for evaluation or further use)."""
    state = load_checkpoint(path)
    config = TrainConfig(**state["config"])
    dev = repro.default_device(device if device is None else str(device))
    model = build_model(
        config, tuple(state["x_shape"]), torch.Generator().manual_seed(config.seed), state.get("n_train", 1)
    )
    model.load_state_dict(state["model"])
    return TrainedModel(model.to(dev), config, state["history"], dev)


# --------------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------------
def _training_tensor(data: Any) -> tuple[str, torch.Tensor, bool]:
    """Return (dataset name, training tensor, has_views). Views: (N, J, *x_shape); images: (N, *x_shape)."""
    if isinstance(data, str):
        data = load_dataset(data)
    if isinstance(data, torch.Tensor):
        if data.ndim < 3:
            raise ValueError(
                f"a tensor passed as data must hold view groups (N, J, *x_shape) with J >= 1, got shape "
                f"{tuple(data.shape)}; pass a Dataset or dataset name for single images"
            )
        return "tensor", data, True
    if isinstance(data, Dataset):
        split = data.train
        if split.views is not None:
            return data.name, split.views, True
        return data.name, split.x, False
    raise TypeError(
        f"data must be a dataset name, a Dataset or a tensor of view groups, got {type(data).__name__}"
    )


def _check_data(x: torch.Tensor, has_views: bool, likelihood: str, generative: bool) -> None:
    """The value checks the training step no longer makes, made once on the whole training tensor."""
    if not x.is_floating_point():
        return
    lo, hi = torch.aminmax(x)
    if not bool(torch.isfinite(lo) & torch.isfinite(hi)):
        raise ValueError("training data contains NaN or inf values; clean or impute them before training")
    if not has_views and (lo < 0 or hi > 1):
        raise ValueError(
            f"float images must lie in [0, 1], got values in [{float(lo):.4g}, {float(hi):.4g}]; "
            "pass uint8 images or divide by 255"
        )
    if has_views and generative and likelihood == "bernoulli" and (lo < 0 or hi > 1):
        raise ValueError(
            "the Bernoulli likelihood needs x in [0, 1] (pixel intensities); got values in "
            f"[{float(lo):.3g}, {float(hi):.3g}]. Use likelihood='gaussian' for real-valued data."
        )


def _check_epoch_finite(step_loss: torch.Tensor, config: TrainConfig, epoch: int) -> None:
    """Stop with the first step whose loss was NaN or inf (one read of the epoch's losses, not one a step)."""
    bad = ~torch.isfinite(step_loss)
    if bool(bad.any()):
        step = int(bad.int().argmax())
        raise FloatingPointError(
            f"{config.method}: loss became {step_loss[step].item()} at epoch {epoch + 1}, step {step + 1}; "
            f"lower lr (now {config.lr}) or check the data scale"
        )


def _steps_per_epoch(n: int, batch_size: int) -> int:
    """Full batches in one pass over ``n`` groups (the last partial batch is dropped: every step is full)."""
    return max(1, n // batch_size)


def _total_steps(config: TrainConfig, steps_per_epoch: int) -> int:
    return config.steps if config.steps is not None else config.epochs * steps_per_epoch


def _epoch_seed(seed: int, epoch: int) -> int:
    """Seed of the device noise generator in epoch ``epoch``: a function of (seed, epoch) alone."""
    state = np.random.SeedSequence([seed, 2, epoch]).generate_state(1, dtype=np.uint64)[0]
    return int(state) & (2**63 - 1)


# --------------------------------------------------------------------------------------------------------
# fit
# --------------------------------------------------------------------------------------------------------
def fit(
    method: str,
    data: Any,
    *,
    epochs: int | None = None,
    steps: int | None = None,
    latent_dim: int = 10,
    seed: int = 0,
    **options: Any,
) -> TrainedModel:
    """Train ``method`` on ``data``; return a :class:`TrainedModel` (``encode``, ``reconstruct``, ``sample``).

    The length of the run is ``epochs`` (default 10) or ``steps``, not both: ``steps=N`` takes exactly N
    optimisation steps in all, in ``ceil(N / steps_per_epoch)`` epochs of ``N_train // batch_size`` steps,
    the last one stopped after the steps that remain (its history entries average over the steps it took).
    ``steps = k * steps_per_epoch`` trains the same parameters as ``epochs = k``.

    Options: any :class:`TrainConfig` field (``batch_size``, ``n_views``, ``lr``, ``eps``, ``weight_decay``,
    ``optimizer``, ``arch``, ``augment``, ``likelihood``, ``decoder_var``, ``device``, ``amp``,
    ``max_train``), the method's loss options (e.g. ``sigma2``, ``prior``, ``beta``, ``gamma``,
    ``reference``; for discriminative methods e.g. ``temperature``, ``head_layers``, ``head_width``,
    ``embed_dim``, ``momentum``), and run options: ``checkpoint_dir`` (save ``last.pt`` there every
    ``checkpoint_every`` epochs and resume from it), ``resume`` (default True), ``progress`` (tqdm bar),
    ``preset="authors"`` (the authors' optimiser and batch; explicit options win), ``callback``
    (``callback(epoch, trained)`` after every epoch, e.g. to track a representation during training),
    ``cache`` (True, or a folder: reuse a finished model trained with the same configuration, data, device
    and training code, and store the one trained here; see :mod:`simvae_core.learning.cache`),
    ``distributed`` (``"auto"``: train on every process of a torchrun job or an initialised process group;
    ``True`` insists; ``False`` trains alone; ``batch_size`` stays the global batch).

    A method's options are the keyword-only parameters of its loss (VAE family) or model: name, type and
    default are written once, in that signature (``get_method(method).options()``), and the configuration
    stores every one, defaults filled in. A wrong type is a ``TypeError`` naming the option and the method,
    before any work. ``sigma2`` and ``prior_var`` take a number or one variance per latent coordinate (a
    sequence or 1-D tensor of length ``latent_dim``, every entry > 0), stored as a list of floats.

    A view tensor with more views per group than ``n_views`` is a *pool*: every step draws ``n_views``
    distinct views of each group from it (fresh pairs each epoch, like fresh augmentations). Without
    ``n_views`` (given or from the preset) every view of the tensor is used.

    Resuming from ``checkpoint_dir`` continues a run exactly or refuses, saying why: a different
    configuration, different training data, a different ``amp``, fewer ``epochs`` (or ``steps``) than the
    checkpoint already holds, or more than a checkpoint whose last epoch ``steps`` cut short.
    ``amp=None`` (the default) takes the checkpoint's setting when resuming.
    """
    spec = get_method(method)
    if epochs is not None and steps is not None:
        raise ValueError(
            f"give the length of the run as epochs or as steps, not both (got epochs={epochs!r} and "
            f"steps={steps!r})"
        )
    if steps is not None:
        check_int(steps, "steps")
    cfg_kw, loss_kw, run_kw = _check_options(spec, options)
    preset = run_kw.get("preset")
    if preset not in (None, "authors"):
        raise ValueError(f"preset must be 'authors' or None, got {preset!r}")
    checkpoint_dir = run_kw.get("checkpoint_dir")
    if checkpoint_dir is not None:
        ensure_writable_dir(checkpoint_dir, "checkpoint_dir")
    for name in ("checkpoint_every", "log_every"):
        if name in run_kw:
            check_int(run_kw[name], name)
    if run_kw.get("callback") is not None and not callable(run_kw["callback"]):
        raise TypeError("callback must be a callable callback(epoch, trained)")
    cache = run_kw.get("cache", False)
    if not isinstance(cache, (bool, str, os.PathLike)):
        raise TypeError(f"cache must be True, False or a folder, got {type(cache).__name__}")
    if cache is not False and run_kw.get("callback") is not None:
        raise ValueError(
            "a callback watches the training as it happens, and a cached model has no training to watch: "
            "pass cache=False with a callback"
        )
    if cache is not False and cache is not True:
        ensure_writable_dir(cache, "cache")
    distributed = run_kw.pop("distributed", "auto")
    if distributed not in ("auto", True, False):
        raise ValueError(f"distributed must be 'auto', True or False, got {distributed!r}")
    base = dict(AUTHORS_PRESET) if preset == "authors" else {}
    device = repro.default_device(cfg_kw.get("device"))  # an unavailable device fails here
    dataset_name, train_x, has_views = _training_tensor(data)
    config = TrainConfig(
        method=method,
        dataset=dataset_name,
        epochs=10 if epochs is None else epochs,
        steps=steps,
        latent_dim=latent_dim,
        seed=seed,
        **{**base, **cfg_kw},
        loss_options=spec.resolve_options(loss_kw),  # wrong types fail here, naming option and method
    )
    if has_views and "n_views" not in cfg_kw and "n_views" not in base:
        config.n_views = train_x.shape[1]
    x_shape = tuple(train_x.shape[2:] if has_views else train_x.shape[1:])
    config = _resolve_auto(config, x_shape, has_views, clean_default=spec.original_view)
    _validate_config(config, spec)
    for name, option in spec.options().items():
        if option.per_coordinate:
            config.loss_options[name] = _per_coordinate(
                config.loss_options[name], name, method, config.latent_dim
            )
    if has_views and config.clean_view:
        raise ValueError(
            "clean_view=True keeps view 0 un-augmented, but this data is a tensor of ready-made views "
            "(nothing is augmented): pass images (N, C, H, W) or a dataset, or leave clean_view unset"
        )
    if has_views and train_x.shape[1] < config.n_views:
        raise ValueError(f"the view tensor has J = {train_x.shape[1]} views but n_views = {config.n_views}")
    if has_views and spec.modalities and train_x.shape[1] != config.n_views:
        raise ValueError(
            f"{method!r} reads view j as modality j: pass exactly {config.n_views} views per group, "
            f"got {train_x.shape[1]}"
        )
    _dry_run_loss(spec, config)
    _check_data(train_x, has_views, config.likelihood, generative=spec.model is None)
    if config.max_train is not None:
        train_x = train_x[: config.max_train]
    if steps is not None:
        config.epochs = math.ceil(steps / _steps_per_epoch(train_x.shape[0], config.batch_size))
    rank, size, device = dist_tools.join(distributed, device)
    if size > 1 and (config.batch_size % size or train_x.shape[0] < config.batch_size):
        raise ValueError(
            f"batch_size is the global batch, split evenly over the {size} processes: "
            f"{config.batch_size} does not split into {size} equal shards"
            if config.batch_size % size
            else f"batch_size {config.batch_size} exceeds the {train_x.shape[0]} training groups"
        )
    with dist_tools.training_world(rank, size):
        return _train(spec, config, train_x, x_shape, has_views, device, **run_kw)


class _Step(nn.Module):
    """``model.training_loss`` as a module's forward, so that DistributedDataParallel can wrap it."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(
        self, views: torch.Tensor, index: torch.Tensor, generator: torch.Generator, amp: bool
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        out = self.model.training_loss(views, index, generator=generator, amp=amp)
        return out.loss, out.terms


def _train(
    spec: Method,
    config: TrainConfig,
    train_x: torch.Tensor,
    x_shape: tuple[int, ...],
    has_views: bool,
    device: torch.device,
    checkpoint_dir: str | Path | None = None,
    resume: bool = True,
    progress: bool = True,
    checkpoint_every: int = 1,
    log_every: int = 50,
    preset: str | None = None,
    callback: Callable[[int, TrainedModel], Any] | None = None,
    cache: bool | str | os.PathLike = False,
) -> TrainedModel:
    rank, size = dist_tools.current()
    lead = rank == 0  # only rank 0 writes checkpoints, cache entries and progress
    amp = config.amp if config.amp is not None else device.type == "cuda"
    ckpt_path = Path(checkpoint_dir) / CHECKPOINT if checkpoint_dir is not None else None
    use_cache = cache is not False and model_cache.cache_enabled()
    fingerprint = data_fingerprint(train_x, config.dataset) if ckpt_path or use_cache else None
    cache_where = None if cache is True else cache
    entry_key = None
    if use_cache:
        resolved = {k: v for k, v in config.as_dict().items() if k not in ("device", "amp")}
        entry_key = model_cache.cache_key(resolved, fingerprint, device=device.type, amp=amp, preset=preset)
        entry = model_cache.load_entry(entry_key, cache_where)
        if dist_tools.all_agree(entry is not None, device):  # every rank loads it, or every rank trains
            return _trained_from_state(entry, config, device)
    state = None
    if ckpt_path is not None and resume and ckpt_path.exists():
        state = load_checkpoint(ckpt_path)
        if config.amp is None:  # automatic: continue with what the run used (a CUDA run resumed on a CPU)
            amp = bool(state.get("amp"))
        # a checkpoint written before the defaults were stored in the configuration holds only the options
        # that were given: the same run, once its defaults are filled in
        saved = state["config"]
        saved["loss_options"] = {**spec.option_defaults(), **saved.get("loss_options", {})}
        check_resumable(
            state,
            ckpt_path,
            config=config.as_dict(),
            data=fingerprint,
            amp=amp,
            preset=preset,
            steps_per_epoch=_steps_per_epoch(train_x.shape[0], config.batch_size),
        )

    init_gen = torch.Generator().manual_seed(config.seed)
    n = train_x.shape[0]
    model = build_model(config, x_shape, init_gen, n_train=n)
    if size > 1:
        dist_tools.synchronise_batchnorm(model)  # BatchNorm statistics of the global batch
    model = model.to(device)
    optimizer = _optimizer(config, model)

    aug_config = get_augment_config(config.augment)
    if config.clean_view:
        aug_config = dataclasses.replace(aug_config, include_original=True)
    augmenter = Augmenter(aug_config)
    # Batch order, pools and augmentations on one CPU generator (tiny draws, reproducible everywhere; its
    # state is what a checkpoint saves); reparameterisation noise on the device's own generator, re-seeded
    # every epoch from (seed, epoch), so it is drawn where it is used and needs no saved state.
    order_gen = torch.Generator().manual_seed(config.seed + 1)
    noise_gen = torch.Generator(device=device)

    train_x = train_x.to(device)
    steps_per_epoch = _steps_per_epoch(n, config.batch_size)
    total_steps = _total_steps(config, steps_per_epoch)
    history: dict[str, list[float]] = {}
    start_epoch = steps_done = 0
    if state is not None:
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        order_gen.set_state(state["order_gen"])
        history = state["history"]
        start_epoch = int(state["epoch"])
        steps_done = int(state.get("steps_done", start_epoch * steps_per_epoch))
    step_module: nn.Module = _Step(model)
    if size > 1:
        # buffers (EMA targets, queues, centres, BatchNorm statistics) are kept identical by construction:
        # every rank applies the same updates to the global batch, so DDP need not broadcast them
        ddp = nn.parallel.DistributedDataParallel
        no_sync = (  # torch 2.13 renamed the switch
            {"forward_sync_buffers": False}
            if "forward_sync_buffers" in inspect.signature(ddp.__init__).parameters
            else {"broadcast_buffers": False}
        )
        step_module = ddp(
            step_module, device_ids=[device.index] if device.type == "cuda" else None, **no_sync
        )
    if state is not None and lead:
        # always said, progress bar or not: continuing an earlier run should never be a surprise
        of_steps = f" ({steps_done} of {total_steps} steps)" if config.steps is not None else ""
        print(
            f"resuming {config.method} from {ckpt_path}: {start_epoch} of {config.epochs} epochs done"
            f"{of_steps}",
            flush=True,
        )

    def epoch_draws(steps: int) -> dict[str, torch.Tensor]:
        """Every random draw of one epoch's steps, made on the CPU generator up front and moved to the
        device in one go: the steps themselves draw nothing and never copy from the host."""
        m = steps * config.batch_size
        if has_views and train_x.shape[1] > config.n_views:  # a pool: n_views distinct views per group
            pick = torch.rand((m, train_x.shape[1]), generator=order_gen).argsort(dim=1)[:, : config.n_views]
            return {"pick": pick.to(device)}
        if has_views:
            return {}
        return augmenter.sample_params(train_x[:m], config.n_views, order_gen)  # on train_x's device

    def group_loss(
        batch: torch.Tensor, idx: torch.Tensor, draws: Mapping[str, torch.Tensor]
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if has_views:
            if "pick" in draws:
                rows = torch.arange(batch.shape[0], device=batch.device)[:, None]
                batch = batch[rows, draws["pick"]]  # (B, n_views, *x_shape)
            views = as_float(batch)  # (B, J, *x_shape)
        else:
            views = augmenter.apply_params(batch, dict(draws), config.n_views)  # (B, J, C, H, W) in [0, 1]
        return step_module(views, idx, noise_gen, amp)

    def run_state() -> dict[str, Any]:
        """What a checkpoint and a cache entry both hold: the model and how it was trained."""
        return {
            "model": model.state_dict(),
            "history": history,
            "config": config.as_dict(),
            "preset": preset,
            "amp": amp,
            "data": fingerprint,
            "x_shape": list(x_shape),
            "n_train": n,
            "device": str(device),
            "code_version": repro.code_version(),
            "packages": repro.package_versions(),
        }

    bar = None
    if progress and lead:
        bar = tqdm(
            total=total_steps,
            initial=steps_done,
            desc=f"{config.method}",
            leave=False,
            mininterval=1.0,
        )
    try:
        for epoch in range(start_epoch, config.epochs):
            model.train()
            noise_gen.manual_seed(_epoch_seed(config.seed, epoch))
            t0 = time.perf_counter()
            # the last epoch of a steps= run stops early; its draws are the full epoch's, so that the steps
            # it takes are those a longer run takes
            steps_now = min(steps_per_epoch, total_steps - epoch * steps_per_epoch)
            perm = torch.randperm(n, generator=order_gen).to(device)
            draws = epoch_draws(steps_per_epoch)
            step_loss = torch.zeros(steps_now, device=device)  # read once, after the epoch
            sums: dict[str, torch.Tensor] = {}
            shard = config.batch_size // size  # this rank's rows of each global batch
            with trusted_inputs():  # fit checked data and options: no value check reads back per step
                for step in range(steps_now):
                    first = step * config.batch_size + rank * shard
                    rows = slice(first, first + shard)
                    idx = perm[rows]
                    loss, terms = group_loss(train_x[idx], idx, {k: v[rows] for k, v in draws.items()})
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    model.after_step()  # EMA targets, queues, memory banks: part of the model's state
                    step_loss[step] = loss.detach()
                    for key, value in terms.items():
                        sums[key] = sums.get(key, 0.0) + value
                    if bar is not None and (step + 1) % log_every == 0:
                        bar.update(log_every)
            if size > 1:  # the VAE family's losses and terms are local means: their mean is the global one
                step_loss = dist_tools.average(step_loss)
                sums = {key: dist_tools.average(torch.as_tensor(value)) for key, value in sums.items()}
            _check_epoch_finite(step_loss, config, epoch)
            if device.type == "cuda":
                torch.cuda.synchronize()
            seconds = time.perf_counter() - t0
            for key, value in sums.items():
                history.setdefault(key, []).append(float(value) / steps_now)
            history.setdefault("seconds", []).append(seconds)
            history.setdefault("views_per_s", []).append(
                steps_now * config.batch_size * config.n_views / seconds
            )
            if bar is not None:
                bar.update(steps_now % log_every)  # the steps not yet shown this epoch
                bar.set_postfix({k: f"{v[-1]:.4g}" for k, v in list(history.items())[:4]})
            if callback is not None:
                callback(epoch + 1, TrainedModel(model, config, history, device))
                model.train()
            if (
                lead
                and ckpt_path is not None
                and ((epoch + 1) % checkpoint_every == 0 or epoch + 1 == config.epochs)
            ):
                save_checkpoint(
                    ckpt_path,
                    {
                        **run_state(),
                        "optimizer": optimizer.state_dict(),
                        "order_gen": order_gen.get_state(),
                        "epoch": epoch + 1,
                        "steps_done": epoch * steps_per_epoch + steps_now,
                    },
                )
            dist_tools.barrier()  # no rank runs ahead of the saved epoch
    except KeyboardInterrupt:
        if ckpt_path is not None and lead:
            saved = ckpt_path.exists()
            where = f"the last completed epoch is saved in {ckpt_path}" if saved else "no epoch was completed"
            print(f"interrupted: {where}; call fit again with the same checkpoint_dir to resume", flush=True)
        raise
    finally:
        if bar is not None:
            bar.close()
    model.eval()
    if entry_key is not None and lead:
        model_cache.store_entry(
            entry_key,
            {**run_state(), "training_code": model_cache.training_code_version()},
            cache_where,
        )
    dist_tools.barrier()
    return TrainedModel(model, config, history, device)


def _trained_from_state(state: Mapping[str, Any], config: TrainConfig, device: torch.device) -> TrainedModel:
    """The finished model a cache entry holds, on ``device``, in eval mode."""
    x_shape = tuple(state["x_shape"])
    model = build_model(config, x_shape, torch.Generator().manual_seed(config.seed), int(state["n_train"]))
    model.load_state_dict(state["model"])
    model.to(device).eval()
    return TrainedModel(model, config, state["history"], device, from_cache=True)
