"""``python -m scoring`` is the same as the ``scoring`` command."""

import sys

from .cli import main

sys.exit(main())
