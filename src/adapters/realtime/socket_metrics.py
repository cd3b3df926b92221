"""What a socket reports about itself (opened, closed, frames both ways), and the silent default."""

from __future__ import annotations

from typing import Protocol


class SocketMetrics(Protocol):
    """What the operations side counts (entrypoints give the Prometheus recorder); called on hot paths,
    so implementations must be cheap: no label lookups per call."""

    def opened(self) -> None: ...

    def closed(self) -> None: ...

    def delivered(self, frames: int) -> None: ...

    def received(self, frames: int) -> None:
        """Frames the process received from the fan-out (counted by the hub, once per broadcast)."""
        ...


class NoSocketMetrics:
    def opened(self) -> None:
        """Not counted."""

    def closed(self) -> None:
        """Not counted."""

    def delivered(self, frames: int) -> None:
        """Not counted."""

    def received(self, frames: int) -> None:
        """Not counted."""
