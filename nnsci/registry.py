"""The one registry kind for figures and tables: ids (``ch3.more_data``) to the functions that build them.

A chapter module registers its builders with ``REGISTRY.register(id)`` at import; ``lookup`` imports
every chapter module of the registry's package first, so an id is found whatever module holds it."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from .errors import NnsciError


class Registry(dict):
    """``{id: builder}`` of one kind (``figure``, ``table``), filled by the modules of ``package``."""

    def __init__(self, kind: str, package: str):
        super().__init__()
        self.kind, self.package = kind, package
        self.docs = {}

    def register(self, name, doc=None):
        """Decorator: register ``fn`` as the ``kind`` ``name`` (an id registered twice is a bug).

        ``doc`` says what it shows (the report's caption), for a builder without a docstring of its
        own (a lambda registered in a loop); otherwise the builder's docstring says it."""

        def register(fn):
            if name in self:
                raise RuntimeError(f"{self.kind} {name!r} registered twice")
            self[name] = fn
            if doc:
                self.docs[name] = doc
            return fn

        return register

    def describe(self, name) -> str:
        """What ``name`` shows: its ``doc`` or its builder's docstring ("" when it has neither)."""
        fn = self.lookup(name)
        return inspect.cleandoc(self.docs.get(name) or fn.__doc__ or "")

    def load_all(self):
        """Import every chapter module (``ch*``) of the package so that its builders register."""
        pkg = importlib.import_module(self.package)
        for m in pkgutil.iter_modules(pkg.__path__):
            if m.name.startswith("ch"):
                importlib.import_module(f"{self.package}.{m.name}")
        return self

    def lookup(self, name):
        self.load_all()
        if name not in self:
            raise NnsciError(f"unknown {self.kind} {name!r}; known: {', '.join(sorted(self))}")
        return self[name]
