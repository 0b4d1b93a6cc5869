"""Build tooling: what runs the notebooks and publishes their results. Notebooks never import it.

- :mod:`.pipeline`  executes the notebooks with papermill (``python -m simvae_core.tooling.pipeline``):
  ``make figures`` and the smoke copies ``make test`` runs under nbval
- :mod:`.results`   ``figures/README.md`` and the README's answer table, generated from the verdicts
- :mod:`.forest`    each notebook's ``claims_forest.png``, drawn from its ``verdicts.json``
- :mod:`.book`      the offline HTML book (``make book``)

It sits above every other layer: it reads what notebooks wrote and imports the recipes they use
(:mod:`simvae_core.experiments.plots`); nothing in the package imports it.
"""
