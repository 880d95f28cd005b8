"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.storage import db, migrate
from engine.storage.tables import Base

POSTGRES_URL = os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
REPO = Path(__file__).resolve().parents[1]
PROCESSES = REPO / "processes"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _real_clock():
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(autouse=True)
def _documents_in_tmp(tmp_path, monkeypatch):
    """Stored and issued documents go to the test's folder, never to ``instance/``."""
    monkeypatch.setenv("PERMITFLOW_DOCUMENT_DIR", str(tmp_path / "documents"))


@pytest.fixture(scope="session")
def connector_stubs():
    """The population registry and OSS-RBA stubs on a free port, once per xdist worker.

    Every test database has the two connectors registered on them (the shipped business
    licence and building approval call them), and calls are made as soon as their case
    is committed (``PERMITFLOW_CALLS_EAGER``), so a test walks these procedures step by step.
    """
    from engine.integration import stubs

    server = stubs.start(0)
    eager = os.environ.get("PERMITFLOW_CALLS_EAGER")
    os.environ["PERMITFLOW_CALLS_EAGER"] = "1"
    yield stubs.base_url(server)
    if eager is None:
        os.environ.pop("PERMITFLOW_CALLS_EAGER", None)
    server.shutdown()
    server.server_close()


def register_stub_connectors(engine, base_url: str) -> None:
    from engine.demo import register_connectors

    with Session(engine) as s:  # fast retries, no rate limit worth the name in tests
        register_connectors(s, base_url, retries=1, backoff_seconds=0.01, rate_per_minute=100000)
        s.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory, connector_stubs) -> Path:
    """An upgraded SQLite database with the stub connectors, copied for each test (faster
    than migrating each)."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = db.make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    register_stub_connectors(engine, connector_stubs)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_engine(worker_id="master"):
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL tests need PERMITFLOW_TEST_POSTGRES_URL (e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    schema = f"pf_test_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
    admin = db.make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = db.make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    migrate.upgrade(engine)
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


def _truncate_postgres(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_engine(request, tmp_path, sqlite_template):
    """A migrated, empty database: SQLite always, PostgreSQL when configured."""
    if request.param == "postgres":
        engine = request.getfixturevalue("postgres_engine")
        _truncate_postgres(engine)
        register_stub_connectors(engine, request.getfixturevalue("connector_stubs"))
        yield engine
        return
    yield from _sqlite_copy(tmp_path, sqlite_template)


@pytest.fixture
def sqlite_engine(tmp_path, sqlite_template):
    """A migrated, empty SQLite database (for tests that need only one backend)."""
    yield from _sqlite_copy(tmp_path, sqlite_template)


def _sqlite_copy(tmp_path: Path, template: Path):
    path = tmp_path / "permitflow.sqlite3"
    shutil.copy(template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def session(db_engine):
    with Session(db_engine, expire_on_commit=False) as s:
        yield s
        s.rollback()


def redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def celery_worker_factory(monkeypatch):
    """Start Celery workers on the machine's Redis; one broker and queue per test process.

    Celery caches its broker connection and queues on the app, so every test in a process
    uses the same ones (and the tests that use this run in one xdist group).
    """
    import subprocess
    import sys

    if not redis_up():
        pytest.skip("needs Redis on 127.0.0.1:6379")
    broker = "redis://127.0.0.1:6379/12"
    queue = f"permitflow-test-{os.getpid()}"
    monkeypatch.setenv("PERMITFLOW_BROKER_URL", broker)
    from engine.background import worker as celery_worker

    celery_worker.app.conf.update(
        broker_url=broker, result_backend=broker, task_default_queue=queue
    )
    started = []

    def start(**env):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "engine.background.worker",
                "worker",
                "--pool=solo",
                "-Q",
                queue,
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=WARNING",
            ],
            env=dict(os.environ, PERMITFLOW_BROKER_URL=broker, **env),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)
