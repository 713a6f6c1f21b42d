"""``python -m unimap``."""

from unimap.cli import main

main()
