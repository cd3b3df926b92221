"""Chat frames leave a socket in channel order, each once. A frame already sent is dropped; one that arrives
before its predecessor (published a moment later by another process, say) waits for it, and after a short
wait the gap is loaded from the database, like a resume."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from adapters.realtime.close_codes import (
    TOKEN_REFUSED,
    WS_1008_POLICY_VIOLATION,
    WS_1011_INTERNAL_ERROR,
    WS_1013_TRY_AGAIN_LATER,
)
from adapters.realtime.frames import Delivery
from domain.errors import AuthenticationFailed, DomainError

log = logging.getLogger("chapterhouse.realtime")

# A chat frame whose predecessor has not arrived waits this long before the gap is filled from the database.
REORDER_WAIT_SECONDS = 0.25
REPAIR_ATTEMPTS = 3
NIL_ID = uuid.UUID(int=0)  # before every UUIDv7: "everything" as a resume point


@dataclass
class Subscription:
    topic: str
    channel: str  # as the client named it: a channel id or "notifications"
    channel_id: uuid.UUID | None  # None for notifications
    ready: bool = False
    pending: list[Delivery] = field(default_factory=list)  # live frames held while the backlog loads
    # Chat only: the id of the last message the client has (or the channel's last one when it subscribed),
    # frames that arrived before their predecessor (by predecessor id), and the task filling a gap.
    head: uuid.UUID | None = None
    early: dict[uuid.UUID | None, Delivery] = field(default_factory=dict)
    repair: asyncio.Task[None] | None = None


class OrderedSocket(Protocol):
    """What ordered delivery needs from its socket."""

    def offer(self, topic: str, frame: str | list[str]) -> None: ...

    def send_live(self, topic: str, delivery: Delivery) -> None:
        """One live frame, behind whatever was offered before it."""
        ...

    def abort(self, code: int, reason: str) -> None: ...

    def is_current(self, subscription: Subscription) -> bool:
        """The subscription is still the socket's one for its topic (not unsubscribed or replaced)."""
        ...

    def end_access(self, subscription: Subscription) -> None:
        """Unsubscribe, telling the client that access to the channel has ended."""
        ...

    async def load_after(self, subscription: Subscription, after: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        """The channel's messages after `after` as (id, encoded frame), access checked again."""
        ...


class ChannelOrder:
    def __init__(self, socket: OrderedSocket, max_waiting: int) -> None:
        self._socket, self._max_waiting = socket, max_waiting

    def accept(self, subscription: Subscription, delivery: Delivery) -> None:
        if not delivery.ordered or subscription.channel_id is None:
            self._socket.send_live(subscription.topic, delivery)
            return
        if subscription.head is not None and delivery.id <= subscription.head:
            return
        if delivery.previous_id != subscription.head:
            subscription.early[delivery.previous_id] = delivery
            if len(subscription.early) > self._max_waiting:
                self._socket.abort(WS_1013_TRY_AGAIN_LATER, "too many messages out of order: reconnect and resume")
            elif subscription.repair is None or subscription.repair.done():
                subscription.repair = asyncio.create_task(self._repair(subscription), name="ws-repair")
            return
        self._socket.send_live(subscription.topic, delivery)
        subscription.head = delivery.id
        self._release_early(subscription)

    def _release_early(self, subscription: Subscription) -> None:
        """Send the frames that were waiting for the head; forget those the head has overtaken."""
        while (waiting := subscription.early.pop(subscription.head, None)) is not None:
            self._socket.send_live(subscription.topic, waiting)
            subscription.head = waiting.id
        if subscription.head is not None:
            for previous_id, waiting in list(subscription.early.items()):
                if waiting.id <= subscription.head:
                    del subscription.early[previous_id]

    async def _repair(self, subscription: Subscription) -> None:
        """A predecessor is missing (published late, or its publish failed): after a short wait, load what
        follows the head from the database, like a resume, then release what waited."""
        await asyncio.sleep(REORDER_WAIT_SECONDS)
        for _attempt in range(REPAIR_ATTEMPTS):
            if not subscription.early or not self._socket.is_current(subscription):
                return
            after = subscription.head or NIL_ID  # no head: the channel was empty, load from its start
            try:
                loaded = await self._socket.load_after(subscription, after)
            except AuthenticationFailed:
                self._socket.abort(WS_1008_POLICY_VIOLATION, TOKEN_REFUSED)
                return
            except DomainError:
                self._socket.end_access(subscription)
                return
            except Exception:
                log.exception("websocket gap repair failed")
                self._socket.abort(WS_1011_INTERNAL_ERROR, "internal error: reconnect and resume")
                return
            if not self._socket.is_current(subscription):
                return
            # Live frames may have moved the head while the database answered.
            fresh = [(i, f) for i, f in loaded if subscription.head is None or i > subscription.head]
            if fresh:
                self._socket.offer(subscription.topic, [frame for _, frame in fresh])
                subscription.head = fresh[-1][0]
            self._release_early(subscription)
            await asyncio.sleep(REORDER_WAIT_SECONDS)
        # Still waiting for something the database does not have (say, a deleted message): rather than
        # stall the channel, send what waited, in id order.
        waiting = sorted(subscription.early.values(), key=lambda d: d.id)
        subscription.early.clear()
        if waiting and self._socket.is_current(subscription):
            self._socket.offer(subscription.topic, [d.frame for d in waiting])
            subscription.head = waiting[-1].id
