"""MCP server for PostHog's External Data Schemas API (data-warehouse import schemas)."""

__version__ = "0.1.0"
