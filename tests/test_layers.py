"""The layout keeps its promises: the domain needs only the standard library, and the import graph
between the packages has no cycle (import-linter's contracts in pyproject.toml keep the directions;
`lint-imports` runs in .ci/run)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "settlement"

# Imported in an interpreter where these cannot be imported at all.
_BLOCK_THIRD_PARTY = """
import importlib.abc, sys
BLOCKED = {"sqlalchemy", "sqlmodel", "requests", "requests_oauthlib", "lxml", "fpdf", "pandas", "pydantic",
           "pydantic_settings", "openpyxl", "psycopg", "apscheduler"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not installed here")
sys.meta_path.insert(0, Block())
import pkgutil, settlement.domain
for module in pkgutil.iter_modules(settlement.domain.__path__, "settlement.domain."):
    __import__(module.name)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED)
print("loaded:", loaded)
"""


def test_the_domain_imports_with_the_standard_library_alone():
    result = subprocess.run([sys.executable, "-c", _BLOCK_THIRD_PARTY], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded: []"


def _unit(module: str) -> str:
    """The package a module belongs to: settlement.<package>, or settlement.targets.<ledger>."""
    parts = module.split(".")
    return ".".join(parts[:3] if len(parts) >= 3 and parts[1] == "targets" else parts[:2])


def _package_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith("settlement.") and _unit(name) != _unit(module):
                    edges[_unit(module)].add(_unit(name))
    return edges


def test_the_packages_import_each_other_without_a_cycle():
    edges = _package_graph()
    assert edges["settlement.domain"] == set(), "the domain imports nothing else of settlement"

    def reachable(start: str) -> set[str]:
        seen, stack = set(), [start]
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    cycles = sorted({tuple(sorted((a, b))) for a in list(edges) for b in edges[a] if a in reachable(b)})
    assert cycles == []
