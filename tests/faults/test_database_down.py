"""PostgreSQL stopped in the middle of a signing rush: signers get a plain 503 page with
``Retry-After`` (never a 500 or a traceback), nothing is half-written, and when the
database is back signing resumes without restarting the web server."""

from outcry.core.crypto import email_hash
from tests.faults.processes import (
    Gunicorn,
    Rush,
    accepted_count,
    free_port,
    outcry_env,
    request,
    set_up_petition,
)


def unavailable(attempt) -> bool:
    return attempt.response is not None and attempt.response.status == 503


def test_signers_get_a_503_while_postgresql_is_down_and_sign_again_once_it_is_back(
    tmp_path, postgresql
):
    port = free_port()
    env = outcry_env(tmp_path, port=port, **postgresql.environ())
    path = set_up_petition(env)
    server = Gunicorn(env, port=port, log=tmp_path / "gunicorn.log")
    server.start()
    try:
        with Rush(port, path) as rush:
            rush.wait_for(lambda a: accepted_count(a) >= 30, what="30 accepted signatures")
            postgresql.stop("fast")
            rush.wait_for(
                lambda a: sum(map(unavailable, a)) >= 20, what="signers to be told to retry"
            )
            page_while_down = request(port, "GET", path)
            french_while_down = request(port, "GET", path.replace("/en/", "/fr/", 1))
            postgresql.start()
            accepted_before = accepted_count(rush.attempts)
            rush.wait_for(
                lambda a: accepted_count(a) >= accepted_before + 30,
                what="signing to resume with the same server",
            )
        assert server.popen.poll() is None, "the server was restarted"

        statuses = {a.response.status for a in rush.attempts if a.response is not None}
        assert statuses <= {302, 503}, f"answers other than 302 and 503: {statuses}"
        for answer in [*(a.response for a in rush.attempts if unavailable(a)), page_while_down]:
            assert answer.status == 503
            assert int(answer.headers["retry-after"]) > 0
            assert "no-store" in answer.headers["cache-control"]
            assert "Please try again in a minute" in answer.body
            assert "Traceback" not in answer.body and "psycopg" not in answer.body

        assert french_while_down.status == 503
        assert "Veuillez réessayer dans une minute" in french_while_down.body
        french = request(port, "GET", path.replace("/en/", "/fr/", 1))
        assert french.status == 200  # the database is back: the page itself

        stored = dict(
            postgresql.rows(
                "SELECT s.email_hash, COUNT(t.id) FROM actions_signature s "
                "LEFT JOIN django_tasks_database_dbtaskresult t "
                "ON t.task_path = 'outcry.actions.tasks.send_signature_confirmation' "
                "AND t.args_kwargs -> 'args' ->> 0 = s.id::text GROUP BY s.email_hash",
            )
        )
        lost = [email for email in rush.accepted() if email_hash(email) not in stored]
        assert lost == []
        half_written = [h for h, tasks in stored.items() if tasks != 1]
        assert half_written == [], "signatures without exactly one confirmation task"
    finally:
        server.kill()
