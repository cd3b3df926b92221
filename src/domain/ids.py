"""Identifiers: UUIDv7 (RFC 9562), time-ordered for B-tree locality and not enumerable.

Python 3.11's stdlib has no uuid7 and the domain imports nothing but the stdlib, so the
layout of the 128 bits is written out here: 48-bit Unix milliseconds, version, 12 random
bits, variant, 62 random bits.
"""

from __future__ import annotations

import os
import time
import uuid


def new_id() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)
