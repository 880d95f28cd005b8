"""BPMN coverage: how much of a folder of BPMN models SpiffWorkflow and permitflow run.

For every ``*.bpmn`` / ``*.bpmn20.xml`` file under ``--models`` (each file alone):

1. **parsed by SpiffWorkflow**: plain ``BpmnParser`` builds the spec of every process in
   the file, with its sub-process specs (the files of the processes it calls added, see
   2.);
2. **accepted by permitflow**: the file validates without errors *and* deploys (one
   check decides both, so a gap between the two is listed as ``deploy:`` reasons); a
   file whose call activities name processes of other files in its folder (as
   SpiffWorkflow's tests load them together) is deployed after those files, called
   ones first, like a designer deploys the called procedures first (each must be the
   main process of its file; a called file that is refused refuses the caller,
   ``called file refused``);
3. **refused by reason**: the error codes of the refused files, grouped (unsupported
   elements by their tag), each with the number of files it stops;
   DMN files beside it (or one folder down) that define a decision it calls are
   uploaded with it;
4. **run to an end state**: a case is started and every open task completed through
   ``engine.services`` with generated form data (timers are fired by moving the clock,
   awaited messages are delivered), the workflow restored from the database before each
   step, until the case is completed or 200 steps have passed.

Point it at the ``tests/`` folder of SpiffWorkflow's repository (not committed here)::

    .venv/bin/python benchmarks/bpmn_coverage.py --models /tmp/spiff/tests [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import services
from engine.calendar import clock
from engine.demo import fill
from engine.errors import EngineError, InvalidBpmn
from engine.office.cases import start_form
from engine.storage import db, migrate
from engine.storage.tables import AuditEntry, MessageWait, Timer
from engine.validation.process import validate_file
from engine.workflow import runtime

MAX_STEPS = 200
SECONDS_PER_MODEL = 20
ADMIN = "coverage-admin"


def model_files(folder: Path) -> list[Path]:
    found = set(folder.rglob("*.bpmn")) | set(folder.rglob("*.bpmn20.xml"))
    return sorted(path for path in found if path.is_file())


def spiff_parses(path: Path, called: list[Path]) -> str | None:
    """None when plain SpiffWorkflow parses every process of the file (with the files of
    the processes it calls, as SpiffWorkflow's tests load them), else why not."""
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

    parser = BpmnParser()
    try:
        parser.add_bpmn_file(str(path))
        own = parser.get_process_ids()
        parser.add_bpmn_files([str(c) for c in called])
        for process_id in own:
            parser.get_spec(process_id)
            parser.get_subprocess_specs(process_id)
    except Exception as exc:  # noqa: BLE001 - any failure means "not parsed"
        return f"{type(exc).__name__}: {str(exc)[:80]}"
    return None


def refusal_reasons(problems) -> list[str]:
    reasons = []
    for problem in problems:
        if problem.severity != "error":
            continue
        reason = problem.code
        if problem.code == "unsupported_element":
            reason += ": " + problem.message.split("(", 1)[-1].split(")", 1)[0]
        reasons.append(reason)
    return sorted(set(reasons))


def decision_files(path: Path, data: bytes) -> dict[str, bytes]:
    """DMN files beside ``path`` (or one folder down) defining a decision it calls."""
    wanted = set(re.findall(rb'decisionRef="([^"]+)"', data))
    found = {}
    for candidate in sorted([*path.parent.glob("*.dmn"), *path.parent.glob("*/*.dmn")]):
        content = candidate.read_bytes()
        defined = set(re.findall(rb'<(?:\w+:)?decision [^>]*id="([^"]+)"', content))
        if wanted & defined:
            found[str(candidate.relative_to(path.parent))] = content
    return found


_PROCESS_ID = re.compile(rb'<(?:[A-Za-z]\w*:)?process\s[^>]*?\bid="([^"]+)"')
_CALLED = re.compile(rb'calledElement="([^"]+)"')


def called_beside(path: Path, data: bytes) -> list[Path]:
    """The files in ``path``'s folder defining the processes its call activities name and
    it does not define, called ones before their callers (each once; cycles cut)."""
    defines: dict[bytes, Path] = {}
    for candidate in model_files(path.parent):
        if candidate.parent == path.parent and candidate != path:
            for process_id in _PROCESS_ID.findall(candidate.read_bytes()):
                defines.setdefault(process_id, candidate)
    order: list[Path] = []

    def visit(content: bytes, seen: set[Path]) -> None:
        own = set(_PROCESS_ID.findall(content))
        for called in _CALLED.findall(content):
            target = defines.get(called)
            if called in own or target is None or target in seen or target in order:
                continue
            visit(target.read_bytes(), seen | {target})
            if target not in order:
                order.append(target)

    visit(data, {path})
    return order


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def run_case(session: Session, key: str) -> str:
    """Start a case of ``key`` and drive it; ``"completed"`` or what stopped it."""
    process = services.model_for(services.get_definition(session, key)).processes[key]
    case = services.start_case(session, key, fill(start_form(process)), started_by=ADMIN)
    for _ in range(MAX_STEPS):
        runtime.forget_live_workflows()  # every step restores the workflow from the database
        session.refresh(case)
        if case.status != "running":
            return case.status if case.status == "completed" else _why(session, case)
        tasks = services.open_tasks(session, case)
        if tasks:
            task = tasks[0]
            services.complete_task(session, task.id, ADMIN, fill(services.task_form(task)))
            continue
        timers = list(session.scalars(select(Timer).where(Timer.case_id == case.id)))
        if timers:
            due = min(t.due_at for t in timers)
            clock.advance(max(due - clock.now(), timedelta(0)) + timedelta(seconds=1))
            services.tick(session)
            continue
        wait = session.scalar(select(MessageWait).where(MessageWait.case_id == case.id))
        if wait is not None:
            services.deliver_message(session, case, wait.message_name, {}, actor=ADMIN)
            continue
        return "stuck: no open task, timer or awaited message"
    return f"not finished after {MAX_STEPS} steps"


def _why(session: Session, case) -> str:
    """The status of a stopped case, with the message of its last incident if any."""
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.case_id == case.id, AuditEntry.action.like("incident%"))
        .order_by(AuditEntry.id.desc())
    )
    return f"{case.status}: {entry.message[:100]}" if entry is not None else case.status


def _deploy(session: Session, path: Path, data: bytes, result: dict):
    """Deploy ``path`` (its DMN files with it); None with ``result["reasons"]`` set when
    it is refused."""
    try:
        definition, _ = services.deploy(
            session,
            data,
            source=path.name,
            deployed_by=ADMIN,
            dmn_files=decision_files(path, data),
        )
        return definition
    except InvalidBpmn as exc:
        result["reasons"] = refusal_reasons(exc.problems) or [
            f"deploy: {exc.message.splitlines()[-1][:90]}"
        ]
    except EngineError as exc:
        result["reasons"] = [f"deploy: {exc.message.splitlines()[-1][:90]}"]
    except Exception as exc:  # noqa: BLE001 - a crash is a finding of the benchmark
        result["reasons"] = [f"deploy crashed: {type(exc).__name__}: {str(exc)[:80]}"]
    return None


def _deploy_called(session: Session, path: Path, data: bytes, result: dict) -> bool:
    """Deploy the files of the processes ``path`` calls; False when one is refused."""
    for called in called_beside(path, data):
        refused: dict = {}
        if _deploy(session, called, called.read_bytes(), refused) is None:
            result["reasons"] = [f"called file refused: {r}" for r in refused["reasons"]]
            return False
    return True


def measure(path: Path, engine, verbose: bool) -> dict:
    data = path.read_bytes()
    called = called_beside(path, data)
    result: dict = {"file": str(path), "spiff": spiff_parses(path, called), "reasons": []}
    if not called:  # alone: validation says why without a database
        _, problems = validate_file(data, path.name, dmn_files=decision_files(path, data))
        result["reasons"] = refusal_reasons(problems)
        if result["reasons"]:
            return result
    clock.reset()
    with Session(engine, expire_on_commit=False) as session:
        signal.alarm(SECONDS_PER_MODEL)
        definition = None
        if _deploy_called(session, path, data, result):
            definition = _deploy(session, path, data, result)
        if definition is None:
            signal.alarm(0)
            session.rollback()
            return result
        try:
            result["run"] = run_case(session, definition.key)
        except _Timeout:
            result["run"] = f"timeout after {SECONDS_PER_MODEL} s"
        except EngineError as exc:
            result["run"] = f"{type(exc).__name__}: {exc.message.splitlines()[0][:100]}"
        except Exception as exc:  # noqa: BLE001
            result["run"] = f"crash {type(exc).__name__}: {str(exc).splitlines()[0][:100]}"
        finally:
            signal.alarm(0)
            session.rollback()
            clock.reset()
    return result


def report(results: list[dict], verbose: bool) -> dict:
    total = len(results)
    parsed = sum(1 for r in results if r["spiff"] is None)
    accepted = [r for r in results if not r["reasons"]]
    completed = [r for r in accepted if r.get("run") == "completed"]
    reasons: Counter = Counter(reason for r in results for reason in r["reasons"])
    parsed_refused: Counter = Counter(
        reason for r in results if r["spiff"] is None for reason in r["reasons"]
    )
    print(f"BPMN files:                    {total}")
    print(f"parsed by SpiffWorkflow:       {parsed}")
    print(f"accepted by permitflow:        {len(accepted)}")
    print(f"  of those parsed by Spiff:    {sum(1 for r in accepted if r['spiff'] is None)}")
    print(f"run to an end state:           {len(completed)}")
    print("\nrefused, by reason (files; of which SpiffWorkflow parses):")
    for reason, count in reasons.most_common():
        print(f"  {count:4d} ({parsed_refused[reason]:3d})  {reason}")
    runs = Counter(r["run"] for r in accepted if r.get("run") != "completed")
    print("\naccepted but not run to the end:")
    for outcome, count in runs.most_common():
        print(f"  {count:4d}  {outcome}")
    if verbose:
        print()
        for r in results:
            status = r.get("run") or "; ".join(r["reasons"])
            print(f"{Path(r['file']).name}: spiff={'ok' if r['spiff'] is None else 'no'} {status}")
    return {
        "files": total,
        "parsed_by_spiffworkflow": parsed,
        "accepted": len(accepted),
        "completed": len(completed),
        "refused_by_reason": dict(reasons),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", required=True, type=Path, help="folder of BPMN files")
    parser.add_argument("--verbose", action="store_true", help="one line per file")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    files = model_files(args.models)
    if not files:
        print(f"no BPMN files under {args.models}", file=sys.stderr)
        return 2
    signal.signal(signal.SIGALRM, _on_alarm)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(f"sqlite:///{folder}/coverage.sqlite3")
        migrate.upgrade(engine)
        with Session(engine) as session:
            services.create_user(session, ADMIN, roles=["admin"])
            session.commit()
        results = [measure(path, engine, args.verbose) for path in files]
        engine.dispose()
    figures = report(results, args.verbose)
    print(f"\n({time.perf_counter() - started:.1f} s)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
