"""The theory: the SSL latent-variable model, its closed forms, fixed data generators, and the training
dynamics of two-layer linear networks.

- :mod:`.ssl_model`   ``p(y) p(z_j | y) p(x_j | z_j)``: sampler, marginal, posterior, MI, Bayes posterior
- :mod:`.generators`  fixed random maps ``x = g(z)``: identity, linear, injective MLP, shape renderer
- :mod:`.linear`      linear-Gaussian SSL in closed form: spectral contrastive (= CCA) vs pPCA, population
                      R²; and E12's two-layer *linear* network f = W₂W₁x trained by full-batch gradient
                      descent on the population loss or by mini-batch SGD on sampled views (its own
                      NumPy/torch loop, the one training in this layer)
- :mod:`.known_mi`    data with known mutual information and the analytic critics that attain it

Nothing here trains a neural network through :func:`simvae_core.learning.train.fit` or imports the
layers above (learning, analysis, experiments); they build on it.
"""

from . import generators, known_mi, linear, ssl_model

__all__ = ["generators", "known_mi", "linear", "ssl_model"]
