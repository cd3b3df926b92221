"""Which open sockets must re-check their channels now: access changes of the last few seconds.

The watch of each API process asks once per interval (one query for all its sockets, like the token watch);
sockets of the users concerned re-check before their next delivery, so a removed member, a demoted one or a
suspended organization's members stop receiving within the interval, not at the next periodic re-check.
"""

from __future__ import annotations

from datetime import timedelta

from application.ports.access_changes import AccessChange, AccessChanges
from application.ports.clock import Clock

# Events become visible at their transaction's commit, a moment after they occurred: the window looks back
# far enough for any commit, and callers skip the changes they saw already (by id).
LOOK_BACK = timedelta(seconds=15)


class FindAccessChanges:
    def __init__(self, changes: AccessChanges, clock: Clock) -> None:
        self._changes, self._clock = changes, clock

    async def execute(self) -> list[AccessChange]:
        return await self._changes.since(self._clock.now() - LOOK_BACK)
