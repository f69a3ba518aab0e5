"""The configuration files shipped in deploy/ are checked by their own tools: nginx's
configuration with ``nginx -t``, the systemd units with ``systemd-analyze verify``.

Only machine-specific paths are replaced (the certificate, the cache directory, the
virtualenv), with ones that exist here; everything else is checked as shipped.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
VENV = Path(sys.executable).parent.parent


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=act.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


@pytest.mark.skipif(not NGINX, reason="nginx is not installed (scripts/ensure-nginx.sh)")
def test_the_nginx_configuration_passes_nginx_t(tmp_path):
    cert, key = self_signed_certificate(tmp_path)
    site = (DEPLOY / "nginx" / "outcry.conf").read_text()
    for host in ("act.example.org", "staff.act.example.org"):
        site = site.replace(f"/etc/letsencrypt/live/{host}/fullchain.pem", str(cert))
        site = site.replace(f"/etc/letsencrypt/live/{host}/privkey.pem", str(key))
    site = site.replace("/var/cache/nginx/outcry", str(tmp_path / "cache"))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "outcry.conf").write_text(site)
    # What Debian's /etc/nginx/nginx.conf wraps around a file of sites-enabled/.
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n  include /etc/nginx/mime.types;\n  access_log {tmp_path}/access.log;\n"
        f"  client_body_temp_path {tmp_path}/body;\n  proxy_temp_path {tmp_path}/proxy;\n"
        f"  include {tmp_path}/outcry.conf;\n}}\n"
    )
    done = subprocess.run(
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr, done.stderr


def test_the_nginx_limits_match_outcrys(settings):
    """The body limits the proxy enforces are Outcry's own, so a large body stops at the
    proxy and nothing Outcry accepts is refused there."""
    site = (DEPLOY / "nginx" / "outcry.conf").read_text()
    assert settings.PUBLIC_MAX_REQUEST_BODY == 64 * 1024
    assert "client_max_body_size 64k;" in site
    assert settings.ADMIN_MAX_REQUEST_BODY == 32 * 1024 * 1024
    assert "client_max_body_size 32m;" in site
    assert settings.WEBHOOK_MAX_REQUEST_BODY == 4 * 1024 * 1024
    assert "client_max_body_size 4m;" in site
    assert settings.DELIVERY_VERIFY_MAX_UPLOAD <= 65 * 1024 * 1024
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in site


@pytest.mark.skipif(not SYSTEMD_ANALYZE, reason="systemd-analyze is not installed")
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    units = sorted((DEPLOY / "systemd").glob("outcry-*"))
    assert {unit.name for unit in units} >= {
        "outcry-web.service",
        "outcry-staff.service",
        "outcry-worker.service",
        "outcry-mailings.service",
        "outcry-scheduler.service",
        "outcry-scheduler.timer",
        "outcry-requeue.service",
        "outcry-requeue.timer",
    }
    for unit in units:
        text = unit.read_text().replace("/srv/outcry/.venv", str(VENV))
        (tmp_path / unit.name).write_text(text)
    done = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", *(str(tmp_path / u.name) for u in units)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    # Unknown keys and bad values are only warnings to systemd: any output is a failure.
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


# Where an RQ worker is started: the shipped unit, the benchmarks, the fault tests' worker
# and the README's instructions.
RQ_WORKER_STARTERS = [
    "deploy/systemd/outcry-worker.service",
    "bench/run.py",
    "bench/scale_out.py",
    "tests/faults/processes.py",
    "README.md",
]


def test_every_rq_worker_takes_the_counts_queue_first():
    """Each RQ worker command names the `counts` queue, then `default`: RQ takes from its
    queues in that order, and a worker without `counts` would never run a count nor move
    a deferred one to its queue."""
    commands = []
    for name in RQ_WORKER_STARTERS:
        for match in re.finditer(r"rqworker\b([^`\]\n]*)", (ROOT / name).read_text()):
            words = [word.strip("\"', ") for word in match.group(1).split()]
            commands.append((name, [word for word in words if word and word[0] != "-"]))
    assert {name for name, _queues in commands} == set(RQ_WORKER_STARTERS)
    for name, queues in commands:
        assert queues == ["counts", "default"], name
