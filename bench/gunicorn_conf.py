"""gunicorn hooks for the benchmark server: count responses per (method, path, status).

Each worker keeps its tally in memory (a dict update per request, nothing measurable) and
writes it to ``$OUTCRY_BENCH_COUNTS_DIR/<pid>.json`` when it exits, so that run.py can
compare the server's own count of successful signatures with the rows in the database.
Worker sizing and everything else come from run.py's command line.
"""

import json
import os
import threading
from collections import Counter
from pathlib import Path

_tally: Counter = Counter()
_lock = threading.Lock()  # gthread workers call post_request from several threads


def post_request(worker, req, environ, resp) -> None:
    status = str(getattr(resp, "status", "") or "none").split(" ", 1)[0]
    with _lock:
        _tally[f"{req.method} {req.path} {status}"] += 1


def worker_exit(server, worker) -> None:
    counts_dir = os.environ.get("OUTCRY_BENCH_COUNTS_DIR")
    if counts_dir:
        path = Path(counts_dir) / f"{os.getpid()}.json"
        with _lock:
            path.write_text(json.dumps(dict(_tally)))
