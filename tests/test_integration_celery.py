"""With a broker set, a service task's call runs on a Celery worker, not in the web process."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.orm import Session

from engine.integration import stubs
from engine.storage.tables import Job
from tests.test_integration import _data, _finished, _register, _start


@pytest.mark.xdist_group("celery")
def test_the_call_runs_on_a_celery_worker(sqlite_engine, celery_worker_factory):
    session = Session(sqlite_engine, expire_on_commit=False)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    celery_worker_factory(PERMITFLOW_DATABASE_URL=url, PYTHONPATH=os.getcwd())
    server = stubs.start()
    try:
        _register(session, stubs.base_url(server))
        case, call_id = _start(session, sqlite_engine, "3273010101900001")
        assert _finished(session, call_id, seconds=60).status == "done"
    finally:
        server.shutdown()
        server.server_close()
    [job] = session.query(Job).filter_by(kind="service_call").all()
    assert job.status == "done" and job.worker.split(":")[1] != str(os.getpid())
    assert _data(case)["applicant_name"] == "SITI RAHAYU"
    session.close()
