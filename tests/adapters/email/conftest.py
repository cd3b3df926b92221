"""A real SMTP server (aiosmtpd, in a thread) on 127.0.0.1 that captures what it receives."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP


@dataclass(frozen=True)
class ReceivedMail:
    peer: Any
    mail_from: str
    recipients: list[str]
    content: bytes


@dataclass
class CapturingHandler:
    """Records each accepted message and how many SMTP connections were opened."""

    received: list[ReceivedMail] = field(default_factory=list)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:  # name fixed by aiosmtpd
        with self.lock:
            self.received.append(
                ReceivedMail(session.peer, envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 Message accepted for delivery"

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.connections = 0


class _CountingSMTP(SMTP):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        handler = self.event_handler
        with handler.lock:
            handler.connections += 1
        super().connection_made(transport)


class _CountingController(Controller):
    def factory(self) -> SMTP:
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    handler: CapturingHandler


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def _smtp_server_process() -> Iterator[SmtpServer]:
    handler = CapturingHandler()
    port = _free_port()
    controller = _CountingController(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", port, handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp_server(_smtp_server_process: SmtpServer) -> SmtpServer:
    """The shared server, emptied: counts start from zero in every test (the start-up probe included)."""
    _smtp_server_process.handler.reset()
    return _smtp_server_process
