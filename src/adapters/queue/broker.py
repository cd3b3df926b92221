"""A Redis Streams taskiq broker that keeps taskiq-redis' wire format but fixes its reliability gaps.

taskiq-redis 1.2.4's ``RedisStreamBroker`` builds a new client per kick and per ack, acks one message per
round trip, creates its consumer group at ``$`` on startup (so anything kicked before a worker starts is never
delivered) and reclaims a dead worker's messages only after ``XREADGROUP`` returned *new* messages (an idle
queue never reclaims). This subclass fixes each of those in the adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from redis.asyncio import Redis, ResponseError
from redis.exceptions import LockError
from redis.typing import KeyT, StreamIdT
from taskiq import AckableMessage
from taskiq.message import BrokerMessage
from taskiq_redis import RedisStreamBroker

logger = logging.getLogger(__name__)

_StreamId = bytes | str


class ReliableRedisStreamBroker(RedisStreamBroker):
    """At-least-once Redis Streams broker: one shared pool, batched kicks and acks, idle-safe reclaim.

    Message format and stream layout are identical to ``RedisStreamBroker`` (one ``data`` field per entry),
    so producers and workers of either class interoperate.

    Delivery guarantee: a message leaves the consumer group's pending list only through ``XACK``, and taskiq
    calls a message's ``ack`` after the task finished (``WHEN_SAVED`` / ``WHEN_EXECUTED``). Acks are buffered
    for ``ack_flush_interval`` and written as one XACK; a worker killed before that write leaves the message
    pending, and a worker reclaims it after ``idle_timeout`` ms. Tasks must therefore be idempotent: a kill
    between a task's side effect and the XACK means a second execution.
    """

    def __init__(
        self,
        url: str,
        queue_name: str = "taskiq",
        max_connection_pool_size: int | None = None,
        consumer_group_name: str = "taskiq",
        consumer_name: str | None = None,
        consumer_id: str = "0",
        mkstream: bool = True,
        xread_block: int = 2000,
        maxlen: int | None = None,
        approximate: bool = True,
        idle_timeout: int = 600_000,
        unacknowledged_batch_size: int = 100,
        unacknowledged_lock_timeout: float | None = 30.0,
        xread_count: int | None = 100,
        additional_streams: dict[str, str | int] | None = None,
        reclaim_interval: float | None = None,
        write_batch_size: int = 1000,
        ack_flush_interval: float = 0.002,
        trim_acknowledged: bool = True,
        **connection_kwargs: Any,
    ) -> None:
        """Build the broker; arguments match ``RedisStreamBroker`` except where noted.

        :param consumer_id: where a newly created group starts. ``"0"`` (not the stock ``"$"``) so that
            messages kicked before the group existed are still delivered.
        :param maxlen: approximate cap on the stream length applied on every XADD. XACK does not delete
            entries, so without a cap the stream grows forever; but trimming also drops entries that were
            never delivered, so pick a value far above the worst expected backlog.
        :param idle_timeout: ms a delivered, unacked message must sit before another worker may reclaim it.
            Must exceed the longest task run time plus its wait in the worker's prefetch queue.
        :param unacknowledged_lock_timeout: seconds after which the reclaim lock expires by itself, so a
            worker killed while reclaiming does not block reclaims forever (stock default: never).
        :param reclaim_interval: seconds between reclaim rounds in ``listen``; they run even when no new
            message arrives. Defaults to half of ``idle_timeout``, capped at 30 s.
        :param write_batch_size: most XADD commands sent in one pipelined round trip, and most ids in one
            XACK flush (a full buffer is flushed at once).
        :param ack_flush_interval: seconds finished messages wait for more acks to share their XACK.
        :param trim_acknowledged: on every reclaim round, the worker deletes entries every consumer group
            has acked (XTRIM MINID). This bounds the stream without ever dropping unfinished work; use
            ``maxlen`` only as a last-resort cap.
        """
        super().__init__(
            url,
            queue_name=queue_name,
            max_connection_pool_size=max_connection_pool_size,
            consumer_group_name=consumer_group_name,
            consumer_name=consumer_name or f"{uuid.uuid4()}",
            consumer_id=consumer_id,
            mkstream=mkstream,
            xread_block=xread_block,
            maxlen=maxlen,
            approximate=approximate,
            idle_timeout=idle_timeout,
            unacknowledged_batch_size=unacknowledged_batch_size,
            unacknowledged_lock_timeout=unacknowledged_lock_timeout,
            xread_count=xread_count,
            additional_streams=additional_streams,
            **connection_kwargs,
        )
        self.reclaim_interval = reclaim_interval if reclaim_interval is not None else min(idle_timeout / 2000, 30.0)
        self.write_batch_size = write_batch_size
        # One client over the pool for everything: the stock broker's per-call `Redis(...)` objects were the
        # worker's main CPU cost.
        self.redis = Redis(connection_pool=self.connection_pool)
        self._kick_batcher = _GroupCommitter(self._write_kicks, write_batch_size)
        self.ack_flush_interval = ack_flush_interval
        self.trim_acknowledged = trim_acknowledged
        self._acks_to_send: list[tuple[_StreamId, _StreamId]] = []
        self._ack_flusher: asyncio.Task[None] | None = None
        # Messages this worker has yielded and not yet acked: a reclaim round may claim our own slow
        # messages back to us, and running them twice in the same process helps nobody.
        self._in_flight: set[tuple[_StreamId, _StreamId]] = set()
        self._reclaim_cursors: dict[str, _StreamId] = {}

    @property
    def streams(self) -> list[str]:
        """Every stream this broker reads: the main queue first, then ``additional_streams``."""
        return [self.queue_name, *(s for s in self.additional_streams if s != self.queue_name)]

    async def ensure_group(self) -> None:
        """Create the consumer group (from ``consumer_id``, default ``"0"``) on every stream, idempotently.

        Called from ``startup()`` on both the client and the worker side, so whichever starts first creates
        the group and a kick that precedes every worker is still delivered.
        """
        for stream in self.streams:
            try:
                await self.redis.xgroup_create(
                    stream, self.consumer_group_name, id=self.consumer_id, mkstream=self.mkstream
                )
            except ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

    async def _declare_consumer_group(self) -> None:
        # The stock startup() calls this; route it through the shared client and the "0" default.
        await self.ensure_group()

    async def shutdown(self) -> None:
        """Flush acks and kicks still waiting for their batch, then close the pool."""
        if self._ack_flusher is not None and not self._ack_flusher.done():
            await asyncio.gather(self._ack_flusher, return_exceptions=True)
        await self._kick_batcher.drain()
        await super().shutdown()

    async def kick(self, message: BrokerMessage) -> None:
        """XADD the message; concurrent kicks share one pipelined round trip.

        Returns only after Redis accepted the entry, like the stock broker, so a caller that awaited its
        kick knows the task is durable in the stream.
        """
        queue_name = message.labels.get("queue_name") or self.queue_name
        await self._kick_batcher.submit((queue_name, message.message))

    async def _write_kicks(self, batch: list[tuple[str, bytes]]) -> None:
        if len(batch) == 1:
            queue_name, data = batch[0]
            await self.redis.xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
            return
        pipe = self.redis.pipeline(transaction=False)
        for queue_name, data in batch:
            pipe.xadd(queue_name, {b"data": data}, maxlen=self.maxlen, approximate=self.approximate)
        await pipe.execute()

    def _ack_generator(self, id: _StreamId, queue_name: _StreamId) -> Callable[[], Awaitable[None]]:
        """Acks are buffered and sent as one XACK per stream every ``ack_flush_interval``.

        taskiq calls ``ack`` only after the task finished, so the XACK can never precede the work. The ack
        returns before the XACK is written: if the worker dies in between, the message stays pending and
        is redelivered (at least once, never lost). Awaiting each round trip instead would cost a Redis
        call per job, since taskiq's receiver finishes tasks one at a time and leaves nothing to batch.
        """
        key = (queue_name, id)

        async def ack() -> None:
            self._acks_to_send.append(key)
            if self._ack_flusher is None or self._ack_flusher.done():
                self._ack_flusher = asyncio.create_task(self._flush_acks())

        return ack

    async def _flush_acks(self) -> None:
        while self._acks_to_send:
            if len(self._acks_to_send) < self.write_batch_size:
                await asyncio.sleep(self.ack_flush_interval)
            batch = self._acks_to_send[: self.write_batch_size]
            del self._acks_to_send[: self.write_batch_size]
            try:
                await self._write_acks(batch)
            except Exception:
                # Not retried: the messages stay pending and are reclaimed after idle_timeout.
                logger.exception("XACK of %d finished messages failed; they will be redelivered", len(batch))
            self._in_flight.difference_update(batch)

    async def _write_acks(self, batch: list[tuple[_StreamId, _StreamId]]) -> None:
        ids_by_stream: dict[_StreamId, list[_StreamId]] = {}
        for stream, message_id in batch:
            ids_by_stream.setdefault(stream, []).append(message_id)
        pipe = self.redis.pipeline(transaction=False)
        for stream, message_ids in ids_by_stream.items():
            pipe.xack(stream, self.consumer_group_name, *message_ids)
        await pipe.execute()

    def _ackable(self, stream: _StreamId, message_id: _StreamId, fields: dict[bytes, bytes]) -> AckableMessage:
        self._in_flight.add((stream, message_id))
        # model_construct skips pydantic validation of two fields we just built: a per-message cost.
        return AckableMessage.model_construct(data=fields[b"data"], ack=self._ack_generator(message_id, stream))

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        """Yield new messages and, every ``reclaim_interval`` seconds even on an idle queue, reclaimed ones.

        ``XREADGROUP`` blocks at most until the next reclaim is due, so an idle worker still picks up a dead
        worker's pending messages. A reclaim also runs right at start: a worker restarted after a crash
        takes over its predecessor's work without waiting for new traffic.
        """
        await self.ensure_group()
        read_from: dict[KeyT, StreamIdT] = {self.queue_name: ">"}
        for stream, position in self.additional_streams.items():
            read_from[stream] = position
        next_reclaim_at = next_trim_at = time.monotonic()
        while True:
            now = time.monotonic()
            if self.trim_acknowledged and now >= next_trim_at:
                await self.trim_acknowledged_entries()
                next_trim_at = now + self.reclaim_interval
            if now >= next_reclaim_at:
                reclaimed, more_to_scan = await self.reclaim_pending()
                for message in reclaimed:
                    yield message
                next_reclaim_at = time.monotonic() + self._next_reclaim_delay(bool(reclaimed), more_to_scan)
            block_ms = max(1, min(self.block, int((next_reclaim_at - time.monotonic()) * 1000)))
            fetched: Any = await self.redis.xreadgroup(
                self.consumer_group_name,
                self.consumer_name,
                read_from,
                block=block_ms,
                count=self.count,
            )
            for stream, entries in fetched or ():
                for message_id, fields in entries:
                    yield self._ackable(stream, message_id, fields)

    def _next_reclaim_delay(self, claimed_some: bool, more_to_scan: bool) -> float:
        if claimed_some and more_to_scan:
            return 0.0  # a dead worker left a backlog: keep claiming between reads
        if more_to_scan:
            # A long pending list of live work: walk it a window per second, not once per read.
            return min(self.reclaim_interval, 1.0)
        return self.reclaim_interval

    async def reclaim_pending(self) -> tuple[list[AckableMessage], bool]:
        """Claim up to ``unacknowledged_batch_size`` messages per stream idle for ``idle_timeout`` ms.

        Uses ``XAUTOCLAIM`` with a cursor kept between rounds, so successive rounds walk the whole pending
        list instead of rescanning its head. A lock with ``unacknowledged_lock_timeout`` keeps workers from
        scanning the same range at once; if another worker holds it we skip this round.
        Returns the claimed messages and whether any stream has more to scan right away.
        """
        claimed: list[AckableMessage] = []
        more_waiting = False
        for stream in self.streams:
            lock = self.redis.lock(
                f"autoclaim:{self.consumer_group_name}:{stream}",
                timeout=self.unacknowledged_lock_timeout,
                thread_local=False,
                raise_on_release_error=False,
            )
            if not await lock.acquire(blocking=False):
                continue
            try:
                cursor, entries, deleted_ids = await self._autoclaim(stream)
            finally:
                # The lock may have expired meanwhile; another worker may already hold it.
                with contextlib.suppress(LockError):
                    await lock.release()
            if deleted_ids:
                # Trimmed away (maxlen) before anyone ran them; Redis already dropped them from the PEL.
                logger.warning("%d pending messages of %s were trimmed before running", len(deleted_ids), stream)
            for message_id, fields in entries:
                if (stream, message_id) in self._in_flight:
                    continue
                if not fields or b"data" not in fields:
                    await self.redis.xack(stream, self.consumer_group_name, message_id)
                    continue
                claimed.append(self._ackable(stream, message_id, fields))
            self._reclaim_cursors[stream] = cursor
            more_waiting = more_waiting or cursor not in (b"0-0", "0-0")
        if claimed:
            logger.info("Reclaimed %d messages idle for over %d ms", len(claimed), self.idle_timeout)
        return claimed, more_waiting

    async def trim_acknowledged_entries(self) -> int:
        """Delete stream entries older than anything still pending or undelivered in any group.

        For each group the bound is its oldest pending id, or (nothing pending) the id right after its
        last-delivered id. Everything below the smallest bound was acked by every group. Races only make
        the bound conservative: new deliveries and pending entries always have larger ids. A stream
        without groups is left alone, its entries are waiting for their first worker.
        Returns the number of entries deleted.
        """
        deleted = 0
        for stream in self.streams:
            try:
                groups = await self.redis.xinfo_groups(stream)
            except ResponseError:  # the stream does not exist (yet)
                continue
            if not groups:
                continue
            bounds = []
            for group in groups:
                if group["pending"]:
                    summary = await self.redis.xpending(stream, group["name"])
                    bounds.append(_parse_id(summary["min"]))
                else:
                    milliseconds, sequence = _parse_id(group["last-delivered-id"])
                    bounds.append((milliseconds, sequence + 1))
            milliseconds, sequence = min(bounds)
            deleted += await self.redis.xtrim(stream, minid=f"{milliseconds}-{sequence}", approximate=False)
        return deleted

    async def _autoclaim(self, stream: str) -> tuple[_StreamId, list[Any], list[Any]]:
        response = await self.redis.xautoclaim(
            stream,
            self.consumer_group_name,
            self.consumer_name,
            min_idle_time=self.idle_timeout,
            start_id=self._reclaim_cursors.get(stream, "0-0"),
            count=self.unacknowledged_batch_size,
        )
        cursor, entries = response[0], response[1]
        deleted_ids = response[2] if len(response) > 2 else []
        return cursor, entries, deleted_ids


def _parse_id(stream_id: _StreamId) -> tuple[int, int]:
    text = stream_id.decode() if isinstance(stream_id, bytes) else stream_id
    milliseconds, _, sequence = text.partition("-")
    return int(milliseconds), int(sequence or 0)


class _GroupCommitter:
    """Batch concurrent writes into one round trip while every caller still awaits its own write.

    The first submitter starts a flush task; everything submitted before that task runs, or while its
    round trip is in flight, joins the next batch. One caller alone pays one round trip, as before;
    a hundred concurrent callers pay one or two. No timer, so batching adds no latency.
    """

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]], max_batch: int) -> None:
        self._write = write
        self._max_batch = max_batch
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def submit(self, item: Any) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        await future

    async def drain(self) -> None:
        if self._flusher is not None and not self._flusher.done():
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                await self._write([item for item, _ in batch])
            except asyncio.CancelledError:
                for _, future in batch:
                    future.cancel()
                raise
            except Exception as error:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)
