"""The floor for bench/realtime_fanout.py: the least a Litestar process can do to fan a chat line out.

`/ws`: accept, read one subscribe frame (`{"channel": ...}`), answer `subscribed`, join an in-process hub.
`POST /publish` (`{"body": ..., "channel": ...}`): encode a message frame of the app's shape once and PUBLISH
it on Redis. Each process pattern-subscribes once and writes every frame it receives to the local sockets of
its channel in a plain loop (`send_text` per socket). No
token, no database, no dishka, no middleware, no per-socket queue or task; uvicorn with the options of
`chapterhouse serve`, and the same heap settling at start-up.

    REDIS_URL=redis://127.0.0.1:6379/0 python bench/floor_realtime.py --port 8102
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import uvicorn
from litestar import Litestar, WebSocket, get, post, websocket
from litestar.exceptions import WebSocketDisconnect
from redis.asyncio import Redis

PREFIX = "chapterhouse-floor:rt:"


class Publish(msgspec.Struct):
    body: str
    channel: str = "bench"


class Subscribe(msgspec.Struct):
    channel: str = "bench"


def create_app(redis_url: str) -> Litestar:
    followers: dict[str, set[WebSocket[Any, Any, Any]]] = {}
    state: dict[str, Any] = {}
    channel, author = str(uuid.uuid4()), str(uuid.uuid4())

    async def read_forever() -> None:
        client = Redis.from_url(redis_url)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        await pubsub.psubscribe(PREFIX + "*")
        state["subscribed"].set()
        while True:
            message = await pubsub.get_message(timeout=5.0)
            if message is None or message["type"] != "pmessage":
                continue
            frame = message["data"].decode()
            for socket in list(followers.get(message["channel"].decode()[len(PREFIX) :], ())):
                with contextlib.suppress(Exception):
                    await socket.send_text(frame)

    async def start() -> None:
        state["subscribed"] = asyncio.Event()
        state["publisher"] = Redis.from_url(redis_url)
        state["reader"] = asyncio.create_task(read_forever())
        await asyncio.wait_for(state["subscribed"].wait(), 10)
        gc.collect()
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)

    async def stop() -> None:
        state["reader"].cancel()
        await state["publisher"].aclose()

    @websocket("/ws")
    async def ws(socket: WebSocket[Any, Any, Any]) -> None:
        await socket.accept()
        channel = ""
        try:
            channel = msgspec.json.decode(await socket.receive_text(), type=Subscribe).channel
            await socket.send_text(f'{{"type":"subscribed","channel":"{channel}"}}')
            followers.setdefault(channel, set()).add(socket)
            while True:
                await socket.receive_text()  # pings
        except WebSocketDisconnect:
            pass
        finally:
            followers.get(channel, set()).discard(socket)

    @post("/publish", status_code=202)
    async def publish(data: Publish) -> None:
        frame = msgspec.json.encode(
            {
                "type": "message",
                "channel": channel,
                "id": str(uuid.uuid4()),
                "body": data.body,
                "author": {"user_id": author, "name": "Member 0"},
                "created_at": datetime.now(UTC).isoformat(),
            }
        ).decode()
        await state["publisher"].publish(PREFIX + data.channel, frame)

    @get("/health", sync_to_thread=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(
        route_handlers=[ws, publish, health], on_startup=[start], on_shutdown=[stop], openapi_config=None, debug=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8102)
    args = parser.parse_args()
    uvicorn.run(
        create_app(os.environ["REDIS_URL"]),
        host=args.host,
        port=args.port,
        workers=1,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=False,
        ws_max_size=64 * 1024,
        proxy_headers=False,
    )


if __name__ == "__main__":
    main()
