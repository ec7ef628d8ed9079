"""A scripted PostHog for `httpx2.MockTransport`: records every request and answers with the next step."""

from __future__ import annotations

import httpx2


class ScriptedUpstream:
    """Answers each request with the next step — a response, or an exception to raise; the last step repeats."""

    def __init__(self, *steps: httpx2.Response | Exception) -> None:
        self.steps = list(steps)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        return step
