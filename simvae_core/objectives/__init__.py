"""The objectives, as pure functions on tensors: what each method maximises (or minimises).

- :mod:`.elbo`            ELBO_SSL (SimVAE) and its special cases: VAE, β-VAE; CR-VAE
- :mod:`.discriminative`  SimCLR, CLIP, MoCo, instance discrimination, VICReg, Barlow Twins, BYOL, SimSiam,
                          DINO, SwAV on view embeddings ``(B, J, d)``
- :mod:`.mi_bounds`       variational MI bounds on one scores matrix (InfoNCE, NWJ, DV, JS, SMILE, I_α, BA)
- :mod:`.output`          ``LossOutput``: the scalar to minimise and its named terms
"""

from . import discriminative, elbo, mi_bounds, output
from .output import LossOutput

__all__ = ["LossOutput", "discriminative", "elbo", "mi_bounds", "output"]
