"""Engine throughput: bare SpiffWorkflow in memory vs permitflow persisting every task.

Runs a shipped procedure (``--procedure``, default the resident ID card: six human
tasks, no documents) down its happy path with the same form data on each side and
prints cases/s, the ratio to bare, and the stored bytes per case. PostgreSQL is measured
too when PERMITFLOW_TEST_POSTGRES_URL is set. A procedure that issues documents (the
signage permit: PDF bill, receipt, permit) makes them in the persisted runs only; the
time spent rendering them is measured and shown apart ("less PDF rendering").
The building approval and the business licence call the population registry (service
tasks) right after the start, so they do not run without those connectors.

    .venv/bin/python benchmarks/engine_throughput.py [--cases 200] [--procedure KEY]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import text
from sqlalchemy.orm import Session

from engine import services
from engine.bpmn.reader import load_bpmn
from engine.bpmn.xml import parse_xml
from engine.demo import fill
from engine.office import audit, pdf
from engine.office.cases import start_form
from engine.storage import db, migrate
from engine.workflow import specs

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
MAX_STEPS = 60


def form_data(fields, index: int) -> dict:
    """Sample form data; a payment reference is unique per case, as the bills table asks."""
    data = fill(fields)
    if "payment_reference" in data:
        data["payment_reference"] = f"BENCH-{index:06d}"
    return data


def bpmn_of(key: str) -> bytes:
    return (PROCESSES / f"{key}.bpmn").read_bytes()


def bare_run(cases: int, key: str) -> float:
    """Cases to completion per second, SpiffWorkflow in memory with the safe engine."""
    bpmn = bpmn_of(key)
    model = load_bpmn(bpmn, f"{key}.bpmn")
    process = model.processes[key]
    spec, subs = specs.compile_process(parse_xml(bpmn, key), key, key)
    start_data = fill(start_form(process))
    begin = time.perf_counter()
    for _ in range(cases):
        workflow = specs.new_workflow(spec, subs)
        workflow.get_next_task(state=TaskState.READY).data.update(start_data)
        workflow.do_engine_steps()
        for _step in range(MAX_STEPS):
            ready = [t for t in workflow.get_tasks(state=TaskState.READY) if t.task_spec.manual]
            if not ready:
                break
            task = ready[0]
            task.data.update(fill(process.nodes[task.task_spec.bpmn_id].form_fields))
            task.run()
            workflow.do_engine_steps()
        assert workflow.completed, "the happy path did not finish"
    return cases / (time.perf_counter() - begin)


class DocumentClock:
    """Seconds spent rendering documents (bills, receipts, permits: HTML to PDF).

    Wraps :func:`engine.office.pdf.html_to_pdf` while a run lasts; the documents are
    still made, this only measures them, so the engine's share can be told apart.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0
        self._original = pdf.html_to_pdf

    def __enter__(self) -> DocumentClock:
        def timed(html: str) -> bytes:
            began = time.perf_counter()
            try:
                return self._original(html)
            finally:
                self.seconds += time.perf_counter() - began
                self.count += 1

        pdf.html_to_pdf = timed
        return self

    def __exit__(self, *_exc) -> None:
        pdf.html_to_pdf = self._original


def persisted_run(engine, cases: int, key: str) -> tuple[float, list[int], list[int], int]:
    """Cases/s with every operation committed; stored state and data bytes per case."""
    with Session(engine) as session:
        services.deploy(session, bpmn_of(key), source=f"{key}.bpmn")
        services.create_user(session, "bench", roles=["admin"])
        session.commit()
    state_sizes, data_sizes, tasks_done = [], [], 0
    begin = time.perf_counter()
    with Session(engine, expire_on_commit=False) as session:
        fields = start_form(
            services.model_for(services.get_definition(session, key)).processes[key]
        )
        for index in range(cases):
            case = services.start_case(session, key, form_data(fields, index), started_by="bench")
            session.commit()
            for _step in range(MAX_STEPS):
                open_tasks = services.open_tasks(session, case)
                if not open_tasks:
                    break
                task = open_tasks[0]
                form = form_data(services.task_form(task), index)
                services.complete_task(session, task.id, "bench", form)
                session.commit()
                tasks_done += 1
            assert case.status == "completed", f"case ended {case.status}"
            state_sizes.append(len(case.state))
            data_sizes.append(len(json.dumps(services.case_data(case))))
    rate = cases / (time.perf_counter() - begin)
    return rate, state_sizes, data_sizes, tasks_done // cases


def floor_run(engine, cases: int, steps: int) -> float:
    """The write floor: per step one state update and one audit row, committed; no workflow."""
    with Session(engine, expire_on_commit=False) as session:
        case = services.list_cases(session, limit=1)[0]
        state = case.state
        begin = time.perf_counter()
        for index in range(cases * steps):
            case.state = state + bytes([index % 250])
            audit.record(session, "benchmark", case_id=case.id)
            session.commit()
    return cases / (time.perf_counter() - begin)


def _print_without_documents(rate: float, bare: float, cases: int, documents: DocumentClock):
    """The same run less the time spent rendering PDFs (measured, not skipped)."""
    elapsed = cases / rate
    engine_only = cases / max(elapsed - documents.seconds, 1e-9)
    share = 100 * documents.seconds / elapsed
    print(
        f"{'  less PDF rendering (' + format(share, '.0f') + '% of it)':<34}"
        f"{engine_only:>10.1f}{engine_only / bare:>8.2f}"
    )


def _fresh_postgres(url: str):
    schema = "pf_bench"
    admin = db.make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    engine = db.make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    migrate.upgrade(engine)
    return engine, admin, schema


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--procedure", default="resident_id_card", help="a key in processes/")
    args = parser.parse_args()
    bare_run(5, args.procedure)  # warm-up: imports, caches
    bare = bare_run(args.cases, args.procedure)
    print(f"procedure: {args.procedure}, {args.cases} cases, happy path")
    print(f"{'run':<34}{'cases/s':>10}{'ratio':>8}")
    print(f"{'bare SpiffWorkflow, in memory':<34}{bare:>10.1f}{1.0:>8.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.sqlite3")
        migrate.upgrade(engine)
        with DocumentClock() as documents:
            rate, states, datas, steps = persisted_run(engine, args.cases, args.procedure)
        print(f"{'permitflow, SQLite (WAL), persisted':<34}{rate:>10.1f}{rate / bare:>8.2f}")
        if documents.count:
            _print_without_documents(rate, bare, args.cases, documents)
        floor = floor_run(engine, args.cases, steps + 1)
        print(f"{'  floor: bare writes+commits, SQLite':<34}{floor:>10.1f}{floor / bare:>8.2f}")
        engine.dispose()
    url = os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
    if url:
        pg, admin, schema = _fresh_postgres(url)
        with DocumentClock() as pg_documents:
            pg_rate, *_ = persisted_run(pg, args.cases, args.procedure)
        print(f"{'permitflow, PostgreSQL, persisted':<34}{pg_rate:>10.1f}{pg_rate / bare:>8.2f}")
        if pg_documents.count:
            _print_without_documents(pg_rate, bare, args.cases, pg_documents)
        pg.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    else:
        print("PostgreSQL: skipped (set PERMITFLOW_TEST_POSTGRES_URL)")
    print(f"human tasks per case: {steps}; every start and completion committed")
    print("floor: one state UPDATE and one audit INSERT per step, committed, without any")
    print("       workflow work: no persisted engine can beat it with a commit per step")
    if documents.count:
        print(
            f"documents: {documents.count / args.cases:.0f} PDFs per case, "
            f"{1000 * documents.seconds / documents.count:.0f} ms each (WeasyPrint); "
            "bare SpiffWorkflow makes none"
        )
    print(
        f"stored workflow state per case (zlib JSON, no spec): mean {statistics.mean(states):.0f} B, "
        f"max {max(states)} B"
    )
    print(f"task data per case (JSON): mean {statistics.mean(datas):.0f} B")


if __name__ == "__main__":
    main()
