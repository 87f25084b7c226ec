"""``python -m scoring`` is the same as the ``scoring`` command."""

from .cli import console

console()
