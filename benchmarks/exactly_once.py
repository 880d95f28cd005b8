"""Several tickers on one PostgreSQL: every email sent once, every timer fired once.

Starts ``--tickers`` OS processes that tick at the same moment against a schema of the
database at ``PERMITFLOW_TEST_POSTGRES_URL``, with a local SMTP sink counting what
arrives, and prints sent, duplicates, failures and the time taken::

    PERMITFLOW_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python benchmarks/exactly_once.py --cases 300 --tickers 4
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socketserver
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from engine import services  # noqa: E402
from engine.calendar import clock  # noqa: E402
from engine.storage import db, migrate  # noqa: E402
from engine.storage.tables import AuditEntry, OutboxMessage  # noqa: E402

TWO_LANES = (REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn").read_bytes()
SCHEMA = f"pf_bench_exactly_once_{os.getpid()}"


def _engine(url: str):
    return db.make_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})


def _prepare(url: str, cases: int) -> None:
    with db.make_engine(url).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    engine = _engine(url)
    migrate.upgrade(engine)
    with Session(engine) as session:
        services.create_user(session, "ani", roles=["front_office"])
        services.create_user(session, "budi", roles=["head_of_office"])
        services.deploy(session, TWO_LANES, source="two_lanes.bpmn")
        for i in range(cases):
            data = {"applicant_name": f"Siti {i}", "area": 3}
            case = services.start_case(session, "small_permit", data, started_by="ani")
            case.applicant_email = f"siti{i}@example.id"
            register = services.open_tasks(session, case)[0].id
            services.complete_task(session, register, "ani", {})
            decide = services.open_tasks(session, case)[0].id
            services.complete_task(session, decide, "budi", {"decision": "approve"})
        session.commit()
        # the "received" message of each case becomes an email too (the timer's firing
        # completes the case and adds "completed"): two emails per case
        session.execute(
            text("UPDATE outbox SET channel = 'email', recipient = 'x' || id || '@example.id'")
        )
        session.commit()
    engine.dispose()


def _ticker(url: str, start_at: float, offset_days: int, queue) -> None:
    clock.set_offset(timedelta(days=offset_days))
    engine = _engine(url)
    time.sleep(max(0.0, start_at - time.time()))
    started = time.perf_counter()
    with Session(engine) as session:
        fired = services.tick(session)
        sent = services.send_pending(session, limit=10_000)
    queue.put((len(fired), sent, time.perf_counter() - started))
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--tickers", type=int, default=4)
    args = parser.parse_args()
    url = os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
    if not url:
        sys.exit("Set PERMITFLOW_TEST_POSTGRES_URL (postgresql+psycopg://...)")
    from test_exactly_once import _SmtpHandler  # the tests' SMTP sink

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads, server.received, server.lock = True, [], threading.Lock()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    os.environ.update(
        PERMITFLOW_SMTP_HOST="127.0.0.1", PERMITFLOW_SMTP_PORT=str(server.server_address[1])
    )
    _prepare(url, args.cases)
    queue = multiprocessing.Queue()
    start_at = time.time() + 2
    processes = [
        multiprocessing.Process(target=_ticker, args=(url, start_at, 3, queue))
        for _ in range(args.tickers)
    ]
    for process in processes:
        process.start()
    results = [queue.get(timeout=600) for _ in processes]
    for process in processes:
        process.join()
    engine = _engine(url)
    with Session(engine) as session:
        audited = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "timer_fired")
        )
        statuses = Counter(session.scalars(select(OutboxMessage.status)))
    engine.dispose()
    with db.make_engine(url).begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    server.shutdown()
    ids = Counter(message_id for _, message_id in server.received)
    wall = max(seconds for _, _, seconds in results)
    print(f"{args.tickers} tickers (OS processes), {args.cases} cases waiting at a timer")
    print(
        f"timers fired: {sum(f for f, _, _ in results)} (audited {audited}), expected {args.cases}"
    )
    print(
        f"emails received: {len(server.received)}, distinct Message-IDs {len(ids)}, "
        f"duplicates {sum(n - 1 for n in ids.values())}, expected {2 * args.cases}; "
        f"outbox {dict(statuses)}"
    )
    print(f"per ticker (fired, handled): {[(f, s) for f, s, _ in results]}; wall {wall:.1f} s")


if __name__ == "__main__":
    main()
