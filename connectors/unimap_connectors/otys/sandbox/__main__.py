"""``python -m unimap_connectors.otys.sandbox``: the same command as ``unimap sandbox otys``."""

from .cli import command

if __name__ == "__main__":
    command(prog_name="python -m unimap_connectors.otys.sandbox")
