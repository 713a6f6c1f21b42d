"""User configuration: extra plugins, spec folders and the store, from ``unimap.toml`` or the environment.

The file is ``$UNIMAP_CONFIG`` when set, else the first ``unimap.toml`` found walking up from the
working folder (stopping at a repository root, a folder holding ``.git``), like ``pyproject.toml``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from unimap.errors import ConfigError

CONFIG_FILE = "unimap.toml"
KNOWN_KEYS = ("plugins", "spec_dirs", "store")


def find_config(start: Path | str | None = None) -> Path | None:
    """``$UNIMAP_CONFIG``, else the nearest ``unimap.toml`` in ``start`` (default: cwd) or a parent."""
    named = os.environ.get("UNIMAP_CONFIG")
    if named:
        return Path(named)
    folder = Path(start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / CONFIG_FILE).is_file():
            return candidate / CONFIG_FILE
        if (candidate / ".git").exists():  # the repository root: look no further
            return None
    return None


@dataclass
class Config:
    """What to load besides the built-ins: plugin modules, folders of connector specs, the store."""

    plugins: list[str] = field(default_factory=list)
    spec_dirs: list[Path] = field(default_factory=list)
    store: str | None = None
    path: Path | None = None
    env_spec_dirs: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Config:
        """Read ``path``, else the file :func:`find_config` finds; add the environment's folders.

        ``UNIMAP_PLUGINS`` (comma-separated modules) is read by the plugin manager;
        ``UNIMAP_SPEC_PATH`` (``os.pathsep``-separated folders) adds spec folders.
        """
        config = cls()
        chosen = Path(path) if path else find_config()
        if chosen is not None:
            if not chosen.is_file():
                raise ConfigError(f"{chosen}: configuration file not found (named by UNIMAP_CONFIG)")
            config._read(chosen)
        for folder in os.environ.get("UNIMAP_SPEC_PATH", "").split(os.pathsep):
            if folder.strip():
                config.env_spec_dirs.append(Path(folder.strip()).resolve())
        config.spec_dirs.extend(config.env_spec_dirs)
        return config

    def _read(self, path: Path) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        self.path = path.resolve()
        section = data.get("unimap", data)
        unknown = set(section) - set(KNOWN_KEYS)
        if unknown:
            raise ConfigError(
                f"{path}: unknown setting(s) {', '.join(sorted(unknown))} (known: {', '.join(KNOWN_KEYS)})"
            )
        plugins = section.get("plugins", [])
        dirs = section.get("spec_dirs", [])
        store = section.get("store")
        if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
            raise ConfigError(f"{path}: `plugins` must be a list of module names")
        if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
            raise ConfigError(f"{path}: `spec_dirs` must be a list of folders")
        if store is not None and not isinstance(store, str):
            raise ConfigError(f"{path}: `store` must be a store URL such as sqlite:///unimap.db")
        self.plugins.extend(plugins)
        self.spec_dirs.extend((path.parent / d).resolve() for d in dirs)
        if store is not None:
            self.store = _relative_store(store, path.parent)


def _relative_store(url: str, base: Path) -> str:
    """A ``sqlite:///relative.db`` in the file is relative to the file's folder."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and url[len(prefix) :] not in ("", ":memory:") and not url[len(prefix) :].startswith("/"):
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url
