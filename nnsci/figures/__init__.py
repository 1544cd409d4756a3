"""One plotting function per book figure, found by id (``ch1.digits``).

A chapter module registers its figures with :func:`figure`; ``nnsci figure
<id>`` looks the id up and draws it atomically into ``--out``."""

from __future__ import annotations

from ..registry import Registry

FIGURES = Registry("figure", __name__)
figure = FIGURES.register     # ``@figure("ch1.digits")`` registers ``fn(out, inputs, scale)``
load_all = FIGURES.load_all


def make_figure(name, out, inputs=None, scale=None):
    from ..config import load_config, load_scale

    draw = FIGURES.lookup(name)
    draw(out, inputs or {}, load_scale(scale or load_config()["scale"]))
