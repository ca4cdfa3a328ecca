"""A TCP proxy on loopback that adds a fixed round-trip delay, as a database on another host has.

Every chunk of bytes is held for half the round trip in each direction before it is passed on,
so a query that waits for its answer pays the whole round trip once, and N queries pay it N
times: the delay is on the wire, not simulated around the ORM. Chunks keep their order and are
not throttled. The proxy runs an asyncio loop in a daemon thread and stops with its context.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from bench.errors import BenchError

CHUNK = 65_536


@dataclass(frozen=True)
class Proxy:
    host: str
    port: int
    round_trip: float  # seconds


def parse_latency(text: str) -> list[float]:
    """'0,0.5ms,2ms' -> [0.0, 0.0005, 0.002] seconds; BenchError for anything else."""
    values = []
    for item in text.split(","):
        item = item.strip().lower()
        scale = 1e-3 if item.endswith("ms") else 1e-6 if item.endswith("us") else 1e-3
        number = item.removesuffix("ms").removesuffix("us")
        try:
            value = float(number) * scale
        except ValueError:
            raise BenchError(f"bad --latency {text!r}: use round trips like 0,0.5ms,2ms") from None
        if value < 0 or value > 1:
            raise BenchError(f"--latency {item} is out of range (0 to 1000ms)")
        values.append(value)
    return values


@contextlib.contextmanager
def delayed(target_host: str, target_port: int, round_trip: float) -> Iterator[Proxy]:
    """Listen on a free loopback port and forward to the target with `round_trip` added."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def send() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                await asyncio.sleep(max(0.0, due - loop.time()))
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(send())
        try:
            while data := await reader.read(CHUNK):
                queue.put_nowait((loop.time() + round_trip / 2, data))
        except (ConnectionError, OSError):
            pass
        finally:
            queue.put_nowait((0.0, b""))
            with contextlib.suppress(Exception):
                await sender
            writer.close()

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(pump(client_r, server_w), pump(server_r, client_w))

    async def start() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        holder["server"] = server
        holder["port"] = server.sockets[0].getsockname()[1]
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="latency-proxy", daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield Proxy("127.0.0.1", int(holder["port"]), round_trip)  # type: ignore[call-overload]
    finally:

        async def shutdown() -> None:
            server = holder["server"]
            server.close()  # type: ignore[attr-defined]
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
