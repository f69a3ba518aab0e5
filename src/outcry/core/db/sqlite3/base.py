"""SQLite whose database file is readable by the service's own user only.

SQLite creates the file with the process's umask (usually 0644: readable by every account
on the host) and gives its -wal and -shm files the same mode. The database holds sealed
personal data, email and IP hashes: the file is made 0600 as soon as it is opened, before
anything is written to it.
"""

import os

from django.db.backends.sqlite3 import base

PRIVATE_FILE_MODE = 0o600


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        path = str(conn_params.get("database", ""))
        if path and not self.is_in_memory_db() and not path.startswith("file:"):
            for name in (path, f"{path}-wal", f"{path}-shm"):
                if os.path.exists(name):
                    os.chmod(name, PRIVATE_FILE_MODE)
        return connection
