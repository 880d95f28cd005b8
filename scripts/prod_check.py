"""``make prod-check``: the production layout on this machine, started, smoke-tested, stopped.

Starts what docs/deployment.md describes, against the local PostgreSQL and Redis:
``permitflow serve --workers 2`` (two gunicorn app processes), one Celery worker and
Celery beat (the scheduler), on a scratch database and a Redis queue of their own.
Then it checks, through HTTP on 127.0.0.1 only:

- both app processes answer (the page and the API);
- a clerk's token starts a case, claims and completes its first task, and the case
  moves on (a second clerk then sees the next task);
- login attempts are counted in Redis: six wrong passwords give 401 x5 then 429;
- the worker runs a task sent through the broker, and beat's schedule reaches the
  worker (``permitflow.reap_jobs`` runs within 45 s).

Everything is stopped and the scratch database dropped at the end; exit status 1 when a
check fails.

    .venv/bin/python scripts/prod_check.py [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BPMN = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"
REDIS = "redis://127.0.0.1:6379/14"
DATABASE = f"permitflow_prodcheck_{os.getpid()}"
PASSWORD = "prod-check-7"
CELERY = [sys.executable, "-m", "celery", "-A", "engine.background.worker"]


def scratch_database(base_url: str) -> str:
    from engine.storage import db, migrate

    admin = db.make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
    admin.dispose()
    url = make_url(base_url).set(database=DATABASE).render_as_string(hide_password=False)
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


def drop_database(base_url: str) -> None:
    from engine.storage import db

    admin = db.make_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin.dispose()


def seed(url: str) -> dict[str, str]:
    """The small permit deployed; one clerk per lane with a password and an API token."""
    from engine import services
    from engine.accounts import api_tokens
    from engine.accounts.passwords import hash_password
    from engine.storage import db

    engine = db.make_engine(url)
    tokens = {}
    with Session(engine) as session:
        definition, _ = services.deploy(session, BPMN.read_bytes(), source=BPMN.name)
        for lane in definition.lanes.values():
            role = lane["role"]
            services.create_user(session, role, roles=[role], password_hash=hash_password(PASSWORD))
            tokens[role] = api_tokens.issue(session, role, "prod-check")
        session.commit()
    engine.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command,
        env=env,
        cwd=REPO,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    return process.wait()


def call(base: str, method: str, path: str, token: str | None = None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, None


def wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("permitflow serve stopped; see its log")
        try:
            if call(base, "GET", "/api/v1/openapi.json")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("permitflow serve did not answer within 90 s")


def check_api(base: str, tokens: dict[str, str]) -> list[str]:
    front, head = tokens["front_office"], tokens["head_of_office"]
    status, case = call(
        base,
        "POST",
        "/api/v1/cases",
        front,
        {"process": "small_permit", "data": {"applicant_name": "Siti", "area": 12}},
    )
    if status != 201:
        return [f"starting a case answered {status}"]
    task = case["open_tasks"][0]
    steps = [
        call(base, "POST", f"/api/v1/tasks/{task['id']}/claim", front, {})[0],
        call(base, "POST", f"/api/v1/tasks/{task['id']}/complete", front, {"data": {}})[0],
    ]
    status, mine = call(base, "GET", "/api/v1/tasks", head)
    names = [t["name"] for t in (mine or {}).get("tasks", [])]
    problems = [f"claim/complete answered {steps}"] if steps != [200, 200] else []
    if status != 200 or "Decide" not in names:
        problems.append(f"the head of office does not see the next task ({status}, {names})")
    return problems


def check_login_limit(base: str) -> list[str]:
    codes = []
    for _ in range(6):
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/login", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"username": f"nobody-{os.getpid()}", "password": "wrong", "csrf_token": token}
        ).encode()
        try:
            codes.append(opener.open(base + "/login", data=form, timeout=30).status)
        except urllib.error.HTTPError as error:
            codes.append(error.code)
    return [] if codes == [401] * 5 + [429] else [f"six wrong logins answered {codes}"]


def check_worker_and_beat(env: dict[str, str], worker_log: Path) -> list[str]:
    os.environ.update({k: env[k] for k in ("PERMITFLOW_BROKER_URL", "PERMITFLOW_CELERY_QUEUE")})
    from engine.background import worker

    worker.app.conf.update(
        broker_url=env["PERMITFLOW_BROKER_URL"],
        result_backend=env["PERMITFLOW_BROKER_URL"],
        task_default_queue=env["PERMITFLOW_CELERY_QUEUE"],
    )
    problems = []
    try:
        worker.reap_jobs_task.delay().get(timeout=60)
    except Exception as exc:  # noqa: BLE001  (any failure is the finding)
        problems.append(f"the worker did not run a task sent to it: {exc!r}")
    done = re.compile(r"Task permitflow\.reap_jobs\[[^\]]+\] succeeded")
    deadline = time.monotonic() + 45
    while len(done.findall(worker_log.read_text(errors="replace"))) < 2:  # ours, then beat's
        if time.monotonic() > deadline:
            problems.append("beat's schedule did not reach the worker within 45 s")
            break
        time.sleep(1)
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("PERMITFLOW_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    args = parser.parse_args()
    if make_url(args.database).host not in ("127.0.0.1", "localhost", None):
        raise SystemExit("prod-check only runs against a database on 127.0.0.1")
    url = scratch_database(args.database)
    problems: list[str] = []
    processes: dict[str, subprocess.Popen] = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        env = dict(
            os.environ,
            PERMITFLOW_DATABASE_URL=url,
            PERMITFLOW_BROKER_URL=REDIS,
            PERMITFLOW_CELERY_QUEUE=f"permitflow-prodcheck-{os.getpid()}",
            PERMITFLOW_SECRET_KEY="prod-check-secret",
            PERMITFLOW_INSECURE_COOKIES="1",  # plain HTTP on 127.0.0.1, no TLS proxy in front
            PERMITFLOW_INSTANCE_PATH=str(work / "instance"),
            PERMITFLOW_DOCUMENT_DIR=str(work / "documents"),
            PERMITFLOW_JOB_MODULES="simulations.jobs",
        )
        try:
            tokens = seed(url)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            serve = [sys.executable, "-m", "engine.cli", "serve", "--workers", "2"]
            processes["app"] = start(serve + ["--port", str(port)], env, work / "app.log")
            queue = env["PERMITFLOW_CELERY_QUEUE"]
            processes["worker"] = start(
                CELERY + ["worker", "--pool=solo", "-Q", queue, "--loglevel=INFO"],
                env,
                work / "worker.log",
            )
            processes["beat"] = start(
                CELERY + ["beat", "-s", str(work / "beat-schedule"), "--loglevel=INFO"],
                env,
                work / "beat.log",
            )
            wait_until_serving(base, processes["app"])
            print(f"prod-check: 2 app processes on {base}, a Celery worker and beat on {REDIS}")
            problems += check_api(base, tokens)
            problems += check_login_limit(base)
            problems += check_worker_and_beat(env, work / "worker.log")
        finally:
            codes = {name: stop(p) for name, p in processes.items()}
            print(f"prod-check: stopped {codes}")
            drop_database(args.database)
            if problems:
                for name in processes:
                    print(f"--- {name} log (end)\n{(work / f'{name}.log').read_text()[-1500:]}")
    for problem in problems:
        print(f"PROBLEM: {problem}")
    print("prod-check: " + ("FAILED" if problems else "all checks passed"))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
