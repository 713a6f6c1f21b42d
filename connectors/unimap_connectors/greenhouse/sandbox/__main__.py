"""``python -m unimap_connectors.greenhouse.sandbox``: the same command as ``unimap sandbox greenhouse``."""

from .cli import command

if __name__ == "__main__":
    command(prog_name="python -m unimap_connectors.greenhouse.sandbox")
