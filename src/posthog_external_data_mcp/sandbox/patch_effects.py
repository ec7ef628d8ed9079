"""What a PATCH does beyond saving fields: the webhook setup (rule 25) and the syncs it triggers or stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import lifecycle
from .errors import validation_error
from .models import DiscoveredTable, Schema, Source, SourceKind
from .store import SandboxState


@dataclass
class SideEffects:
    """Decided by the rules, carried out after the save."""

    trigger_refresh: bool = False
    cancel_running: bool = False
    resnapshot: bool = False
    create_webhook: bool = False


def create_webhook(source: Source, kind: SourceKind | None, discovered: DiscoveredTable | None) -> None:
    """Rule 25: switching to webhook sync sets up (once) and registers the source's webhook."""
    if not source.job_inputs or kind is None or not kind.is_webhook_source:
        return
    if discovered is None or not discovered.supports_webhooks:
        return
    if source.webhook_setup_error is not None:
        raise validation_error(
            f"Failed to set up webhook: {source.webhook_setup_error or 'Unknown error'}. "
            "You can set up the webhook manually from the Webhook tab."
        )
    if not source.webhook_created:
        if source.webhook_register_error is not None:
            raise validation_error(
                f"Failed to register webhook on your source: {source.webhook_register_error or 'Unknown error'}. "
                "You can set up the webhook manually from the Webhook tab."
            )
        source.webhook_created = True


def run_side_effects(
    state: SandboxState, instance: Schema, effects: SideEffects, *, now: datetime, sync_seconds: float
) -> None:
    if effects.cancel_running:
        # A version repin invalidates the in-flight import.
        job = lifecycle.running_job(state, instance.id)
        if job is not None:
            lifecycle.cancel_job(job)
            instance.status = "Failed"
            instance.latest_error = job.latest_error
    try:
        if effects.trigger_refresh:
            lifecycle.start_job(state, instance, now, sync_seconds, full_reload=True)
        if effects.resnapshot:
            job = lifecycle.running_job(state, instance.id)
            if job is not None:
                lifecycle.cancel_job(job)
            instance.sync_type_config.update({"reset_pipeline": True, "cdc_mode": "snapshot"})
            instance.initial_sync_complete = False
            lifecycle.start_job(state, instance, now, sync_seconds, full_reload=True)
    except lifecycle.TemporalUnavailableError:
        # PostHog logs and leaves the status alone when a post-save trigger cannot reach Temporal.
        pass
