"""The read side's connection: one pooled asyncpg connection per request, its tenant scope cleared on checkout.

A request borrows one asyncpg connection. app_authenticate() (a migration-managed function) checks
the token and the membership and sets the tenant on that connection in the same round trip. The pool
does not reset a connection when it goes back (that would cost a round trip per request): the next
borrower clears the scope in its first statement instead (RequestConnection).
"""

from __future__ import annotations

import asyncio
import collections

import asyncpg

CLEAR_SCOPE = "SELECT set_config('app.organization_id', '', false), set_config('app.user_id', '', false)"


async def keep_session(_: asyncpg.Connection) -> None:
    """The read pool's reset: none on release. Scope is cleared on checkout instead (see RequestConnection),
    which saves a round trip per request."""


class FairGate:
    """Hands pool slots to waiters strictly first come, first served.

    asyncpg's pool lets a newly arriving request take a connection that a waiting one was about to get; with
    more concurrent requests than connections, some requests starve (bench/members_list.py, 64 clients on a
    pool of 20: p99 344 ms, against 72 ms when nobody has to wait). A released slot goes straight to the
    oldest waiter here, so nobody can jump the queue.
    """

    def __init__(self, permits: int) -> None:
        self._free = permits
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()

    async def acquire(self) -> None:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.release()  # the slot was handed over as we were cancelled: pass it on
            elif waiter in self._waiters:
                self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1


class RequestConnection:
    """Lazily borrows one pooled connection for the duration of a request (or a job).

    A pooled connection may still carry the previous borrower's tenant (the pool does not reset on
    release). Every checkout therefore clears it in its first statement: app_authenticate() does that
    itself; any other first use runs CLEAR_SCOPE. Nothing can read before one of the two ran.
    """

    def __init__(self, pool: asyncpg.Pool, gate: FairGate | None = None) -> None:
        self._pool = pool
        self._gate = gate
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None

    async def _borrow(self) -> asyncpg.pool.PoolConnectionProxy:
        if self._gate is not None:
            await self._gate.acquire()
        try:
            return await self._pool.acquire()
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise

    async def for_authentication(self) -> asyncpg.pool.PoolConnectionProxy:
        """For app_authenticate(), which clears and sets the scope in the same round trip."""
        if self._conn is None:
            self._conn = await self._borrow()
        return self._conn

    async def get(self) -> asyncpg.pool.PoolConnectionProxy:
        if self._conn is None:
            conn = await self._borrow()
            self._conn = conn
            try:
                await conn.execute(CLEAR_SCOPE)
            except BaseException:
                await self.release()
                raise
        return self._conn

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await self._pool.release(conn)
            finally:
                if self._gate is not None:
                    self._gate.release()
