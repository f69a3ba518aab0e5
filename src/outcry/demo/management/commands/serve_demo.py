import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and the task worker together; Ctrl-C stops both."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, addrport: str, **options) -> None:
        # Stopped by a signal rather than Ctrl-C (a terminal closed, a timeout, kill), the
        # server and the worker must stop too, or they keep the port and the database.
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        manage = [sys.executable, "-m", "outcry.manage"]
        processes = [
            subprocess.Popen([*manage, "runserver", addrport, "--noreload"]),  # noqa: S603
            subprocess.Popen([*manage, "db_worker", "--interval", "0.5", "--no-reload"]),  # noqa: S603
        ]
        self.stdout.write(f"Outcry is running at http://{addrport}/  (Ctrl-C stops it)")
        self.stdout.flush()
        try:
            while all(p.poll() is None for p in processes):
                try:
                    processes[0].wait(timeout=1)
                except subprocess.TimeoutExpired:
                    pass
        except KeyboardInterrupt:
            pass
        finally:
            # A second signal must not cut this short and leave a child holding the port.
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            # SIGTERM, not SIGINT: started in the background by a shell (``make demo &``),
            # the children inherit SIGINT ignored and would keep running.
            for p in processes:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in processes:
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
        self.stdout.write("Stopped.")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
