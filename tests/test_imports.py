"""One dependency direction: no import circle inside nnsci/.

Every ``import`` and ``from ... import`` of every module of the package, at module level and inside
functions, is read from the source (no module is imported), resolved to a module of nnsci/, and the
graph is searched for a cycle. A package's ``__init__`` is an edge only where a module names it
(``from . import split_run_id``), not because Python runs it before a submodule."""

from __future__ import annotations

import ast
from pathlib import Path

import nnsci

PACKAGE = Path(nnsci.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def resolve(name: str) -> str | None:
    """The module of nnsci/ that ``name`` (a dotted name, maybe ``module.attribute``) imports."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


def imports_of(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(filter(None, (resolve(a.name) for a in node.names)))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:   # `from pkg import module` imports that module, else pkg itself
                target = resolve(f"{base}.{a.name}") if f"{base}.{a.name}" in MODULES else resolve(base)
                if target:
                    out.add(target)
    out.discard(module)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_cycle_finder_finds_a_circle_and_only_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_imports_resolve_to_the_modules_they_name():
    graph = {m: imports_of(m) for m in MODULES}
    assert "nnsci.experiments.spec" in graph["nnsci.experiments.train"]      # from .spec import ...
    assert "nnsci.experiments" in graph["nnsci.experiments.train"]           # from . import split_run_id
    assert "nnsci.paths" in graph["nnsci.config.yamlio"]                     # from .. import paths
    assert "nnsci.engine.trainer" in graph["nnsci.experiments.spec"]         # inside a function


def test_there_is_no_import_circle_inside_nnsci():
    graph = {m: imports_of(m) for m in MODULES}
    cycle = find_cycle(graph)
    assert cycle is None, "import circle: " + " -> ".join(cycle)
