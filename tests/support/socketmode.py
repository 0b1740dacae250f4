"""A minimal Socket Mode server: Slack's side of the WebSocket, enough to drive ``crm-bot run`` in tests.

It accepts one WebSocket connection (the handshake of RFC 6455), greets it with ``hello``, sends the
envelopes a test gives it and records what the app sends back (acks of envelopes).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import queue
import socket
import struct
import threading
from typing import Any

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class SocketModeServer:
    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.connected = threading.Event()
        self.conn: socket.socket | None = None
        self._send_lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.listener.getsockname()[1]}/link"

    def start(self) -> SocketModeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        for s in (self.conn, self.listener):
            if s is not None:
                with contextlib.suppress(OSError):
                    s.close()

    # Generous: a process starting on two busy cores can take many seconds to import and connect; the
    # wait ends as soon as it does.
    CONNECT_WAIT = 60

    def send(self, message: dict[str, Any]) -> None:
        assert self.connected.wait(self.CONNECT_WAIT), "the app never connected"
        self._frame(0x1, json.dumps(message).encode())

    def next_message(self, timeout: float = 30.0) -> dict[str, Any]:
        return self.received.get(timeout=timeout)

    # ---- the wire -----------------------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            conn, _ = self.listener.accept()
        except OSError:
            return
        self.conn = conn
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = conn.recv(4096)
            if not chunk:
                return
            request += chunk
        headers = dict(line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line)
        key = {k.lower(): v for k, v in headers.items()}["sec-websocket-key"]
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        conn.sendall(
            (
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept}\r\n\r\n"
            ).encode()
        )
        self.connected.set()
        self.send({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        try:
            while True:
                opcode, payload = self._read_frame(conn)
                if opcode == 0x8:
                    return
                if opcode == 0x9:
                    self._frame(0xA, payload)
                elif opcode == 0x1:
                    self.received.put(json.loads(payload.decode()))
        except (OSError, ConnectionError):
            return

    def _read_exact(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def _read_frame(self, conn: socket.socket) -> tuple[int, bytes]:
        b0, b1 = self._read_exact(conn, 2)
        length = b1 & 0x7F
        if length == 126:
            (length,) = struct.unpack("!H", self._read_exact(conn, 2))
        elif length == 127:
            (length,) = struct.unpack("!Q", self._read_exact(conn, 8))
        mask = self._read_exact(conn, 4) if b1 & 0x80 else b"\0\0\0\0"
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(self._read_exact(conn, length)))
        return b0 & 0x0F, payload

    def _frame(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        assert self.conn is not None
        with self._send_lock:
            self.conn.sendall(head + payload)
