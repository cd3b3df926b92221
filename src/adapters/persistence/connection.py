"""The read side's connection: one pooled asyncpg connection per request, read in one transaction.

A request borrows one asyncpg connection and reads in one transaction on it. app_authenticate_scoped()
(a migration-managed function) checks the token and the membership and sets the tenant with SET LOCAL
in the same round trip; the end of the transaction at release ends the scope, so the connection carries
nothing to its next borrower. Hot reads go further: one function authenticates, scopes and returns the
rows in one statement (see identity/member_pages.py).
"""

from __future__ import annotations

import asyncio
import collections

import asyncpg


async def keep_session(conn: asyncpg.Connection) -> None:
    """The read pool's reset: no RESET ALL on release (a round trip per request). There is no session state to
    reset: the scope is transaction-local, and a transaction left open (checked locally) is rolled back."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


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

    Reads run in one transaction opened on first use (`get`, `for_authentication`); the tenant scope is
    SET LOCAL inside it and ends with it at `release`. `for_single_statement` lends the connection outside
    a transaction to a function that authenticates, scopes and reads in one statement (its own transaction).
    """

    def __init__(self, pool: asyncpg.Pool, gate: FairGate | None = None, *, single_statements: bool = True) -> None:
        self._pool = pool
        self._gate = gate
        # Behind a transaction pooler without prepared statements, a statement outside a transaction takes two
        # round trips (prepare, execute) that the pooler may send to different servers: read in a transaction.
        self._single_statements = single_statements
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._transaction: asyncpg.transaction.Transaction | None = None

    async def _borrow(self) -> asyncpg.pool.PoolConnectionProxy:
        if self._conn is not None:
            return self._conn
        if self._gate is not None:
            await self._gate.acquire()
        try:
            self._conn = await self._pool.acquire()
        except BaseException:
            if self._gate is not None:
                self._gate.release()
            raise
        return self._conn

    async def for_single_statement(self) -> asyncpg.pool.PoolConnectionProxy:
        return await self._borrow() if self._single_statements else await self.get()

    async def get(self) -> asyncpg.pool.PoolConnectionProxy:
        conn = await self._borrow()
        if self._transaction is None:
            transaction = conn.transaction(readonly=True)
            try:
                await transaction.start()
            except BaseException:
                await self.release()
                raise
            self._transaction = transaction
        return conn

    async def for_authentication(self) -> asyncpg.pool.PoolConnectionProxy:
        """For app_authenticate_scoped(): the scope it sets lives as long as the transaction."""
        return await self.get()

    async def release(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        transaction, self._transaction = self._transaction, None
        try:
            if transaction is not None:
                try:
                    await transaction.rollback()  # read-only: nothing to keep, and cheaper to state
                except BaseException:
                    conn.terminate()  # never hand on a connection whose transaction may still be open
                    raise
            await self._pool.release(conn)
        finally:
            if self._gate is not None:
                self._gate.release()
