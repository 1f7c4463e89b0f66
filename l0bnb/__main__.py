"""``python -m l0bnb``: the command line."""

import sys

from .cli import main

sys.exit(main())
