"""The import rules of the three parts, as tests: arrows only run downwards, and nothing runs in a circle.

entry points (cli, doctor, local_client, __main__)  →  wiring  →  MCP layer (server/)  →  client (posthog_client/)
sandbox/ stands alone (tests/sandbox/test_import_isolation.py); sockets.py is a leaf anyone may use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import posthog_external_data_mcp

PACKAGE = "posthog_external_data_mcp"
ROOT = Path(posthog_external_data_mcp.__file__).parent
ENTRY_POINTS = {f"{PACKAGE}.{name}" for name in ("cli", "doctor", "local_client", "__main__")}
WIRING = f"{PACKAGE}.wiring"


def module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def imports_of(module: str) -> set[str]:
    """Every module this one imports, at the top or inside functions; `from pkg import sub` counts as `pkg.sub`."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                found.add(submodule if submodule in MODULES else source)
    return found


def first_party(names: set[str]) -> set[str]:
    return {name for name in names if name in MODULES and name != PACKAGE}


def in_part(module: str, part: str) -> bool:
    return module == f"{PACKAGE}.{part}" or module.startswith(f"{PACKAGE}.{part}.")


def test_the_client_imports_nothing_of_mcp_the_server_the_sandbox_or_the_entry_points() -> None:
    offenders = {
        (module, name)
        for module in MODULES
        if in_part(module, "posthog_client")
        for name in imports_of(module)
        if name == "mcp"
        or name.startswith(("mcp.", "mcp_types"))
        or (name in MODULES and not in_part(name, "posthog_client") and name != PACKAGE)
    }
    assert not offenders


def test_the_mcp_layer_imports_neither_the_entry_points_nor_the_wiring_nor_the_sandbox() -> None:
    offenders = {
        (module, name)
        for module in MODULES
        if in_part(module, "server")
        for name in first_party(imports_of(module))
        if name in ENTRY_POINTS or name == WIRING or in_part(name, "sandbox")
    }
    assert not offenders


def test_only_the_entry_points_import_the_wiring() -> None:
    importers = {module for module in MODULES if WIRING in imports_of(module)}
    assert importers <= ENTRY_POINTS


def test_the_wiring_imports_no_entry_point() -> None:
    assert not first_party(imports_of(WIRING)) & ENTRY_POINTS


def test_no_import_cycle_anywhere_in_src() -> None:
    graph = {module: first_party(imports_of(module)) for module in MODULES}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        assert module not in visiting, " → ".join([*visiting[visiting.index(module) :], module])
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)
