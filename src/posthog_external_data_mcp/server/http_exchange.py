"""One HTTP exchange at the ASGI level: the request body read once (and bounded), and the handler stopped when
the client goes away.

The SDK answers a JSON-mode request inside the ASGI task and never listens for `http.disconnect`, and uvicorn
does not cancel a task whose client left: without this, a caller who hung up would still have its upstream
request sent, waited for and answered into a closed socket (and a `wait_seconds` poll would run to its end).
Here the body is read first, then a watcher waits for the next ASGI message — which for a fully read request
can only be `http.disconnect` — and cancels the handler if it comes before the handler is done.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send


@dataclass(frozen=True)
class BodyTooLarge:
    """The body (declared or sent) is over the limit; nothing was handed to the app."""


@dataclass(frozen=True)
class ClientLeft:
    """The client disconnected before its request was complete."""


TOO_LARGE: Final = BodyTooLarge()
LEFT: Final = ClientLeft()


async def read_body(receive: Receive, declared_length: str | None, limit: int) -> bytes | BodyTooLarge | ClientLeft:
    """The whole request body, or why there is none: read once, so no layer after this reads the socket."""
    if declared_length is not None and declared_length.isdigit() and int(declared_length) > limit:
        return TOO_LARGE
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return LEFT
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return TOO_LARGE
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


# A call that answers sooner than this is never watched: its client cannot usefully leave, and the watcher would
# cost it more than it could save. One that waits longer (any real PostHog round trip) is watched from then on: a
# client that left before is noticed at once, since uvicorn remembers the disconnect.
WATCH_AFTER_S = 0.05


async def serve_until_disconnect(app: ASGIApp, scope: Scope, body: bytes, receive: Receive, send: Send) -> bool:
    """Run `app` on an already read `body`; cancel it if the client disconnects first. True if it was cancelled.

    The app gets the body as one message, then the real `receive` (the SDK's SSE mode waits on it for the same
    disconnect). The watcher is a bare asyncio task started by a timer, and it cancels this task the way
    `asyncio.timeout` does (cancel, then `uncancel` here): an anyio task group cost ~190 µs a request, an anyio
    cancel scope ~20 µs, this ~2 µs for a call answered within `WATCH_AFTER_S` and ~15 µs for a longer one.
    """
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    finished = False
    left = False
    loop = asyncio.get_running_loop()
    handler = asyncio.current_task()
    assert handler is not None
    watcher: asyncio.Task[None] | None = None

    async def watch() -> None:
        nonlocal left
        while (await receive())["type"] != "http.disconnect":
            pass  # pragma: no cover - nothing but a disconnect follows a complete body
        if not finished:
            left = True
            handler.cancel()

    def start_watching() -> None:
        nonlocal watcher
        if not finished:
            watcher = loop.create_task(watch())

    timer = loop.call_later(WATCH_AFTER_S, start_watching)
    try:
        await app(scope, replay, send)
    except asyncio.CancelledError:
        if not left:
            raise  # not ours (server shutdown, an outer timeout): let it through
        handler.uncancel()
    finally:
        finished = True
        timer.cancel()
        if watcher is not None:
            watcher.cancel()
    return left
