"""A lean WebSocket client for the fan-out benchmarks: many sockets in one process, cheap enough per frame
that the figure measured is the server's, not the client's.

The handshake and the client's own frames (masked) go through websockets' sans-I/O `ClientProtocol`; once a
socket is subscribed, incoming frames are cut by a small hand-written reader straight from the bytes of
`data_received` (servers do not mask): no per-frame objects, no JSON decode, one clock read per read
event. A message's number is found by its body marker (`<marker><n>"`), and the latency recorded against
the time that number was posted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.uri import parse_uri

MARKER = b'"body":"bench message '


class Tally:
    """What every socket of a run adds to: latencies (seconds) and frames counted per message number."""

    def __init__(self, messages: int) -> None:
        self.sent_at: list[float] = [0.0] * messages
        self.received = [0] * messages
        self.latencies: list[float] = []
        self.frames = 0
        self.last_arrival = 0.0
        self.done: asyncio.Event = asyncio.Event()
        self.expected = 0

    def saw(self, number: int, arrived: float) -> None:
        self.received[number] += 1
        self.latencies.append(arrived - self.sent_at[number])
        self.frames += 1
        self.last_arrival = arrived
        if self.frames == self.expected:
            self.done.set()


class LeanSocket(asyncio.Protocol):
    def __init__(self, url: str, tally: Tally) -> None:
        self._protocol = ClientProtocol(parse_uri(url), max_size=2**20)
        self._tally = tally
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._fast = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.texts: asyncio.Queue[str] = asyncio.Queue()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None

    # --- asyncio.Protocol ------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]  # uvloop's is not an asyncio.Transport subclass
        self._protocol.send_request(self._protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        if self._fast:
            self._buffer += data
            self._cut(time.perf_counter())
            return
        self._protocol.receive_data(data)
        for event in self._protocol.events_received():
            if isinstance(event, Response):
                if self._protocol.handshake_exc is not None:
                    self.opened.set_exception(self._protocol.handshake_exc)
                else:
                    self.opened.set_result(None)
            elif isinstance(event, Frame):
                if event.opcode is Opcode.TEXT:
                    self.texts.put_nowait(event.data.decode())
                elif event.opcode is Opcode.CLOSE:
                    self.close_code = int.from_bytes(event.data[:2]) if len(event.data) >= 2 else 1005
        self._flush()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # --- use ---------------------------------------------------------------------------------------
    def send_text(self, text: str) -> None:
        self._protocol.send_text(text.encode())
        self._flush()

    def go_fast(self) -> None:
        """From now on frames are cut by _cut (call once the handshake and the subscribe answer are read)."""
        self._fast = True

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def _flush(self) -> None:
        assert self._transport is not None
        for chunk in self._protocol.data_to_send():
            if chunk:
                self._transport.write(chunk)

    def _cut(self, arrived: float) -> None:
        buffer, start, end = self._buffer, 0, len(self._buffer)
        saw = self._tally.saw
        while end - start >= 2:
            length, header = buffer[start + 1] & 0x7F, 2
            if length == 126:
                if end - start < 4:
                    break
                length, header = int.from_bytes(buffer[start + 2 : start + 4]), 4
            elif length == 127:
                if end - start < 10:
                    break
                length, header = int.from_bytes(buffer[start + 2 : start + 10]), 10
            stop = start + header + length
            if stop > end:
                break
            opcode = buffer[start] & 0x0F
            if opcode == 1:
                at = buffer.find(MARKER, start + header, stop)
                if at >= 0:
                    digits = at + len(MARKER)
                    saw(int(buffer[digits : buffer.index(b'"', digits)]), arrived)
            elif opcode == 9:  # ping: pong with the same payload (a zero mask leaves it as is)
                payload = bytes(buffer[start + header : stop])
                assert self._transport is not None
                self._transport.write(bytes([0x8A, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)
            elif opcode == 8:
                self.close_code = int.from_bytes(buffer[start + header : start + header + 2]) if length >= 2 else 1005
            start = stop
        del buffer[:start]


async def open_socket(url: str, tally: Tally, subscribe: str | None, expect: Callable[[str], bool]) -> LeanSocket:
    """Connect, send `subscribe` (a JSON text) if given, wait for the text frame `expect` accepts, go fast."""
    loop = asyncio.get_running_loop()
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    _, socket = await loop.create_connection(lambda: LeanSocket(url, tally), host, int(port))
    await asyncio.wait_for(socket.opened, 30)
    if subscribe is not None:
        socket.send_text(subscribe)
    while True:
        text = await asyncio.wait_for(socket.texts.get(), 30)
        if expect(text):
            break
    socket.go_fast()
    return socket


def cpu_seconds() -> float:
    return time.process_time()
