"""Run a command in the calling terminal as a shell would, then report how it ended and the terminal's state.

    python in_terminal.py COMMAND [ARGS...]

Prints `[exit CODE nonblocking=BOOL]` on stdout once COMMAND has ended: its exit code, and whether it left
O_NONBLOCK set on the terminal (which would break the shell that reads it next). Ctrl-C is for COMMAND: this
wrapper ignores it, as an interactive shell does while a job is in the foreground.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys

# A handler rather than SIG_IGN, which the command would inherit (exec resets handlers, not "ignored").
signal.signal(signal.SIGINT, lambda signum, frame: None)
code = subprocess.Popen(sys.argv[1:]).wait()
nonblocking = bool(fcntl.fcntl(0, fcntl.F_GETFL) & os.O_NONBLOCK)
print(f"[exit {code} nonblocking={nonblocking}]", flush=True)
