"""One socket's life: a receive loop (parse, rate-limit, dispatch each frame in its own dishka REQUEST scope),
a sender draining a bounded queue, and the watchdog of access.py. The hub hands frames to the queue without
waiting; a socket whose queue is full is closed, never waited for. Chat frames leave in channel order, each
once (ordering.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import msgspec
from dishka import AsyncContainer
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from redis.exceptions import RedisError

from adapters.realtime.access import ChannelAccess
from adapters.realtime.close_codes import (
    TOKEN_REFUSED,
    WS_1000_NORMAL,
    WS_1008_POLICY_VIOLATION,
    WS_1013_TRY_AGAIN_LATER,
)
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
from adapters.realtime.limits import SocketLimits, TokenBucket
from adapters.realtime.ordering import ChannelOrder, Subscription
from adapters.realtime.socket_metrics import NoSocketMetrics, SocketMetrics
from adapters.realtime.wire import RawWriter
from application.chat import ChannelGate, PostMessage, PostMessageCommand, SubscribeCommand, SubscribeToChannel
from application.notifications import ResumeNotifications
from application.ports.auth import Authenticator
from domain.errors import AuthenticationFailed, DomainError
from domain.permissions import Principal

log = logging.getLogger("chapterhouse.realtime")

# What the sender queue carries: (topic or None for control frames, one encoded frame or a backlog of them).
Outgoing = tuple[str | None, str | list[str]]
Backlog = tuple[list[tuple[uuid.UUID, str]], bool, uuid.UUID | None]
T = TypeVar("T")


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
        writer: RawWriter | None = None,
    ) -> None:
        self._socket, self._container, self._hub, self._limits = socket, container, hub, limits
        self._writer, self._sending = writer, False
        self._metrics: SocketMetrics = metrics or NoSocketMetrics()
        self._token_hash, self._principal = token_hash, principal
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=limits.queue_size)
        self._subscriptions: dict[str, Subscription] = {}
        self._bucket = TokenBucket(limits.rate_per_second)
        self._refused_in_a_row = 0
        self._last_client_frame = time.monotonic()
        self._order = ChannelOrder(self, limits.max_pending_per_subscription)
        self._access = ChannelAccess(self, limits)
        self._closing = asyncio.Event()
        # What run() waits on besides its tasks: a plain future, not one more task per socket.
        self._closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._close_code, self._close_reason = WS_1000_NORMAL, ""

    @property
    def token_hash(self) -> bytes:
        return self._token_hash

    @property
    def closing(self) -> bool:
        return self._closing.is_set()

    @property
    def last_client_frame(self) -> float:
        return self._last_client_frame

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
        self._order.accept(subscription, delivery)

    def abort(self, code: int, reason: str) -> None:
        if not self._closing.is_set():
            self._close_code, self._close_reason = code, reason
            self._closing.set()
            if not self._closed.done():
                self._closed.set_result(None)

    # --- what ordering and the re-checks use ----------------------------------------------------------
    def send_live(self, topic: str, delivery: Delivery) -> None:
        """A live frame, in order: written at once when nothing waits before it (no queued frame, no send in
        progress, no access re-check due), else queued behind what waits."""
        writer = self._writer
        if writer is None or self._sending or not self._queue.empty() or not delivery.wire or self._access.due():
            self.offer(topic, delivery.frame)
            return
        if self._closing.is_set() or not writer.open:
            return
        if writer.buffered > self._limits.max_buffered_bytes:
            self.abort(WS_1013_TRY_AGAIN_LATER, "too slow: frames were not read in time; reconnect and resume")
            return
        writer.write(delivery.wire)
        self._metrics.delivered(1)

    def offer(self, topic: str | None, frame: str | list[str]) -> None:
        try:
            self._queue.put_nowait((topic, frame))
        except asyncio.QueueFull:
            self.abort(WS_1013_TRY_AGAIN_LATER, "too slow: frames were not read in time; reconnect and resume")

    def subscriptions(self) -> list[Subscription]:
        return list(self._subscriptions.values())

    def is_current(self, subscription: Subscription) -> bool:
        return self._subscriptions.get(subscription.topic) is subscription

    def end_access(self, subscription: Subscription) -> None:
        self._unsubscribe(subscription.channel)
        self._reply(error("access to this channel has ended", subscription.channel))

    async def load_after(self, subscription: Subscription, after: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        loaded, _, _ = await self.in_request(lambda c: self._load_backlog(c, subscription.channel_id, after))
        return loaded

    async def in_request(self, work: Callable[[AsyncContainer], Awaitable[T]]) -> T:
        # dishka gives sockets SESSION scope; each frame gets its own REQUEST scope (and DB connection).
        async with self._container() as request_container:
            return await work(request_container)

    # --- the socket's life --------------------------------------------------------------------------
    async def run(self) -> None:
        tasks = [
            asyncio.create_task(self._receive_loop(), name="ws-receive"),
            asyncio.create_task(self._send_loop(), name="ws-send"),
            asyncio.create_task(self._access.watchdog(), name="ws-watchdog"),
        ]
        try:
            await asyncio.wait([*tasks, self._closed], return_when=asyncio.FIRST_COMPLETED)
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

    def _reply(self, frame: str) -> None:
        self.offer(None, frame)

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
            text = event.get("text")
            if not isinstance(text, str):
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
                self.abort(WS_1008_POLICY_VIOLATION, TOKEN_REFUSED)
                return
            except Exception:  # one bad frame must not end the socket, nor the server
                log.exception("websocket frame failed")
                self._reply(error("internal error"))

    async def _handle(self, frame: SubscribeFrame | UnsubscribeFrame | PostFrame | PingFrame) -> None:
        if isinstance(frame, PingFrame):
            await self.in_request(self._check_token)
            self._reply(control("pong"))
        elif isinstance(frame, SubscribeFrame):
            await self._subscribe(frame)
        elif isinstance(frame, UnsubscribeFrame):
            await self.in_request(self._check_token)
            self._unsubscribe(frame.channel)
            self._reply(control("unsubscribed", channel=frame.channel))
        else:
            await self._post(frame)

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
        live = self._hub.add(topic, self)
        try:
            async with asyncio.timeout(self._limits.live_timeout_seconds):
                await asyncio.shield(live)  # the future is shared by the topic's followers
        except (TimeoutError, RedisError, OSError):
            if self.is_current(subscription):
                self._unsubscribe(frame.channel)
            self._reply(error("real-time backend unavailable: try again later", frame.channel))
            return
        if not self.is_current(subscription):
            return  # unsubscribed meanwhile
        try:
            backlog, truncated, head = await self.in_request(lambda c: self._load_backlog(c, channel_id, after))
        except DomainError as exc:
            self._unsubscribe(frame.channel)
            if isinstance(exc, AuthenticationFailed):
                raise
            self._reply(error(exc.detail, frame.channel))
            return
        if not self.is_current(subscription):
            return  # unsubscribed meanwhile
        self._reply(control("subscribed", channel=frame.channel))
        if backlog:
            self.offer(topic, [encoded for _, encoded in backlog])  # one queue slot, however long
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
                self._order.accept(subscription, delivery)

    async def _load_backlog(
        self, container: AsyncContainer, channel_id: uuid.UUID | None, after: uuid.UUID | None
    ) -> Backlog:
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
            await self.in_request(post)
        except AuthenticationFailed:
            raise
        except DomainError as exc:
            self._reply(error(exc.detail, frame.channel))

    async def _send_loop(self) -> None:
        while True:
            self._sending = False
            batch = [await self._queue.get()]
            self._sending = True
            while not self._queue.empty() and len(batch) < 64:
                batch.append(self._queue.get_nowait())
            if any(topic is not None for topic, _ in batch):
                if not await self._access.recheck_if_due():
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


def _optional_uuid(value: str | None) -> uuid.UUID | None:
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
