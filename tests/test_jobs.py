"""Background jobs: progress, result and failure are recorded where any process sees them."""

from __future__ import annotations

import time

import pytest
from sqlalchemy.orm import Session

from engine.background import jobs
from engine.errors import EngineError


def _square(params, report):
    report(0.5, "half way")
    return {"value": params["x"] ** 2}


def _broken(params, report):
    raise ValueError("no such lane 'Lane_x'")


jobs.register("square", _square)
jobs.register("broken", _broken)


def _new(engine, kind, params):
    with Session(engine) as session:
        job = jobs.create(session, kind, params, created_by="rudi")
        session.commit()
        return job.id


def test_job_runs_in_process_and_records_its_result(sqlite_engine, monkeypatch):
    monkeypatch.delenv("PERMITFLOW_BROKER_URL", raising=False)
    job_id = _new(sqlite_engine, "square", {"x": 7})
    jobs.submit(job_id, sqlite_engine)
    for _ in range(100):
        with Session(sqlite_engine) as session:
            job = jobs.get(session, job_id)
            if job.status in ("done", "failed"):
                break
        time.sleep(0.05)
    assert (job.status, job.result, job.progress) == ("done", {"value": 49}, 1.0)


def test_failed_job_keeps_a_readable_error(sqlite_engine):
    job_id = _new(sqlite_engine, "broken", {})
    jobs.run(job_id, sqlite_engine)
    with Session(sqlite_engine) as session:
        job = jobs.get(session, job_id)
        assert job.status == "failed" and "no such lane 'Lane_x'" in job.error


def test_unknown_kind_is_refused(sqlite_engine):
    with Session(sqlite_engine) as session, pytest.raises(EngineError):
        jobs.create(session, "mystery", {})
