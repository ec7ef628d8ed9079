"""Experiment: what parsing a list page costs, fully (today) versus only the fields a list item shows.

`external-data-schemas-list` validates every item of PostHog's page into the full `ExternalDataSchema` model
(table columns, available columns, row filters, ...) and then keeps 12 fields per item (`results.summarize`).
This times `SchemaPage.model_validate_json` against a lean page model holding only those fields, on real sandbox
pages of 30 and 100 items.

    python bench/sandbox_server.py --port 8050 &
    python bench/experiments/list_parse.py --sandbox http://127.0.0.1:8050

Evidence for a proposed change in src/ (posthog_client `list_schemas`); not part of bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import httpx2
from pydantic import BaseModel, ConfigDict

from posthog_external_data_mcp.posthog_client.models import SchemaPage


class _Lean(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class LeanTable(_Lean):
    name: str
    row_count: int | None = None


class LeanItem(_Lean):
    id: str
    name: str
    status: str | None = None
    should_sync: bool = False
    sync_type: str | None = None
    sync_frequency: str | None = None
    sync_time_of_day: str | None = None
    incremental_field: str | None = None
    last_synced_at: str | None = None
    latest_error: str | None = None
    table: LeanTable | None = None


class LeanPage(_Lean):
    count: int
    next: str | None = None
    previous: str | None = None
    results: list[LeanItem]


def per_call_ms(function: Callable[[], Any], repeat: int = 300) -> float:
    for _ in range(30):
        function()
    started = time.perf_counter()
    for _ in range(repeat):
        function()
    return (time.perf_counter() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", default="http://127.0.0.1:8050")
    args = parser.parse_args()
    headers = {"Authorization": "Bearer phx_sandbox_all"}
    for limit in (30, 100):
        url = f"{args.sandbox}/api/projects/1/external_data_schemas/?limit={limit}&offset=0"
        body = httpx2.get(url, headers=headers).content

        def full(body: bytes = body) -> object:
            return SchemaPage.model_validate_json(body)

        def lean(body: bytes = body) -> object:
            return LeanPage.model_validate_json(body)

        def loads(body: bytes = body) -> object:
            return json.loads(body)

        print(
            f"{limit:3d} items ({len(body):,} bytes): full SchemaPage {per_call_ms(full):.3f} ms, "
            f"lean page {per_call_ms(lean):.3f} ms, json.loads alone {per_call_ms(loads):.3f} ms"
        )


if __name__ == "__main__":
    main()
