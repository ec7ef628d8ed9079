"""The value sets of the External Data Schemas API, as `Literal` types (from PostHog/posthog
products/data_warehouse/backend/models/external_data_schema.py, commit efcc75f3d369).

Literals (not Enum classes) keep the JSON schemas flat: pydantic renders them as inline `enum` lists.
"""

from typing import Literal

SyncType = Literal["full_refresh", "incremental", "append", "webhook", "cdc", "xmin"]

IncrementalFieldType = Literal["integer", "numeric", "datetime", "date", "timestamp", "objectid", "xid"]

# Accepted on input since PostHog floored the cadence at 5 minutes (PR #74915); `never` pauses the schedule
# and reads back as `sync_frequency: null`. Legacy rows may still read back `1min`.
SyncFrequency = Literal["never", "5min", "15min", "30min", "1hour", "6hour", "12hour", "24hour", "7day", "30day"]

CdcTableMode = Literal["consolidated", "cdc_only", "both"]

RowFilterOperator = Literal[">", ">=", "<", "<=", "=", "!=", "IN", "NOT IN"]
