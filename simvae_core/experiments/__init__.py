"""The experiments behind the notebooks, one module per claim family, tested like the rest of the package.

Each family module holds three things, and a notebook imports nothing else to run its experiments:

- ``SIZES``: its typed sizes per profile (:class:`~.sizes.SizeTable`), the only place sizes live;
- runner functions with explicit arguments that return tidy tables (pandas), one row per seed and
  condition; they read no notebook globals and are unit-tested at tiny sizes on cases with known answers;
- ``SPEC``: its claims declared as data before the run (:mod:`simvae_core.specs`, kept there so that the
  build tooling reads specs without torch).

Families:

- :mod:`.c1_model`               C1, the SSL latent-variable model (notebook 01)
- :mod:`.c2_c3_correspondence`   C2/C3, discriminative SSL and the model; style collapse (notebook 02)
- :mod:`.c4_mutual_information`  C4, mutual information between views (notebook 03)
- :mod:`.c5_projection_head`     C5, the projection head (notebook 04)
- :mod:`.c6_vae_family`          C6, SimVAE against the VAE family on images (notebook 05)
- :mod:`.c6_controlled`          C6 on synthetic groups with known content and style (notebook 05)

Shared pieces: :mod:`.common` (training on view groups, encoding, timing training against evaluation)
and :mod:`.plots` (figure recipes: intervals over seeds, margins, forest plots); the typed size tables are
notebook support (:mod:`simvae_core.notebook.sizes`). Importing this package imports nothing heavy; each
family module imports torch.
"""

# notebook -> its claim family's module (what the pipeline reads a notebook's size fields from)
FAMILIES = {
    "01_ssl_generative_model": "c1_model",
    "02_discriminative_ssl_correspondence": "c2_c3_correspondence",
    "03_mutual_information": "c4_mutual_information",
    "04_projection_head": "c5_projection_head",
    "05_simvae_vs_vae_family": "c6_vae_family",
}
