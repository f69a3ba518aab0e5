"""The real parts the fault tests break: the production web server (gunicorn
``outcry.wsgi``), the task worker, a private PostgreSQL cluster, and a rush of signers.

Each runs as its own process on loopback with a throwaway var dir, so that killing it is
what it would be in production and nothing else on the machine is touched (the machine's
shared PostgreSQL on 5432 is never used here).
"""

import contextlib
import http.client
import itertools
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
UNLIMITED = "1000000000"
# Never inherited from the test run: each fault test has its own database, queue and mail.
OUTCRY_ENV = (
    "DATABASE_URL",
    "REDIS_URL",
    "TASK_BACKEND",
    "EMAIL_URL",
    "DEBUG",
    "CLIENT_IP_HEADER",
    "SECURE_SSL_REDIRECT",
    "DJANGO_SETTINGS_MODULE",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def outcry_env(var_dir: Path, *, port: int, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off) on loopback, with this test run's secrets (set in
    the environment by tests/conftest.py) and the signing rate limits out of the way of a
    rush that comes from one address."""
    env = {k: v for k, v in os.environ.items() if k not in OUTCRY_ENV}
    env.update(
        OUTCRY_VAR_DIR=str(var_dir),
        DJANGO_SETTINGS_MODULE="outcry.settings",
        DEBUG="0",
        HTTPS="0",
        ALLOWED_HOSTS=HOST,
        SITE_URL=f"http://{HOST}:{port}",
        SIGN_RATE_BURST_PER_MINUTE=UNLIMITED,
        SIGN_RATE_SUSTAINED_PER_HOUR=UNLIMITED,
        SIGN_DOMAIN_RATE_PER_HOUR=UNLIMITED,
        SIGN_MAILBOX_RATE_PER_HOUR=UNLIMITED,
        LOG_LEVEL="ERROR",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def outcry(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    done = subprocess.run(
        [str(BIN / "outcry"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"outcry {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def set_up_petition(env: dict[str, str]) -> str:
    """Migrate the throwaway database and open one petition; its path."""
    outcry(env, "migrate", "--no-input", "-v0", timeout=300)
    out = outcry(
        {**env, "PYTHONPATH": str(ROOT)},  # for tests.factories
        "shell",
        "-c",
        "from tests.factories import PetitionFactory; "
        "print('PATH=' + PetitionFactory(slug='rush').get_absolute_url())",
    )
    return next(line for line in out.splitlines() if line.startswith("PATH=")).removeprefix("PATH=")


def wait_until(predicate, *, timeout: float, what: str) -> None:
    """Poll a condition that another process makes true (a row written, a message sent)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)


class Process:
    """A long-running child in its own process group, so that every process it forks
    (gunicorn's workers) is killed with it."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path) -> None:
        self.command, self.env, self.log = command, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.popen = subprocess.Popen(
                self.command,
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole group (SIGKILL: no handler runs, nothing is flushed)."""
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            self.popen.wait(timeout=30)
        if self.popen is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: the graceful stop systemd sends."""
        self.kill(signal.SIGTERM)

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


class Gunicorn(Process):
    def __init__(self, env: dict[str, str], *, port: int, log: Path, workers: int = 2) -> None:
        command = [
            str(BIN / "gunicorn"),
            "outcry.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
        ]
        super().__init__(command, env, log)
        self.port = port

    def start(self) -> None:
        super().start()
        wait_until(self._healthy, timeout=60, what=f"gunicorn on port {self.port}")

    def _healthy(self) -> bool:
        assert self.popen.poll() is None, f"gunicorn exited:\n{self.output()}"
        with contextlib.suppress(OSError):
            return request(self.port, "GET", "/healthz/").status == 200
        return False


class Worker(Process):
    """The task worker as production runs it: ``outcry db_worker`` for the database queue,
    ``outcry rqworker counts default --with-scheduler`` with TASK_BACKEND=rq."""

    def __init__(self, env: dict[str, str], *, log: Path) -> None:
        if env.get("TASK_BACKEND") == "rq":
            command = ["rqworker", "counts", "default", "--with-scheduler"]
        else:
            command = ["db_worker", "--interval", "0.1"]
        super().__init__([str(BIN / "outcry"), *command], env, log)


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: str


def request(port: int, method: str, path: str, form: dict | None = None) -> Response:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form else {}
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(
            answer.status,
            {k.lower(): v for k, v in answer.getheaders()},
            answer.read().decode(errors="replace"),
        )
    finally:
        connection.close()


@dataclass(frozen=True)
class Attempt:
    email: str
    response: Response | None  # None: no answer (connection refused, reset, timed out)


class Rush:
    """Signers posting unique addresses from several threads until stopped; every attempt
    and its answer is kept, and waiters are woken at each one."""

    def __init__(self, port: int, path: str, *, threads: int = 6, prefix: str = "rush") -> None:
        self.port, self.path, self.prefix = port, path, prefix
        self.attempts: list[Attempt] = []
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._sign, args=(n,), daemon=True) for n in range(threads)
        ]

    def __enter__(self) -> "Rush":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=60)

    def _sign(self, thread: int) -> None:
        for n in itertools.count():
            if self._stop.is_set():
                return
            email = f"{self.prefix}-{thread}-{n}@example.org"
            form = {"first_name": "Ada", "last_name": "Rush", "country": "CA", "email": email}
            try:
                response = request(self.port, "POST", self.path, form)
            except (OSError, http.client.HTTPException):
                response = None
            with self._changed:
                self.attempts.append(Attempt(email, response))
                self._changed.notify_all()
            if response is None:
                # The server is down: try again soon, without spinning.
                self._stop.wait(0.05)

    def wait_for(self, predicate, *, timeout: float = 60, what: str) -> None:
        """Block until ``predicate(attempts)`` holds, woken by each new attempt."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.attempts), timeout=timeout):
                raise AssertionError(f"timed out waiting for {what}")

    def with_status(self, status: int) -> list[Attempt]:
        with self._changed:
            return [a for a in self.attempts if a.response and a.response.status == status]

    def accepted(self) -> list[str]:
        """Addresses whose signer was told "check your email" (302)."""
        return [a.email for a in self.with_status(302)]


def accepted_count(attempts: list[Attempt]) -> int:
    return sum(1 for a in attempts if a.response and a.response.status == 302)


def sqlite_rows(db: Path, sql: str, *params) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return conn.execute(sql, params).fetchall()


class SQLiteDatabase:
    """The default embedded database, in the test's var dir."""

    def __init__(self, var_dir: Path) -> None:
        self.path = var_dir / "outcry.sqlite3"

    def environ(self) -> dict[str, str]:
        return {}

    def rows(self, sql: str) -> list[tuple]:
        return sqlite_rows(self.path, sql)


class PrivatePostgreSQL:
    """A throwaway PostgreSQL cluster of its own (initdb + pg_ctl) on a free port, which a
    test may stop and start. PostgreSQL refuses to run as root: as root, the cluster runs
    as the ``postgres`` system user."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="outcry-fault-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._created: set[str] = set()
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, user="postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @classmethod
    def available(cls) -> bool:
        return (PG_BIN / "initdb").exists() and (
            os.geteuid() != 0 or shutil.which("runuser") is not None
        )

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self.as_user, *command], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{command[0]} failed:\n{done.stdout}{done.stderr}"

    def init(self) -> None:
        self._run(
            str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses={HOST}"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def environ(self, name: str = "outcry") -> dict[str, str]:
        """DATABASE_URL for a database of this cluster, created on first use."""
        if name not in self._created:
            createdb = [str(PG_BIN / "createdb"), "-h", HOST, "-p", str(self.port)]
            self._run(*createdb, "-U", "postgres", name)
            self._created.add(name)
        return {"DATABASE_URL": f"postgres://postgres@{HOST}:{self.port}/{name}"}

    def rows(self, sql: str, name: str = "outcry") -> list[tuple]:
        import psycopg

        with psycopg.connect(host=HOST, port=self.port, user="postgres", dbname=name) as conn:
            return conn.execute(sql).fetchall()

    def destroy(self) -> None:
        with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
