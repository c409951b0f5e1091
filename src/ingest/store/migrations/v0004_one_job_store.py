"""One job model for the job commands, beat and the HTTP API: ``jobs.runner`` says who runs a
job (``workers``: the Celery workers; ``api``: the API process in embedded mode), and the
state of a job that ended well is ``finished`` whoever ran it.

Jobs the API ran before this migration are told apart by what that API wrote: the state
``succeeded``, and parameters without the ``force`` key that worker jobs always carry.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

VERSION = 4
NAME = "one_job_store"


def upgrade(conn: Connection) -> None:
    conn.exec_driver_sql(
        "ALTER TABLE jobs ADD COLUMN runner VARCHAR(16) NOT NULL DEFAULT 'workers'"
    )
    conn.execute(
        text("UPDATE jobs SET runner = 'api' WHERE state = :old OR params NOT LIKE :force"),
        {"old": "succeeded", "force": '%"force"%'},
    )
    conn.execute(
        text("UPDATE jobs SET state = 'finished' WHERE state = :old"), {"old": "succeeded"}
    )
