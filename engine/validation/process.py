"""Validate a BPMN model: what a designer must fix before permitflow can run it.

:func:`validate_file` parses, loads and validates uploaded bytes; :func:`validate`
checks a loaded :class:`BpmnModel`. Each finding is a :class:`Problem` with a distinct
``code``, naming the element's id, name and line.

Severity: problems that stop a case from running are errors in the processes a case
runs (the executable ones, else the main process, and the processes they call); in
other processes (partner pools, descriptive diagrams) they are warnings. Problems that
only matter when executing (unsupported elements, unsafe expressions, user tasks
outside lanes, forms...) are errors only when ``for_execution`` is true.
"""

from __future__ import annotations

import hashlib

from engine.bpmn import extensions as ext
from engine.bpmn.model import BpmnModel, Node, Process
from engine.bpmn.reader import model_from_tree
from engine.bpmn.xml import BPMN_NS, BPMNDI_NS, bpmn, namespace_of, parse_xml
from engine.calendar import clock
from engine.errors import EngineError, InvalidBpmn, Problem
from engine.expressions import folding
from engine.expressions import language as expressions
from engine.expressions.functions import iso_literal_kind
from engine.validation import calls as call_checks
from engine.validation import data_flow
from engine.validation import flow as flow_checks
from engine.validation import forms as form_checks
from engine.validation import messages as message_checks
from engine.validation import privacy as privacy_checks
from engine.validation import requirements as requirement_checks
from engine.validation import roles as role_checks
from engine.validation import service_tasks as service_checks
from engine.validation import signals as signal_checks
from engine.validation import templates as template_checks
from engine.workflow import dmn, pre_post_scripts, schedules, script_engine, specs

__all__ = ["format_report", "has_errors", "validate", "validate_file"]

SCRIPT_HINT = (
    ". Scripts run in permitflow's safe language: one assignment per line, e.g. "
    'fee = floor_area * 10000 or status = "approved" if ok else "rejected" (also +=); '
    'expressions use numbers, texts, lists, dicts, x["key"], arithmetic, comparisons, '
    "and/or/not, a if c else b and the listed functions (len, round, min, max, sum, "
    "today, add_working_days...); no def, if/for blocks, imports, print or attributes"
)
PYTHON_SCRIPT_FORMATS = frozenset({"", "python", "text/python", "text/x-python"})
_ID_NAMESPACES = frozenset(
    {
        BPMN_NS,
        BPMNDI_NS,
        "http://www.omg.org/spec/DD/20100524/DI",
        "http://www.omg.org/spec/DD/20100524/DC",
    }
)


class _Report:
    """Collects problems for one model, deciding their severity."""

    def __init__(self, model: BpmnModel, for_execution: bool, deployed=frozenset()):
        self.model = model
        self.for_execution = for_execution
        self.deployed = deployed  # keys of deployed processes a call activity may name
        self.problems: list[Problem] = []

    def add(self, severity: str, code: str, message: str, element=None) -> None:
        self.problems.append(
            Problem(
                severity=severity,
                code=code,
                message=message,
                element_id=getattr(element, "id", None),
                element_name=getattr(element, "name", None) or None,
                line=getattr(element, "line", None),
                source=self.model.source,
            )
        )

    def structural(self, strict: bool) -> str:
        return "error" if strict else "warning"

    def executable(self, strict: bool) -> str:
        return "error" if strict and self.for_execution else "warning"


def validate(
    model: BpmnModel, *, for_execution: bool = True, decisions=(), called_models=None
) -> list[Problem]:
    """All problems of ``model``; see the module docstring for severities.

    ``decisions`` are the DMN tables uploaded beside the file
    (:func:`engine.workflow.dmn.read_decisions`), which business rule tasks call;
    ``called_models`` maps the keys of deployed procedures that call activities may
    name to their models.
    """
    called_models = called_models or {}
    report = _Report(model, for_execution, frozenset(called_models))
    if not model.processes:
        report.add(
            "error",
            "no_process",
            f"{model.source} has no process (only empty pools?); draw at least one "
            "process with a start and an end event",
        )
    strict = _strict_process_ids(model)
    event_subprocesses = {
        n.id for p in model.processes.values() for n in p.nodes.values() if n.triggered_by_event
    }
    for process in model.processes.values():
        _check_structure(report, process, process.id in strict, event_subprocesses)
        _check_nodes(report, process, process.id in strict)
        for message, lane_or_task in role_checks.system_role_issues(process):
            report.add("error", "system_role", message, lane_or_task)  # security review, 3
        for message, node in privacy_checks.privacy_issues(process):
            report.add("warning", "personal_unmarked", message, node)  # UU 27/2022
    _check_decision_refs(report, strict, decisions)
    external = {key: data_flow.writes_of(m, key) for key, m in called_models.items()}
    for severity, code, element, message in data_flow.check_data_flow(
        model, strict, decisions, external
    ):
        report.add(
            report.executable(True) if severity == "error" else severity, code, message, element
        )
    for code, node, message in call_checks.call_cycles(model):
        report.add("error", code, message, node)
    _check_unsupported(report, strict)
    if not model.has_diagram:
        report.add(
            "warning",
            "no_diagram",
            f"{model.source} has no diagram (BPMNDiagram); it cannot be drawn",
        )
    for process in model.executable_processes():
        if process.service_standard is None:
            report.add(
                "warning",
                "no_service_standard",
                f"Executable process {process.label!r} has no <pf:serviceStandard>; "
                "the public page and due dates need one",
                process,
            )
    return report.problems


def validate_file(
    data: bytes,
    source: str = "<upload>",
    *,
    for_execution: bool = True,
    templates: dict[str, str] | None = None,
    dmn_files: dict[str, bytes] | None = None,
    called_models: dict[str, BpmnModel] | None = None,
    called_specs: dict | None = None,
    connectors: dict | None = None,
) -> tuple[BpmnModel | None, list[Problem]]:
    """Parse, load and validate ``data``: ``(model, problems)``.

    ``dmn_files`` (file name -> bytes) are the DMN files uploaded beside it; every cell
    of their decision tables is checked like an expression. ``called_models`` and
    ``called_specs`` describe the deployed procedures its call activities name;
    ``connectors`` the registered connectors service tasks may name (None: unchecked).

    The model is None when the bytes cannot be read as BPMN at all (the problems then
    say why). Duplicate ids and unreadable service-standard values, which the model
    cannot show, are found here on the raw XML.
    """
    try:
        root = parse_xml(data, source)
    except InvalidBpmn as exc:
        return None, exc.problems or [Problem("error", exc.code, exc.message, source=source)]
    model = model_from_tree(root, source, hashlib.sha256(data).hexdigest())
    problems = _duplicate_ids(root, source) + _reserved_ids(model, source)
    severity = "error" if for_execution else "warning"
    for element in root.iterchildren(bpmn("process")):
        for line, message in ext.service_standard_issues(element):
            problems.append(
                Problem(
                    severity,
                    "invalid_service_standard",
                    message,
                    element.get("id"),
                    element.get("name"),
                    line,
                    source,
                )
            )
    decisions, decision_problems = read_decision_files(dmn_files, severity)
    problems += decision_problems
    problems += validate(
        model, for_execution=for_execution, decisions=decisions, called_models=called_models
    )
    problems += template_checks.template_problems(root, model, source, templates)
    problems += requirement_checks.requirement_problems(root, model, source)
    problems += message_checks.message_problems(root, source, severity, model.message_contracts)
    problems += signal_checks.signal_cycle_problems(root, source)
    problems += service_checks.service_problems(model, source, severity, connectors)
    if for_execution and not has_errors(problems):
        problems += _check_runnable(root, model, source, decisions, called_specs)
    return model, problems


def read_decision_files(dmn_files: dict[str, bytes] | None, severity: str = "error"):
    """The decision tables of uploaded DMN files, and the problems of their cells."""
    decisions, problems = [], []
    for name, data in (dmn_files or {}).items():
        try:
            tables = dmn.read_decisions(data, name)
        except InvalidBpmn as exc:
            problems.append(Problem("error", "invalid_dmn", exc.message, source=name))
            continue
        for table in tables:
            for message in dmn.decision_issues(table):
                problems.append(
                    Problem(
                        severity,
                        "invalid_decision",
                        message,
                        table.id,
                        table.name,
                        table.line,
                        name,
                    )
                )
        decisions += tables
    return decisions, problems


def _check_decision_refs(report: _Report, strict: set[str], decisions) -> None:
    known = {d.id for d in decisions}
    for process in report.model.processes.values():
        severity = report.executable(process.id in strict)
        for node in process.nodes.values():
            if node.kind != "businessRuleTask":
                continue
            if not node.decision_ref:
                message = (
                    f"Business rule task {node.label!r} names no decision; set "
                    "camunda:decisionRef to the id of a decision in a DMN file uploaded with it"
                )
            elif node.decision_ref not in known:
                message = (
                    f"Business rule task {node.label!r} calls decision {node.decision_ref!r}, "
                    "which is in none of the DMN files uploaded with this BPMN file"
                )
            else:
                continue
            report.add(severity, "unknown_decision", message, node)


def _check_runnable(
    root, model: BpmnModel, source: str, decisions=(), called_specs=None
) -> list[Problem]:
    """What stops SpiffWorkflow from building the main process: deploy's own check.

    Run after the model's checks, so that validating and deploying decide alike.
    """
    main = model.main_process()
    try:
        specs.compile_process(root, source, main.id, decisions, called_specs)
    except InvalidBpmn as exc:
        return exc.problems or [Problem("error", "cannot_run", exc.message, source=source)]
    if not main.is_executable:
        return [
            Problem(
                "warning",
                "not_executable",
                f'Process {main.label!r} is marked isExecutable="false"; permitflow runs '
                "it as the file's main process",
                main.id,
                main.name or None,
                main.line,
                source,
            )
        ]
    return []


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem is an error (a warning never blocks deployment)."""
    return any(problem.severity == "error" for problem in problems)


def format_report(problems: list[Problem]) -> str:
    """One line per problem (:meth:`Problem.describe`), errors first."""
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    return "\n".join(problem.describe() for problem in ordered)


def _duplicate_ids(root, source: str) -> list[Problem]:
    """Ids used twice by BPMN and DI elements; a vendor's extension content, which Visual
    Paradigm writes unprefixed (in the BPMN namespace) copying the ids it describes, is
    not the model."""
    first_line: dict[str, int | None] = {}
    problems = []
    extensions = bpmn("extensionElements")
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if not element_id or namespace_of(element) not in _ID_NAMESPACES:
            continue
        if any(ancestor.tag == extensions for ancestor in element.iterancestors()):
            continue
        if element_id in first_line:
            problems.append(
                Problem(
                    "error",
                    "duplicate_id",
                    f"Id {element_id!r} is used by more than one element (first at line "
                    f"{first_line[element_id]}); ids must be unique",
                    element_id,
                    element.get("name"),
                    element.sourceline,
                    source,
                )
            )
        else:
            first_line[element_id] = element.sourceline
    return problems


#: the names SpiffWorkflow gives its own task specs in every process and sub-process: a
#: flow node with one of these ids replaces it (a case with a start event "Start" could
#: not start, one with a task "End" ended at once)
RESERVED_IDS = frozenset({"Start", "End", "Root"})


def _reserved_ids(model: BpmnModel, source: str) -> list[Problem]:
    return [
        Problem(
            "error",
            "reserved_id",
            f"Id {node.id!r} is reserved by the workflow engine; rename the {node.kind} "
            f"(e.g. {node.id.lower()!r}) and the references to it (sequence flows, lanes, "
            "the diagram)",
            node.id,
            node.name,
            node.line,
            source,
        )
        for process in model.processes.values()
        for node in process.nodes.values()
        if node.id in RESERVED_IDS
    ]


def _strict_process_ids(model: BpmnModel) -> set[str]:
    """The processes a case runs: executable ones (else the main one) and all they call."""
    if not model.processes:
        return set()
    pending = [p.id for p in model.executable_processes()] or [model.main_process().id]
    strict: set[str] = set()
    while pending:
        process_id = pending.pop()
        if process_id in strict or process_id not in model.processes:
            continue
        strict.add(process_id)
        pending.extend(
            node.called_element
            for node in model.processes[process_id].nodes.values()
            if node.kind == "callActivity" and node.called_element
        )
    return strict


def _check_structure(report: _Report, process: Process, strict: bool, event_subs: set) -> None:
    findings = flow_checks.check_starts_and_ends(process)
    findings += flow_checks.check_flow_ends(process)
    findings += flow_checks.check_gateways(process)
    findings += flow_checks.check_splits(process)
    findings += flow_checks.check_paths(process, event_subs)
    findings += flow_checks.check_cancel_events(process)
    for code, element, message in findings:
        severity = "warning" if code in flow_checks.WARNING_CODES else report.structural(strict)
        report.add(severity, code, message, element)


def _check_nodes(report: _Report, process: Process, strict: bool) -> None:
    severity = report.executable(strict)
    for node in process.nodes.values():
        if node.is_human and node.lane_id is None and not node.assigned_role:
            _check_role(report, process, node, severity)
        _check_pre_post_scripts(report, node, severity)
        called = node.called_element
        if node.kind == "callActivity" and called not in report.model.processes:
            if called not in report.deployed:
                report.add(
                    severity,
                    "unknown_called_element",
                    f"Call activity {node.label!r} calls {called or '(nothing)'!r}, which is "
                    "neither a process in this file nor a deployed procedure",
                    node,
                )
        _check_events(report, node, severity)
        _check_loop(report, node, severity)
        _check_script(report, node, severity)
        _check_cardinality(report, node, severity)
        for issue_severity, code, message in form_checks.form_issues(node):
            report.add(severity if issue_severity == "error" else "warning", code, message, node)
    for flow in process.flows.values():
        if flow.condition:
            _check_expression(report, flow, "condition", flow.condition, severity)


def _check_role(report: _Report, process: Process, node: Node, severity: str) -> None:
    """A human task needs a lane or Camunda's candidateGroups/assignee to find its clerks.

    Outside any lane of a process that has lanes it is an error (a drawing slip); in a
    process without lanes it goes to the office's admins, which is only a warning.
    """
    if process.lanes:
        report.add(
            severity,
            "user_task_without_lane",
            f"{node.kind} {node.label!r} is in no lane; every user task must be in a lane "
            "(or name its role with camunda:candidateGroups), which decides who may take it",
            node,
        )
    else:
        report.add(
            "warning",
            "user_task_without_role",
            f"{node.kind} {node.label!r} is in a process without lanes and names no "
            "camunda:candidateGroups; only the office's admins will see it",
            node,
        )


def _check_loop(report: _Report, node: Node, severity: str) -> None:
    """A loop or multi-instance marker drawn without saying how often (bpmn.io draws
    the marker first): SpiffWorkflow's "A loopMaximum or loopCondition must be
    specified for Loop Tasks" named neither the activity nor what to write."""
    loop = node.loop
    if loop is None:
        return
    if loop.kind == "standard" and not loop.condition and loop.maximum is None:
        report.add(
            severity,
            "loop_without_end",
            f"{node.kind} {node.label!r} is drawn as a loop but says neither when to stop "
            "(loopCondition) nor how often at most (loopMaximum): write a loop condition "
            "in permitflow's expression language, e.g. documents_complete == True, or draw "
            "the repetition as an exclusive gateway with a flow back",
            node,
        )
    elif loop.kind == "multiInstance" and not loop.cardinality and not loop.collection:
        report.add(
            severity,
            "multi_instance_without_count",
            f"{node.kind} {node.label!r} is drawn as multi-instance but says neither how "
            "many instances (loopCardinality, e.g. 3 or len(documents)) nor which list "
            "of the case data to go through (loopDataInputRef): name one, or remove the "
            "marker",
            node,
        )


def _check_events(report: _Report, node: Node, severity: str) -> None:
    if "timer" in node.event_definitions:
        if node.timer is None:
            report.add(
                severity,
                "timer_without_definition",
                f"Timer {node.label!r} has no timeDuration, timeDate or timeCycle",
                node,
            )
        else:
            _check_expression(
                report,
                node,
                f"timer {node.timer.kind}",
                node.timer.expression,
                severity,
                timer_kind=node.timer.kind,
            )
            if node.kind == "startEvent" and node.parent_id is None:
                _check_schedule(report, node, severity)
    if "conditional" in node.event_definitions:
        if node.condition is None:
            report.add(
                severity,
                "conditional_without_condition",
                f"Conditional event {node.label!r} has no condition; write one in "
                "permitflow's expression language, e.g. documents_complete == True",
                node,
            )
        else:
            _check_expression(report, node, "condition", node.condition, severity)
    catches = node.kind in ("startEvent", "intermediateCatchEvent", "boundaryEvent")
    unnamed = not node.message_ref or "" in node.message_refs  # each of several too
    if catches and "message" in node.event_definitions and unnamed:
        _check_message_without_ref(report, node)
    if node.kind == "receiveTask" and not node.message_ref:
        _check_message_without_ref(report, node)
    if node.kind == "boundaryEvent" and not node.event_definitions:
        report.add(
            severity,
            "boundary_without_definition",
            f"Boundary event {node.label!r} has no type (no event definition), so nothing "
            "could trigger it: make it a timer (a deadline), message, error or signal "
            "boundary event, or remove it",
            node,
        )


def _check_message_without_ref(report: _Report, node: Node) -> None:
    """A message catch or receive task without messageRef waits for a message called by
    its name (SpiffWorkflow's reading), or by its id when it has none
    (:func:`engine.workflow.specs.compile_process`)."""
    what = "Receive task" if node.kind == "receiveTask" else "Message event"
    called = "its own name" if node.name else f"its id {node.id!r} (it has no name)"
    report.add(
        "warning",
        "message_without_ref",
        f"{what} {node.label!r} names no message (messageRef), so it waits for a message "
        f"called by {called}; choose the message it waits for",
        node,
    )


def _check_schedule(report: _Report, node: Node, severity: str) -> None:
    """A timer start event makes cases on schedule: its time must be known without case data."""
    assert node.timer is not None
    try:
        schedules.next_start(node.timer.kind, node.timer.expression, clock.now())
    except EngineError as exc:
        report.add(
            severity,
            "timer_start_unschedulable",
            f"Timer start event {node.label!r} cannot be scheduled: {exc.message}",
            node,
        )


def _check_cardinality(report: _Report, node: Node, severity: str) -> None:
    """A literal count of instances within :data:`script_engine.MAX_INSTANCES`."""
    count = (node.loop.cardinality or "").strip() if node.loop is not None else ""
    if (
        count.isascii()
        and count.isdigit()
        and int(count.lstrip("0")[:12] or "0") > script_engine.MAX_INSTANCES
    ):
        report.add(
            severity,
            "unsafe_expression",
            f"The loop cardinality of {node.label!r} is not allowed: an activity may run at "
            f"most {script_engine.MAX_INSTANCES} instances, got {count[:20]}",
            node,
        )


def _check_script(report: _Report, node: Node, severity: str) -> None:
    if node.kind != "scriptTask":
        return
    script_format = (node.script_format or "").strip().lower()
    if script_format not in PYTHON_SCRIPT_FORMATS:
        report.add(
            severity,
            "unsupported_script_format",
            f"Script task {node.label!r} is written in {node.script_format!r}; permitflow "
            "runs only its safe Python-like scripts (scriptFormat python)",
            node,
        )
    elif not node.script:
        report.add(severity, "empty_script", f"Script task {node.label!r} has no script", node)
    else:
        _check_expression(report, node, "script", node.script, severity, script=True)


def _check_pre_post_scripts(report: _Report, node: Node, severity: str) -> None:
    """SpiffArena's preScript/postScript: checked as script tasks' scripts on the elements
    SpiffArena runs them on (engine.workflow.pre_post_scripts), refused elsewhere."""
    if node.kind not in pre_post_scripts.SCRIPT_HOLDERS:
        for tag in node.extension_scripts:
            report.add(
                severity,
                "extension_script",
                f"{node.kind} {node.label!r} has a {tag} (SpiffArena's extension), which "
                "runs only on tasks, sub-processes and call activities; put its assignments "
                "in a script task before or after the element",
                node,
            )
        return
    for what, text in (("pre-script", node.pre_script), ("post-script", node.post_script)):
        if text:
            _check_expression(report, node, what, text, severity, script=True)


def _check_expression(
    report: _Report,
    element,
    what: str,
    text: str,
    severity: str,
    *,
    script: bool = False,
    timer_kind: str | None = None,
) -> None:
    try:
        if script:
            expressions.check_script(text)
        elif timer_kind:
            expressions.check_timer_expression(timer_kind, text)
            if iso_literal_kind(expressions.strip_wrapper(text)) is not None:
                return
        else:
            expressions.check_expression(text)
        folding.check_constant_parts(text, script=script)
    except (EngineError, ValueError) as exc:
        label = getattr(element, "label", None) or element.name or element.id
        hint = SCRIPT_HINT if script and "only assignments" in str(exc) else ""
        report.add(
            severity,
            "unsafe_expression",
            f"The {what} of {label!r} is not allowed: {exc}{hint}",
            element,
        )


#: what to do instead, by the tag of an element permitflow cannot execute
UNSUPPORTED_HINTS = {
    "serviceTask": (
        "a service task calls another system, and permitflow calls only the connectors an"
        ' admin registered: name one with pf:connector="name.operation" (see'
        " `permitflow connectors list` and docs/bpmn-conventions.md), or make it a user"
        " task when a clerk does the work"
    ),
    "complexGateway": "use an exclusive, inclusive or parallel gateway with conditions",
    "adHocSubProcess": "model its steps as a sub-process with gateways, or as user tasks",
    "compensateEventDefinition": (
        "permitflow does not undo completed work: model the correction as tasks on the"
        " path that needs it"
    ),
    "isForCompensation": (
        "permitflow does not undo completed work: model the correction as tasks on the"
        " path that needs it"
    ),
    "linkEventDefinition": "connect the two places with a sequence flow",
    "conditionalEventDefinition": (
        "a case starts by hand, by a message or on a timer: make it a plain, message or"
        " timer start event (a conditional event may wait inside the process)"
    ),
    "multipleEventDefinitions": (
        "an event may combine messages, signals and at most one timer: draw the other"
        " kinds as events of their own"
    ),
    "errorEventDefinition": (
        "an error is thrown by an error end event and caught by an error boundary event"
        " on the activity it ends, or by an error start event of an event sub-process"
    ),
    "escalationEventDefinition": (
        "an escalation is caught by an escalation boundary event on the activity that"
        " throws it, or by an escalation start event of an event sub-process"
    ),
    "executionListener": (
        "permitflow runs no listener code (Java, expressions): put what it does on the"
        " path, as a script task in the safe language or a service task naming a"
        " pf:connector"
    ),
    "taskListener": (
        "permitflow runs no listener code (Java, expressions): put what it does on the"
        " path, as a script task in the safe language or a service task naming a"
        " pf:connector"
    ),
    "choreography": "model each participant's process with message events",
    "dataStoreReference": (
        "a data store keeps data outside the case (SpiffArena's JSON, KKV and typeahead"
        " stores), and permitflow keeps a case's data in the case: fetch shared reference"
        " data with a service task naming a registered connector (pf:connector), keep what"
        " the case needs in a data object or form field, and remove the store"
    ),
}


def _check_unsupported(report: _Report, strict: set[str]) -> None:
    for item in report.model.unsupported:
        what = item.tag
        found = report.model.find_node(item.id) if item.id else None
        if found and found[1].kind != item.tag:
            what = f"{item.tag} on {found[1].kind}"
        severity = report.executable(item.process_id is None or item.process_id in strict)
        hint = UNSUPPORTED_HINTS.get(item.tag)
        report.add(
            severity,
            "unsupported_element",
            f"Element {item.name or item.id!r} ({what}) cannot be executed by permitflow"
            + (f": {hint}" if hint else ""),
            item,
        )
