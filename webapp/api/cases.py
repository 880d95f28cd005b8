"""API: deploy a procedure, start a case, read its status, work on tasks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import g, jsonify, request

from engine.errors import CaseNotFound
from engine.services import (
    Case,
    HumanTask,
    claim,
    complete_task,
    deploy,
    describe_field,
    find_by_tracking_code,
    get_task,
    open_tasks,
    start_by_hand,
    task_form,
    tasks_for_user,
)
from webapp.api import BadRequest, api_requires, bp, json_body
from webapp.database import commit, get_session


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def task_json(task: HumanTask, with_form: bool = False) -> dict[str, Any]:
    data = {
        "id": task.id,
        "case": task.case.tracking_code,
        "name": task.name,
        "element_id": task.element_id,
        "lane": task.lane_name,
        "role": task.role,
        "assignee": task.assignee,
        "created_at": iso(task.created_at),
        "due_at": iso(task.due_at),
    }
    if with_form:
        data["form"] = [describe_field(field) for field in task_form(task)]
    return data


def case_json(case: Case) -> dict[str, Any]:
    return {
        "tracking_code": case.tracking_code,
        "process": case.process_key,
        "version": case.definition.version,
        "title": case.title,
        "status": case.status,
        "current_step": case.current_step,
        "started_at": iso(case.started_at),
        "due_at": iso(case.due_at),
        "completed_at": iso(case.completed_at),
        "outcome": case.outcome,
        "return_reason": case.return_reason,
        "open_tasks": [task_json(t) for t in open_tasks(get_session(), case)],
    }


def find_case(code: str) -> Case:
    case = find_by_tracking_code(get_session(), code)
    if case is None:
        raise CaseNotFound(f"No case with the tracking code {code[:40]!r}.")
    return case


@bp.route("/deployments", methods=["POST"])
@api_requires("designer")
def deployments():
    upload = request.files.get("file")
    if upload is None:
        raise BadRequest("Send the BPMN file as multipart/form-data in the field 'file'.")
    name = (upload.filename or "upload.bpmn").replace("\\", "/").rsplit("/", 1)[-1][:200]
    definition, created = deploy(
        get_session(), upload.read(), source=name, deployed_by=g.api_user.username
    )
    commit()
    body = {
        "key": definition.key,
        "version": definition.version,
        "name": definition.name,
        "created": created,
    }
    return jsonify(body), 201 if created else 200


@bp.route("/cases", methods=["POST"])
@api_requires("clerk")
def start():
    body = json_body()
    process, data = body.get("process"), body.get("data", {})
    if not isinstance(process, str) or not isinstance(data, dict):
        raise BadRequest(
            "Give 'process' (a procedure key) and 'data' (an object of start form fields)."
        )
    case = start_by_hand(get_session(), process, data, started_by=g.api_user.username)
    commit()
    return jsonify(case_json(case)), 201


@bp.route("/cases/<code>")
@api_requires("staff")
def case_status(code: str):
    return jsonify(case_json(find_case(code)))


@bp.route("/tasks")
@api_requires("clerk")
def my_tasks():
    tasks = tasks_for_user(get_session(), g.api_user.username)
    return jsonify({"tasks": [task_json(t, with_form=True) for t in tasks]})


@bp.route("/tasks/<task_id>/claim", methods=["POST"])
@api_requires("clerk")
def claim_task(task_id: str):
    task = claim(get_session(), task_id, g.api_user.username)
    commit()
    return jsonify(task_json(task, with_form=True))


@bp.route("/tasks/<task_id>/complete", methods=["POST"])
@api_requires("clerk")
def complete(task_id: str):
    body = json_body(required=False)
    data = body.get("data", {})
    if not isinstance(data, dict):
        raise BadRequest("'data' must be an object of the task's form fields.")
    task = get_task(get_session(), task_id)  # held, so complete_task finds it in the session
    case = task.case
    complete_task(get_session(), task_id, g.api_user.username, data)
    commit()
    return jsonify(case_json(case))
