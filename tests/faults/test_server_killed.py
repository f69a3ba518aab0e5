"""The production server killed with SIGKILL in the middle of a signing rush loses no
signature whose signer was told "check your email"."""

import signal

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


def test_every_accepted_signature_survives_the_server_killed_mid_rush(tmp_path, database):
    """gunicorn and its workers are SIGKILLed while six signers post: every address that
    got its 302 has its signature (and its confirmation task) in the database when the
    server comes back, and the restarted server takes signatures again."""
    port = free_port()
    env = outcry_env(tmp_path, port=port, **database.environ())
    path = set_up_petition(env)
    server = Gunicorn(env, port=port, log=tmp_path / "gunicorn.log")
    server.start()
    try:
        with Rush(port, path) as rush:
            rush.wait_for(lambda a: accepted_count(a) >= 40, what="40 accepted signatures")
            server.kill(signal.SIGKILL)
            # Signers meet the dead server (refused or reset): the rush goes on.
            rush.wait_for(
                lambda a: any(x.response is None for x in a[-6:]), what="the server to be gone"
            )
        accepted = rush.accepted()
        assert len(accepted) >= 40

        server.start()
        stored = {row[0] for row in database.rows("SELECT email_hash FROM actions_signature")}
        lost = [email for email in accepted if email_hash(email) not in stored]
        assert lost == []
        queued = database.rows(
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult "
            "WHERE task_path = 'outcry.actions.tasks.send_signature_confirmation'",
        )[0][0]
        assert queued == len(stored), "a signature without its confirmation email task"

        form = {"first_name": "Ada", "last_name": "After", "country": "CA",
                "email": "after-restart@example.org"}  # fmt: skip
        assert request(port, "POST", path, form).status == 302
    finally:
        server.kill()
