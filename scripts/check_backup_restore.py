"""Back up a permitflow database and document store with scripts/backup.sh, restore them
with scripts/restore.sh into a second database and directory, and check the copy.

The check: every table has the same rows (compared row by row), every document's file
is back with its SHA-256, the schema is at the migrations' head, and the restored
office works: a clerk claims and completes a task of a restored case.

    .venv/bin/python scripts/check_backup_restore.py
        [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]

Uses two scratch databases (permitflow_backup_src_PID, permitflow_backup_dst_PID) on the
given server, dropped at the end; prints what it compared and exits 1 on any difference.
``--lose-a-document`` deletes one file after the backup is restored, to show that the
check notices.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BPMN = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"
PDF = b"%PDF-1.4\n% permitflow backup check\n"
SOURCE, TARGET = f"permitflow_backup_src_{os.getpid()}", f"permitflow_backup_dst_{os.getpid()}"


def scratch_database(base_url: str, name: str) -> str:
    from engine.storage import db

    admin = db.make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    admin.dispose()
    return make_url(base_url).set(database=name).render_as_string(hide_password=False)


def drop_database(base_url: str, name: str) -> None:
    from engine.storage import db

    admin = db.make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.dispose()


def seed(url: str) -> None:
    """An office with work in it: cases at different steps, an upload, audit entries."""
    from engine import services
    from engine.storage import db, migrate

    engine = db.make_engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        definition, _ = services.deploy(session, BPMN.read_bytes(), source=BPMN.name)
        for lane in definition.lanes.values():
            services.create_user(session, lane["role"], roles=[lane["role"]])
        cases = [
            services.start_case(
                session, definition.key, {"applicant_name": f"Applicant {i}", "area": 40 + i}
            )
            for i in range(3)
        ]
        services.documents.store(session, cases[0], "site-plan.pdf", PDF, uploaded_by="x")
        task = services.open_tasks(session, cases[1])[0]
        services.claim(session, task.id, task.role)
        services.complete_task(session, task.id, task.role, {})
        session.commit()
    engine.dispose()


def run_script(name: str, *args: str, url: str, documents: Path) -> list[str]:
    env = dict(os.environ, PERMITFLOW_DATABASE_URL=url, PERMITFLOW_DOCUMENT_DIR=str(documents))
    done = subprocess.run(
        ["sh", str(REPO / "scripts" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode:
        raise SystemExit(f"{name} failed: {done.stderr.strip()}")
    return done.stdout.split()


def table_rows(url: str) -> dict[str, list[tuple]]:
    from engine.storage import db
    from engine.storage.tables import Base

    engine = db.make_engine(url)
    rows = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    engine.dispose()
    return rows


def problems_after_restore(source: str, target: str) -> tuple[list[str], str]:
    """Differences between the backed-up and the restored office (documents are read
    from ``PERMITFLOW_DOCUMENT_DIR``, as the office reads them)."""
    from engine import services
    from engine.errors import NotFound
    from engine.storage import db, migrate
    from engine.storage.tables import Document

    problems = []
    before, after = table_rows(source), table_rows(target)
    for name, rows in before.items():
        if after.get(name) != rows:
            problems.append(f"table {name}: {len(rows)} rows backed up, restored differ")
    from alembic.script import ScriptDirectory

    engine = db.make_engine(target)
    head = ScriptDirectory.from_config(migrate.alembic_config(target)).get_current_head()
    if migrate.current_revision(engine) != head:
        problems.append("the restored schema is not at the migrations' head")
    with Session(engine) as session:
        files = list(session.scalars(select(Document)))
        for document in files:  # read as the office reads it (decrypted, if stored so)
            try:
                digest = hashlib.sha256(services.documents.read(document)).hexdigest()
            except NotFound:
                digest = None
            if digest != document.sha256:
                problems.append(f"document {document.filename}: file missing or changed")
        case = next(c for c in services.list_cases(session) if services.open_tasks(session, c))
        task = services.open_tasks(session, case)[0]
        data = {"decision": "reject"} if task.element_id == "decide" else {}
        worked_on = f"restored case {case.tracking_code}: '{task.name}' claimed and completed"
        services.claim(session, task.id, task.role)
        services.complete_task(session, task.id, task.role, data)
        session.commit()
    engine.dispose()
    rows = sum(len(r) for r in before.values())
    summary = f"{len(before)} tables, {rows} rows compared; {len(files)} document file(s) checked; {worked_on}"
    return problems, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--lose-a-document", action="store_true")
    args = parser.parse_args()
    if make_url(args.database).host not in ("127.0.0.1", "localhost", None):
        raise SystemExit("the backup check only runs against a database on 127.0.0.1")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        source_docs, target_docs = work / "documents", work / "restored-documents"
        source_docs.mkdir()
        os.environ["PERMITFLOW_DOCUMENT_DIR"] = str(source_docs)
        os.environ.setdefault("PERMITFLOW_INSTANCE_PATH", str(work / "instance"))
        source = scratch_database(args.database, SOURCE)
        target = scratch_database(args.database, TARGET)
        try:
            seed(source)
            dump, files = run_script(
                "backup.sh", str(work / "backups"), url=source, documents=source_docs
            )
            run_script("restore.sh", dump, files, url=target, documents=target_docs)
            if args.lose_a_document:
                next(target_docs.iterdir()).unlink()
            os.environ["PERMITFLOW_DOCUMENT_DIR"] = str(target_docs)
            problems, summary = problems_after_restore(source, target)
        finally:
            drop_database(args.database, SOURCE)
            drop_database(args.database, TARGET)
    print(f"backup: {Path(dump).name} ({Path(files).name})")
    print(f"restore check: {summary}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("restore check: " + ("FAILED" if problems else "the restored office is identical"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
