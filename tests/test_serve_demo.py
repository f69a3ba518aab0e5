"""``make demo`` started in the background and then stopped leaves nothing running.

A shell starts a background job with SIGINT ignored, and its children inherit that: the
demo's web server and worker must be stopped some other way, or they keep the port and the
database after the demo has gone.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def test_the_demo_stopped_by_sigterm_stops_its_server_and_worker(tmp_path: Path):
    port = _free_port()
    env = {**os.environ, "DEBUG": "1", "OUTCRY_VAR_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "-m", "outcry.manage", "migrate", "--no-input", "-v0"],
        env=env, check=True, timeout=300,
    )  # fmt: skip
    # As a shell starts a background job: SIGINT ignored, inherited by every child.
    demo = subprocess.Popen(
        [sys.executable, "-m", "outcry.manage", "serve_demo", f"--addrport=127.0.0.1:{port}"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
    )  # fmt: skip
    children: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not _answers(port):
            assert demo.poll() is None, demo.stdout.read().decode()
            assert time.monotonic() < deadline, "the demo server never answered"
            time.sleep(0.2)
        children = subprocess.run(
            ["pgrep", "-P", str(demo.pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        assert len(children) == 2  # the web server and the worker

        demo.send_signal(signal.SIGTERM)
        try:
            demo.wait(timeout=1)
        except subprocess.TimeoutExpired:
            demo.send_signal(signal.SIGTERM)  # an impatient second signal, as tools send
        demo.wait(timeout=30)

        # Stopped, not killed after the ten seconds serve_demo allows them.
        deadline = time.monotonic() + 8
        alive = children
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in children if Path(f"/proc/{pid}").exists()
                     and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]]  # fmt: skip
            time.sleep(0.2)
        assert alive == [], "a child of the demo kept running"
        assert not _answers(port)
    finally:
        if demo.poll() is None:
            demo.kill()
        for pid in children:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
