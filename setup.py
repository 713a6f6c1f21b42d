"""Package layout: the repository folders map onto import names (see pyproject.toml)."""

from setuptools import find_namespace_packages, setup

LAYOUT = {
    "unimap": "core",
    "unimap_connectors": "connectors",
    "unimap._shipped.mappings": "mappings",
    "unimap._shipped.schemas": "schemas",
}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for name, folder in LAYOUT.items():
        packages.append(name)
        package_dir[name] = folder
        for sub in find_namespace_packages(where=folder, exclude=["*__pycache__*"]):
            packages.append(f"{name}.{sub}")
            package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={
        "unimap": ["py.typed"],
        **{p: ["*.yaml", "*.yml", "*.json", "*.md"] for p in PACKAGES if p.startswith("unimap._shipped")},
        **{p: ["*.json", "*.yaml"] for p in PACKAGES if p.startswith("unimap_connectors")},
    },
)
