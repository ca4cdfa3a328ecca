"""Round trips counted on the wire, against a tiny echo server (no database needed)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ormbench.servers import proxy
from ormbench.servers.base import filesystem_of
from ormbench.worker.probes.roundtrips import TripCounter


@pytest.fixture
def echo() -> Iterator[int]:
    """A loopback server that answers each chunk with the same bytes, "big" with 200 kB."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while data := conn.recv(65_536):
                conn.sendall(BIG if data == b"big" else data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()


BIG = b"x" * 200_000


def _exchange(sock: socket.socket, payload: bytes, expect: int | None = None) -> None:
    sock.sendall(payload)
    received = b""
    while len(received) < (expect or len(payload)):
        received += sock.recv(65_536)


def test_each_request_answered_is_one_round_trip(echo: int) -> None:
    counter = TripCounter()
    with (
        proxy.delayed("127.0.0.1", echo, 0.0, observe=counter) as relay,
        socket.create_connection((relay.host, relay.port)) as sock,
    ):
        for _ in range(3):
            _exchange(sock, b"SELECT 1")
        _exchange(sock, b"big", len(BIG))  # a long answer, in many chunks: still one trip
    assert (counter.trips, counter.connects) == (4, 1)


def test_every_connection_the_proxy_accepts_is_counted_and_starts_with_a_round_trip() -> None:
    counter = TripCounter()
    for direction in ["open", "up", "down", "up", "open", "up", "down"]:
        counter(direction)  # the first connection's last message got no answer (a goodbye)
    assert (counter.connects, counter.trips) == (2, 3)


def test_the_counter_counts_client_bursts_after_the_server_spoke() -> None:
    counter = TripCounter()
    for direction in ["up", "up", "down", "down", "down", "up", "down", "up"]:
        counter(direction)
    assert counter.trips == 3


def test_the_data_folder_filesystem_is_read_from_the_mounts(tmp_path: Path) -> None:
    assert filesystem_of(Path("/proc/self")) == "proc"
    assert filesystem_of(tmp_path) not in ("", "unknown")
