"""A local emulator of PostHog's External Data Schemas REST API, with demo data.

Self-contained: it imports nothing from the MCP server or the PostHog client of this package.
"""

from .app import create_app
from .clock import ManualClock
from .config import SandboxConfig
from .faults import SandboxDroppedConnection

__all__ = ["ManualClock", "SandboxConfig", "SandboxDroppedConnection", "create_app"]
