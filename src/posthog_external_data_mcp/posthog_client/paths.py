"""Request paths, built only from validated parts so no argument can change which endpoint is called."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

Route = Literal["projects", "environments"]
ProjectRef = int | Literal["@current"]
SchemaAction = Literal["reload", "resync", "cancel", "delete_data", "incremental_fields", "logs"]

ROUTES: tuple[Route, ...] = ("projects", "environments")


def project_segment(project: object) -> str:
    # Re-checked here although callers validate: this is the last line before a URL exists.
    if isinstance(project, bool) or not (project == "@current" or (isinstance(project, int) and project > 0)):
        raise ValueError(f"project id must be a positive integer or '@current', not {project!r}")
    return str(project)


def schemas_path(
    route: Route, project: ProjectRef, schema_id: UUID | None = None, action: SchemaAction | None = None
) -> str:
    if route not in ROUTES:
        raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
    path = f"/api/{route}/{project_segment(project)}/external_data_schemas/"
    if schema_id is not None:
        # str(UUID) is canonical 36-char hex-and-hyphens: nothing else can reach the path.
        path += f"{UUID(str(schema_id))}/"
    if action is not None:
        path += f"{action}/"
    return path


def sources_path(route: Route, project: ProjectRef) -> str:
    """The warehouse sources list (read-only use: each source with its schemas)."""
    if route not in ROUTES:
        raise ValueError(f"route must be one of {ROUTES}, not {route!r}")
    return f"/api/{route}/{project_segment(project)}/external_data_sources/"


CURRENT_PERSONAL_API_KEY_PATH = "/api/personal_api_keys/@current/"
