"""``python -m pymc_bnn.cli``: the same as the ``pymc-bnn`` command."""

import sys

from pymc_bnn.cli import console

sys.exit(console())
