"""What one socket may do: its limits, and the token bucket that paces its client frames."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SocketLimits:
    max_frame_bytes: int = 8192  # a whole frame; the message body inside is limited to 4 KiB by the domain
    rate_per_second: int = 20  # client frames, token bucket with a burst of the same size
    refused_before_close: int = 20  # refused frames in a row before the socket is closed with 1008
    queue_size: int = 256  # outgoing frames waiting for a slow client before it is dropped
    idle_timeout_seconds: float = 90.0  # no client frame (a ping at least) for this long: close
    channel_recheck_seconds: float = 30.0  # on delivery, channel access (membership, grants) at most this often
    max_pending_per_subscription: int = 1000  # live frames held while a resuming subscribe loads its backlog
    live_timeout_seconds: float = 5.0  # a subscribe waits this long for the fan-out to receive its topic

    @property
    def max_buffered_bytes(self) -> int:
        """Frames written straight to the transport (wire.py) the client has not read yet, in bytes: the same
        budget as the queue, counting a kilobyte a frame."""
        return self.queue_size * 1024


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
