"""Fault injection for reliability tests: added latency, 429s, 5xx answers and dropped connections.

Faults apply to ``/api/`` requests only (never to the ``/_sandbox/`` helpers) and are decided before
authentication, like a proxy in front of PostHog would. One roll of the dice per request picks at most
one fault, so each rate is the exact share of requests that get that fault.
"""

from __future__ import annotations

import json
import random
import threading
from typing import Literal

import anyio
import httpx2
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import SandboxConfig
from .errors import envelope

Fault = Literal["drop", "429", "500", "502", "503"]


class SandboxDroppedConnection(httpx2.RemoteProtocolError):
    """Raised by the app to drop the connection mid-response.

    Over uvicorn the server closes the socket after the truncated body. In-process (``ASGITransport``)
    the exception reaches the caller unchanged, and it is an ``httpx2.RemoteProtocolError``, so client
    code handles it exactly like a real dropped connection.
    """

    def __init__(self) -> None:
        super().__init__("Server disconnected without sending a complete response (sandbox fault injection).")


class FaultDice:
    """The per-app random source; seeded for reproducible runs."""

    def __init__(self, config: SandboxConfig) -> None:
        self._config = config
        self._random = random.Random(config.seed)
        self._lock = threading.Lock()

    def roll(self) -> Fault | None:
        config = self._config
        with self._lock:
            roll = self._random.random()
            if roll < config.fault_drop_rate:
                return "drop"
            roll -= config.fault_drop_rate
            if roll < config.fault_429_rate:
                return "429"
            roll -= config.fault_429_rate
            if roll < config.fault_5xx_rate:
                return self._random.choice(("500", "502", "503"))
        return None


_GATEWAY_PAGES = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n",
    503: "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n",
}


class FaultInjectionMiddleware:
    def __init__(self, app: ASGIApp, config: SandboxConfig, dice: FaultDice) -> None:
        self.app = app
        self.config = config
        self.dice = dice

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        if self.config.latency_ms > 0:
            await anyio.sleep(self.config.latency_ms / 1000)
        fault = self.dice.roll()
        if fault is None:
            await self.app(scope, receive, send)
        elif fault == "drop":
            await self._drop(scope, receive, send)
        elif fault == "429":
            wait = self.config.retry_after_seconds
            unit = "second" if wait == 1 else "seconds"
            body = envelope(
                "throttled_error", "throttled", f"Request was throttled. Expected available in {wait} {unit}."
            )
            await _send_json(send, 429, body, {"retry-after": str(wait)})
        elif fault == "500":
            await _send_json(send, 500, envelope("server_error", "error", "A server error occurred."), {})
        else:
            status = int(fault)
            await _send(send, status, _GATEWAY_PAGES[status].encode(), "text/html", {})

    async def _drop(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let the request be handled (its effects happen), then cut the response short."""
        started: Message | None = None
        body = b""

        async def capture(message: Message) -> None:
            nonlocal started, body
            if message["type"] == "http.response.start":
                started = message
            elif message["type"] == "http.response.body":
                body += message.get("body", b"")

        await self.app(scope, receive, capture)
        status = started["status"] if started else 200
        original: list[tuple[bytes, bytes]] = list(started["headers"]) if started else []
        headers = [(name, value) for name, value in original if name.lower() != b"content-length"]
        # Promise more bytes than will ever come, send half, then fail: the client sees the socket close.
        headers.append((b"content-length", str(len(body) + 64).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
        raise SandboxDroppedConnection


async def _send_json(send: Send, status: int, body: object, headers: dict[str, str]) -> None:
    await _send(send, status, json.dumps(body).encode(), "application/json", headers)


async def _send(send: Send, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
    raw_headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    raw_headers += [(name.encode(), value.encode()) for name, value in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
