"""What a reader of the repository is pointed to exists in the repository: docs, README and code comments cite
PostHog's public source (path and commit), never notes that live outside it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
OUTSIDE = re.compile(
    r"posthog-api(-addendum)?\.md|mcp-notes|addendum|shared/|\bcontract\b|\bthe issue\b", re.IGNORECASE
)


def test_no_reference_to_files_outside_the_repository() -> None:
    files = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "src").rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert not found, "\n".join(found)
