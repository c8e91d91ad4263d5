"""Imports point down the layers of DESIGN.md (an AST check, no import-time side effects)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "tokentrail"

# layer -> the tokentrail layers it may import (besides itself)
# _lazy: PEP 562 lazy package attributes; _signals: signals as an exception; _stdio: output
# that cannot be written. Stdlib only.
_LEAVES = {"errors", "_money", "_lazy", "_signals", "_stdio"}
_CORE = {"types", "pricing", "ingest", "analysis", "ledger"} | _LEAVES
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_money": set(),
    "_lazy": set(),
    "_signals": set(),
    "_stdio": set(),
    "types": _LEAVES,
    "pricing": {"types"} | _LEAVES,
    "ingest": {"types"} | _LEAVES,
    "analysis": {"types", "pricing"} | _LEAVES,
    "ledger": _CORE - {"ledger"},
    "billing": _CORE,
    "reports": {"billing"} | _CORE,
    "web": {"reports", "billing"} | _CORE,
    "cli": {"web", "reports", "billing", "sample", "__init__"} | _CORE,
    "track": _CORE,
    "sample": set(),  # the log-tree generator (demo, tests, benchmarks): stdlib only
}
FACADE = {"__init__", "__main__", "_entry"}  # entry points sit above every layer


def _layer_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pytest.fail(f"{path}: use absolute imports (tokentrail.x), not relative ones")
            names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] == "tokentrail":
                found.add(parts[1] if len(parts) > 1 else "__init__")
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if _layer_of(p) not in FACADE)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    layer = _layer_of(path)
    assert layer in ALLOWED, f"{layer} is not a known layer: add it to DESIGN.md and this test"
    bad = _imported_layers(path) - ALLOWED[layer] - {layer}
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports {sorted(bad)} against the layers"


def test_leaves_use_stdlib_only() -> None:
    for leaf in ("errors.py", "_money.py"):
        tree = ast.parse((SRC / leaf).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                top = node.module.split(".")[0]
                assert top in {"__future__", "collections", "decimal", "typing"}, (leaf, top)
            if isinstance(node, ast.Import):
                for a in node.names:
                    assert a.name.split(".")[0] in {"decimal", "typing"}, (leaf, a.name)


def test_the_generator_uses_the_stdlib_only() -> None:
    """``tokentrail.sample`` runs as a plain program (benchmarks): nothing but the stdlib."""
    import sys

    for path in (SRC / "sample").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                top = name.split(".")[0]
                ok = top in sys.stdlib_module_names or name.startswith("tokentrail.sample")
                assert ok, (path.name, name)


def test_types_never_import_anthropic() -> None:
    for path in (SRC / "types").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                assert all(not a.name.startswith("anthropic") for a in node.names), path
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("anthropic"), path
