"""The project explains itself: what its documents name exists, and nothing points outside it.

What counts as a repository path: a token that starts with a top-level directory of the repository
(``nnsci/``, ``config/``, ``workflow/``, ``tests/``, ``bench/``, ``docs/``, ``tools/``, ``.ci/``) and
continues with path characters, found in

- docs/*.md and README.md: inline code, link targets and plain text;
- the docstrings of every module, class and function of nnsci/;
- the text (comments and strings) of every file under config/ and workflow/.

Skipped: patterns rather than paths (a token with ``*``, ``?``, ``{``, ``<`` or a ``chN``
placeholder) and build outputs (results/, resources/, logs/, benchmarks/ and bench/out/ do not match the
prefixes above, or are skipped by name). A token ``tests/test_x.py::test_name`` must also name a test
function of that file, and a citation ``docs/x.md, "Heading"`` a heading of that document.

No file of the project names ``../shared``, a machine's path (``/work/``, ``/root/``, ``/home/``) or a
note that is not in the repository, except the CI wiring that finds the MNIST mirrors
(tests/conftest.py, .ci/run)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP = ("nnsci", "config", "workflow", "tests", "bench", "docs", "tools", ".ci")
PATH = re.compile(r"(?<![\w./-])((?:%s)/[\w.\-/<>{}*?]*[\w\-/>}*])" % "|".join(re.escape(t) for t in TOP))
PATTERN_MARKS = ("*", "?", "{", "<")
OUTPUTS = ("bench/out/",)
TEST_ID = re.compile(r"(tests/test_\w+\.py)::(test_\w+)")
CITATION = re.compile(r"(docs/\w+\.md), \"([^\"]+)\"")   # the heading may run over a line break

OUTSIDE = re.compile(r"\.\./shared|/work/|/root/|/home/|book_catalog|replica_notes|nielsen_code_notes|DESIGN\.md")
# The CI wiring that finds the MNIST mirrors beside the checkout, and this file, which names the patterns.
WIRING = {"tests/conftest.py", ".ci/run", "tests/test_docs.py"}
# Files other branches are rewriting, which still cite outside notes (PENDING) or name a path that is
# not there (PENDING_PATHS) here; each entry must still need its exemption (the last tests), so the lists
# empty themselves as those branches are merged.
PENDING: set[str] = set()
PENDING_PATHS: set[tuple[str, str]] = set()
SKIP_DIRS = {".git", "results", "resources", "logs", "benchmarks", ".snakemake", "__pycache__", ".whl", ".mnist",
             ".pytest_cache"}


def project_files() -> list[str]:
    """The repository's files: git's tracked and not-ignored ones, or a walk without build outputs."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                             capture_output=True, text=True, check=True).stdout
        return sorted(f for f in out.splitlines() if (REPO / f).is_file())
    except (OSError, subprocess.CalledProcessError):
        return sorted(str(p.relative_to(REPO)) for p in REPO.rglob("*")
                      if p.is_file() and not (set(p.relative_to(REPO).parts) & SKIP_DIRS)
                      and not p.relative_to(REPO).parts[0].startswith(".venv"))


def docstrings(path: Path) -> str:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [tree] + [n for n in ast.walk(tree)
                      if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    return "\n".join(d for n in nodes if (d := ast.get_docstring(n, clean=False)))


def documents() -> dict[str, str]:
    """``{file: text to search}`` over the documents, docstrings and configuration the test covers."""
    files = project_files()
    texts = {}
    for f in files:
        top = f.split("/", 1)[0]
        if f == "README.md" or (f.startswith("docs/") and f.endswith(".md")):
            texts[f] = (REPO / f).read_text(encoding="utf-8")
        elif top == "nnsci" and f.endswith(".py"):
            texts[f] = docstrings(REPO / f)
        elif top in ("config", "workflow") and f.endswith((".yaml", ".yml", ".md", ".smk", ".rst")):
            texts[f] = (REPO / f).read_text(encoding="utf-8")
    return texts


def named_paths(text: str) -> set[str]:
    out = set()
    for token in PATH.findall(text):
        token = token.split("::", 1)[0]
        if any(m in token for m in PATTERN_MARKS) or re.search(r"(^|/|\.)chN\b", token):
            continue
        if token.startswith(OUTPUTS):
            continue
        out.add(token.rstrip("/") or token)
    return out


def test_the_documents_exist():
    for name in ("architecture", "fidelity", "determinism", "reproducing", "measurements"):
        assert (REPO / "docs" / f"{name}.md").is_file(), f"docs/{name}.md is missing"


def test_the_readme_is_short():
    n = len((REPO / "README.md").read_text(encoding="utf-8").splitlines())
    assert n <= 200, f"README.md has {n} lines (at most 200)"


def test_every_named_repository_path_exists():
    missing = sorted(f"{f}: {p}" for f, p in _missing_paths() if (f, p) not in PENDING_PATHS)
    assert not missing, "paths named but not in the repository:\n" + "\n".join(missing)


def _missing_paths() -> set[tuple[str, str]]:
    return {(f, p) for f, text in documents().items() for p in named_paths(text) if not (REPO / p).exists()}


@pytest.mark.parametrize("entry", sorted(PENDING_PATHS))
def test_pending_path_exemptions_are_still_needed(entry):
    assert entry in _missing_paths(), f"{entry} is no longer a missing path: remove it from PENDING_PATHS"


def test_every_named_test_exists():
    missing = []
    for f, text in documents().items():
        for test_file, name in TEST_ID.findall(text):
            path = REPO / test_file
            if not path.is_file() or not re.search(rf"^def {name}\(", path.read_text(encoding="utf-8"), re.M):
                missing.append(f"{f}: {test_file}::{name}")
    assert not missing, "tests named but not defined:\n" + "\n".join(sorted(missing))


def _headings(doc: str) -> list[str]:
    return [m.group(1).strip() for m in re.finditer(r"^#+ (.+)$", (REPO / doc).read_text(encoding="utf-8"), re.M)]


def test_every_cited_section_exists():
    files = project_files()
    bad = []
    for f in files:
        if f == "tests/test_docs.py" or not f.endswith((".py", ".md", ".yaml", ".yml", ".smk", ".rst", ".sh")):
            continue
        for doc, section in CITATION.findall((REPO / f).read_text(encoding="utf-8", errors="replace")):
            section = re.sub(r"\s*\n\s*(#\s*)?", " ", section)   # a heading cut by a line break (and a comment mark)
            if not (REPO / doc).is_file() or not any(h.startswith(section) for h in _headings(doc)):
                bad.append(f"{f}: {doc}, \"{section}\"")
    assert not bad, "citations of a section that does not exist:\n" + "\n".join(sorted(bad))


def _outside(f: str) -> list[str]:
    try:
        text = (REPO / f).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return []
    return [f"{f}:{i}: {line.strip()}" for i, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]


def test_nothing_points_outside_the_repository():
    found = [hit for f in project_files() if f not in WIRING | PENDING for hit in _outside(f)]
    assert not found, ("names of paths or notes outside the repository (cite docs/fidelity.md instead):\n"
                       + "\n".join(found))


@pytest.mark.parametrize("f", sorted(PENDING))
def test_pending_exemptions_are_still_needed(f):
    assert (REPO / f).is_file() and _outside(f), f"{f} no longer names anything outside: remove it from PENDING"
