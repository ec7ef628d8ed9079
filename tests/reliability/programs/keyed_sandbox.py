"""The standalone sandbox behind a door that accepts one random per-run key, for leak hunting.

The server under test holds only `RELIABILITY_KEY` (a fresh random `phx_…` value the sandbox does not know). This
door maps `Authorization: Bearer <that key>` to the sandbox's all-access demo key before the sandbox sees it, and
records every other place the key shows up in a request — another header, the path, the query, the body — where
it must never be. `GET /_door/leaks` lists them. Everything else is `posthog-external-data-sandbox`: its config
comes from `POSTHOG_SANDBOX_*`, its `/_sandbox/` helpers and request log are untouched.

    RELIABILITY_KEY=phx_… python keyed_sandbox.py      # prints "listening on http://127.0.0.1:PORT"
"""

from __future__ import annotations

import json
import os
import socket

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from posthog_external_data_mcp.sandbox import SandboxConfig, create_app, demo


class KeyDoor:
    def __init__(self, app: ASGIApp, key: str) -> None:
        self.app = app
        self.key = key.encode()
        self.leaks: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/_door/leaks":
            body = json.dumps(self.leaks).encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": body})
            return
        headers: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name == b"authorization" and value == b"Bearer " + self.key:
                headers.append((name, f"Bearer {demo.KEY_ALL}".encode()))
                continue
            if self.key in value:
                self.leaks.append(f"header {name.decode('latin-1')}")
            headers.append((name, value))
        if self.key in scope.get("raw_path", b"") or self.key.decode() in scope["path"]:
            self.leaks.append("path")
        if self.key in scope.get("query_string", b""):
            self.leaks.append("query")
        tail = b""

        async def watched_receive() -> Message:
            nonlocal tail
            message = await receive()
            if message["type"] == "http.request":
                seen = tail + message.get("body", b"")
                if self.key in seen:
                    self.leaks.append("body")
                tail = seen[-len(self.key) :]
            return message

        await self.app(dict(scope, headers=headers), watched_receive, send)


def main() -> None:
    app = KeyDoor(create_app(SandboxConfig.from_env()), os.environ["RELIABILITY_KEY"])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    print(f"keyed sandbox listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")).run(sockets=[sock])


if __name__ == "__main__":
    main()
