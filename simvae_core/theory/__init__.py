"""The theory: the SSL latent-variable model, its closed forms, and fixed data generators.

- :mod:`.ssl_model`   ``p(y) p(z_j | y) p(x_j | z_j)``: sampler, marginal, posterior, MI, Bayes posterior
- :mod:`.generators`  fixed random maps ``x = g(z)``: identity, linear, injective MLP, shape renderer
- :mod:`.linear`      linear-Gaussian SSL in closed form: spectral contrastive (= CCA) vs pPCA, two-layer
                      linear dynamics
- :mod:`.known_mi`    data with known mutual information and the analytic critics that attain it

Nothing here trains a network; everything above builds on it.
"""

from . import generators, known_mi, linear, ssl_model

__all__ = ["generators", "known_mi", "linear", "ssl_model"]
