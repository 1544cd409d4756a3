"""One plotting function per book figure, found by id (``ch1.digits``).

A chapter module registers its figures with :func:`figure`; ``nnsci figure
<id>`` looks the id up and draws it atomically into ``--out``."""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import NnsciError

FIGURES: dict = {}


def figure(name):
    """Register ``fn(out, inputs, scale)`` as the figure ``name``."""

    def register(fn):
        if name in FIGURES:
            raise RuntimeError(f"figure {name!r} registered twice")
        FIGURES[name] = fn
        return fn

    return register


def load_all():
    """Import every chapter module so that its figures register themselves."""
    for m in pkgutil.iter_modules(__path__):
        if m.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{m.name}")
    return FIGURES


def make_figure(name, out, inputs=None, scale=None):
    from ..config import load_config, load_scale

    load_all()
    if name not in FIGURES:
        raise NnsciError(f"unknown figure {name!r}; known: {', '.join(sorted(FIGURES))}")
    scale = load_scale(scale or load_config()["scale"])
    FIGURES[name](out, inputs or {}, scale)
