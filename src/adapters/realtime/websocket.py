"""`/ws`: one authenticated socket per client, subscribe / unsubscribe / message / ping (docs/realtime.md).
The route authenticates and waits for the fan-out; the session (session.py) does the rest."""

from __future__ import annotations

import asyncio
from typing import Any

from dishka import AsyncContainer
from litestar import WebSocket, websocket

from adapters.realtime.close_codes import TOKEN_REFUSED, WS_1008_POLICY_VIOLATION, WS_1013_TRY_AGAIN_LATER
from adapters.realtime.fanout import Fanout
from adapters.realtime.hub import LocalHub
from adapters.realtime.limits import SocketLimits, TokenBucket
from adapters.realtime.session import SocketSession
from adapters.realtime.socket_metrics import SocketMetrics
from adapters.realtime.watch import TokenWatch
from adapters.realtime.wire import RawWriter
from application.identity import hash_token
from application.ports.auth import Authenticator
from domain.errors import AuthenticationFailed

__all__ = ["SocketLimits", "SocketMetrics", "SocketSession", "TokenBucket", "realtime_socket"]


@websocket("/ws")
async def realtime_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """The token travels as ?token= (browsers cannot set headers on a WebSocket); query strings are never
    logged. A missing, forged or revoked token: accepted, then closed with 1008 at once, with a reason."""
    container: AsyncContainer = socket.state.dishka_container
    metrics: SocketMetrics = await container.get(SocketMetrics)
    await socket.accept()
    metrics.opened()
    try:
        await _serve(socket, container, metrics)
    finally:
        metrics.closed()


async def _serve(socket: WebSocket[Any, Any, Any], container: AsyncContainer, metrics: SocketMetrics) -> None:
    token = socket.query_params.get("token") or ""
    token_hash = hash_token(token)
    try:
        if not token:
            raise AuthenticationFailed("a token is required")
        async with container() as request_container:
            authenticator = await request_container.get(Authenticator)
            principal = (await authenticator.authenticate(token_hash, None)).principal
    except AuthenticationFailed:
        await socket.close(WS_1008_POLICY_VIOLATION, TOKEN_REFUSED)
        return
    fanout: Fanout = await container.get(Fanout)
    try:
        async with asyncio.timeout(5.0):
            await fanout.ready()  # frames of other processes must flow before any subscribe
    except TimeoutError:
        await socket.close(WS_1013_TRY_AGAIN_LATER, "real-time backend unavailable: try again later")
        return
    session = SocketSession(
        socket,
        container=container,
        hub=await container.get(LocalHub),
        limits=await container.get(SocketLimits),
        token_hash=token_hash,
        principal=principal,
        metrics=metrics,
        writer=RawWriter.for_scope(socket.scope),
    )
    watch: TokenWatch = await container.get(TokenWatch)
    watch.watch(session, socket.app.state.dishka_container)
    try:
        await session.run()
    finally:
        watch.forget(session)
