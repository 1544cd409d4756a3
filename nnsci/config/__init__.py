"""The configuration, loaded and checked, in four modules that import only downwards:

- :mod:`.yamlio`: YAML files parsed once, repeated keys refused, JSON-schema checks;
- :mod:`.settings`: config/config.yaml (scale, engine, threads, seed, ...) and the root seed;
- :mod:`.scale`: the scales (config/scales), the one place a scale's caps are applied;
- :mod:`.experiment_files`: config/experiments/chN.yaml (defaults, matrices) and each run's seed.

Everything is importable from ``nnsci.config`` as before the split."""

from .experiment_files import expand_matrix, load_experiments, run_seed_sequence
from .scale import SCALES, Scale, as_scale, load_scale
from .settings import load_config, root_seed, validate_config
from .yamlio import UniqueKeyLoader, load_schema, read_yaml, schema_errors, validate_entries

__all__ = ["SCALES", "Scale", "UniqueKeyLoader", "as_scale", "expand_matrix", "load_config", "load_experiments",
           "load_schema", "load_scale", "read_yaml", "root_seed", "run_seed_sequence", "schema_errors",
           "validate_config", "validate_entries"]
