"""The modules of pipelines/ import each other without a cycle, counting imports inside functions too:
a lower module (files, undo, tombstones, partitions) never reaches back to the features built on it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_imports(root: Path, package: str) -> dict[str, set[str]]:
    """Every module of `package` under `root` → the modules of the package it imports (anywhere in it)."""
    files = {}
    for path in (root / package).rglob("*.py"):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        files[".".join(parts)] = path
    edges: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                edges[name] |= {alias.name for alias in node.names if alias.name in files}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join([*here[:len(here) - node.level + 1], *([base] if base else [])])
                for alias in node.names:  # `from a import b`: the module a.b if there is one, else a
                    target = f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    if target in files and target != name:
                        edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_pipelines_modules_import_each_other_without_a_cycle():
    assert cycles(module_imports(ROOT, "pipelines")) == []


@pytest.mark.parametrize("lazy", [False, True])
def test_a_cycle_is_found_even_through_an_import_inside_a_function(tmp_path, lazy):
    package = tmp_path / "pkg"
    (package / "ops").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "ops" / "__init__.py").write_text("")
    (package / "build.py").write_text("from pkg.ops import jobs\n")
    (package / "ops" / "jobs.py").write_text("def op():\n    from pkg.build import run\n" if lazy else "from ..build import run\n")
    (package / "ops" / "files.py").write_text("import pkg.ops.jobs\n")
    assert cycles(module_imports(tmp_path, "pkg")) == [["pkg.build", "pkg.ops.jobs"]]
