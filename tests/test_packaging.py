"""The registry entry, the package metadata and the built distributions users install from."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import metadata
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from posthog_external_data_mcp import __version__

ROOT = Path(__file__).parents[1]
SERVER_JSON = json.loads((ROOT / "server.json").read_text(encoding="utf-8"))
# A copy of https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json (CI has no internet).
REGISTRY_SCHEMA = ROOT / "tests" / "fixtures" / "server.schema.json"


def test_server_json_validates_against_the_registry_schema() -> None:
    schema = json.loads(REGISTRY_SCHEMA.read_text(encoding="utf-8"))
    errors = sorted(Draft7Validator(schema).iter_errors(SERVER_JSON), key=lambda error: list(error.path))
    assert not errors, [f"{list(error.path)}: {error.message}" for error in errors]


def test_server_json_version_is_the_package_version() -> None:
    assert SERVER_JSON["version"] == __version__
    assert [package["version"] for package in SERVER_JSON["packages"]] == [__version__]
    assert metadata("posthog-external-data-mcp")["Version"] == __version__


def test_server_json_describes_every_variable_and_marks_the_key_secret() -> None:
    (package,) = SERVER_JSON["packages"]
    assert package["registryType"] == "pypi" and package["runtimeHint"] == "uvx"
    assert package["transport"] == {"type": "stdio"}
    variables = {variable["name"]: variable for variable in package["environmentVariables"]}
    assert {"POSTHOG_PERSONAL_API_KEY", "POSTHOG_HOST", "POSTHOG_PROJECT_ID", "POSTHOG_ROUTE"} <= set(variables)
    assert all(variable.get("description") for variable in variables.values())
    assert variables["POSTHOG_PERSONAL_API_KEY"]["isSecret"] is True
    assert variables["POSTHOG_HOST"]["default"] == "https://us.posthog.com"
    assert variables["POSTHOG_PROJECT_ID"]["default"] == "@current"
    (remote,) = SERVER_JSON["remotes"]
    authorization = next(header for header in remote["headers"] if header["name"] == "Authorization")
    assert remote["type"] == "streamable-http" and authorization["isSecret"] is True


def test_the_readme_carries_the_registry_ownership_marker() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"mcp-name: {SERVER_JSON['name']}" in readme


def test_package_metadata_is_complete() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for field in ("description", "readme", "license", "classifiers", "urls", "requires-python", "keywords"):
        assert project.get(field), field
    assert (ROOT / "src" / "posthog_external_data_mcp" / "py.typed").exists()
    assert project["scripts"]["posthog-external-data-mcp"] == "posthog_external_data_mcp.cli:main"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel and sdist `python -m build` makes from this checkout, as a release would publish them."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return out


def test_the_wheel_and_sdist_build_and_pass_twine_check(built: Path) -> None:
    wheel = built / f"posthog_external_data_mcp-{__version__}-py3-none-any.whl"
    sdist = built / f"posthog_external_data_mcp-{__version__}.tar.gz"
    assert wheel.exists() and sdist.exists(), sorted(path.name for path in built.iterdir())
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2, checked.stdout


def test_the_wheel_ships_the_package_its_scripts_and_the_version_server_json_names(built: Path) -> None:
    with zipfile.ZipFile(built / f"posthog_external_data_mcp-{__version__}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        info = f"posthog_external_data_mcp-{__version__}.dist-info"
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        wheel_metadata = wheel.read(f"{info}/METADATA").decode()
    assert "posthog_external_data_mcp/py.typed" in names
    assert "posthog_external_data_mcp/sandbox/app.py" in names
    assert not any(name.startswith("tests/") for name in names)
    assert "posthog-external-data-mcp = posthog_external_data_mcp.cli:main" in entry_points
    assert "posthog-external-data-sandbox = posthog_external_data_mcp.sandbox.cli:main" in entry_points
    assert f"Version: {SERVER_JSON['version']}" in wheel_metadata
    # The registry's ownership check reads the marker in the long description PyPI shows.
    assert f"mcp-name: {SERVER_JSON['name']}" in wheel_metadata
