"""The row types of the demo world, its table ids and its sources. :mod:`.demo` turns rows into state.

Times are :class:`Ago` values, resolved against the moment the state is built (app start or reset), so
a schema synced "38 minutes ago" stays that fresh however long ago the code was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Literal

from .demo_ids import (
    DEMO_PROJECT_ID,
    DEMO_USER_EMAIL,
    HUBSPOT_SOURCE_ID,
    INJECTION_SOURCE_ID,
    ISOLATION_POSTGRES_SOURCE_ID,
    ISOLATION_PROJECT_ID,
    ISOLATION_STRIPE_SOURCE_ID,
    POSTGRES_SOURCE_ID,
    STRIPE_EU_SOURCE_ID,
    STRIPE_EXPIRED_KEY_ERROR,
    STRIPE_REJECTED_KEY_MESSAGE,
    STRIPE_SOURCE_ID,
)
from .discovery import (
    hubspot_discovery,
    injection_discovery,
    isolation_postgres_discovery,
    postgres_discovery,
    stripe_discovery,
)
from .models import Source, StoredStatus


@dataclass(frozen=True)
class Ago:
    """A moment before the state is built; ``render`` picks how a sync cursor stores it."""

    days: float = 0
    hours: float = 0
    minutes: float = 0
    render: Literal["datetime", "epoch", "iso"] = "datetime"

    def at(self, now: datetime) -> datetime:
        return now - timedelta(days=self.days, hours=self.hours, minutes=self.minutes)

    def value(self, now: datetime) -> Any:
        moment = self.at(now)
        if self.render == "epoch":
            return int(moment.timestamp())
        if self.render == "iso":
            return moment.isoformat()
        return moment


@dataclass(frozen=True)
class FailedRun:
    """The schema's newest run failed then with this raw error; PostHog's classification is applied to it."""

    at: Ago
    raw_error: str


@dataclass(frozen=True)
class SchemaRow:
    """One schema of the demo world; ``table_rows=None`` means no synced table yet."""

    id: str
    team_id: int
    source_id: str
    name: str
    created: Ago
    should_sync: bool
    status: StoredStatus | None
    sync_type: str | None
    frequency: str
    """An API frequency name (``"never"`` for none; ``"1min"`` for a legacy cadence)."""
    config: Mapping[str, Any] = field(default_factory=lambda: {})
    """``sync_type_config``; :class:`Ago` values are resolved when the state is built."""
    last_synced: Ago | None = None
    table_rows: int | None = None
    growth: int = 0
    """Rows the source gains between two syncs."""
    source_rows: int | None = None
    """Rows at the source now (default: the table's row count)."""
    table_columns: str | None = None
    """The seeded table's column spec when it differs from what the source returns today."""
    sync_time_of_day: time | None = None
    latest_error: str | None = None
    label: str | None = None
    api_version: str | None = None
    description: str | None = None
    schema_metadata: dict[str, Any] | None = None
    row_filters: Any = None
    enabled_columns: list[str] | None = None
    history: int = 3
    """Completed runs seeded up to ``last_synced`` (with their log lines)."""
    run_seconds: float = 47
    """How long those runs took."""
    failed_run: FailedRun | None = None
    running_since: Ago | None = None
    """A run in progress since then; it finishes ``sync_seconds`` after the state is built..."""
    hangs: bool = False
    """...unless it hangs, and then it runs until cancelled."""
    schedule_stalled: bool = False


def table_id(schema_id: str) -> str:
    """Each demo table's id ends like its schema's id (``…-8000-000000000101`` -> ``…-7ab1-7000-8000-000000000101``)."""
    return "0193f0c1-7ab1-7000-" + schema_id[-17:]


def _postgres_job_inputs(host: str, database: str, password: str) -> dict[str, Any]:
    return {
        "host": host,
        "port": 5432,
        "database": database,
        "user": "posthog_reader",
        "password": password,
        "schema": "public",
        "ssh_tunnel": {"enabled": False, "host": None, "port": None, "auth": {"selection": "password"}},
        "cdc_enabled": True,
        "cdc_management_mode": "posthog",
        "cdc_slot_name": "posthog_slot",
        "cdc_publication_name": "posthog_publication",
        "legacy_sync_flag": True,
    }


def demo_sources(now: datetime) -> list[Source]:
    """Fresh source records (the state mutates them, so every build makes new ones)."""

    def ago(**delta: float) -> datetime:
        return now - timedelta(**delta)

    return [
        Source(
            id=STRIPE_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Stripe",
            prefix=None,
            job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_live_51HbxDemoKey4242"}},
            api_version="2025-03-31.basil",
            discovery=stripe_discovery(["Charge", "Customer", "Invoice", "Subscription", "Price"]),
            webhook_created=True,
            created_at=ago(days=41, hours=3, minutes=5),
            created_by=DEMO_USER_EMAIL,
        ),
        Source(
            id=POSTGRES_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Postgres",
            prefix="prod_",
            job_inputs=_postgres_job_inputs("db.hedgebox.internal", "shop", "hb-reader-Pa55w0rd"),
            cdc_enabled=True,
            discovery=postgres_discovery(),
            created_at=ago(days=20, hours=6, minutes=4),
            created_by=DEMO_USER_EMAIL,
            description="Production shop database (read replica).",
        ),
        Source(
            id=HUBSPOT_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Hubspot",
            prefix=None,
            job_inputs={"hubspot_integration_id": 7},
            discovery=hubspot_discovery(),
            created_at=ago(days=12, hours=4, minutes=2),
            created_by=DEMO_USER_EMAIL,
            created_via="mcp",
        ),
        Source(
            id=STRIPE_EU_SOURCE_ID,
            team_id=DEMO_PROJECT_ID,
            source_type="Stripe",
            prefix="eu_",
            job_inputs={
                "auth_method": {"selection": "api_key", "stripe_secret_key": "rk_live_51EUxExpiredKeyGJ7n"},
                "stripe_account_id": "acct_1HbxEU",
            },
            discovery=stripe_discovery(["BalanceTransaction", "CreditNote"]),
            # The restricted key expired: credential checks and every sync fail until it is replaced.
            credentials_error=STRIPE_REJECTED_KEY_MESSAGE,
            sync_error=STRIPE_EXPIRED_KEY_ERROR,
            stored_status="Error",
            created_at=ago(days=30, hours=2),
            created_by=DEMO_USER_EMAIL,
            description="Hedgebox GmbH (EU entity).",
        ),
        Source(
            id=ISOLATION_STRIPE_SOURCE_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_type="Stripe",
            prefix="test_",
            job_inputs={"auth_method": {"selection": "api_key", "stripe_secret_key": "rk_test_51HbxStaging0000"}},
            discovery=stripe_discovery(["Refund", "Payout", "Dispute"]),
            created_at=ago(days=5, hours=2, minutes=3),
            created_by=DEMO_USER_EMAIL,
        ),
        Source(
            id=ISOLATION_POSTGRES_SOURCE_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_type="Postgres",
            prefix="staging_",
            job_inputs=_postgres_job_inputs("staging-db.hedgebox.internal", "shop_staging", "hb-staging-S3cret"),
            cdc_enabled=True,
            discovery=isolation_postgres_discovery(),
            created_at=ago(days=3, hours=8, minutes=1),
            created_by=DEMO_USER_EMAIL,
        ),
        Source(
            id=INJECTION_SOURCE_ID,
            team_id=ISOLATION_PROJECT_ID,
            source_type="Postgres",
            prefix="vendor_",
            job_inputs=_postgres_job_inputs("feeds.vendor.example", "vendor", "vendor-Feed-Pass"),
            discovery=injection_discovery(),
            created_at=ago(days=2, hours=1),
            created_via="api",
        ),
    ]
