"""docs/sandbox.md's fidelity ledger stays true: every test it names exists, and its tally adds up."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "sandbox.md").read_text()
TESTS = Path(__file__).parent


def ledger_rows() -> list[str]:
    ledger = DOC[DOC.index("## Fidelity ledger") : DOC.index("**Tally:**")]
    return [line for line in ledger.splitlines() if line.startswith("| ") and not line.startswith("| Rule |")]


def test_every_named_test_exists() -> None:
    named = set(re.findall(r"`(test_[a-z0-9_]+\.py)::([A-Za-z0-9_]+)`", DOC))
    assert len(named) > 150
    missing = [
        f"{file}::{test}"
        for file, test in sorted(named)
        if not (TESTS / file).exists() or not re.search(rf"def {test}\b", (TESTS / file).read_text())
    ]
    assert missing == []
    whole_files = set(re.findall(r"`(test_[a-z0-9_]+\.py)` \(all\)", DOC))
    assert [file for file in sorted(whole_files) if not (TESTS / file).exists()] == []


def test_the_tally_counts_the_rows() -> None:
    statuses = [row.split(" | ")[1] for row in ledger_rows()]
    counts = {
        kind: sum(status.startswith(kind) for status in statuses)
        for kind in ("implemented", "partial", "not implemented")
    }
    assert sum(counts.values()) == len(statuses)
    tally = re.search(r"\*\*Tally:\*\* (\d+) rows: (\d+) implemented, (\d+) partial, (\d+) not implemented", DOC)
    assert tally is not None
    assert tuple(int(group) for group in tally.groups()) == (
        len(statuses),
        counts["implemented"],
        counts["partial"],
        counts["not implemented"],
    )


def test_every_implemented_or_partial_row_names_a_test() -> None:
    untested = [
        row for row in ledger_rows() if not row.split(" | ")[1].startswith("not implemented") and "test_" not in row
    ]
    assert untested == []


def test_the_doc_cites_only_sources_inside_or_public() -> None:
    for outside in ("posthog-api", "addendum", "the contract", "/work/"):
        assert outside not in DOC
