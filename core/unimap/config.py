"""User configuration: extra plugins and spec folders, from ``unimap.toml`` or the environment."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from unimap.errors import ConfigError

CONFIG_FILE = "unimap.toml"


@dataclass
class Config:
    """What to load besides the built-ins: plugin modules and folders of connector specs."""

    plugins: list[str] = field(default_factory=list)
    spec_dirs: list[Path] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | str | None = None) -> Config:
        """Read ``path``, else ``$UNIMAP_CONFIG``, else ``./unimap.toml`` if it exists; add env vars.

        ``UNIMAP_PLUGINS`` (comma-separated modules) is read by the plugin manager;
        ``UNIMAP_SPEC_PATH`` (``os.pathsep``-separated folders) adds spec folders.
        """
        config = cls()
        chosen = Path(path) if path else Path(os.environ["UNIMAP_CONFIG"]) if os.environ.get("UNIMAP_CONFIG") else None
        if chosen is None and Path(CONFIG_FILE).is_file():
            chosen = Path(CONFIG_FILE)
        if chosen is not None:
            config._read(chosen)
        for folder in os.environ.get("UNIMAP_SPEC_PATH", "").split(os.pathsep):
            if folder.strip():
                config.spec_dirs.append(Path(folder.strip()))
        return config

    def _read(self, path: Path) -> None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None
        section = data.get("unimap", data)
        unknown = set(section) - {"plugins", "spec_dirs"}
        if unknown:
            raise ConfigError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))} (known: plugins, spec_dirs)")
        plugins = section.get("plugins", [])
        dirs = section.get("spec_dirs", [])
        if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
            raise ConfigError(f"{path}: `plugins` must be a list of module names")
        if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
            raise ConfigError(f"{path}: `spec_dirs` must be a list of folders")
        self.plugins.extend(plugins)
        self.spec_dirs.extend((path.parent / d).resolve() for d in dirs)
