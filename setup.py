"""Package layout: each package sits at the path of its import name.

``core/unimap`` is ``unimap``, ``connectors/unimap_connectors`` is ``unimap_connectors``;
``mappings/`` and ``schemas/`` ship inside the wheel as ``unimap/_shipped/{mappings,schemas}``.
Static tools resolve the packages through ``mypy_path``/``extraPaths`` (pyproject.toml).
"""

from setuptools import find_namespace_packages, setup

ROOTS = {"core": "unimap", "connectors": "unimap_connectors"}
DATA = {"unimap._shipped.mappings": "mappings", "unimap._shipped.schemas": "schemas"}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for root, top in ROOTS.items():
        for name in find_namespace_packages(where=root, include=[top, f"{top}.*"], exclude=["*__pycache__*"]):
            packages.append(name)
            package_dir[name] = f"{root}/{name.replace('.', '/')}"
    for name, folder in DATA.items():
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
