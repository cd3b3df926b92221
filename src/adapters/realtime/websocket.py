"""`/ws`: one authenticated socket per client, subscribe / unsubscribe / message / ping (API.md).

Per socket: a receive loop (parse, rate-limit, dispatch each frame in its own dishka REQUEST scope), a
sender draining a bounded queue, and a watchdog (idle timeout, periodic channel-access re-check). The hub
hands frames to the queue without waiting; a socket whose queue is full is closed, never waited for. Chat
frames leave in channel order, each once (see Subscription and _accept); revoked tokens are found for the
whole process at once by TokenWatch (adapters/realtime/watch.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from dishka import AsyncContainer
from litestar import WebSocket, websocket
from litestar.exceptions import WebSocketDisconnect

from adapters.realtime.fanout import Fanout
from adapters.realtime.frames import (
    NOTIFICATIONS,
    Delivery,
    PingFrame,
    PostFrame,
    SubscribeFrame,
    UnsubscribeFrame,
    chat_topic,
    client_frames,
    control,
    error,
    message_frame,
    notification_frame,
    user_topic,
)
from adapters.realtime.hub import LocalHub
from adapters.realtime.watch import TokenWatch
from application.chat import (
    ChannelGate,
    CheckChannelAccess,
    PostMessage,
    PostMessageCommand,
    SubscribeCommand,
    SubscribeToChannel,
)
from application.identity import hash_token
from application.notifications import ResumeNotifications
from application.ports.auth import Authenticator
from domain.errors import AuthenticationFailed, DomainError
from domain.permissions import Principal

log = logging.getLogger("chapterhouse.realtime")

WS_1000_NORMAL = 1000
WS_1001_GOING_AWAY = 1001
WS_1008_POLICY_VIOLATION = 1008
WS_1011_INTERNAL_ERROR = 1011
WS_1013_TRY_AGAIN_LATER = 1013
IDLE_ACCESS_RECHECK_SECONDS = 30.0
# A chat frame whose predecessor has not arrived waits this long (the predecessor is usually just published
# a moment later by another process) before the gap is filled from the database.
REORDER_WAIT_SECONDS = 0.25
REPAIR_ATTEMPTS = 3
NIL_ID = uuid.UUID(int=0)  # before every UUIDv7: "everything" as a resume point


@dataclass(frozen=True)
class SocketLimits:
    max_frame_bytes: int = 8192  # a whole frame; the message body inside is limited to 4 KiB by the domain
    rate_per_second: int = 20  # client frames, token bucket with a burst of the same size
    refused_before_close: int = 20  # refused frames in a row before the socket is closed with 1008
    queue_size: int = 256  # outgoing frames waiting for a slow client before it is dropped
    idle_timeout_seconds: float = 90.0  # no client frame (a ping at least) for this long: close
    channel_recheck_seconds: float = 30.0  # on delivery, channel access (membership, grants) at most this often
    max_pending_per_subscription: int = 1000  # live frames held while a resuming subscribe loads its backlog


class SocketMetrics(Protocol):
    """What the operations side counts (entrypoints give the Prometheus recorder); called on hot paths,
    so implementations must be cheap: no label lookups per call."""

    def opened(self) -> None: ...

    def closed(self) -> None: ...

    def delivered(self, frames: int) -> None: ...


class NoSocketMetrics:
    def opened(self) -> None:
        """Not counted."""

    def closed(self) -> None:
        """Not counted."""

    def delivered(self, frames: int) -> None:
        """Not counted."""


class TokenBucket:
    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._clock = rate, clock
        self._tokens, self._at = rate, clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._rate, self._tokens + (now - self._at) * self._rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return True
        return False


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


# What the sender queue carries: (topic or None for control frames, one encoded frame or a backlog of them).
Outgoing = tuple[str | None, str | list[str]]


class SocketSession:
    """One connected client. Frames from the hub arrive through deliver(); the client's through receive."""

    def __init__(
        self,
        socket: WebSocket[Any, Any, Any],
        *,
        container: AsyncContainer,
        hub: LocalHub,
        limits: SocketLimits,
        token_hash: bytes,
        principal: Principal,
        metrics: SocketMetrics | None = None,
    ) -> None:
        self._socket, self._container, self._hub, self._limits = socket, container, hub, limits
        self._metrics: SocketMetrics = metrics or NoSocketMetrics()
        self._token_hash, self._principal = token_hash, principal
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=limits.queue_size)
        self._subscriptions: dict[str, Subscription] = {}
        self._bucket = TokenBucket(limits.rate_per_second)
        self._refused_in_a_row = 0
        self._last_client_frame = time.monotonic()
        # The subscribe itself authorizes; the first re-check comes one to two intervals later, spread out
        # so that sockets which connected together (after a deploy, say) do not re-check together.
        self._last_channel_check = time.monotonic() + random.uniform(0, limits.channel_recheck_seconds)
        self._closing = asyncio.Event()
        self._close_code, self._close_reason = WS_1000_NORMAL, ""

    @property
    def token_hash(self) -> bytes:
        return self._token_hash

    # --- called by the hub and the token watch (synchronous, never blocks) -------------------------
    def deliver(self, topic: str, delivery: Delivery) -> None:
        subscription = self._subscriptions.get(topic)
        if subscription is None:
            return
        if not subscription.ready:
            subscription.pending.append(delivery)
            if len(subscription.pending) > self._limits.max_pending_per_subscription:
                self.abort(WS_1013_TRY_AGAIN_LATER, "too many messages while resuming: reconnect and resume")
            return
        self._accept(subscription, delivery)

    def _accept(self, subscription: Subscription, delivery: Delivery) -> None:
        """Chat frames go out in channel order, each once: a frame already sent is dropped, one that arrives
        before its predecessor waits for it (or for the repair that reloads the gap from the database)."""
        if not delivery.ordered or subscription.channel_id is None:
            self._offer(subscription.topic, delivery.frame)
            return
        if subscription.head is not None and delivery.id <= subscription.head:
            return
        if delivery.previous_id != subscription.head:
            subscription.early[delivery.previous_id] = delivery
            if len(subscription.early) > self._limits.max_pending_per_subscription:
                self.abort(WS_1013_TRY_AGAIN_LATER, "too many messages out of order: reconnect and resume")
            elif subscription.repair is None or subscription.repair.done():
                subscription.repair = asyncio.create_task(self._repair(subscription), name="ws-repair")
            return
        self._offer(subscription.topic, delivery.frame)
        subscription.head = delivery.id
        self._release_early(subscription)

    def _release_early(self, subscription: Subscription) -> None:
        """Send the frames that were waiting for the head; forget those the head has overtaken."""
        while (waiting := subscription.early.pop(subscription.head, None)) is not None:
            self._offer(subscription.topic, waiting.frame)
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
            if not subscription.early or self._subscriptions.get(subscription.topic) is not subscription:
                return
            after = subscription.head or NIL_ID  # no head: the channel was empty, load from its start
            try:
                loaded, _, _ = await self._in_request(
                    functools.partial(self._load_backlog, channel_id=subscription.channel_id, after=after)
                )
            except AuthenticationFailed:
                self.abort(WS_1008_POLICY_VIOLATION, "the token is missing, expired or revoked")
                return
            except DomainError:
                self._unsubscribe(subscription.channel)
                self._reply(error("access to this channel has ended", subscription.channel))
                return
            except Exception:
                log.exception("websocket gap repair failed")
                self.abort(WS_1011_INTERNAL_ERROR, "internal error: reconnect and resume")
                return
            if self._subscriptions.get(subscription.topic) is not subscription:
                return
            # Live frames may have moved the head while the database answered.
            fresh = [(i, f) for i, f in loaded if subscription.head is None or i > subscription.head]
            if fresh:
                self._offer(subscription.topic, [frame for _, frame in fresh])
                subscription.head = fresh[-1][0]
            self._release_early(subscription)
            await asyncio.sleep(REORDER_WAIT_SECONDS)
        # Still waiting for something the database does not have (say, a deleted message): rather than
        # stall the channel, send what waited, in id order.
        waiting = sorted(subscription.early.values(), key=lambda d: d.id)
        subscription.early.clear()
        if waiting and self._subscriptions.get(subscription.topic) is subscription:
            self._offer(subscription.topic, [d.frame for d in waiting])
            subscription.head = waiting[-1].id

    def abort(self, code: int, reason: str) -> None:
        if not self._closing.is_set():
            self._close_code, self._close_reason = code, reason
            self._closing.set()

    # --- the socket's life --------------------------------------------------------------------------
    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._receive_loop(), name="ws-receive"),
            asyncio.create_task(self._send_loop(), name="ws-send"),
            asyncio.create_task(self._watchdog(), name="ws-watchdog"),
            asyncio.create_task(self._closing.wait(), name="ws-closing"),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            for subscription in self._subscriptions.values():
                self._hub.remove(subscription.topic, self)
                if subscription.repair is not None:
                    subscription.repair.cancel()
            self._subscriptions.clear()
        if self._socket.connection_state != "disconnect":
            # Errors and pongs already queued go out (they say why the socket closes); no more messages.
            # A stalled client may never read them, nor the close frame: do not wait for it long.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._flush_control_frames(), timeout=1.0)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._socket.close(self._close_code, self._close_reason), timeout=1.0)

    async def _flush_control_frames(self) -> None:
        while not self._queue.empty():
            topic, item = self._queue.get_nowait()
            if topic is None:
                for frame in item if isinstance(item, list) else (item,):
                    await self._socket.send_text(frame)

    def _offer(self, topic: str | None, frame: str | list[str]) -> None:
        try:
            self._queue.put_nowait((topic, frame))
        except asyncio.QueueFull:
            self.abort(WS_1013_TRY_AGAIN_LATER, "too slow: frames were not read in time; reconnect and resume")

    def _reply(self, frame: str) -> None:
        self._offer(None, frame)

    async def _receive_loop(self) -> None:
        while True:
            try:
                event = await self._socket.receive()
            except WebSocketDisconnect:
                return
            if event["type"] == "websocket.disconnect":
                return
            self._last_client_frame = time.monotonic()
            if not self._bucket.take():
                self._refused_in_a_row += 1
                if self._refused_in_a_row > self._limits.refused_before_close:
                    self.abort(WS_1008_POLICY_VIOLATION, "rate limit exceeded")
                    return
                self._reply(error(f"rate limit exceeded: at most {self._limits.rate_per_second} frames per second"))
                continue
            self._refused_in_a_row = 0
            text: str | None = event.get("text")  # type: ignore[assignment]
            if text is None:
                self._reply(error("frames must be JSON text"))
                continue
            if len(text) > self._limits.max_frame_bytes or len(text.encode()) > self._limits.max_frame_bytes:
                self._reply(error(f"frame too large: at most {self._limits.max_frame_bytes} bytes"))
                continue
            try:
                frame = client_frames.decode(text)
            except msgspec.ValidationError as exc:
                self._reply(error(f"malformed frame: {exc}"))
                continue
            except msgspec.DecodeError:
                self._reply(error("malformed frame: not JSON"))
                continue
            try:
                await self._handle(frame)
            except AuthenticationFailed:
                self.abort(WS_1008_POLICY_VIOLATION, "the token is missing, expired or revoked")
                return
            except Exception:  # one bad frame must not end the socket, nor the server
                log.exception("websocket frame failed")
                self._reply(error("internal error"))

    async def _handle(self, frame: SubscribeFrame | UnsubscribeFrame | PostFrame | PingFrame) -> None:
        if isinstance(frame, PingFrame):
            await self._in_request(self._check_token)
            self._reply(control("pong"))
        elif isinstance(frame, SubscribeFrame):
            await self._subscribe(frame)
        elif isinstance(frame, UnsubscribeFrame):
            await self._in_request(self._check_token)
            self._unsubscribe(frame.channel)
            self._reply(control("unsubscribed", channel=frame.channel))
        else:
            await self._post(frame)

    async def _in_request(self, work: Callable[[AsyncContainer], Awaitable[Any]]) -> Any:
        # dishka gives sockets SESSION scope; each frame gets its own REQUEST scope (and DB connection).
        async with self._container() as request_container:
            return await work(request_container)

    async def _check_token(self, container: AsyncContainer) -> Principal:
        authenticator: Authenticator = await container.get(Authenticator)
        return (await authenticator.authenticate(self._token_hash, None)).principal

    async def _subscribe(self, frame: SubscribeFrame) -> None:
        after = _optional_uuid(frame.after)
        if frame.after is not None and after is None:
            self._reply(error("after must be a message id", frame.channel))
            return
        if frame.channel == NOTIFICATIONS:
            topic, channel_id = user_topic(self._principal.user_id), None
        else:
            channel_id = _optional_uuid(frame.channel)
            if channel_id is None:
                self._reply(error('channel must be a channel id or "notifications"', frame.channel))
                return
            topic = chat_topic(channel_id)
        self._unsubscribe(frame.channel)
        # Follow the topic first, holding live frames aside, then load what was missed: nothing falls
        # between the backlog and the live stream, and duplicates are recognised by id.
        subscription = Subscription(topic=topic, channel=frame.channel, channel_id=channel_id)
        self._subscriptions[topic] = subscription
        self._hub.add(topic, self)
        try:
            backlog, truncated, head = await self._in_request(lambda c: self._load_backlog(c, channel_id, after))
        except DomainError as exc:
            self._unsubscribe(frame.channel)
            if isinstance(exc, AuthenticationFailed):
                raise
            self._reply(error(exc.detail, frame.channel))
            return
        if self._subscriptions.get(topic) is not subscription:
            return  # unsubscribed meanwhile
        self._reply(control("subscribed", channel=frame.channel))
        if backlog:
            self._offer(topic, [encoded for _, encoded in backlog])  # one queue slot, however long
        if truncated:
            self._reply(error("more missed messages than a resume sends: reload the history over HTTP", frame.channel))
        last_sent = backlog[-1][0] if backlog else after
        # The channel's order continues from the last message the client has; with nothing missed, from the
        # channel's last message when the subscribe was authorized.
        subscription.head = backlog[-1][0] if backlog else head
        subscription.ready = True
        held, subscription.pending = subscription.pending, []
        for delivery in held:
            if delivery.ordered or last_sent is None or delivery.id > last_sent:
                self._accept(subscription, delivery)

    async def _load_backlog(
        self, container: AsyncContainer, channel_id: uuid.UUID | None, after: uuid.UUID | None
    ) -> tuple[list[tuple[uuid.UUID, str]], bool, uuid.UUID | None]:
        """(what was missed after `after`, whether it was cut short, the channel's last message id)."""
        if channel_id is None:
            principal = await self._check_token(container)
            resume = await container.get(ResumeNotifications)
            notes = await resume.execute(principal, after)
            return [(n.id, notification_frame(n)) for n in notes.missed], notes.truncated, None
        gate = await container.get(ChannelGate)
        actor = await gate.enter(self._token_hash, channel_id)
        use_case = await container.get(SubscribeToChannel)
        stream = await use_case.execute(actor, SubscribeCommand(channel_id=channel_id, after=after))
        return [(m.id, message_frame(m)) for m in stream.missed], stream.truncated, stream.head

    def _unsubscribe(self, channel: str) -> None:
        for topic, subscription in list(self._subscriptions.items()):
            if subscription.channel == channel:
                del self._subscriptions[topic]
                self._hub.remove(topic, self)
                if subscription.repair is not None and subscription.repair is not asyncio.current_task():
                    subscription.repair.cancel()

    async def _post(self, frame: PostFrame) -> None:
        channel_id = _optional_uuid(frame.channel)
        if channel_id is None:
            self._reply(error("channel must be a channel id", frame.channel))
            return

        async def post(container: AsyncContainer) -> None:
            gate = await container.get(ChannelGate)
            actor = await gate.enter(self._token_hash, channel_id)
            use_case = await container.get(PostMessage)
            await use_case.execute(actor, PostMessageCommand(channel_id=channel_id, body=frame.body))

        try:
            await self._in_request(post)
        except AuthenticationFailed:
            raise
        except DomainError as exc:
            self._reply(error(exc.detail, frame.channel))

    async def _send_loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < 64:
                batch.append(self._queue.get_nowait())
            if any(topic is not None for topic, _ in batch):
                if not await self._recheck_channels_if_due():
                    return
                batch = [(topic, f) for topic, f in batch if topic is None or topic in self._subscriptions]
            sent = 0
            try:
                for topic, item in batch:
                    if topic is not None and self._closing.is_set():  # e.g. the token watch found it revoked
                        continue
                    for frame in item if isinstance(item, list) else (item,):
                        await self._socket.send_text(frame)
                        sent += 1
            finally:
                self._metrics.delivered(sent)  # once per batch, not per frame

    async def _recheck_channels_if_due(self, *, minimum_age: float = 0.0) -> bool:
        """Before delivering: channel access (membership, grants) every channel_recheck_seconds; the token
        itself is watched for the whole process by TokenWatch. False when the socket is closing."""
        age = time.monotonic() - self._last_channel_check
        if age < max(self._limits.channel_recheck_seconds, minimum_age):
            return not self._closing.is_set()
        try:
            await self._recheck_channels()
        except AuthenticationFailed:
            self.abort(WS_1008_POLICY_VIOLATION, "the token is missing, expired or revoked")
            return False
        except Exception:  # the database is unreachable, say: clients reconnect and resume later
            log.exception("websocket access re-check failed")
            self.abort(WS_1011_INTERNAL_ERROR, "internal error: reconnect and resume")
            return False
        return not self._closing.is_set()

    async def _recheck_channels(self) -> None:
        """Raises AuthenticationFailed when the token is no longer valid; drops channels no longer readable."""
        self._last_channel_check = time.monotonic()
        # Subscriptions still loading their backlog were authorized a moment ago; their subscribe answers.
        checked = [s for s in self._subscriptions.values() if s.ready and s.channel_id is not None]
        channel_ids = {s.channel_id for s in checked if s.channel_id is not None}

        async def check(container: AsyncContainer) -> set[uuid.UUID]:
            use_case: CheckChannelAccess = await container.get(CheckChannelAccess)
            return await use_case.execute(self._token_hash, channel_ids)

        readable = await self._in_request(check)
        for subscription in checked:
            if subscription.channel_id not in readable and self._subscriptions.get(subscription.topic) is subscription:
                self._unsubscribe(subscription.channel)
                self._reply(error("access to this channel has ended", subscription.channel))

    async def _watchdog(self) -> None:
        """Idle timeout, and the same re-checks for sockets that neither send nor receive (at most every
        30 s; deliveries and client frames check more often)."""
        period = max(min(self._limits.idle_timeout_seconds / 3, 5.0), 0.5)
        while True:
            await asyncio.sleep(period)
            if time.monotonic() - self._last_client_frame > self._limits.idle_timeout_seconds:
                self.abort(WS_1001_GOING_AWAY, "idle: send a ping at least every 30 seconds")
                return
            if not await self._recheck_channels_if_due(minimum_age=IDLE_ACCESS_RECHECK_SECONDS):
                return


def _optional_uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


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
        await socket.close(WS_1008_POLICY_VIOLATION, "the token is missing, expired or revoked")
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
    )
    watch: TokenWatch = await container.get(TokenWatch)
    watch.watch(session, socket.app.state.dishka_container)
    try:
        await session.run()
    finally:
        watch.forget(session)
