"""The database a fault test breaks things on: the kind this test run uses. In CI's
PostgreSQL pass (DATABASE_URL=postgres://…) that is a private throwaway cluster, never the
shared server the other tests use; otherwise a SQLite file in the test's var dir."""

import os

import pytest

from tests.faults.processes import PrivatePostgreSQL, SQLiteDatabase


@pytest.fixture
def postgresql():
    if not PrivatePostgreSQL.available():
        pytest.skip("needs PostgreSQL 15's initdb (Debian's postgresql-15) for a private cluster")
    cluster = PrivatePostgreSQL()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def database(request, tmp_path):
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        return request.getfixturevalue("postgresql")
    return SQLiteDatabase(tmp_path)
