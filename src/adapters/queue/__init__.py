"""Background jobs over Redis Streams (taskiq)."""

from adapters.queue.broker import ReliableRedisStreamBroker

__all__ = ["ReliableRedisStreamBroker"]
