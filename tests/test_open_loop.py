"""The open-loop load generator (bench/open_loop.py) against a tiny HTTP server here, whose
stalls are made on purpose: the bounds asserted are lower bounds that a slow machine can
only make easier to meet, so no test depends on timing luck."""

import asyncio
import math
from concurrent.futures import ThreadPoolExecutor

from bench import open_loop

HOST = "127.0.0.1"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def run_in_own_loop(coroutine_function):
    """Run the scenario in a thread of its own: a test run may already have an event loop
    running in this one (the browser tests' driver keeps one)."""
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(lambda: asyncio.run(coroutine_function())).result()


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One request's body (b"" for a GET), or None when the client closed the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    length = 0
    for line in head.decode("latin-1").split("\r\n"):
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    return await reader.readexactly(length)


async def serve(handle) -> tuple[asyncio.Server, str]:
    server = await asyncio.start_server(handle, HOST, 0)
    port = server.sockets[0].getsockname()[1]
    return server, f"http://{HOST}:{port}/en/petitions/slug/"


def test_a_stall_is_in_the_latency_of_every_request_that_fell_due_during_it():
    """The server holds its first answer 300 ms; with one connection, every request due
    in the meantime waits for it, and that wait is in its latency: request i (due at
    10·i ms) takes at least 300 − 10·i ms, though the server answers it at once."""
    stall = 0.3

    async def scenario():
        answered = 0

        async def handle(reader, writer):
            nonlocal answered
            while await read_request(reader) is not None:
                if answered == 0:
                    await asyncio.sleep(stall)  # the stall under test, not a synchronisation
                answered += 1
                writer.write(OK)
                await writer.drain()
            writer.close()

        server, url = await serve(handle)
        async with server:
            load = open_loop.Load(url=url, rate=100, duration=0.2, connections=1, timeout=3)
            return await open_loop.run_async(load)

    report = run_in_own_loop(scenario)
    assert (report.due, report.sent, report.answered, report.ok) == (20, 20, 20, 20)
    assert report.failed == 0
    # Every answer came after the stall, which began after request 0 fell due; so request i's
    # latency is at least stall − (its due time). Sorted, the latencies dominate the bounds.
    bounds = sorted(stall - i / 100 for i in range(20))
    assert all(
        latency >= bound for latency, bound in zip(sorted(report.latencies), bounds, strict=True)
    )
    assert report.percentile(50) >= stall - 0.1
    assert report.connections_opened == 1  # the keep-alive connection was reused


def test_requests_are_sent_on_time_whatever_the_answers():
    """The server answers nothing until all 20 requests have arrived: a generator that
    waited for answers would never send them all (and time out). Request i can then be
    answered no earlier than the last one fell due, 10·(19 − i) ms after it. Each POST
    carries its own number in the body."""
    count = 20

    async def scenario():
        bodies = []
        all_in = asyncio.Event()

        async def handle(reader, writer):
            body = await read_request(reader)
            bodies.append(body)
            if len(bodies) == count:
                all_in.set()
            await all_in.wait()
            # Chunked, and closing the connection: the other framing the client must read.
            writer.write(
                b"HTTP/1.1 302 Found\r\nLocation: /thanks/\r\nConnection: close\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n4\r\nmove\r\n0\r\n\r\n"
            )
            await writer.drain()
            writer.close()

        server, url = await serve(handle)
        async with server:
            load = open_loop.Load(
                url=url,
                rate=100,
                duration=count / 100,
                method="POST",
                data="first_name=Ada&email=bench-{n}%40example.org",
                timeout=3,
                expect=(302,),
            )
            return await open_loop.run_async(load), bodies

    report, bodies = run_in_own_loop(scenario)
    assert report.errors == {}
    assert (report.due, report.sent, report.ok) == (count, count, count)
    assert report.statuses == {302: count}
    assert sorted(bodies) == sorted(
        f"first_name=Ada&email=bench-{n}%40example.org".encode() for n in range(count)
    )
    assert report.connections_opened == count  # each answer closed its connection
    bounds = sorted((count - 1 - i) / 100 for i in range(count))
    assert all(
        latency >= bound for latency, bound in zip(sorted(report.latencies), bounds, strict=True)
    )


def test_a_request_never_answered_is_a_timeout_and_the_slowest_of_all():
    """Given up its timeout after it fell due, written to the server (so it may have been
    acted on), and counted as slower than any answer in the percentiles."""

    async def scenario():
        release = asyncio.Event()  # never set: the server holds every request

        async def handle(reader, writer):
            await read_request(reader)
            await release.wait()

        server, url = await serve(handle)
        async with server:
            load = open_loop.Load(url=url, rate=50, duration=0.1, timeout=0.2)
            report = await open_loop.run_async(load)
            server.close()
            return report

    report = run_in_own_loop(scenario)
    assert report.due == 5
    assert report.errors == {"timeout": 5}
    assert report.answered == 0
    assert report.unanswered_sent == 5
    assert report.percentile(50) == math.inf
    assert report.max == math.inf
    assert report.elapsed >= 0.08 + 0.2  # the last fell due at 80 ms and was given up 0.2 s on


def test_percentiles_count_failures_as_slowest():
    """One failure in a hundred requests is the p99.9 and the max, not the p99."""
    report = open_loop.Report(open_loop.Load(url="http://127.0.0.1/", rate=1, duration=1))
    report.latencies = [i / 1000 for i in range(1, 100)]  # 1 … 99 ms
    report.statuses[200] = 99
    report.errors["timeout"] = 1
    assert report.percentile(50) == 0.05
    assert report.percentile(99) == 0.099
    assert report.percentile(99.9) == math.inf
    assert report.max == math.inf


def test_arrivals_are_fixed_or_seeded_poisson():
    """A fixed rate is evenly spaced; Poisson arrivals are the same for the same seed, and
    near the rate over a long run."""
    fixed = open_loop.schedule(rate=200, duration=10, arrivals="fixed", seed=1)
    assert len(fixed) == 2000
    assert fixed[:3] == [0, 0.005, 0.01]
    poisson = open_loop.schedule(rate=200, duration=10, arrivals="poisson", seed=1)
    assert poisson == open_loop.schedule(rate=200, duration=10, arrivals="poisson", seed=1)
    assert poisson != open_loop.schedule(rate=200, duration=10, arrivals="poisson", seed=2)
    assert 1800 < len(poisson) < 2200
    assert all(0 <= a < b < 10 for a, b in zip(poisson, poisson[1:], strict=False))
