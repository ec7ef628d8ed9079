"""Command line: `posthog-external-data-mcp [flags]` serves MCP; `doctor` diagnoses; `call` runs tools.

Only argument parsing happens at import; the server is imported once the flags are known to be good, so
`--help`, `--version` and a bad setting answer instantly.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .server.settings import PROG, SettingsError, default_environ, load_settings


def main(argv: Sequence[str] | None = None) -> None:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["doctor"]:
        from .doctor import main as doctor_main  # noqa: PLC0415

        raise SystemExit(doctor_main(arguments[1:], default_environ()))
    if arguments[:1] == ["call"]:
        from .local_client import main as call_main  # noqa: PLC0415

        raise SystemExit(call_main(arguments[1:]))
    try:
        settings = load_settings(arguments, default_environ())
    except (SettingsError, ValueError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None
    from .server.logging_setup import configure_logging  # noqa: PLC0415
    from .wiring import serve  # noqa: PLC0415

    configure_logging(settings.log_level)
    try:
        serve(settings, arguments)
    except KeyboardInterrupt:
        pass
    except SettingsError as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        raise SystemExit(2) from None


def one_line(exc: Exception) -> str:
    from pydantic import ValidationError  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc).splitlines()[0]
