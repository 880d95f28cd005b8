"""HTTP load on several app processes sharing one PostgreSQL: claims and completions.

Creates a fresh database, deploys a two-lane procedure (register, then decide:
``tests/engine_bpmn/two_lanes.bpmn``), starts ``--cases`` cases and issues an API token
to ``--clients`` clerks (half per lane); starts ``permitflow serve --workers N`` (gunicorn)
on 127.0.0.1; then each client thread lists its tasks, claims one of the first few
(clients of a lane compete for them) and completes it, until no work is left or
``--seconds`` have passed. Prints completions/s, p50/p99 of the completion requests,
409s and 500s, and a consistency check of audit against state:

- lost: a completion answered 200 whose task has no "task_completed" audit entry or
  is still open;
- double: a task with two "task_completed" entries;
- inconsistent: a case whose workflow state disagrees with its audit (completed user
  tasks in the state vs "task_completed" entries) or with its open task rows.

Then, in this process, it counts the SQL statements of task list, claim and complete
requests (token authentication included) through the Flask test client, and prints
those of one completion.

    .venv/bin/python benchmarks/http_load.py [--processes 2] [--clients 16] [--cases 150] [--warmup 5]
        [--seconds 30] [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]

Only 127.0.0.1 is contacted; the load is bounded by ``--cases`` and ``--seconds``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
BPMN = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"
KEY = "small_permit"
DATABASE = "permitflow_http_load"
PICK_FROM = 4  # clients pick one of the first few tasks, so clients of a lane collide


def fresh_database(base_url: str) -> str:
    """Drop and create ``permitflow_http_load`` next to ``base_url``; return its URL."""
    from engine.storage import db, migrate

    # not db.make_engine: its statement timeout may cut a DROP DATABASE on a busy machine
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    admin.dispose()
    url = make_url(base_url).set(database=DATABASE).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def seed(url: str, clients: int, cases: int) -> list[tuple[str, str, str]]:
    """Deploy, start ``cases`` cases; return (username, role, token) per client."""
    from engine import services
    from engine.accounts import api_tokens
    from engine.storage import db

    engine = db.make_engine(url)
    users = []
    with Session(engine) as session:
        definition, _ = services.deploy(session, BPMN.read_bytes(), source=BPMN.name)
        roles = sorted({lane["role"] for lane in definition.lanes.values()})
        for i in range(clients):
            role = roles[i % len(roles)]
            username = f"clerk{i:02d}"
            services.create_user(session, username, full_name=username, roles=[role])
            users.append((username, role, api_tokens.issue(session, username, "load")))
        for i in range(cases):
            services.start_case(
                session, KEY, {"applicant_name": f"Applicant {i}", "area": 10 + i}, started_by="x"
            )
        session.commit()
    engine.dispose()
    return users


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, processes: int, threads: int, port: int) -> subprocess.Popen:
    env = dict(os.environ, PERMITFLOW_DATABASE_URL=url, PERMITFLOW_SECRET_KEY="load-test")
    env.pop("PERMITFLOW_BROKER_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(processes),
            "--threads",
            str(threads),
            "--tick-every",
            "0",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            status, _ = request(port, "GET", "/api/v1/openapi.json", None)
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    stop_server(server)
    raise SystemExit("the server did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def request(port: int, method: str, path: str, token: str | None, body=None, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    data = response.read()
    if own:
        conn.close()
    return response.status, (json.loads(data) if data[:1] in (b"{", b"[") else data)


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """CPU time (user + system) of the app processes under the gunicorn arbiter."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.pid:  # field 4 (ppid) after the command name
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.codes: Counter[tuple[str, int]] = Counter()
        self.latencies: list[float] = []
        self.completed: list[str] = []  # task ids answered 200

    def add(self, kind: str, status: int, seconds: float, task_id: str) -> None:
        with self.lock:
            self.codes[(kind, status)] += 1
            if kind == "complete":
                self.latencies.append(seconds)
                if status == 200:
                    self.completed.append(task_id)


def client(port: int, token: str, deadline: float, results: Results, work: int, seed_: int):
    """List, claim one of the first few, complete; until ``work`` completions are done."""
    rng = random.Random(seed_)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.monotonic() < deadline and len(results.completed) < work:
        status, body = request(port, "GET", "/api/v1/tasks", token, conn=conn)
        results.add("list", status, 0, "")
        tasks = body.get("tasks", []) if status == 200 else []
        if not tasks:
            time.sleep(0.1)  # the other lane has not handed work over yet
            continue
        task = rng.choice(tasks[:PICK_FROM])
        if task["assignee"] is None:
            status, _ = request(port, "POST", f"/api/v1/tasks/{task['id']}/claim", token, {}, conn)
            results.add("claim", status, 0, task["id"])
            if status != 200:
                continue
        data = {"decision": rng.choice(["approve", "reject"])} if task["form"] else {}
        began = time.perf_counter()
        status, _ = request(
            port, "POST", f"/api/v1/tasks/{task['id']}/complete", token, {"data": data}, conn
        )
        results.add("complete", status, time.perf_counter() - began, task["id"])
    conn.close()


def consistency(url: str, completed: list[str]) -> dict[str, int]:
    from engine.storage import db
    from engine.storage.tables import AuditEntry, Case, HumanTask
    from engine.workflow.runtime import open_case
    from engine.workflow.states import TaskState

    engine = db.make_engine(url)
    with Session(engine) as session:
        audited = Counter(
            session.scalars(select(AuditEntry.task_id).where(AuditEntry.action == "task_completed"))
        )
        open_ids = set(session.scalars(select(HumanTask.id)))
        lost = sum(1 for t in set(completed) if audited[t] == 0 or t in open_ids)
        double = sum(1 for n in audited.values() if n > 1)
        per_case = Counter(
            dict(
                session.execute(
                    select(AuditEntry.case_id, func.count())
                    .where(AuditEntry.action == "task_completed")
                    .group_by(AuditEntry.case_id)
                ).all()
            )
        )
        inconsistent = 0
        for case in session.scalars(select(Case)):
            workflow = open_case(case).workflow
            manual = [t for t in workflow.get_tasks() if t.task_spec.manual]
            done = sum(1 for t in manual if t.state == TaskState.COMPLETED)
            ready = {str(t.id) for t in manual if t.state == TaskState.READY}
            rows = set(session.scalars(select(HumanTask.id).where(HumanTask.case_id == case.id)))
            if done != per_case[case.id] or ready != rows:
                inconsistent += 1
    engine.dispose()
    return {
        "lost": lost,
        "double": double,
        "inconsistent": inconsistent,
        "audited": sum(audited.values()),
        "acknowledged": len(set(completed)),
    }


def statements_per_request(url: str, users: list[tuple[str, str, str]], count: int):
    """SQL statements of list, claim and complete requests, in this process (test client):
    the mean per kind, and the statements of the last completion."""
    from engine import services
    from webapp import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "load-test", "TESTING": True})
    with Session(app.extensions["permitflow.engine"]) as session:
        for i in range(count):
            services.start_case(session, KEY, {"applicant_name": f"Counted {i}", "area": 5})
        session.commit()
    engine = app.extensions["permitflow.engine"]
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _k, sql, *_a: seen.append(sql))
    web = app.test_client()
    figures: dict[str, list[int]] = {"list": [], "claim": [], "complete": []}
    last_completion: list[str] = []
    for _username, _role, token in users:
        auth = {"Authorization": f"Bearer {token}"}
        seen.clear()
        tasks = web.get("/api/v1/tasks", headers=auth).get_json()["tasks"]
        figures["list"].append(len(seen))
        for task in tasks[:count]:
            data = {"decision": "reject"} if task["form"] else {}
            for kind, body in (("claim", {}), ("complete", {"data": data})):
                seen.clear()
                response = web.post(f"/api/v1/tasks/{task['id']}/{kind}", json=body, headers=auth)
                if response.status_code == 200:
                    figures[kind].append(len(seen))
                    last_completion = list(seen) if kind == "complete" else last_completion
        if all(len(v) >= count for v in figures.values()):
            break
    engine.dispose()
    means = {k: statistics.mean(v) if v else None for k, v in figures.items()}
    return means, last_completion


def run_clients(port: int, users, seconds: float, results: Results, work: int) -> float:
    """Every client works for ``seconds`` or until ``work`` completions; the time taken."""
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(port, token, deadline, results, work, i))
        for i, (_u, _r, token) in enumerate(users)
    ]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="threads per app process")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of load before measuring (each process's first requests import and "
        "cache: the working calendar's holidays, procedure models); 0 measures from the start",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    host = make_url(args.database).host
    if host not in ("127.0.0.1", "localhost", None):
        raise SystemExit("http_load only runs against a database on 127.0.0.1")

    url = fresh_database(args.database)
    users = seed(url, args.clients, args.cases)
    port = free_port()
    server = start_server(url, args.processes, args.threads, port)
    warm, results = Results(), Results()
    work = 2 * args.cases  # every case: register, then decide
    try:
        run_clients(port, users, args.warmup, warm, work)  # imports, caches, pools
        cpu_before = server_cpu_seconds(server)
        elapsed = run_clients(port, users, args.seconds, results, work - len(warm.completed))
        cpu = server_cpu_seconds(server) - cpu_before
    finally:
        stop_server(server)
    if args.warmup:
        print(
            f"warm-up: {len(warm.completed)} completions in the first {args.warmup:g} s, "
            "not counted below"
        )
    report(args, results, elapsed, consistency(url, warm.completed + results.completed))
    ok = results.codes[("complete", 200)]
    print(
        f"server CPU: {cpu:.1f} s in the app processes = {1000 * cpu / max(ok, 1):.0f} ms "
        f"per completion (its list and claim requests included); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print("SQL statements per request (test client, token auth included):", end=" ")
    spent, completion = statements_per_request(url, users, 5)
    print(", ".join(f"{k} {v:.1f}" if v else f"{k} -" for k, v in spent.items()))
    print("the statements of one completion:")
    for sql in completion:
        print("  " + " ".join(sql.split())[:110])


def report(args, results: Results, elapsed: float, check: dict[str, int]) -> None:
    ok = results.codes[("complete", 200)]
    lat = sorted(results.latencies)
    p50 = lat[len(lat) // 2] * 1000 if lat else 0
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else 0
    conflicts = sum(n for (_k, s), n in results.codes.items() if s == 409)
    errors = sum(n for (_k, s), n in results.codes.items() if s >= 500)
    print(
        f"http_load: {args.processes} app processes x {args.threads} threads, "
        f"{args.clients} clients, {args.cases} cases, {elapsed:.1f} s"
    )
    print(
        f"completions: {ok} in {elapsed:.1f} s = {ok / elapsed:.1f}/s; "
        f"complete p50 {p50:.0f} ms, p99 {p99:.0f} ms"
    )
    print(
        "requests: "
        + ", ".join(f"{k} {s}: {n}" for (k, s), n in sorted(results.codes.items()))
        + f"; 409s {conflicts}, 500s {errors}"
    )
    print(
        f"consistency: lost {check['lost']}, double {check['double']}, "
        f"inconsistent {check['inconsistent']} "
        f"(audited completions {check['audited']}, answered 200: {check['acknowledged']})"
    )


if __name__ == "__main__":
    main()
