"""bench/soak.py stays runnable: a few seconds of it, with faults on, end to end (the documented run is 10 min)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.processes import clean_environment

SOAK = Path(__file__).parents[2] / "bench" / "soak.py"


def test_a_short_soak_reports_calls_no_errors_beyond_the_injected_and_the_servers_resources(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    flags = ["--duration", "2", "--clients", "4", "--warmup", "1", "--sample-every", "1", "--out", str(out)]
    finished = subprocess.run(
        [sys.executable, str(SOAK), *flags], capture_output=True, text=True, timeout=120, env=clean_environment()
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["calls"] > 20 and result["errors_beyond_injected"] == 0, result["error_kinds"]
    assert result["upstream_answers"].get("200", 0) > 0 and len(result["upstream_answers"]) > 1  # faults fired
    assert all(result["rss_kib"].values()) and result["fds"]["max"] > 0 and result["connections"]["max"] > 0
    assert "errors beyond injected 0" in finished.stdout
