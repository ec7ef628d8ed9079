"""Command line: `posthog-external-data-mcp [flags]` serves MCP; `doctor` diagnoses; `call` runs tools;
`config CLIENT` prints a client config.

Only a few standard-library modules are imported at module level, and `main` takes over Ctrl-C first, so an
interrupt even during the imports ends quietly. The server is imported once the flags are known to be good, so
`--help`, `--version` and a bad setting answer instantly.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def main(argv: Sequence[str] | None = None) -> None:
    # Ctrl-C ends every command at once and quietly, whatever it was doing (importing, serving, calling): the work
    # is over, so the interpreter's teardown (a second or more on a loaded machine) is skipped. Exiting from the
    # handler itself, rather than from a KeyboardInterrupt that must first unwind the event loop's cancellation,
    # means no task, thread or cleanup can hold the exit up (one did: in a terminal the SDK writes stdout from a
    # worker thread, which blocks while nobody reads). The HTTP server installs uvicorn's own handler while it
    # serves, so Ctrl-C there drains first.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not when started with SIGINT ignored
        signal.signal(signal.SIGINT, _end_interrupted)
    try:
        code = _dispatch(list(sys.argv[1:] if argv is None else argv))
    except KeyboardInterrupt:  # a SIGINT raised by code that replaced the handler above and then restored Python's
        _end_interrupted(signal.SIGINT, None)
    raise SystemExit(code)


def _end_interrupted(signum: int, frame: FrameType | None) -> NoReturn:
    for stream in (sys.stdout, sys.stderr):
        # RuntimeError: the signal may land while the main thread is writing to that very stream.
        with contextlib.suppress(OSError, ValueError, RuntimeError):
            stream.flush()
    os._exit(INTERRUPTED)


def _dispatch(arguments: list[str]) -> int:
    from .server.settings import PROG, SettingsError, default_environ, load_settings  # noqa: PLC0415

    if arguments[:1] == ["doctor"]:
        from .doctor import main as doctor_main  # noqa: PLC0415

        return doctor_main(arguments[1:], default_environ())
    if arguments[:1] == ["call"]:
        from .local_client import main as call_main  # noqa: PLC0415

        return call_main(arguments[1:])
    if arguments[:1] == ["config"]:
        from .client_config import main as config_main  # noqa: PLC0415

        return config_main(arguments[1:], default_environ())
    try:
        settings = load_settings(arguments, default_environ())
    except (SettingsError, ValueError) as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    from .server.logging_setup import configure_logging  # noqa: PLC0415
    from .server.terminal import stdin_is_terminal, stdio_banner  # noqa: PLC0415
    from .wiring import serve  # noqa: PLC0415

    configure_logging(settings.log_level)
    if settings.transport == "stdio" and stdin_is_terminal():
        print(stdio_banner(), file=sys.stderr)  # a person started it: say what it waits for
    try:
        serve(settings, arguments)
    except SettingsError as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return 2
    return 0


def one_line(exc: Exception) -> str:
    from pydantic import ValidationError  # noqa: PLC0415

    if isinstance(exc, ValidationError):
        first = exc.errors(include_url=False, include_input=False)[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['msg']}"
    return str(exc).splitlines()[0]
