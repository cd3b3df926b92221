"""The socket session and the hub in one process, with fake sockets: slow consumers, limits, frames."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from adapters.memory.chat.queries import MemoryNotificationQueries, MemoryTokenValidity
from adapters.memory.identity.queries import MemoryAuthenticator
from adapters.memory.store import MemoryStore
from adapters.realtime.frames import client_frames, envelope, open_envelope, user_topic
from adapters.realtime.hub import LocalHub
from adapters.realtime.watch import TokenWatch
from adapters.realtime.websocket import SocketLimits, SocketSession, TokenBucket
from application.chat import FindInvalidTokens
from application.identity import hash_token
from application.notifications import ResumeNotifications
from application.ports.auth import Authenticator
from domain.identity import AccessToken, User
from domain.permissions import Principal
from tests.fixtures.sockets import NOW, FakeContainer, FakeSocket, FixedClock, settle


def note(**fields: Any) -> str:
    """A notification as published: an unordered envelope around its frame."""
    note_id = uuid.uuid4()
    return envelope(note_id, json.dumps({"type": "notification", "id": str(note_id), **fields}), ordered=False)


@pytest.fixture
def user_and_token() -> tuple[MemoryStore, User, str]:
    store = MemoryStore()
    user = User(email="a@example.com", name="A", password_hash="x", created_at=NOW)
    store.users[user.id] = user
    token = "token"
    store.access_tokens[hash_token(token)] = AccessToken(
        token_hash=hash_token(token), user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(days=1)
    )
    return store, user, token


class FakeWriter:
    """Stands in for the transport writer (wire.RawWriter): a stalled client never takes what was written."""

    def __init__(self, *, stalled: bool = False) -> None:
        self.frames: list[dict[str, Any]] = []
        self.buffered = 0
        self.open = True
        self._stalled = stalled

    def write(self, frame: bytes) -> None:
        header = 4 if frame[1] == 126 else 2
        self.frames.append(json.loads(frame[header:]))
        if self._stalled:
            self.buffered += len(frame)


def session_for(
    store: MemoryStore,
    user: User,
    token: str,
    socket: FakeSocket,
    hub: LocalHub,
    writer: FakeWriter | None = None,
    **overrides: Any,
):
    container = FakeContainer(
        {
            Authenticator: MemoryAuthenticator(store, FixedClock()),
            ResumeNotifications: ResumeNotifications(MemoryNotificationQueries(store)),
        }
    )
    return SocketSession(
        socket,  # type: ignore[arg-type]
        container=container,  # type: ignore[arg-type]
        hub=hub,
        limits=SocketLimits(**{"channel_recheck_seconds": 3600, **overrides}),
        token_hash=hash_token(token),
        principal=Principal(user.id),
        writer=writer,  # type: ignore[arg-type]
    )


async def test_live_frames_are_written_once_encoded_and_a_client_that_stops_reading_is_closed(user_and_token):
    """The direct path: frames go straight to the transport (no send task, no per-socket encoding); a client
    whose unread bytes pass the budget is closed with 1013, the others keep getting everything."""
    store, user, token = user_and_token
    hub = LocalHub()
    sockets, writers = (FakeSocket(), FakeSocket()), (FakeWriter(), FakeWriter(stalled=True))
    sessions = [session_for(store, user, token, s, hub, w, queue_size=1) for s, w in zip(sockets, writers, strict=True)]
    runs = [asyncio.create_task(s.run()) for s in sessions]
    for socket in sockets:
        socket.feed({"type": "subscribe", "channel": "notifications"})
    await settle()
    for i in range(40):
        hub.dispatch(user_topic(user.id), note(n=i, padding="x" * 100))
    await asyncio.wait_for(runs[1], 5)  # the stalled session ended on its own
    assert sockets[1].closed is not None and sockets[1].closed[0] == 1013
    assert 0 < len(writers[1].frames) < 40
    assert [f["n"] for f in writers[0].frames] == list(range(40))
    assert sockets[0].sent == [{"type": "subscribed", "channel": "notifications"}]  # live frames: written directly
    assert not runs[0].done()
    sockets[0].incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(runs[0], 5)


async def test_a_socket_that_stops_reading_is_dropped_and_the_others_get_everything(user_and_token):
    store, user, token = user_and_token
    hub = LocalHub()
    fast, stalled = FakeSocket(), FakeSocket(stalled=True)
    sessions = [session_for(store, user, token, s, hub, queue_size=8) for s in (fast, stalled)]
    runs = [asyncio.create_task(s.run()) for s in sessions]
    for socket in (fast, stalled):
        socket.feed({"type": "subscribe", "channel": "notifications"})
    await settle()
    assert fast.sent == [{"type": "subscribed", "channel": "notifications"}]

    frames = [note(n=i) for i in range(40)]
    for frame in frames:
        hub.dispatch(user_topic(user.id), frame)
        await settle()

    await asyncio.wait_for(runs[1], 5)  # the stalled session ended on its own
    assert stalled.closed is not None and stalled.closed[0] == 1013
    assert [f["n"] for f in fast.sent[1:]] == list(range(40))
    assert not runs[0].done() and fast.closed is None
    assert hub.dispatch(user_topic(user.id), frames[0]) == 1  # only the fast one still follows the topic
    fast.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(runs[0], 5)
    assert not hub.follows(user_topic(user.id))


async def test_frames_over_the_rate_get_errors_then_close_with_1008(user_and_token):
    store, user, token = user_and_token
    socket = FakeSocket()
    session = session_for(store, user, token, socket, LocalHub(), rate_per_second=5, refused_before_close=3)
    for _ in range(50):
        socket.feed({"type": "ping"})
    await asyncio.wait_for(session.run(), 5)
    kinds = [f["type"] for f in socket.sent]
    assert kinds.count("pong") >= 5 and kinds.count("error") >= 3
    assert all("rate limit" in f["detail"] for f in socket.sent if f["type"] == "error")
    assert socket.closed is not None and socket.closed[0] == 1008


async def test_a_revoked_token_closes_the_socket_at_its_next_frame(user_and_token):
    store, user, token = user_and_token
    socket = FakeSocket()
    session = session_for(store, user, token, socket, LocalHub())
    run = asyncio.create_task(session.run())
    socket.feed({"type": "ping"})
    await settle()
    store.access_tokens[hash_token(token)].revoke(NOW)
    socket.feed({"type": "ping"})
    await asyncio.wait_for(run, 5)
    assert socket.sent == [{"type": "pong"}]
    assert socket.closed is not None and socket.closed[0] == 1008


def test_the_token_bucket_refills_at_its_rate():
    now = [0.0]
    bucket = TokenBucket(2, clock=lambda: now[0])
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    now[0] += 0.5
    assert [bucket.take() for _ in range(2)] == [True, False]


@pytest.mark.parametrize(
    "raw",
    ['{"type":"subscribe"}', '{"type":"ping","x":1}', '{"type":"nope"}', "[]", '{"type":"message","channel":"c"}'],
)
def test_frames_outside_the_protocol_do_not_decode(raw):
    import msgspec

    with pytest.raises(msgspec.ValidationError):
        client_frames.decode(raw)


def test_envelopes_carry_the_id_and_the_channel_order_between_processes():
    first, second = uuid.uuid4(), uuid.uuid4()
    chat = open_envelope(envelope(second, '{"type":"message"}', previous_id=first, ordered=True))
    assert chat is not None and (chat.id, chat.previous_id, chat.ordered) == (second, first, True)
    assert chat.frame == '{"type":"message"}'
    opening = open_envelope(envelope(first, "{}", previous_id=None, ordered=True))
    assert opening is not None and opening.previous_id is None and opening.ordered
    unordered = open_envelope(envelope(first, "{}", ordered=False))
    assert unordered is not None and not unordered.ordered
    assert open_envelope("not an envelope") is None


async def test_a_socket_that_sends_nothing_is_closed_as_idle(user_and_token):
    store, user, token = user_and_token
    socket = FakeSocket()
    session = session_for(store, user, token, socket, LocalHub(), idle_timeout_seconds=0.01)
    await asyncio.wait_for(session.run(), 5)  # the watchdog ends it; the guard only stops a hang
    assert socket.closed is not None and socket.closed[0] == 1001


async def test_the_token_watch_closes_the_sockets_of_revoked_tokens_only(user_and_token):
    store, user, token = user_and_token
    other_token = "other-token"
    store.access_tokens[hash_token(other_token)] = AccessToken(
        token_hash=hash_token(other_token), user_id=user.id, created_at=NOW, expires_at=NOW + timedelta(days=1)
    )
    hub, revoked_socket, kept_socket = LocalHub(), FakeSocket(), FakeSocket()
    revoked = session_for(store, user, token, revoked_socket, hub)
    kept = session_for(store, user, other_token, kept_socket, hub)
    runs = [asyncio.create_task(s.run()) for s in (revoked, kept)]
    for socket in (revoked_socket, kept_socket):
        socket.feed({"type": "subscribe", "channel": "notifications"})
    await settle()

    watch = TokenWatch(interval_seconds=3600)
    watch.watch(revoked, FakeContainer({}))
    watch.watch(kept, FakeContainer({}))
    store.access_tokens[hash_token(token)].revoke(NOW)
    await watch.check_once(
        FakeContainer({FindInvalidTokens: FindInvalidTokens(MemoryTokenValidity(store, FixedClock()))})
    )
    hub.dispatch(user_topic(user.id), note())
    await asyncio.wait_for(runs[0], 5)
    await settle()

    assert revoked_socket.closed is not None and revoked_socket.closed[0] == 1008
    assert revoked_socket.sent == [{"type": "subscribed", "channel": "notifications"}]
    assert [f["type"] for f in kept_socket.sent] == ["subscribed", "notification"] and kept_socket.closed is None
    kept_socket.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
    await asyncio.wait_for(runs[1], 5)
    await watch.close()


def test_socket_tokens_are_redacted_from_uvicorn_handshake_logs(caplog):
    import logging

    from adapters.realtime.log_redaction import redact_socket_tokens

    redact_socket_tokens("test.uvicorn")
    redact_socket_tokens("test.uvicorn")  # idempotent
    with caplog.at_level(logging.INFO, logger="test.uvicorn"):
        logging.getLogger("test.uvicorn").info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5", "/ws?token=s3cr3t&x=1")
    assert "s3cr3t" not in caplog.text and "/ws?token=[redacted]&x=1" in caplog.text
    assert len(logging.getLogger("test.uvicorn").filters) == 1
