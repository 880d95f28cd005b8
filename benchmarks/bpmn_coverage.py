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
   ``engine.services`` with generated form data (timers are fired by moving the clock:
   a timer due within the minute a task takes fires before the task is done, as with a
   person at work; awaited messages are delivered), the workflow restored from the database before each
   step, until the case is completed or 200 steps have passed.

The issue's goal is that every model SpiffWorkflow parses and whose scripts fit the safe
language is accepted and runs; so refusals are split into (a) scripts outside the safe
language (``unsafe_expression``, ``unsupported_script_format``, ``extension_script``, and
a called file refused for one of them), (b) refusals the issue itself demands (a broken
file: call cycles, unknown called elements or decisions, missing conditions, duplicate
ids, no start event...; and the data-flow rule, "written on no path: an error", for names
only SpiffWorkflow's test code sets) and (c) everything else (a file SpiffWorkflow parses
and permitflow cannot build, ``cannot_run``, included),
the gaps, listed by file. The denominator is the files SpiffWorkflow parses without an
(a) refusal.

Generated data, as an API client would send it:

- **start data**: a start event without a form takes any start data, and SpiffWorkflow's
  own tests set names through the API that no form, script or message sets. Validation
  warns about each (``name_from_start_data``); the names come from
  :func:`engine.validation.data_flow.names_from_start_data` (the same analysis), each
  given a value from what reads it: a constant it is compared with in a condition (for
  ``<``/``>`` one that satisfies it), else True when it is a bare truth value, else 1;
  an ISO date-time/duration/cycle for a timer, ``[1]`` for a multi-instance input
  collection. Of several candidates, a loop's condition gets the one that leaves the loop
  (a standard loop's condition false, a completion condition true), so ``not done`` ends.
  This start data is chosen before the case starts rather than set at its "unknown name"
  incidents (:mod:`engine.office.incidents`' set-variable and retry), so a run to the end
  means no administrator had to step in.
- **form data**: :func:`engine.demo.fill`, except that a field a condition compares with
  constants gets those constants in turn, one per visit of its task, so a
  "Done? Yes/No" loop is left on a later visit instead of running 200 steps.
- **message payloads**: an awaited message carries what its correlation reads (the
  case's value, else 1) and, for names conditions read that the case lacks, their
  constants (or True/False) in turn per wait, as a partner system would send them.

Point it at the ``tests/`` folder of SpiffWorkflow's repository (not committed here)::

    .venv/bin/python benchmarks/bpmn_coverage.py --models /tmp/spiff/tests [--verbose]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's engine

from engine import services
from engine.calendar import clock
from engine.demo import fill
from engine.errors import EngineError, InvalidBpmn
from engine.expressions import language as expressions
from engine.office.cases import start_form
from engine.storage import db, migrate
from engine.storage.tables import AuditEntry, MessageWait, Timer
from engine.validation.data_flow import names_from_start_data
from engine.validation.process import validate_file
from engine.workflow import dmn, runtime
from engine.workflow.messages import contracts_for

MAX_STEPS = 200
SECONDS_PER_MODEL = 20
TASK_TIME = timedelta(minutes=1)  # timers due sooner fire before an open task is done
ADMIN = "coverage-admin"

# The refusal codes by what they say about the goal (module docstring).
OUTSIDE_SAFE_LANGUAGE = frozenset(
    {"unsafe_expression", "unsupported_script_format", "extension_script"}
)
DEMANDED = frozenset(
    {
        "call_cycle",
        "unknown_called_element",
        "unknown_decision",
        "missing_condition",
        "duplicate_id",
        "no_start_event",  # with no_end_event: bpmnlint's recommended rules
        "no_end_event",
        "unreachable_node",
        # the data-flow rule: a name read but "written on no path: an error"
        # (SpiffWorkflow's own tests set these from test code, task.data[...] = ...)
        "unset_name",
        "missing_output_item",
        # a service task calls a system an admin registered (issue 15): none is registered
        # here, and a secret written into a model is refused (it belongs to the connector)
        "unknown_connector",
        "unknown_operation",
        "secret_in_model",
        "unmapped_output",
    }
)
CALLED_REFUSED = "called file refused: "


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
    """DMN files beside ``path`` (or one folder down, or anywhere in its SpiffArena
    process group) defining a decision it calls."""
    wanted = set(re.findall(rb'(?:decisionRef="|calledDecisionId>\s*)([^"<\s]+)', data))
    found = {}
    group = process_group(path)
    candidates = group.rglob("*.dmn") if group else []
    for candidate in sorted(
        {*path.parent.glob("*.dmn"), *path.parent.glob("*/*.dmn"), *candidates}
    ):
        content = candidate.read_bytes()
        defined = set(re.findall(rb'<(?:\w+:)?decision [^>]*id="([^"]+)"', content))
        if wanted & defined:
            found[candidate.name] = content
    return found


_PROCESS_ID = re.compile(rb'<(?:[A-Za-z]\w*:)?process\s[^>]*?\bid="([^"]+)"')
_CALLED = re.compile(rb'calledElement="([^"]+)"')


def process_group(path: Path) -> Path | None:
    """The outermost SpiffArena process group holding ``path`` (a folder with a
    ``process_group.json``; its process models call each other across folders), or None."""
    group = None
    for folder in path.parents:
        if (folder / "process_group.json").is_file():
            group = folder
        elif group is not None:
            break
    return group


def called_beside(path: Path, data: bytes) -> list[Path]:
    """The files in ``path``'s folder (anywhere in its SpiffArena process group) defining
    the processes its call activities name and it does not define, called ones before
    their callers (each once; cycles cut)."""
    defines: dict[bytes, Path] = {}
    group = process_group(path)
    for candidate in model_files(group or path.parent):
        if (group or candidate.parent == path.parent) and candidate != path:
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


def refusal_kind(reason: str) -> str:
    """``script`` (outside the safe language), ``demanded`` (by the issue) or ``gap``."""
    code = reason.removeprefix(CALLED_REFUSED).split(":", 1)[0]
    if code in OUTSIDE_SAFE_LANGUAGE:
        return "script"
    return "demanded" if code in DEMANDED else "gap"


def file_kind(result: dict) -> str:
    """``accepted``, or the kind of its refusal: a script reason wins, a file refused
    only for demanded reasons is ``demanded``, any other reason makes it a ``gap``."""
    kinds = {refusal_kind(reason) for reason in result["reasons"]}
    if not kinds:
        return "accepted"
    if "script" in kinds:
        return "script"
    return "gap" if "gap" in kinds else "demanded"


def comparisons(expression: str | None) -> tuple[dict[str, list[Any]], set[str]]:
    """Per name, the values comparisons in ``expression`` set it against (for ``<``/``>``
    one that satisfies the comparison), and the names it uses as bare truth values."""
    compared: dict[str, list[Any]] = defaultdict(list)
    bare: set[str] = set()
    try:
        tree = ast.parse(expressions.strip_wrapper(expression or ""), mode="eval")
    except SyntaxError:
        return compared, bare
    truths: list[ast.AST] = [tree.body]
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
                _compare(compared, op, left, right)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            truths.append(node.operand)
        elif isinstance(node, ast.BoolOp):
            truths.extend(node.values)
        elif isinstance(node, ast.IfExp):
            truths.append(node.test)
    bare = {node.id for node in truths if isinstance(node, ast.Name)}
    return compared, bare


def _compare(compared: dict[str, list[Any]], op: ast.cmpop, left, right) -> None:
    if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
        left, right = right, left
        op = {ast.Lt: ast.Gt(), ast.Gt: ast.Lt()}.get(type(op), op)
    if not isinstance(left, ast.Name):
        return
    if isinstance(right, ast.Constant):
        value = right.value
        if isinstance(value, int | float) and not isinstance(value, bool):
            value += 1 if isinstance(op, ast.Gt) else -1 if isinstance(op, ast.Lt) else 0
        compared[left.id].append(value)
    elif isinstance(right, ast.List | ast.Tuple | ast.Set) and right.elts:
        first = right.elts[0]
        if isinstance(first, ast.Constant):  # name in ["a", "b"]
            compared[left.id].append(first.value)


def model_comparisons(model, truths: bool = False) -> dict[str, list[Any]]:
    """Per name, the constants every condition of ``model`` compares it with, in order
    (with ``truths``, True and False after them for a name used as a bare truth value)."""
    found: dict[str, list[Any]] = defaultdict(list)
    bare: set[str] = set()
    for process in model.processes.values():
        texts = [f.condition for f in process.flows.values()]
        texts += [n.loop.condition for n in process.nodes.values() if n.loop is not None]
        for text in texts:
            compared, names = comparisons(text)
            for name, values in compared.items():
                found[name] += [v for v in values if v not in found[name]]
            bare |= names
    for name in bare if truths else ():
        found[name] += [v for v in (True, False) if v not in found[name]]
    return found


def message_payload(
    case, name: str, wanted: dict[str, list[Any]], visit: int, sent: set[str]
) -> dict:
    """The payload of message ``name`` delivered to ``case`` on its ``visit``-th wait:
    what its correlation reads (the case's value, else 1), and for the names conditions
    read that the case lacks or that messages brought before (``sent``, updated: a
    message without declared fields may bring any name) the values in ``wanted`` in
    turn, so a "repeat?" loop through the message ends."""
    data = services.case_data(case)
    payload = {
        n: values[visit % len(values)] for n, values in wanted.items() if n not in data or n in sent
    }
    sent |= set(payload)
    for _, expression in contracts_for(case.definition).correlations.get(name, []):
        try:
            names = expressions.names_read(expression)
        except EngineError:
            continue
        payload |= {read: data.get(read, 1) for read in names}
    return payload


def start_data(model, key: str, decisions) -> dict[str, Any]:
    """Values for the names only start data can set (module docstring)."""
    processes = {key}
    pending = [key]
    while pending:  # the processes a case runs: the main one and what it calls
        process = model.processes.get(pending.pop())
        for node in process.nodes.values() if process is not None else ():
            called = node.called_element if node.kind == "callActivity" else None
            if called and called not in processes and called in model.processes:
                processes.add(called)
                pending.append(called)
    reads = names_from_start_data(model, processes, decisions)
    elsewhere = model_comparisons(model)  # what other conditions compare the name with
    data = {
        name: _value(found, _candidates(name, found, elsewhere))
        for name, found in reads.items()
        if name[:1] != "@"  # a data object, not a name of the case data
    }
    for name, found in reads.items():  # a loop's condition: the value that leaves it
        loops = [
            (w, el.loop.condition)
            for w, el in found
            if w.endswith("condition") and w != "condition"
        ]
        for candidate in _candidates(name, found, elsewhere) if loops else ():
            if all(_leaves(what, text, data | {name: candidate}) for what, text in loops):
                data[name] = candidate
                break
    return data


def _candidates(name: str, found, elsewhere: dict[str, list[Any]]) -> list[Any]:
    """The constants the reads in ``found`` compare ``name`` with, then those other
    conditions of the model compare it with; else True and False for a bare truth
    value; else 1."""
    values: list[Any] = []
    bare = False
    for what, element in found:
        text = element.condition if what == "condition" else None
        if what.endswith("condition") and what != "condition":
            text = element.loop.condition
        compared, truths = comparisons(text)
        values += [v for v in compared.get(name, []) if v not in values]
        bare = bare or name in truths
    values += [v for v in elsewhere.get(name, []) if v not in values]
    return values + ([True, False] if bare else []) or [1]


def _value(found, candidates: list[Any]) -> Any:
    for what, _ in found:
        if what.startswith("timer "):
            kind = what.split()[1]
            soon = (clock.now() + timedelta(minutes=1)).isoformat(timespec="seconds")
            return {"date": soon, "duration": "PT1M"}.get(kind, "R1/PT1M")
        if what == "input collection":
            return [1]
    return candidates[0]


def _leaves(what: str, condition: str, data: dict[str, Any]) -> bool:
    """Whether ``condition`` ends its loop with ``data``: a standard loop runs while its
    condition holds, a multi-instance one ends when its completion condition does."""
    try:
        value = bool(expressions.evaluate(condition, data))
    except EngineError:
        return False
    return value if what == "completion condition" else not value


def fill_task(fields, constants: dict[str, list[Any]], visit: int) -> dict[str, Any]:
    """:func:`engine.demo.fill`, with the constants conditions compare a field with given
    in turn (visit ``n`` of the task gets the ``n``-th), when they fit the field's type."""
    data = fill(fields)
    for field in fields:
        fitting = [v for v in constants.get(field.id, []) if _fits(field, v)]
        if fitting and field.id in data:
            data[field.id] = fitting[visit % len(fitting)]
    return data


def _fits(field, value: Any) -> bool:
    if field.enum_values:
        return value in {e.id for e in field.enum_values}
    if field.type == "boolean":
        return isinstance(value, bool)
    if field.type in ("long", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    return field.type == "string" and isinstance(value, str)


class _Timeout(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Timeout()


def run_case(session: Session, key: str, decisions=(), result: dict | None = None) -> str:
    """Start a case of ``key`` and drive it; ``"completed"`` or what stopped it.

    The generated start data (module docstring) is put in ``result["start_data"]``.
    """
    model = services.model_for(services.get_definition(session, key))
    generated = start_data(model, key, decisions)
    if result is not None and generated:
        result["start_data"] = generated
    data = fill(start_form(model.processes[key])) | generated
    case = services.start_case(session, key, data, started_by=ADMIN)
    constants = model_comparisons(model)
    wanted = model_comparisons(model, truths=True)
    visits: Counter = Counter()
    sent: set[str] = set()  # the names delivered messages brought
    waited = False  # whether the minute a task takes has passed since the last task
    for _ in range(MAX_STEPS):
        runtime.forget_live_workflows()  # every step restores the workflow from the database
        session.refresh(case)
        if case.status != "running":
            return case.status if case.status == "completed" else _why(session, case)
        tasks = services.open_tasks(session, case)
        timers = list(session.scalars(select(Timer).where(Timer.case_id == case.id)))
        soon = [t.due_at for t in timers if t.due_at <= clock.now() + TASK_TIME]
        if tasks and soon and not waited:  # a person takes a minute: short timers fire
            clock.advance(max(max(soon) - clock.now(), timedelta(0)) + timedelta(seconds=1))
            services.tick(session)
            waited = True
            continue
        if tasks:
            task = tasks[0]
            data = fill_task(services.task_form(task), constants, visits[task.element_id])
            visits[task.element_id] += 1
            services.complete_task(session, task.id, ADMIN, data)
            waited = False
            continue
        if timers:
            due = min(t.due_at for t in timers)
            clock.advance(max(due - clock.now(), timedelta(0)) + timedelta(seconds=1))
            services.tick(session)
            continue
        wait = session.scalar(select(MessageWait).where(MessageWait.case_id == case.id))
        if wait is not None:
            visit = visits[wait.element_id]
            payload = message_payload(case, wait.message_name, wanted, visit, sent)
            visits[wait.element_id] += 1
            services.deliver_message(session, case, wait.message_name, payload, actor=ADMIN)
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
        if _deploy(session, called, read_model(called), refused) is None:
            result["reasons"] = [f"called file refused: {r}" for r in refused["reasons"]]
            return False
    return True


def read_model(path: Path) -> bytes:
    """The file as ``permitflow deploy`` reads it: SpiffArena's JSON-schema forms beside
    it read into its tasks as form fields."""
    return services.inline_json_schema_forms(path.read_bytes(), path.parent, str(path))


def measure(path: Path, engine, verbose: bool) -> dict:
    data = read_model(path)
    called = called_beside(path, data)
    result: dict = {"file": str(path), "spiff": spiff_parses(path, called), "reasons": []}
    if not called:  # alone: validation says why without a database
        signal.alarm(SECONDS_PER_MODEL)  # a validation that hangs is a finding too
        try:
            _, problems = validate_file(data, path.name, dmn_files=decision_files(path, data))
        except _Timeout:
            result["reasons"] = [f"validation timeout after {SECONDS_PER_MODEL} s"]
            return result
        finally:
            signal.alarm(0)
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
            decisions = [
                table
                for name, content in decision_files(path, data).items()
                for table in dmn.read_decisions(content, name)
            ]
            result["run"] = run_case(session, definition.key, decisions, result)
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
    goal = goal_figures(results)
    print_goal(goal)
    if verbose:
        print()
        for r in results:
            status = r.get("run") or "; ".join(r["reasons"])
            given = f" (start data {r['start_data']})" if r.get("start_data") else ""
            name = Path(r["file"]).name
            print(f"{name}: spiff={'ok' if r['spiff'] is None else 'no'} {status}{given}")
    return {
        "files": total,
        "parsed_by_spiffworkflow": parsed,
        "accepted": len(accepted),
        "completed": len(completed),
        "refused_by_reason": dict(reasons),
        "with_generated_start_data": sum(1 for r in accepted if r.get("start_data")),
        "goal": goal,
    }


def goal_figures(results: list[dict]) -> dict:
    """The issue's denominator (module docstring) and how far permitflow gets in it."""
    parsed = [r for r in results if r["spiff"] is None]
    kinds = Counter(file_kind(r) for r in parsed)
    fitting = [r for r in parsed if file_kind(r) != "script"]
    accepted = [r for r in fitting if not r["reasons"]]
    return {
        "parsed_scripts_outside_safe_language": kinds["script"],
        "parsed_and_scripts_fit": len(fitting),
        "accepted": len(accepted),
        "completed": sum(1 for r in accepted if r.get("run") == "completed"),
        "refused_as_demanded": kinds["demanded"],
        "gaps": kinds["gap"],
        "gap_files": [
            {"file": r["file"], "reasons": [x for x in r["reasons"] if refusal_kind(x) == "gap"]}
            for r in fitting
            if file_kind(r) == "gap"
        ],
    }


def print_goal(goal: dict) -> None:
    print(
        "\nparsed by SpiffWorkflow and scripts fit the safe language: "
        f"{goal['parsed_and_scripts_fit']}; accepted: {goal['accepted']}; "
        f"run to an end state: {goal['completed']}"
    )
    print(
        f"  (parsed, scripts outside the safe language: "
        f"{goal['parsed_scripts_outside_safe_language']}; of the fitting ones refused as "
        f"the issue demands: {goal['refused_as_demanded']}; gaps: {goal['gaps']})"
    )
    for gap in goal["gap_files"]:
        print(f"  gap: {gap['file']}: {'; '.join(gap['reasons'])}")


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
