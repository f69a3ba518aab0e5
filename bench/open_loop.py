"""An open-loop HTTP load generator: requests arrive at a rate, whatever the server does.

wrk is closed-loop: each connection sends its next request only once the last one is
answered, so when the server stalls the load drops with it and the stall is counted once,
not once per visitor who arrived during it ("coordinated omission"). Here every request is
*due* at a time fixed before the run (a fixed rate, or Poisson arrivals from a seeded
generator), is started at that time whether or not earlier ones were answered, and its
latency is measured from that due time: a wait for a free connection and the generator's
own lateness count, as they would for a visitor.

Standard library only (asyncio and raw HTTP/1.1 over keep-alive connections from a pool of
at most ``connections``), so it runs anywhere Python does. Used by ``bench/run.py`` and from
the command line::

    python bench/open_loop.py http://127.0.0.1:8000/en/petitions/slug/ --rate 500
    python bench/open_loop.py http://127.0.0.1:8000/en/petitions/slug/ --rate 100 \\
        --data 'first_name=Ada&last_name=Bench&country=CA&email=bench-x-{n}%40example.org' \\
        --expect 302

``{n}`` in ``--data`` becomes the request's number (0, 1, …), so each POST can carry a
unique email.
"""

import argparse
import asyncio
import contextlib
import json
import math
import random
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field

# Nearest-rank percentiles that the report prints.
PERCENTILES = (50, 90, 99, 99.9)
# Seconds after which an idle keep-alive connection is not reused (see _Pool.take).
IDLE_MAX = 1.0


@dataclass(frozen=True)
class Load:
    """What to send, how often and for how long."""

    url: str
    rate: float  # requests per second
    duration: float  # seconds during which requests fall due
    method: str = "GET"
    data: str | None = None  # form body; "{n}" is replaced by the request's number
    arrivals: str = "fixed"  # "fixed": every 1/rate s; "poisson": exponential gaps
    seed: int = 1
    connections: int = 256
    timeout: float = 5.0  # seconds from the due time after which a request is given up
    expect: tuple[int, ...] = ()  # the statuses that count as successes; () = any 2xx


@dataclass
class Report:
    load: Load
    due: int = 0  # requests scheduled
    sent: int = 0  # requests written in full to a connection
    statuses: Counter = field(default_factory=Counter)  # answered, by status
    errors: Counter = field(default_factory=Counter)  # "timeout", "connect", "closed", …
    # Requests written but never answered: the server may have acted on them (a signature).
    unanswered_sent: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds from due, answered only
    lags: list[float] = field(default_factory=list)  # how late the generator started each
    elapsed: float = 0.0  # from the first due time to the end of the last request
    connections_opened: int = 0

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    def is_success(self, status: int) -> bool:
        return status in self.load.expect if self.load.expect else 200 <= status < 300

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if self.is_success(s))

    @property
    def answered_rate(self) -> float:
        return self.answered / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        """Nearest rank over every request that fell due. A request never answered (an
        error, a timeout) counts as slower than any answer: ``math.inf``, so that failures
        cannot flatter the tail."""
        values = sorted(self.latencies)
        total = len(values) + self.failed
        if not total:
            return math.nan
        rank = max(math.ceil(p / 100 * total), 1)
        return values[rank - 1] if rank <= len(values) else math.inf

    @property
    def max(self) -> float:
        if self.failed:
            return math.inf
        return max(self.latencies, default=math.nan)

    def lag(self, p: float) -> float:
        values = sorted(self.lags)
        if not values:
            return math.nan
        return values[max(math.ceil(p / 100 * len(values)), 1) - 1]

    def as_dict(self) -> dict:
        def finite(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "url": self.load.url,
            "method": self.load.method,
            "rate": self.load.rate,
            "duration": self.load.duration,
            "arrivals": self.load.arrivals,
            "due": self.due,
            "sent": self.sent,
            "answered": self.answered,
            "ok": self.ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "unanswered_sent": self.unanswered_sent,
            "answered_per_s": self.answered_rate,
            "connections_opened": self.connections_opened,
            # null: the percentile falls on a request that was never answered
            "latency_ms": {
                **{f"p{p:g}": finite(self.percentile(p) * 1000) for p in PERCENTILES},
                "max": finite(self.max * 1000),
            },
            "lag_ms": {"p99": self.lag(99) * 1000, "max": self.lag(100) * 1000},
        }

    def summary(self) -> str:
        def ms(x: float) -> str:
            return f"{x * 1000:.1f} ms" if math.isfinite(x) else "unanswered"

        statuses = ", ".join(f"{n:,} × {s}" for s, n in sorted(self.statuses.items()))
        errors = ", ".join(f"{n:,} {kind}" for kind, n in sorted(self.errors.items()))
        tail = "  ".join(f"p{p:g} {ms(self.percentile(p))}" for p in PERCENTILES)
        return (
            f"{self.load.method} {self.load.url} at {self.load.rate:g}/s ({self.load.arrivals}) "
            f"for {self.load.duration:g} s\n"
            f"  due {self.due:,}, sent {self.sent:,}, answered {self.answered:,} "
            f"({statuses or 'none'}), failed {self.failed:,} ({errors or 'none'}); "
            f"{self.answered_rate:.1f} answers/s over {self.elapsed:.1f} s\n"
            f"  latency from the due time: {tail}  max {ms(self.max)}\n"
            f"  generator lateness: p99 {ms(self.lag(99))}, max {ms(self.lag(100))}; "
            f"{self.connections_opened:,} connections opened"
        )


def schedule(*, rate: float, duration: float, arrivals: str, seed: int) -> list[float]:
    """The due times, in seconds from the start of the run."""
    if rate <= 0 or duration <= 0:
        return []
    if arrivals == "fixed":
        return [i / rate for i in range(math.ceil(rate * duration - 1e-9))]
    if arrivals == "poisson":
        rng = random.Random(seed)  # seeded: the same arrivals in every run
        times, t = [], rng.expovariate(rate)
        while t < duration:
            times.append(t)
            t += rng.expovariate(rate)
        return times
    raise ValueError(f"unknown arrivals: {arrivals!r}")


class _ProtocolError(Exception):
    pass


class _Pool:
    """At most ``size`` connections; idle keep-alive ones are reused, newest first."""

    def __init__(self, host: str, port: int, size: int):
        self.host, self.port = host, port
        self.slots = asyncio.Semaphore(size)
        # (reader, writer, idle since): a stack, so that a burst's extra connections go
        # stale at the bottom rather than being taken in turn.
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter, float]] = []
        self.opened = 0

    def take(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        """An idle connection the server has not closed, or None. One idle longer than
        IDLE_MAX is dropped: servers close theirs after a few seconds (gunicorn's keepalive:
        2 s), and a request written just as the server closes would be lost."""
        now = asyncio.get_running_loop().time()
        while self.idle:
            reader, writer, since = self.idle.pop()
            if now - since < IDLE_MAX and not reader.at_eof():
                return reader, writer
            writer.close()
        return None

    def give_back(self, conn: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        self.idle.append((*conn, asyncio.get_running_loop().time()))

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        self.opened += 1
        return await asyncio.open_connection(self.host, self.port)

    def close_all(self) -> None:
        for _, writer, _ in self.idle:
            writer.close()
        self.idle.clear()


async def _read_response(reader: asyncio.StreamReader, method: str) -> tuple[int, bool]:
    """Reads one response in full; returns its status and whether the connection may be
    used again."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise _ProtocolError(f"bad status line {lines[0]!r}")
    version, status = parts[0], int(parts[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    reusable = connection == "keep-alive" if version == "HTTP/1.0" else connection != "close"
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return status, reusable
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:  # no trailers are sent by the servers this is for
                return status, reusable
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
        return status, reusable
    await reader.read()  # delimited by the end of the connection
    return status, False


async def _one(pool: _Pool, load: Load, request: bytes, due: float, report: Report) -> None:
    loop = asyncio.get_running_loop()
    report.lags.append(max(loop.time() - due, 0.0))
    conn = None
    sent = False
    try:
        async with asyncio.timeout_at(due + load.timeout):
            async with pool.slots:  # a request with no free connection waits: that counts
                for attempt in range(2):
                    # A retry always takes a new connection.
                    conn = pool.take() if attempt == 0 else None
                    reused = conn is not None
                    try:
                        conn = conn or await pool.open()
                    except OSError:
                        report.errors["connect"] += 1
                        return
                    reader, writer = conn
                    try:
                        writer.write(request)
                        await writer.drain()
                        sent = True
                        status, reusable = await _read_response(reader, load.method)
                    except (asyncio.IncompleteReadError, ConnectionError) as exc:
                        writer.close()
                        conn = None
                        # A reset, or the end of the connection before any byte of an answer.
                        got_nothing = not (
                            isinstance(exc, asyncio.IncompleteReadError) and exc.partial
                        )
                        # An idle connection the server had closed: a GET may be retried at
                        # once on a new one (a POST may have been acted on: not retried).
                        if reused and got_nothing and load.method == "GET" and attempt == 0:
                            sent = False
                            continue
                        report.errors["closed" if got_nothing else "cut off"] += 1
                        report.unanswered_sent += sent
                        return
                    break
                report.latencies.append(loop.time() - due)
                report.statuses[status] += 1
                if reusable:
                    pool.give_back(conn)
                else:
                    writer.close()
                conn = None
    except TimeoutError:
        report.errors["timeout"] += 1
        report.unanswered_sent += sent
    except (_ProtocolError, ValueError, asyncio.LimitOverrunError):
        report.errors["protocol"] += 1
        report.unanswered_sent += sent
    except OSError:
        report.errors["socket"] += 1
        report.unanswered_sent += sent
    finally:
        if conn is not None:  # given up half-way: the connection's state is unknown
            conn[1].close()


def _request(load: Load, host: str, target: str, n: int) -> bytes:
    head = f"{load.method} {target} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: outcry-open-loop\r\n"
    body = b""
    if load.data is not None:
        body = load.data.replace("{n}", str(n)).encode()
        head += (
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
        )
    return (head + "\r\n").encode("latin-1") + body


async def run_async(load: Load) -> Report:
    url = urllib.parse.urlsplit(load.url)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"an http:// URL is needed, not {load.url!r}")
    target = (url.path or "/") + (f"?{url.query}" if url.query else "")
    pool = _Pool(url.hostname, url.port or 80, load.connections)
    report = Report(load)
    times = schedule(rate=load.rate, duration=load.duration, arrivals=load.arrivals, seed=load.seed)
    report.due = len(times)
    loop = asyncio.get_running_loop()
    # The requests are built before the clock starts, so that building them is not lag.
    requests = [_request(load, url.netloc, target, n) for n in range(len(times))]
    start = loop.time() + 0.01
    tasks = []
    try:
        for n, offset in enumerate(times):
            due = start + offset
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            # Never waits for an answer: a stalled server faces the same arrivals.
            tasks.append(loop.create_task(_one(pool, load, requests[n], due, report)))
        # Each request ends by its own timeout: this wait is bounded.
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        pool.close_all()
    report.elapsed = loop.time() - start
    report.sent = report.answered + report.unanswered_sent
    report.connections_opened = pool.opened
    return report


def run(load: Load) -> Report:
    return asyncio.run(run_async(load))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("url", help="http://host:port/path")
    parser.add_argument("--rate", type=float, required=True, help="requests per second")
    parser.add_argument("--duration", type=float, default=10, help="seconds of arrivals")
    parser.add_argument("--arrivals", choices=["fixed", "poisson"], default="fixed")
    parser.add_argument("--seed", type=int, default=1, help="for --arrivals poisson")
    parser.add_argument("--data", help="form body to POST; {n} becomes the request's number")
    parser.add_argument("--method", help="default: POST with --data, GET without")
    parser.add_argument("--connections", type=int, default=256, help="most open at once")
    parser.add_argument("--timeout", type=float, default=5, help="seconds from the due time")
    parser.add_argument(
        "--expect", default="", help="comma-separated success statuses (default: any 2xx)"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    load = Load(
        url=args.url,
        rate=args.rate,
        duration=args.duration,
        method=(args.method or ("POST" if args.data is not None else "GET")).upper(),
        data=args.data,
        arrivals=args.arrivals,
        seed=args.seed,
        connections=args.connections,
        timeout=args.timeout,
        expect=tuple(int(s) for s in args.expect.split(",") if s),
    )
    began = time.process_time()
    with contextlib.suppress(KeyboardInterrupt):
        report = run(load)
        cpu = time.process_time() - began
        if args.json:
            print(json.dumps({**report.as_dict(), "generator_cpu_s": cpu}))
        else:
            print(report.summary())
            print(f"  successes {report.ok:,}; generator CPU {cpu:.2f} s")
        return 0 if report.failed == 0 and report.ok == report.answered else 1
    return 130


if __name__ == "__main__":
    sys.exit(main())
