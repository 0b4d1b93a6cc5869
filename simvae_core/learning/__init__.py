"""Learning: networks, trainable models, augmentations, the training loop and its checkpoints.

- :mod:`.nets`        encoders and decoders (the authors' MLP and ResNet-like nets, conv, vector, linear)
- :mod:`.models`      the trainable models: VAE family; encoder + projection head for the discriminative one
- :mod:`.augment`     batched per-sample augmentations that return their parameters (style labels)
- :mod:`.methods`     the registry: method name -> objective, model, views
- :mod:`.train`       ``fit``: one loop for every method
- :mod:`.checkpoint`  safe, self-describing checkpoints and the rules of an exact resume
- :mod:`.cache`       finished models on disk, keyed by configuration, data and training code
- :mod:`.critics`     learned critics for the MI bounds and their training loop
"""

from . import augment, cache, checkpoint, critics, methods, models, nets, train
from .train import TrainConfig, TrainedModel, fit, model_from_checkpoint

__all__ = [
    "TrainConfig",
    "TrainedModel",
    "augment",
    "cache",
    "checkpoint",
    "critics",
    "fit",
    "methods",
    "model_from_checkpoint",
    "models",
    "nets",
    "train",
]
