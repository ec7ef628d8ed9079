"""Identifiers of the demo world: projects, keys, sources, schemas and the texts tests compare against.

Fixed literals, so tests, docs and other packages' tests can refer to them. Importing this module builds
nothing; :mod:`.demo` builds the state these ids name.
"""

from __future__ import annotations

# --- Projects, organizations, user -------------------------------------------------------------

DEMO_PROJECT_ID = 1
"""The demo project; ``@current`` for every demo key."""
ISOLATION_PROJECT_ID = 2
"""A second project of the same organization, with other schemas; proves isolation."""
FOREIGN_PROJECT_ID = 3
"""A project of another organization the demo user is not a member of (403 "You don't have access...")."""
MISSING_PROJECT_ID = 999
"""No such project (404 "Project not found.")."""

DEMO_ORGANIZATION_ID = "0193f0c1-0a00-7000-8000-000000000001"
FOREIGN_ORGANIZATION_ID = "0193f0c1-0a00-7000-8000-000000000002"
DEMO_USER_UUID = "0193f0c1-0b00-7000-8000-000000000001"
DEMO_USER_EMAIL = "max@hedgebox.example"

# --- Personal API keys -------------------------------------------------------------------------

KEY_ALL = "phx_sandbox_all"
"""Scope ``*``, all projects."""
KEY_READ = "phx_sandbox_read"
"""Scope ``external_data_source:read``."""
KEY_WRITE = "phx_sandbox_write"
"""Scope ``external_data_source:write`` (which also satisfies ``:read``)."""
KEY_PROJECT2 = "phx_sandbox_project2"
"""Scope ``*`` but scoped to project 2 only."""
KEY_OTHER_ORG = "phx_sandbox_other_org"
"""Scope ``*`` but scoped to another organization (403 on every demo project)."""
KEY_UNRELATED_SCOPE = "phx_sandbox_insights"
"""Scope ``insight:read`` only (403 "API key missing required scope ...")."""
INVALID_KEY = "phx_sandbox_revoked"
"""Not a key the sandbox knows (401)."""

KEY_ALL_ID = "0193f0c1-0c00-7000-8000-000000000001"
KEY_READ_ID = "0193f0c1-0c00-7000-8000-000000000002"
KEY_WRITE_ID = "0193f0c1-0c00-7000-8000-000000000003"
KEY_PROJECT2_ID = "0193f0c1-0c00-7000-8000-000000000004"
KEY_OTHER_ORG_ID = "0193f0c1-0c00-7000-8000-000000000005"
KEY_UNRELATED_SCOPE_ID = "0193f0c1-0c00-7000-8000-000000000006"

# --- Sources -----------------------------------------------------------------------------------

STRIPE_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000001"
POSTGRES_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000002"
HUBSPOT_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000003"
ISOLATION_STRIPE_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000004"
ISOLATION_POSTGRES_SOURCE_ID = "0193f0c1-0d00-7000-8000-000000000005"

# --- Schemas of the demo project (1) -----------------------------------------------------------

STRIPE_CHARGES_ID = "0193f0c1-5c4e-7000-8000-000000000101"
"""Stripe ``Charge``: append on ``created``, hourly, Completed."""
STRIPE_CUSTOMERS_ID = "0193f0c1-5c4e-7000-8000-000000000102"
"""Stripe ``Customer``: full refresh, daily, ``BillingLimitReached`` (shown as "Billing limits")."""
STRIPE_INVOICES_ID = "0193f0c1-5c4e-7000-8000-000000000103"
"""Stripe ``Invoice``: full refresh, 6-hourly, Completed, deprecated API-version override."""
STRIPE_SUBSCRIPTIONS_ID = "0193f0c1-5c4e-7000-8000-000000000104"
"""Stripe ``Subscription``: webhook sync, Completed."""
STRIPE_DISCOUNTS_ID = "0193f0c1-5c4e-7000-8000-000000000105"
"""Stripe ``Discount``: webhook-only table, never synced (status null, no sync type)."""
POSTGRES_ORDERS_ID = "0193f0c1-5c4e-7000-8000-000000000201"
"""Postgres ``orders``: incremental on ``updated_at`` (timestamp), PK ``id``, every 15 min, Completed."""
POSTGRES_USERS_ID = "0193f0c1-5c4e-7000-8000-000000000202"
"""Postgres ``users``: CDC (table mode ``both``), PK ``id``, legacy 1-minute cadence, Completed."""
POSTGRES_EVENTS_ID = "0193f0c1-5c4e-7000-8000-000000000203"
"""Postgres ``events``: append on ``id`` (integer), no primary key, a sync Running at start."""
POSTGRES_DAILY_REVENUE_ID = "0193f0c1-5c4e-7000-8000-000000000204"
"""Postgres ``daily_revenue`` (a view): full refresh, frequency ``never``, disabled, no column metadata."""
HUBSPOT_CONTACTS_ID = "0193f0c1-5c4e-7000-8000-000000000301"
"""Hubspot ``contacts``: incremental on ``lastmodifieddate``, every 5 min, Completed."""
HUBSPOT_DEALS_ID = "0193f0c1-5c4e-7000-8000-000000000302"
"""Hubspot ``deals``: full refresh, 6-hourly, Failed (missing OAuth scope); every sync fails."""

# --- Schemas of the isolation project (2) ------------------------------------------------------

ISOLATION_STRIPE_REFUNDS_ID = "0193f0c1-5c4e-7000-8000-000000000401"
"""Stripe ``Refund``: full refresh, Completed."""
ISOLATION_STRIPE_PAYOUTS_ID = "0193f0c1-5c4e-7000-8000-000000000402"
"""Stripe ``Payout``: status ``Paused`` — puts project 2 over its billing limit (reload/resync gate)."""
ISOLATION_STRIPE_DISPUTES_ID = "0193f0c1-5c4e-7000-8000-000000000403"
"""Stripe ``Dispute``: ``BillingLimitTooLow`` (shown as "Billing limits too low")."""
ISOLATION_POSTGRES_CUSTOMERS_ID = "0193f0c1-5c4e-7000-8000-000000000404"
"""Postgres ``customers``: full refresh, PK ``id``; project 2 has no CDC feature flag."""

DEMO_SCHEMA_IDS = (
    STRIPE_CHARGES_ID,
    STRIPE_CUSTOMERS_ID,
    STRIPE_INVOICES_ID,
    STRIPE_SUBSCRIPTIONS_ID,
    STRIPE_DISCOUNTS_ID,
    POSTGRES_ORDERS_ID,
    POSTGRES_USERS_ID,
    POSTGRES_EVENTS_ID,
    POSTGRES_DAILY_REVENUE_ID,
    HUBSPOT_CONTACTS_ID,
    HUBSPOT_DEALS_ID,
)
ISOLATION_SCHEMA_IDS = (
    ISOLATION_STRIPE_REFUNDS_ID,
    ISOLATION_STRIPE_PAYOUTS_ID,
    ISOLATION_STRIPE_DISPUTES_ID,
    ISOLATION_POSTGRES_CUSTOMERS_ID,
)

HUBSPOT_DEALS_ERROR = (
    "403 Client Error: Forbidden for url: https://api.hubapi.com/crm/v3/objects/deals?limit=100&archived=false"
    " - This app hasn't been granted all required scopes to make this call."
    " Read more about required scopes here: https://developers.hubspot.com/scopes."
)
"""``latest_error`` of the failing Hubspot ``deals`` schema (and of every sync it runs)."""
