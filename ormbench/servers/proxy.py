"""A TCP proxy on loopback that adds a fixed round-trip delay, as a database on another host has.

Every chunk of bytes is held for half the round trip in each direction before it is passed on,
so a query that waits for its answer pays the whole round trip once, and N queries pay it N
times: the delay is on the wire, not simulated around the ORM. Chunks keep their order and are
not throttled. Threads with `time.sleep` keep sub-millisecond delays accurate (an event loop's
timers round up to the millisecond); Nagle's algorithm is off so small packets are not held.
"""

from __future__ import annotations

import contextlib
import errno
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ormbench.errors import BenchError

CHUNK = 65_536
ACCEPT_POLL = 0.2  # seconds between checks of the stop flag while waiting for a connection
OUT_OF_DESCRIPTORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    round_trip: float  # seconds


def parse_latency(text: str) -> list[float]:
    """'0,0.5ms,2ms' -> [0.0, 0.0005, 0.002] seconds; BenchError for anything else."""
    values = []
    for item in (part.strip().lower() for part in text.split(",")):
        scale = 1e-6 if item.endswith("us") else 1e-3
        try:
            value = float(item.removesuffix("ms").removesuffix("us")) * scale
        except ValueError:
            raise BenchError(f"bad --latency {text!r}: use round trips like 0,0.5ms,2ms") from None
        if not 0 <= value <= 1:
            raise BenchError(f"--latency {item} is out of range (0 to 1000ms)")
        values.append(value)
    return values


Observer = Callable[[str], None]
"""Called with "up" (client to server) or "down" for every chunk, before it is passed on, and
with "open" for every client connection accepted."""


@contextlib.contextmanager
def delayed(
    target_host: str, target_port: int, round_trip: float, observe: Observer | None = None
) -> Iterator[Proxy]:
    """Listen on a free loopback port and forward to the target with `round_trip` added."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(ACCEPT_POLL)
    stop = threading.Event()
    connections: set[_Connection] = set()
    threads: list[threading.Thread] = []

    def start(target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="latency-proxy", daemon=True)
        thread.start()
        threads[:] = [t for t in threads if t.is_alive()] + [thread]

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError as exc:
                if stop.is_set() or exc.errno not in OUT_OF_DESCRIPTORS:
                    return
                time.sleep(ACCEPT_POLL)  # wait for connections to close, then accept again
                continue
            if observe is not None:
                observe("open")
            try:
                server = socket.create_connection((target_host, target_port))
            except OSError:
                client.close()
                continue
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = _Connection(client, server, connections)
            _pipe(client, server, round_trip / 2, start, _tagged(observe, "up"), pair.half_done)
            _pipe(server, client, round_trip / 2, start, _tagged(observe, "down"), pair.half_done)

    start(accept)
    try:
        yield Proxy("127.0.0.1", listener.getsockname()[1], round_trip)
    finally:
        stop.set()
        listener.close()
        for pair in list(connections):
            pair.close()
        for thread in threads:
            thread.join(5)


class _Connection:
    """A client's connection and the proxy's to the server: both closed as soon as both
    directions have ended (a request loop under CONN_MAX_AGE=0 opens thousands), not when the
    proxy stops."""

    def __init__(self, client: socket.socket, server: socket.socket, live: set[_Connection]):
        self.sockets, self.live, self._ended = (client, server), live, 0
        self._lock = threading.Lock()
        with self._lock:
            live.add(self)

    def half_done(self) -> None:
        with self._lock:
            self._ended += 1
            done = self._ended == 2
        if done:
            self.close()

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self.live.discard(self)


def _tagged(observe: Observer | None, direction: str) -> Callable[[], None]:
    return (lambda: observe(direction)) if observe is not None else (lambda: None)


def _pipe(
    source: socket.socket,
    sink: socket.socket,
    delay: float,
    start: Callable[..., None],
    seen: Callable[[], None],
    ended: Callable[[], None],
) -> None:
    """Two threads: one reads and stamps each chunk, one sends it when its time comes; `ended`
    once this direction is over."""
    held: queue.Queue[tuple[float, bytes]] = queue.Queue()

    def read() -> None:
        try:
            while data := source.recv(CHUNK):
                seen()
                held.put((time.monotonic() + delay, data))
        except OSError:
            pass
        finally:
            held.put((0.0, b""))

    def send() -> None:
        while True:
            due, data = held.get()
            if not data:
                break
            wait = due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            try:
                sink.sendall(data)
            except OSError:
                break
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)
        ended()

    start(read)
    start(send)
