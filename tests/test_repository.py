"""The repository stands alone: nothing in it points at the workspace's shared folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = "../" + "shared"  # spelled in two parts so this file does not match itself


def test_no_code_test_or_doc_points_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    files = [ROOT / f for f in tracked] or [p for p in ROOT.rglob("*") if ".venv" not in p.parts]
    offenders = [
        str(p.relative_to(ROOT))
        for p in files
        if p.is_file()
        and p.suffix in (".py", ".md", ".toml", ".yml", ".yaml", ".j2", ".json", ".csv", ".txt")
        and SHARED in p.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_modules_and_functions_stay_small() -> None:
    import ast

    big = []
    for path in sorted((ROOT / "balancer").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > 400:
            big.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > 80:
                    big.append(f"{path.relative_to(ROOT)}: {node.name} has {length} lines")
    assert big == []


def test_no_import_cycle_in_balancer() -> None:
    """No module of balancer/ imports, even for type checking only, one that imports it back."""
    import ast

    import networkx as nx

    modules = {}
    for path in (ROOT / "balancer").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts).removesuffix(".__init__")] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    assert list(nx.simple_cycles(graph)) == []
