"""The production server's configuration: ``gunicorn -c python:outcry.gunicorn_conf outcry.wsgi``
(or ``gunicorn -c src/outcry/gunicorn_conf.py outcry.wsgi`` from a checkout).

What ``bench/run.py`` found best on two CPUs (see docs/benchmarks.md): sync workers, two per
CPU. Each worker serves one request at a time and keeps one database connection
(``CONN_MAX_AGE``); a second process per CPU covers the time a worker waits on the disk or
on SQLite's write lock. Threads (gthread) were no faster: they queue more writers on SQLite's
one write lock and a connection that stays with one busy process. Behind a reverse proxy
(which buffers slow clients), sync workers are what gunicorn recommends.

Every value can be overridden on the command line or with ``GUNICORN_CMD_ARGS``; the number
of workers also with ``WEB_CONCURRENCY``.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "sync"
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
# A viral day's burst waits in the kernel's queue rather than being refused.
backlog = 2048
# A request that takes this long is stuck: the worker is restarted.
timeout = 30
graceful_timeout = 10
# Keep-alive only matters behind a proxy that reuses connections to us.
keepalive = 5
# Worker memory stays bounded however long the server runs.
max_requests = 20000
max_requests_jitter = 2000
# Not preloaded: each worker opens its own database connection, never one inherited from the
# master through fork (a SQLite connection must not cross a fork).
preload_app = False
# The client's address comes from the proxy's header (CLIENT_IP_HEADER), not from here.
accesslog = None
