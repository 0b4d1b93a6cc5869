"""The evaluation protocol of a trained model: encode a dataset's three splits and run the probes.

- ``features``                 encode inputs in batches, in eval mode, to a finite ``(N, d)`` float tensor
- ``evaluate_representation``  content probes on the class labels, style probes on given targets
- ``augmented_style_data``     held-out augmented views and their augmentation parameters (style targets)
- ``evaluate_trained``         all of it for what ``fit`` returns: content, GMM clustering, attributes, style
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence

import torch

from ..checks import check_features, check_int
from ..learning.augment import Augmenter, get_augment_config
from .clustering import gmm_clustering
from .probes import PROBES, SPLITS, ProbeResult, knn_probe, linear_probe, mlp_probe

__all__ = [
    "augmented_style_data",
    "evaluate_representation",
    "evaluate_trained",
    "features",
]


def features(
    encode: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    batch_size: int = 1024,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """``encode(x)`` in batches under ``torch.no_grad()``: ``x`` (N, ...) -> CPU float32 ``(N, d)``.

    Batches are moved to ``device`` when given, else to the device of ``encode``'s parameters when it is
    an ``nn.Module`` (which is put in eval mode for the call and restored afterwards).
    """
    if not callable(encode):
        raise TypeError(f"encode must be callable (x -> (N, d) tensor), got {type(encode).__name__}.")
    if not isinstance(x, torch.Tensor) or x.ndim < 1 or x.shape[0] == 0:
        raise TypeError(f"x must be a non-empty torch.Tensor (N, ...), got {x!r:.80}.")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    module = encode if isinstance(encode, torch.nn.Module) else None
    if device is None and module is not None:
        first = next(module.parameters(), None)
        device = None if first is None else first.device
    was_training = module.training if module is not None else False
    if module is not None:
        module.eval()  # batch-norm statistics and dropout must not depend on the probe's batches
    chunks = []
    try:
        with torch.no_grad():
            for start in range(0, x.shape[0], batch_size):
                batch = x[start : start + batch_size]
                if device is not None:
                    batch = batch.to(device)
                z = encode(batch)
                if not isinstance(z, torch.Tensor):
                    raise TypeError(
                        f"encode must return a tensor (N, d), got {type(z).__name__}; for an encoder that "
                        "returns (mean, log-variance), pass lambda x: enc(x)[0]."
                    )
                if z.ndim != 2 or z.shape[0] != batch.shape[0]:
                    raise ValueError(
                        f"encode must map a batch of {batch.shape[0]} inputs to ({batch.shape[0]}, d), got "
                        f"shape {tuple(z.shape)}."
                    )
                chunks.append(z.detach().to("cpu", torch.float32))
    finally:
        if module is not None:
            module.train(was_training)
    return check_features(torch.cat(chunks), "encoded")


def _get_split(data: object, name: str) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(x, labels or None) of split ``name`` of a Dataset-like object."""
    if isinstance(data, Mapping):
        split = data.get(name)
    else:
        split = getattr(data, name, None)
    if split is None:
        raise TypeError(
            f"data has no {name!r} split: pass a simvae_core.data.Dataset, an object with .train/.val/.test "
            "splits, or a mapping {'train': (x, labels), 'val': ..., 'test': ...}."
        )
    if isinstance(split, (tuple, list)):
        if not 1 <= len(split) <= 2:
            raise TypeError(f"split {name!r} must be (x,) or (x, labels), got {len(split)} items.")
        return split[0], (split[1] if len(split) == 2 else None)
    if not hasattr(split, "x"):
        raise TypeError(f"split {name!r} must have an .x attribute (and .labels for content probes).")
    return split.x, getattr(split, "labels", getattr(split, "y", None))


def _style_task(name: str, targets: Sequence[torch.Tensor]) -> tuple[str, list[torch.Tensor]]:
    """Binary targets (every value 0 or 1, one column) -> classification; anything else -> regression."""
    flat = []
    for split, t in zip(SPLITS, targets, strict=True):
        if not isinstance(t, torch.Tensor):
            raise TypeError(
                f"style target {name!r} ({split}) must be a torch.Tensor, got {type(t).__name__}."
            )
        flat.append(t.detach().cpu())
    binary = all(
        (t.ndim == 1 or (t.ndim == 2 and t.shape[1] == 1)) and bool(((t == 0) | (t == 1)).all()) for t in flat
    )
    if binary:
        return "classification", [t.reshape(-1).long() for t in flat]
    return "regression", flat


def evaluate_representation(
    encode: Callable[[torch.Tensor], torch.Tensor],
    data: object,
    *,
    content: bool = True,
    style_targets: Mapping[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]] | None = None,
    style_data: object = None,
    probes: Sequence[str] = PROBES,
    seed: int = 0,
    device: torch.device | str | None = None,
    batch_size: int = 1024,
) -> dict[str, ProbeResult]:
    """Encode the train/val/test inputs of ``data`` and run the probes; returns a flat dict of results
    keyed ``"content/<probe>"`` and ``"style/<target>/<probe>"``.

    ``data``: a ``simvae_core.data.Dataset`` (or any object / mapping with train, val and test splits,
    each with ``.x`` and ``.labels`` or an ``(x, labels)`` pair). ``content``: class probes on the labels.
    ``style_targets``: name -> (train, val, test) tensors with one row per input of ``style_data`` (the
    held-out augmented views whose parameters they are; default: ``data`` itself). A target whose values
    are all 0 or 1 (one column) is a binary style and gets classification accuracy; anything else is
    continuous and gets R² (kNN, a classifier, is skipped for it). ``probes``: any of "linear", "mlp",
    "knn". The protocol of every style result says which kind was detected.
    """
    if isinstance(probes, str) or not isinstance(probes, Sequence) or len(probes) == 0:
        raise TypeError(f"probes must be a non-empty sequence of names from {PROBES}, got {probes!r}.")
    unknown = [p for p in probes if p not in PROBES]
    if unknown or len(set(probes)) != len(probes):
        raise ValueError(f"probes must be distinct names from {PROBES}, got {list(probes)}.")
    seed = check_int(seed, "seed", minimum=0)
    style_targets = dict(style_targets or {})
    if not content and not style_targets:
        raise ValueError("nothing to evaluate: content=False and no style_targets.")

    def encoded(source: object) -> tuple[list[torch.Tensor], list[torch.Tensor | None]]:
        xs, labels = zip(*(_get_split(source, s) for s in SPLITS), strict=True)
        return [features(encode, x, batch_size, device) for x in xs], list(labels)

    def run(probe: str, task: str, splits: list[tuple[torch.Tensor, torch.Tensor]]) -> ProbeResult:
        if probe == "linear":
            return linear_probe(*splits, task=task, seed=seed, device=device)
        if probe == "mlp":
            return mlp_probe(*splits, task=task, seed=seed, device=device)
        return knn_probe(splits[0], splits[2], device=device)

    results: dict[str, ProbeResult] = {}
    if content or style_data is None:
        feats, labels = encoded(data)
    if content:
        for split, y in zip(SPLITS, labels, strict=True):
            if y is None:
                raise ValueError(f"content probes need class labels, but the {split} split has none.")
        for probe in probes:
            result = run(probe, "classification", list(zip(feats, labels, strict=True)))
            results[f"content/{probe}"] = dataclasses.replace(
                result, protocol="content (class labels): " + result.protocol
            )
    if style_targets:
        style_feats = feats if style_data is None else encoded(style_data)[0]
        for name, triple in style_targets.items():
            if not isinstance(triple, (tuple, list)) or len(triple) != 3:
                raise TypeError(f"style target {name!r} must be a (train, val, test) triple of tensors.")
            task, targets = _style_task(name, triple)
            kind = (
                "binary (values in {0, 1}) -> classification accuracy"
                if task == "classification"
                else "continuous -> R²"
            )
            for probe in probes:
                if probe == "knn" and task == "regression":
                    continue  # the weighted kNN is a classifier
                try:
                    result = run(probe, task, list(zip(style_feats, targets, strict=True)))
                except ValueError as err:
                    raise ValueError(f"style target {name!r}: {err}") from err
                results[f"style/{name}/{probe}"] = dataclasses.replace(
                    result, protocol=f"style target {name!r}, {kind}: " + result.protocol
                )
    return results


# ---------------------------------------------------------------------------------------------------------
# Trained models: content and style in one call


def augmented_style_data(
    dataset: object,
    augment: object,
    *,
    seed: int = 0,
    max_per_split: int | None = 10_000,
) -> tuple[dict[str, tuple[torch.Tensor]], dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]]]:
    """One held-out augmented view per image of each split, and its augmentation parameters as targets.

    Returns ``(style_data, style_targets)`` for :func:`evaluate_representation`: ``style_data[split] =
    (views,)`` with views ``(N, C, H, W)`` floats, and ``style_targets[name] = (train, val, test)`` for every
    parameter that varies (crop scale/ratio/centre, flips, rotation, colour factors). The views are drawn
    with a generator seeded by ``seed`` (not the training stream), from at most ``max_per_split`` images.
    """
    config = get_augment_config(augment)
    augmenter = Augmenter(config)
    generator = torch.Generator().manual_seed(check_int(seed, "seed", minimum=0) + 7919)
    views, params = {}, {}
    for split in SPLITS:
        x, _ = _get_split(dataset, split)
        if max_per_split is not None:
            x = x[:max_per_split]
        drawn = augmenter(x, 1, generator)
        views[split] = (drawn.views[:, 0],)  # (N, C, H, W)
        params[split] = {k: v[:, 0] for k, v in drawn.params.items() if v.ndim == 2}  # (N,) each
    targets = {}
    for name in params["train"]:
        triple = tuple(params[s][name].float() for s in SPLITS)
        if all(t.std() > 0 for t in triple):  # a parameter that never varies carries no style
            targets[name] = triple
    return views, targets


def _attribute_splits(
    dataset: object, names: Sequence[str] | None, max_train: int | None
) -> dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]]:
    """Per attribute name: {split: (x, labels)} restricted to labelled (>= 0) entries."""
    first = getattr(dataset, "train", None)
    available = getattr(first, "attributes", None) or {}
    if names is None:
        names = [n for n in ("hair_colour",) if n in available]
    out = {}
    for name in names:
        if name not in available:
            raise ValueError(f"dataset has no attribute {name!r}; available: {sorted(available)}")
        splits = {}
        for split in SPLITS:
            part = getattr(dataset, split)
            labels = part.attributes[name]
            keep = torch.nonzero(labels >= 0).squeeze(1)
            if split == "train" and max_train is not None:
                keep = keep[:max_train]
            splits[split] = (part.x[keep], labels[keep].long())
        out[name] = splits
    return out


def evaluate_trained(
    trained: object,
    dataset: object,
    *,
    probes: Sequence[str] = PROBES,
    style: bool = True,
    style_probes: Sequence[str] = ("linear", "mlp"),
    augment: object | None = None,
    clustering: bool = True,
    seed: int = 0,
    max_train: int | None = None,
    max_style: int | None = 10_000,
    style_names: Sequence[str] | None = None,
    attributes: Sequence[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, ProbeResult]:
    """Content probes on clean images, GMM clustering, and style probes on held-out augmented views.

    ``trained`` is what ``simvae_core.fit`` returns (anything with ``encode`` and ``config.augment``).
    Style targets are the parameters of the augmentation the model was trained with (or ``augment``).
    Keys: ``content/<probe>``, ``content/gmm`` (accuracy; NMI and ARI in params), ``style/<param>/<probe>``.
    ``max_train`` caps the training images of the content probes (the first ones of the fixed train split;
    validation and test stay whole); ``max_style`` caps every split of the style views; ``style_names``
    keeps only those augmentation parameters. ``attributes`` names per-image attributes of the dataset
    (e.g. CelebA's ``hair_colour``, a style attribute) probed on clean images like the class, skipping
    entries marked -1; by default ``hair_colour`` when the dataset has it. Keys ``attribute/<name>/<probe>``.
    ``progress(stage)`` is called with a short description before each stage (the command line prints it).
    """
    say = progress if progress is not None else (lambda stage: None)
    splits = {name: _get_split(dataset, name) for name in SPLITS}
    if max_train is not None:
        x, y = splits["train"]
        splits["train"] = (x[:max_train], None if y is None else y[:max_train])
    say(f"encoding the three splits and probing the content ({', '.join(probes)})")
    results = evaluate_representation(trained.encode, splits, probes=probes, seed=seed)
    if clustering:
        say("clustering the test split (GMM)")
        test_x, test_y = _get_split(dataset, "test")
        feats = features(trained.encode, test_x)
        n_clusters = int(test_y.max()) + 1
        gmm = gmm_clustering(feats, test_y, n_clusters, seed=seed)
        results["content/gmm"] = ProbeResult(
            metric="accuracy",
            test=float(gmm["accuracy"]),
            val=float("nan"),
            params={"nmi": float(gmm["nmi"]), "ari": float(gmm["ari"]), "n_clusters": n_clusters},
            protocol="content (class labels): " + gmm["protocol"],
        )
    for name, triple in _attribute_splits(dataset, attributes, max_train).items():
        say(f"probing the attribute {name!r}")
        for key, result in evaluate_representation(
            trained.encode, triple, probes=style_probes, seed=seed
        ).items():
            probe = key.split("/", 1)[1]
            results[f"attribute/{name}/{probe}"] = dataclasses.replace(
                result, protocol=f"attribute {name!r}: " + result.protocol.split(": ", 1)[-1]
            )
    augment = augment if augment is not None else getattr(getattr(trained, "config", None), "augment", "none")
    if style and augment not in (None, "none"):
        say(f"drawing held-out {augment!r} views and probing their style ({', '.join(style_probes)})")
        style_data, targets = augmented_style_data(dataset, augment, seed=seed, max_per_split=max_style)
        if style_names is not None:
            targets = {name: t for name, t in targets.items() if name in style_names}
        if targets:
            style_results = evaluate_representation(
                trained.encode,
                style_data,
                content=False,
                style_targets=targets,
                probes=style_probes,
                seed=seed,
            )
            results.update(style_results)
    return results
