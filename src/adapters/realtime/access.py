"""Channel access is checked again while a socket lives: before deliveries at most every
channel_recheck_seconds, and by a watchdog for sockets that neither send nor receive, which also closes idle
ones. The token itself is watched for the whole process at once by TokenWatch (watch.py)."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from dishka import AsyncContainer

from adapters.realtime.close_codes import (
    TOKEN_REFUSED,
    WS_1001_GOING_AWAY,
    WS_1008_POLICY_VIOLATION,
    WS_1011_INTERNAL_ERROR,
)
from adapters.realtime.limits import SocketLimits
from adapters.realtime.ordering import Subscription
from application.chat import CheckChannelAccess
from domain.errors import AuthenticationFailed

log = logging.getLogger("chapterhouse.realtime")

IDLE_ACCESS_RECHECK_SECONDS = 30.0
T = TypeVar("T")


class CheckedSocket(Protocol):
    """What the re-checks need from their socket."""

    @property
    def token_hash(self) -> bytes: ...

    @property
    def closing(self) -> bool: ...

    @property
    def last_client_frame(self) -> float:
        """time.monotonic() of the last frame the client sent."""
        ...

    def subscriptions(self) -> list[Subscription]: ...

    def is_current(self, subscription: Subscription) -> bool: ...

    def end_access(self, subscription: Subscription) -> None: ...

    def abort(self, code: int, reason: str) -> None: ...

    async def in_request(self, work: Callable[[AsyncContainer], Awaitable[T]]) -> T: ...


class ChannelAccess:
    def __init__(self, socket: CheckedSocket, limits: SocketLimits) -> None:
        self._socket, self._limits = socket, limits
        # The subscribe itself authorizes; the first re-check comes one to two intervals later, spread out
        # so that sockets which connected together (after a deploy, say) do not re-check together.
        self._last_check = time.monotonic() + random.uniform(0, limits.channel_recheck_seconds)

    def due(self) -> bool:
        """A delivery now would have to re-check channel access first."""
        return time.monotonic() - self._last_check >= self._limits.channel_recheck_seconds

    async def recheck_if_due(self, *, minimum_age: float = 0.0) -> bool:
        """Before delivering: channel access (membership, grants) every channel_recheck_seconds.
        False when the socket is closing."""
        age = time.monotonic() - self._last_check
        if age < max(self._limits.channel_recheck_seconds, minimum_age):
            return not self._socket.closing
        try:
            await self._recheck()
        except AuthenticationFailed:
            self._socket.abort(WS_1008_POLICY_VIOLATION, TOKEN_REFUSED)
            return False
        except Exception:  # the database is unreachable, say: clients reconnect and resume later
            log.exception("websocket access re-check failed")
            self._socket.abort(WS_1011_INTERNAL_ERROR, "internal error: reconnect and resume")
            return False
        return not self._socket.closing

    async def _recheck(self) -> None:
        """Raises AuthenticationFailed when the token is no longer valid; drops channels no longer readable."""
        self._last_check = time.monotonic()
        # Subscriptions still loading their backlog were authorized a moment ago; their subscribe answers.
        checked = [s for s in self._socket.subscriptions() if s.ready and s.channel_id is not None]
        channel_ids = {s.channel_id for s in checked if s.channel_id is not None}

        async def check(container: AsyncContainer) -> set[uuid.UUID]:
            use_case: CheckChannelAccess = await container.get(CheckChannelAccess)
            return await use_case.execute(self._socket.token_hash, channel_ids)

        readable = await self._socket.in_request(check)
        for subscription in checked:
            if subscription.channel_id not in readable and self._socket.is_current(subscription):
                self._socket.end_access(subscription)

    async def watchdog(self) -> None:
        """Idle timeout, and the same re-checks for sockets that neither send nor receive (at most every
        30 s; deliveries and client frames check more often)."""
        period = max(min(self._limits.idle_timeout_seconds / 3, 5.0), 0.5)
        while True:
            await asyncio.sleep(period)
            if time.monotonic() - self._socket.last_client_frame > self._limits.idle_timeout_seconds:
                self._socket.abort(WS_1001_GOING_AWAY, "idle: send a ping at least every 30 seconds")
                return
            if not await self.recheck_if_due(minimum_age=IDLE_ACCESS_RECHECK_SECONDS):
                return
