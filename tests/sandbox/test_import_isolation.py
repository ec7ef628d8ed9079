"""The sandbox must stand alone: no imports of the MCP server, the PostHog client or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import posthog_external_data_mcp.sandbox as sandbox_package

FORBIDDEN = (
    "posthog_external_data_mcp.posthog_client",
    "posthog_external_data_mcp.server",
    "posthog_external_data_mcp.cli",
)
SANDBOX_DIR = Path(sandbox_package.__file__).parent


def imported_modules(path: Path) -> list[str]:
    """Absolute names of everything a module imports (relative imports resolved against the sandbox package)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["posthog_external_data_mcp", "sandbox"]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            names.append(module)
            names.extend(f"{module}.{alias.name}" for alias in node.names)
    return names


def test_sandbox_modules_import_nothing_from_server_client_or_cli() -> None:
    modules = sorted(SANDBOX_DIR.rglob("*.py"))
    assert len(modules) > 10
    offenders = [
        f"{path.name}: {name}"
        for path in modules
        for name in imported_modules(path)
        if any(name == forbidden or name.startswith(forbidden + ".") for forbidden in FORBIDDEN)
    ]
    assert offenders == []


def test_the_scanner_sees_relative_and_absolute_imports(tmp_path: Path) -> None:
    # Guards the guard: a module that does import the server must be caught.
    module = tmp_path / "bad.py"
    module.write_text("from ..server import app\nimport posthog_external_data_mcp.posthog_client.http\n")
    names = imported_modules(module)
    assert "posthog_external_data_mcp.server" in names
    assert "posthog_external_data_mcp.posthog_client.http" in names
