"""Every tool's name, once. Prose that names a tool (descriptions, hints, instructions) formats these members,
and a test checks that every `external-data-…` name written anywhere in src/ or the README is one of them."""

from __future__ import annotations

from enum import StrEnum


class ToolName(StrEnum):
    LIST = "external-data-schemas-list"
    RETRIEVE = "external-data-schemas-retrieve"
    PARTIAL_UPDATE = "external-data-schemas-partial-update"
    INCREMENTAL_FIELDS = "external-data-schemas-incremental-fields-create"
    RELOAD = "external-data-schemas-reload"
    CANCEL = "external-data-schemas-cancel"
    RESYNC = "external-data-schemas-resync"
    DELETE_DATA = "external-data-schemas-delete-data"
    DESTROY = "external-data-schemas-destroy"
    CREATE = "external-data-schemas-create"
    LOGS = "external-data-schemas-logs"
    SOURCES_LIST = "external-data-sources-list"
    HEALTH = "external-data-schemas-health"
