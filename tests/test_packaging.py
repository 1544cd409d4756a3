"""pyproject.toml and environment.yml name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]

# conda-forge and PyPI names that differ for the same package.
CONDA_TO_PYPI = {"sklearn": "scikit-learn", "py-opencv": "opencv-python"}
NOT_DEPENDENCIES = {"python", "pip"}


def name_of(requirement: str) -> str:
    """The normalised package name of a requirement such as ``numba-cuda>=0.20``."""
    name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._\-]*)", requirement).group(1)
    name = re.sub(r"[-_.]+", "-", name).lower()
    return CONDA_TO_PYPI.get(name, name)


def pyproject_names() -> set[str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {name_of(r) for r in requirements}


def environment_names() -> set[str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {name_of(r) for r in dep.get("pip", []) if not r.startswith("-")}
        else:
            names.add(name_of(dep))
    return names - NOT_DEPENDENCIES


def test_name_normalisation():
    assert name_of("scikit-learn>=1.4") == name_of("sklearn") == "scikit-learn"
    assert name_of("PyYAML >= 6") == "pyyaml"
    assert name_of("numba_cuda>=0.20") == "numba-cuda"


def test_pyproject_and_environment_list_the_same_dependencies():
    pyproject, environment = pyproject_names(), environment_names()
    assert pyproject == environment, (
        f"only in pyproject.toml: {sorted(pyproject - environment)}; "
        f"only in environment.yml: {sorted(environment - pyproject)}")
