"""Token watch: one query per process per interval tells which open sockets' tokens were revoked (logout)
or expired; those sockets close with 1008. Polling per socket would cost one query per socket instead.
A second query per interval finds access changes (removal, role change, suspension): the sockets of the
users concerned re-check their channels before their next delivery."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import datetime
from typing import Protocol

from dishka import AsyncContainer

from adapters.realtime.close_codes import TOKEN_REFUSED, WS_1008_POLICY_VIOLATION
from application.access_changes import FindAccessChanges
from application.chat import FindInvalidTokens

log = logging.getLogger("chapterhouse.realtime")


class Watched(Protocol):
    @property
    def token_hash(self) -> bytes: ...

    @property
    def user_id(self) -> uuid.UUID: ...

    def abort(self, code: int, reason: str) -> None: ...

    def access_changed(self) -> None:
        """Re-check channel access before the next delivery."""
        ...


class TokenWatch:
    def __init__(self, interval_seconds: float) -> None:
        self._interval = max(interval_seconds, 0.05)
        self._sessions: set[Watched] = set()
        self._task: asyncio.Task[None] | None = None
        self._seen_changes: dict[uuid.UUID, datetime] = {}

    def watch(self, session: Watched, container: AsyncContainer) -> None:
        """container: the application's (APP scope) container, which outlives every socket."""
        self._sessions.add(session)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(container), name="realtime-token-watch")

    def forget(self, session: Watched) -> None:
        self._sessions.discard(session)

    async def check_once(self, container: AsyncContainer) -> None:
        sessions = list(self._sessions)
        if not sessions:
            return
        async with container() as request_container:
            use_case: FindInvalidTokens = await request_container.get(FindInvalidTokens)
            invalid = await use_case.execute({s.token_hash for s in sessions})
            changes = await (await request_container.get(FindAccessChanges)).execute()
        for session in sessions:
            if session.token_hash in invalid:
                session.abort(WS_1008_POLICY_VIOLATION, TOKEN_REFUSED)
        new = [c for c in changes if c.id not in self._seen_changes]
        self._seen_changes = {c.id: c.occurred_at for c in changes}  # the look-back window, no more
        if not new:
            return
        everyone = any(c.user_id is None for c in new)  # a suspension: sockets do not know their organizations
        users = {c.user_id for c in new}
        for session in sessions:
            if everyone or session.user_id in users:
                session.access_changed()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self, container: AsyncContainer) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.check_once(container)
            except Exception:  # the database may be away for a moment; sockets keep their last verdict
                log.exception("token watch failed")
