"""Scale helpers: the dataset cache, the latency proxy, and the growth fit."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from ormbench.analysis.stats import growth
from ormbench.dataset import cache, scales
from ormbench.dataset import tables as dataset
from ormbench.errors import BenchError
from ormbench.servers.proxy import delayed, parse_latency


def test_cache_same_seed_and_scale_same_data_other_seed_new_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))
    xs = scales.scale("xs")
    first, cached = cache.generate_cached(xs, 7)
    assert cached is False
    again, cached = cache.generate_cached(xs, 7)
    assert cached is True and again == first == dataset.generate(xs, 7)
    other, cached = cache.generate_cached(xs, 8)
    assert cached is False and other != first
    assert len(list(tmp_path.glob("*.pickle"))) == 2


def test_a_corrupt_cache_file_is_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))
    xs = scales.scale("xs")
    data, _ = cache.generate_cached(xs, 7)
    cache_file = next(tmp_path.glob("*.pickle"))
    cache_file.write_bytes(b"not a pickle")
    regenerated, cached = cache.generate_cached(xs, 7)
    assert cached is False and regenerated == data


@pytest.fixture
def echo_server():
    """A loopback server answering each message with the same bytes."""
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                while data := conn.recv(4096):
                    conn.sendall(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join(5)
    listener.close()


def round_trips(port: int, count: int) -> float:
    with socket.create_connection(("127.0.0.1", port)) as conn:
        started = time.perf_counter()
        for i in range(count):
            conn.sendall(f"ping {i}\n".encode())
            assert conn.recv(4096) == f"ping {i}\n".encode()
        return time.perf_counter() - started


def test_proxy_adds_the_delay_to_every_round_trip(echo_server: int) -> None:
    with delayed("127.0.0.1", echo_server, 0.020) as proxy:
        elapsed = round_trips(proxy.port, 10)
    assert elapsed >= 10 * 0.020
    with delayed("127.0.0.1", echo_server, 0.0) as proxy:
        assert round_trips(proxy.port, 10) < 10 * 0.020


def test_proxy_shuts_down_cleanly(echo_server: int) -> None:
    before = {t.name for t in threading.enumerate()}
    with delayed("127.0.0.1", echo_server, 0.001) as proxy:
        round_trips(proxy.port, 2)
        port = proxy.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
    assert "latency-proxy" not in {t.name for t in threading.enumerate()} - before


def test_latency_option_parsing() -> None:
    assert parse_latency("0,0.5ms,2ms") == [0.0, 0.0005, 0.002]
    with pytest.raises(BenchError, match="bad --latency"):
        parse_latency("fast")


def test_growth_fit_on_synthetic_data() -> None:
    ns = [10, 100, 1000]
    n_plus_one = growth(ns, [0.001 * n for n in ns], [n + 1 for n in ns])
    assert n_plus_one is not None
    assert n_plus_one.time_exponent == pytest.approx(1.0, abs=1e-6)
    assert n_plus_one.queries_fixed == pytest.approx(
        1.0
    ) and n_plus_one.queries_per_n == pytest.approx(1.0)
    assert n_plus_one.linear_queries
    joined = growth(ns, [0.002 * n**0.5 for n in ns], [1, 1, 1])
    assert joined is not None and joined.time_exponent == pytest.approx(0.5, abs=1e-6)
    assert not joined.linear_queries and joined.queries_per_n == pytest.approx(0.0, abs=1e-9)
    assert growth([10, 10], [1.0, 1.0], [1, 1]) is None


def test_a_cache_file_another_account_could_write_is_not_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pickle runs code as it loads: one in a shared folder is made again, never loaded."""
    import pickle

    monkeypatch.setenv("ORMBENCH_CACHE", str(tmp_path))
    xs = scales.scale("xs")
    data, _ = cache.generate_cached(xs, 7)
    cache_file = next(tmp_path.glob("*.pickle"))
    planted = pickle.dumps("planted")
    cache_file.write_bytes(planted)
    cache_file.with_suffix(".sha256").write_text(hashlib.sha256(planted).hexdigest())
    cache_file.chmod(0o666)  # anyone may write it
    regenerated, cached = cache.generate_cached(xs, 7)
    assert cached is False and regenerated == data
    tmp_path.chmod(0o777)  # or the folder it lies in
    cache_file.write_bytes(planted)
    cache_file.with_suffix(".sha256").write_text(hashlib.sha256(planted).hexdigest())
    cache_file.chmod(0o644)
    assert cache.generate_cached(xs, 7) == (data, False)


def test_a_closed_connection_gives_its_descriptors_back(echo_server: int) -> None:
    """A request loop under CONN_MAX_AGE=0 opens a connection per request: the proxy closes
    each pair when both directions end, instead of holding them until it stops."""

    def descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    with delayed("127.0.0.1", echo_server, 0.0) as proxy:
        round_trips(proxy.port, 1)
        time.sleep(0.2)
        before = descriptors()
        for _ in range(100):
            round_trips(proxy.port, 1)
        deadline = time.monotonic() + 5
        while descriptors() > before + 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert descriptors() <= before + 4, "200 sockets held for 100 closed connections"
