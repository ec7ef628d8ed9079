"""The failure classifier: PostHog's raw error keys and friendly texts (addendum A4) → cause and fix."""

from __future__ import annotations

import pytest

from posthog_external_data_mcp.server.diagnosis import diagnose

HUBSPOT_SCOPES = (
    "403 Client Error: Forbidden for url: https://api.hubapi.com/crm/v3/objects/deals?limit=100&archived=false"
    " - This app hasn't been granted all required scopes to make this call."
)


@pytest.mark.parametrize(
    ("error", "source_type", "kind"),
    [
        # Raw keys, as PostHog stores them when its table maps no friendly text (or for retried errors)
        (HUBSPOT_SCOPES, "Hubspot", "permissions"),
        (
            "401 Client Error: Unauthorized for url: https://api.hubapi.com/crm/v3/objects/contacts",
            "Hubspot",
            "credentials",
        ),
        ("missing or invalid refresh token", "Hubspot", "credentials"),
        ("Expired API Key provided: rk_live_****1234", "Stripe", "credentials"),
        ("Invalid API Key provided: sk_test_****", "Stripe", "credentials"),
        (
            "Stripe rejected the API key. Double-check that you pasted a restricted key (rk_live_...)",
            "Stripe",
            "credentials",
        ),
        (
            "The provided key 'rk_live_…' does not have the required permissions for this endpoint",
            "Stripe",
            "permissions",
        ),
        ("Your API key does not allow requests from your IP address", "Stripe", "unreachable"),
        ('password authentication failed for user "posthog"', "Postgres", "credentials"),
        ('could not translate host name "db.internal" to address', "Postgres", "unreachable"),
        ("connection to server at 10.0.0.1, port 5432 failed: Connection refused", "Postgres", "unreachable"),
        ("permission denied for table orders", "Postgres", "permissions"),
        ('relation "public.orders" does not exist', "Postgres", "schema_drift"),
        ("No primary key defined for table public.events", "Postgres", "missing_primary_key"),
        ("Primary key required for incremental syncs", "Postgres", "missing_primary_key"),
        (
            "The primary keys for this table are not unique. Primary keys being used are: ['id']",
            None,
            "duplicate_primary_key",
        ),
        ('Incremental field "updated" was not found in the data returned by the source.', None, "incremental_field"),
        ("Source column type changed for column amount", None, "schema_drift"),
        ("canceling statement due to statement timeout", "Postgres", "timeout"),
        ("503 Server Error: Service Unavailable for url: https://api.example.com", None, "source_outage"),
        (
            "Hubspot API error (retryable): status=503, url=https://api.hubapi.com/crm/v3/objects",
            "Hubspot",
            "source_outage",
        ),
        # PostHog's friendly texts (what latest_error holds after a classified failure)
        (
            "Your HubSpot credentials do not have permission to access this data. Please reconnect…",
            "Hubspot",
            "permissions",
        ),
        (
            "Your HubSpot credentials are no longer authorized. Please reconnect your HubSpot account…",
            "Hubspot",
            "credentials",
        ),
        ("Your HubSpot connection is missing its refresh token. Please reconnect it.", "Hubspot", "credentials"),
        (
            "The linked HubSpot integration no longer exists. Please reconnect your HubSpot account.",
            "Hubspot",
            "credentials",
        ),
        ("Your Stripe API key has expired. Please create a new key and reconnect.", "Stripe", "credentials"),
        ("Your Stripe credentials do not have permissions to access endpoint. Please check…", "Stripe", "permissions"),
        ("This table needs a primary key to sync incrementally, but none is set.", None, "missing_primary_key"),
        (
            "The primary key set for this table isn't unique, so incremental syncing can't…",
            None,
            "duplicate_primary_key",
        ),
        (
            "The connected account for this source is no longer available — it may have been disconnected.",
            None,
            "credentials",
        ),
        ("Your SSH tunnel credentials are not valid. Check the SSH authentication details", "Postgres", "credentials"),
        ("PostHog lost its connection to your source and couldn't reconnect.", "Postgres", "unreachable"),
        ("could not receive data from server: Connection timed out", "Postgres", "unreachable"),
        ("This sync ran longer than PostHog allows and was stopped.", "Postgres", "timeout"),
    ],
)
def test_known_failures_get_their_cause(error: str, source_type: str | None, kind: str) -> None:
    cause = diagnose(error, source_type)
    assert cause is not None, error
    assert cause.kind == kind
    assert cause.fix and cause.summary


def test_the_fix_names_what_to_do_in_posthog() -> None:
    scopes = diagnose(HUBSPOT_SCOPES, "Hubspot")
    assert scopes is not None and "grant every scope" in scopes.fix and "Reconnect HubSpot" in scopes.fix
    firewall = diagnose("Connection refused", "Postgres")
    assert firewall is not None and "PostHog's IP addresses" in firewall.fix
    duplicate = diagnose("The primary keys for this table are not unique", "Postgres")
    assert duplicate is not None and "external-data-schemas-delete-data" in duplicate.fix


def test_which_failures_turn_syncing_off() -> None:
    # PostHog switches a schema off for its non-retryable errors, never for transient ones.
    disabling = diagnose(HUBSPOT_SCOPES, "Hubspot")
    transient = diagnose("server closed the connection unexpectedly", "Postgres")
    assert disabling is not None and disabling.turns_sync_off
    assert transient is not None and not transient.turns_sync_off


def test_source_specific_rules_apply_only_to_their_source() -> None:
    # A Stripe-worded text on a Postgres source is not a Stripe key problem.
    assert diagnose("Invalid API Key provided", "Postgres") is None
    stripe = diagnose("Invalid API Key provided", "Stripe")
    assert stripe is not None and stripe.kind == "credentials"


def test_the_first_matching_rule_wins_as_in_posthog() -> None:
    # "does not exist" is schema drift, except PostHog's integration text, which names a lost account.
    cause = diagnose("Integration matching query does not exist.", "Hubspot")
    assert cause is not None and cause.kind == "credentials"


@pytest.mark.parametrize("error", [None, "", "Something nobody has seen before"])
def test_unknown_or_missing_errors_have_no_cause(error: str | None) -> None:
    assert diagnose(error, "Stripe") is None
