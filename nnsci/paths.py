"""Where the repository's own files live.

nnsci is installed editable (``pip install -e .``) from the repository, so the
config and the experiment specs are found next to the package. The working
directory (where ``results/`` and ``resources/`` go) is the caller's."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / "config"
EXPERIMENTS_DIR = CONFIG_DIR / "experiments"
SCALES_DIR = CONFIG_DIR / "scales"
REFERENCE_DIR = CONFIG_DIR / "reference"
SCHEMAS_DIR = REPO / "workflow" / "schemas"
