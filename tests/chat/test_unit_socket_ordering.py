"""Channel order on a socket: frames that arrive out of order (two processes publishing) are put back in
order, a frame that never arrives (a failed publish) is reloaded from the store, and a long resume does not
count against the socket's queue. Memory adapters, real use cases, fake sockets."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest

from adapters.memory.chat.queries import (
    MemoryChannelAccessPolicy,
    MemoryChannelQueries,
    MemoryMessageQueries,
    MemoryNotificationQueries,
)
from adapters.memory.identity.queries import MemoryAuthenticator
from adapters.memory.store import MemoryStore
from adapters.realtime.hub import LocalHub
from adapters.realtime.publisher import FanoutRealtimePublisher
from adapters.realtime.websocket import SocketLimits, SocketSession
from application.chat import (
    ChannelGate,
    CreateChannel,
    CreateChannelCommand,
    PostMessage,
    PostMessageCommand,
    SubscribeToChannel,
)
from application.identity import hash_token
from application.notifications import ResumeNotifications
from application.ports.auth import Authenticator
from domain.identity import AccessToken, User
from domain.organizations import Organization
from domain.permissions import Actor, Principal, Role
from tests.fixtures.backends import memory_backend_on
from tests.fixtures.sockets import NOW, FakeContainer, FakeSocket, FixedClock, settle

HANG_GUARD = 10.0


class CapturingFanout:
    """Publishes nowhere: the test decides which payloads reach the hub, and in which order."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str]] = []

    async def publish(self, topic: str, payload: str) -> None:
        self.published.append((topic, payload))


class Chat:
    def __init__(self) -> None:
        self.store = MemoryStore()
        clock = FixedClock()
        self.uow = memory_backend_on(self.store).uow
        policy = MemoryChannelAccessPolicy(self.store)
        self.fanout = CapturingFanout()
        self.post_message = PostMessage(self.uow, policy, FanoutRealtimePublisher(self.fanout), clock)
        authenticator = MemoryAuthenticator(self.store, clock)
        self.container = FakeContainer(
            {
                Authenticator: authenticator,
                ChannelGate: ChannelGate(authenticator, MemoryChannelQueries(self.store)),
                SubscribeToChannel: SubscribeToChannel(
                    MemoryChannelQueries(self.store), policy, MemoryMessageQueries(self.store)
                ),
                ResumeNotifications: ResumeNotifications(MemoryNotificationQueries(self.store)),
            }
        )
        self.user = User(email="o@example.com", name="Owner", password_hash="x", created_at=NOW)
        self.store.users[self.user.id] = self.user
        self.token = "owner-token"
        self.store.access_tokens[hash_token(self.token)] = AccessToken(
            token_hash=hash_token(self.token), user_id=self.user.id, created_at=NOW, expires_at=NOW + timedelta(days=1)
        )
        org, owner = Organization.found(name="Org", slug="org", owner_id=self.user.id, now=NOW)
        self.store.organizations[org.id] = org
        self.store.memberships[(org.id, self.user.id)] = owner
        self.actor = Actor(self.user.id, org.id, Role.OWNER)
        self.hub = LocalHub()

    async def channel(self) -> uuid.UUID:
        create = CreateChannel(self.uow, MemoryChannelQueries(self.store), FixedClock())
        view = await create.execute(self.actor, CreateChannelCommand("general", "org"))
        return view.id

    async def post(self, channel: uuid.UUID, body: str) -> str:
        """Stores the message; returns its payload as published (not yet dispatched)."""
        await self.post_message.execute(self.actor, PostMessageCommand(channel, body))
        return self.fanout.published[-1][1]

    def session(self, socket: CountingSocket, **limits: Any) -> SocketSession:
        return SocketSession(
            socket,  # type: ignore[arg-type]
            container=self.container,  # type: ignore[arg-type]
            hub=self.hub,
            limits=SocketLimits(**{"channel_recheck_seconds": 3600, **limits}),
            token_hash=hash_token(self.token),
            principal=Principal(self.user.id),
        )


class CountingSocket(FakeSocket):
    def __init__(self) -> None:
        super().__init__()
        self.sent_something = asyncio.Event()

    async def send_text(self, text: str) -> None:
        await super().send_text(text)
        self.sent_something.set()


async def received_bodies(socket: CountingSocket, count: int) -> list[str]:
    """Waits (the guard only stops a hang) until `count` messages went out; returns their bodies in order."""

    def bodies() -> list[str]:
        return [f["body"] for f in socket.sent if f["type"] == "message"]

    async def enough() -> None:
        while len(bodies()) < count:
            socket.sent_something.clear()
            await socket.sent_something.wait()

    await asyncio.wait_for(enough(), HANG_GUARD)
    return bodies()


@pytest.fixture
async def chat() -> Chat:
    return Chat()


async def test_frames_from_two_processes_arriving_out_of_order_go_out_in_channel_order(chat):
    channel = await chat.channel()
    socket = CountingSocket()
    run = asyncio.create_task(chat.session(socket).run())
    socket.feed({"type": "subscribe", "channel": str(channel)})
    await settle()
    first, second, third = [await chat.post(channel, body) for body in ("one", "two", "three")]
    topic = f"chat:{channel}"
    for payload in (second, third, first, second):  # late, early, and once more for good measure
        chat.hub.dispatch(topic, payload)
    assert await received_bodies(socket, 3) == ["one", "two", "three"]
    await settle()
    assert len(socket.sent) == 4  # subscribed + three messages, none twice
    socket.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(run, HANG_GUARD)


async def test_a_frame_that_never_arrives_is_reloaded_from_the_store(chat):
    channel = await chat.channel()
    socket = CountingSocket()
    run = asyncio.create_task(chat.session(socket).run())
    socket.feed({"type": "subscribe", "channel": str(channel)})
    await settle()
    _lost, second, third = [await chat.post(channel, body) for body in ("lost", "two", "three")]
    topic = f"chat:{channel}"
    chat.hub.dispatch(topic, second)  # the first one's publish failed
    chat.hub.dispatch(topic, third)
    assert await received_bodies(socket, 3) == ["lost", "two", "three"]
    fourth = await chat.post(channel, "four")
    chat.hub.dispatch(topic, fourth)
    assert await received_bodies(socket, 4) == ["lost", "two", "three", "four"]
    socket.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(run, HANG_GUARD)


async def test_a_resume_longer_than_the_queue_is_delivered_whole(chat):
    channel = await chat.channel()
    for i in range(40):
        await chat.post(channel, f"m{i}")
    first_id = chat.fanout.published[0][1].split("\n", 1)[0]
    socket = CountingSocket()
    run = asyncio.create_task(chat.session(socket, queue_size=8).run())
    socket.feed({"type": "subscribe", "channel": str(channel), "after": first_id})
    assert await received_bodies(socket, 39) == [f"m{i}" for i in range(1, 40)]
    assert socket.closed is None
    socket.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(run, HANG_GUARD)
