"""ASGI middleware that records every ``/api/`` request (never the raw key) for ``GET /_sandbox/requests``."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import find_key, key_label
from .payload import try_parse_json
from .runtime import SandboxRuntime


class RequestLogMiddleware:
    def __init__(self, app: ASGIApp, runtime: SandboxRuntime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith("/api/"):
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        query = scope.get("query_string", b"").decode("latin-1")
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        parsed = try_parse_json(body)
        with self.runtime.store.lock:
            label = key_label(self.runtime.store.state, find_key(headers, parsed, dict(parse_qsl(query))))
        entry: dict[str, object] = {
            "method": scope["method"],
            "path": scope["path"],
            "query": query,
            "json": parsed,
            "key_label": label,
            "status": None,
        }
        self.runtime.request_log.add(entry)

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, replay, record_status)
        except BaseException:
            # A dropped connection has no answer the client could read.
            entry["status"] = None
            raise
