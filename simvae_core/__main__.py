"""``python -m simvae_core train|evaluate ...``: the same command line as the ``simvae`` script."""

import sys

from .cli import main

sys.exit(main())
