"""Small models for the simulation tests, built in code (see ``engine.bpmn.builder``)."""

from __future__ import annotations

from engine.bpmn.builder import add_flow, add_node, add_timer
from engine.bpmn.model import BpmnModel, Process, ServiceStandard


def _model(process: Process) -> BpmnModel:
    return BpmnModel(source=f"{process.id}.bpmn", sha256="", processes={process.id: process})


def permit_model() -> BpmnModel:
    """Register -> verify (rework loop 30%) -> [survey | fee] in parallel -> sign -> end."""
    p = Process("permit", name="Izin", is_executable=True)
    p.service_standard = ServiceStandard(code="IZN", max_days=5)
    add_node(p, "start", "startEvent")
    add_node(p, "register", "userTask", "Register", lane="front")
    add_node(p, "verify", "userTask", "Verify documents", lane="back")
    add_node(p, "ok", "exclusiveGateway")
    add_node(p, "fix", "userTask", "Applicant fixes", lane="applicant")
    add_node(p, "fork", "parallelGateway")
    add_node(p, "survey", "userTask", "Site survey", lane="back")
    add_node(p, "fee", "userTask", "Compute fee", lane="front")
    add_node(p, "join", "parallelGateway")
    add_node(p, "sign", "userTask", "Sign permit", lane="head")
    add_node(p, "end", "endEvent")
    add_flow(p, "start", "register")
    add_flow(p, "register", "verify")
    add_flow(p, "verify", "ok")
    add_flow(p, "ok", "fix", "to_fix")
    add_flow(p, "fix", "verify")
    add_flow(p, "ok", "fork", "to_fork")
    add_flow(p, "fork", "survey")
    add_flow(p, "fork", "fee")
    add_flow(p, "survey", "join")
    add_flow(p, "fee", "join")
    add_flow(p, "join", "sign")
    add_flow(p, "sign", "end")
    return _model(p)


def boundary_model(expression: str = "PT1H") -> BpmnModel:
    """One task with an interrupting boundary timer leading to its own end."""
    p = Process("timed", is_executable=True)
    add_node(p, "start", "startEvent")
    add_node(p, "work", "userTask", "Work", lane="clerks")
    add_node(p, "done", "endEvent")
    add_node(p, "late", "endEvent")
    add_timer(p, "deadline", expression, attached_to="work")
    add_flow(p, "start", "work")
    add_flow(p, "work", "done")
    add_flow(p, "deadline", "late")
    return _model(p)


def choice_model() -> BpmnModel:
    """start -> XOR -> a | b -> XOR merge -> end."""
    p = Process("choice", is_executable=True)
    add_node(p, "start", "startEvent")
    add_node(p, "split", "exclusiveGateway")
    add_node(p, "a", "userTask", "A", lane="clerks")
    add_node(p, "b", "userTask", "B", lane="clerks")
    add_node(p, "merge", "exclusiveGateway")
    add_node(p, "end", "endEvent")
    add_flow(p, "start", "split")
    add_flow(p, "split", "a", "to_a")
    add_flow(p, "split", "b", "to_b")
    add_flow(p, "a", "merge")
    add_flow(p, "b", "merge")
    add_flow(p, "merge", "end")
    return _model(p)
