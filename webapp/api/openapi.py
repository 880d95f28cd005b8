"""The OpenAPI 3 document of the API, served at ``/api/v1/openapi.json``.

Precise enough for schemathesis: required properties, types, enums, and
``additionalProperties: false`` on the request bodies the API reads.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from engine import services
from engine.services import list_definitions
from webapp.api import bp
from webapp.database import get_session

TRACKING_CODE = {
    "type": "string",
    "pattern": "^[0-9A-Za-z]{4}(-[0-9A-Za-z]{4}){3}$",
    "example": "7KQ2-M9XD-4RTB-P0ZA",
}
TEXT = {"type": "string"}
NULLABLE_TEXT = {"type": "string", "nullable": True}
WHEN = {"type": "string", "format": "date-time", "nullable": True}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    properties: dict[str, Any], required: list[str] | None = None, closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


SCHEMAS = {
    "Error": obj(
        {
            "error": obj(
                {
                    "code": TEXT,
                    "message": TEXT,
                    "fields": {"type": "object"},
                    "problems": {"type": "array", "items": {"type": "object"}},
                },
                required=["code", "message"],
            )
        }
    ),
    "Task": obj(
        {
            "id": TEXT,
            "case": TEXT,
            "name": TEXT,
            "element_id": TEXT,
            "lane": TEXT,
            "role": TEXT,
            "assignee": NULLABLE_TEXT,
            "created_at": WHEN,
            "due_at": WHEN,
            "form": {"type": "array", "items": {"type": "object", "required": ["id", "type"]}},
        },
        required=[
            "id",
            "case",
            "name",
            "element_id",
            "lane",
            "role",
            "assignee",
            "created_at",
            "due_at",
        ],
    ),
    "Case": obj(
        {
            "tracking_code": TEXT,
            "process": TEXT,
            "version": {"type": "integer"},
            "title": TEXT,
            "status": {"type": "string", "enum": [s.value for s in services.CaseStatus]},
            "current_step": TEXT,
            "started_at": WHEN,
            "due_at": WHEN,
            "completed_at": WHEN,
            "outcome": TEXT,
            "return_reason": NULLABLE_TEXT,
            "open_tasks": {"type": "array", "items": ref("Task")},
        }
    ),
    "Deployment": obj(
        {"key": TEXT, "version": {"type": "integer"}, "name": TEXT, "created": {"type": "boolean"}}
    ),
    "Ticket": obj(
        {
            "id": {"type": "integer"},
            "service": TEXT,
            "number": {"type": "integer"},
            "label": TEXT,
            "status": {"type": "string", "enum": ["waiting", "called", "served", "skipped"]},
            "counter": NULLABLE_TEXT,
            "taken_at": WHEN,
            "called_at": WHEN,
        }
    ),
    "Board": obj(
        {
            "service": TEXT,
            "waiting": {"type": "integer"},
            "next_number": {"type": "integer", "nullable": True},
            "estimated_wait_minutes": {"type": "number"},
            "serving": {"type": "array", "items": ref("Ticket")},
        }
    ),
    "Ikm": obj(
        {
            "service": NULLABLE_TEXT,
            "period": TEXT,
            "responses": {"type": "integer"},
            "nrr": {"type": "object", "additionalProperties": {"type": "number"}},
            "index": {"type": "number", "nullable": True},
            "index_0111": {"type": "number", "nullable": True},
            "grade": {"type": "string", "enum": ["A", "B", "C", "D"], "nullable": True},
            "grade_label": NULLABLE_TEXT,
        }
    ),
    "SurveyResponse": obj(
        {
            "case": TEXT,
            "service": TEXT,
            "scores": {"type": "object"},
            "submitted_at": WHEN,
            "by": TEXT,
        }
    ),
}
SCORE = {"type": "integer", "minimum": 1, "maximum": 4}


def bodies(keys: list[str]) -> dict[str, Any]:
    return {
        "PaymentCallback": obj(
            {
                "billing_code": {"type": "string"},
                "amount": {"type": "integer", "description": "whole Rupiah"},
                "reference": {"type": "string", "description": "the channel's payment reference"},
            },
            required=["billing_code", "amount", "reference"],
        ),
        "PaymentReceived": obj(
            {
                "status": {"type": "string", "enum": ["paid", "already_paid"]},
                "billing_code": {"type": "string"},
                "amount": {"type": "integer"},
                "reference": {"type": "string"},
                "paid_at": {"type": "string", "format": "date-time"},
            }
        ),
        "StartCase": obj(
            {
                "process": {"type": "string", **({"enum": keys} if keys else {})},
                "data": {"type": "object", "description": "start form field id -> value"},
            },
            required=["process"],
            closed=True,
        ),
        "CompleteTask": obj(
            {"data": {"type": "object", "description": "task form field id -> value"}},
            required=[],
            closed=True,
        ),
        "CallNext": obj(
            {"counter": {"type": "string", "minLength": 1, "maxLength": 40}}, closed=True
        ),
        "Survey": obj(
            {
                "key": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "The k of the applicant's private tracking link",
                },
                "scores": obj({f"u{i}": SCORE for i in range(1, 10)}, closed=True),
                "comment": {"type": "string", "maxLength": 2000},
            },
            required=["key", "scores"],
            closed=True,
        ),
    }


def json_content(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def errors(*statuses: int) -> dict:
    return {
        str(s): {"description": "error", **json_content(ref("Error"))} for s in (401, *statuses)
    }


def operation(
    summary: str,
    ok: tuple[int, dict],
    *failures: int,
    body: str | None = None,
    params: list | None = None,
    multipart: dict | None = None,
) -> dict:
    op: dict[str, Any] = {
        "summary": summary,
        "operationId": summary.lower().replace(" ", "_").replace("'", ""),
        "responses": {
            str(ok[0]): {"description": "ok", **json_content(ok[1])},
            **errors(*failures),
        },
    }
    if body:
        op["requestBody"] = {"required": True, **json_content(ref(body))}
    if multipart:
        op["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": multipart}},
        }
    if params:
        op["parameters"] = params
    return op


def path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def query_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def paths(keys: list[str]) -> dict[str, Any]:
    """The operations; ``keys`` are the deployed procedures (the services of the queue)."""
    CODE, TASK = path_param("code", TRACKING_CODE), path_param("task_id", TEXT)  # noqa: N806
    SERVICE = path_param("service", {"type": "string", **({"enum": keys} if keys else {})})  # noqa: N806
    return {
        "/deployments": {
            "post": operation(
                "Deploy a BPMN file",
                (201, ref("Deployment")),
                400,
                403,
                413,
                multipart=obj({"file": {"type": "string", "format": "binary"}}),
            )
        },
        "/cases": {
            "post": operation(
                "Start a case", (201, ref("Case")), 400, 403, 404, 422, body="StartCase"
            )
        },
        "/cases/{code}": {
            "get": operation("Case status", (200, ref("Case")), 403, 404, params=[CODE])
        },
        "/cases/{code}/survey": {
            "post": operation(
                "Rate a finished case",
                (201, ref("SurveyResponse")),
                400,
                404,
                409,
                422,
                body="Survey",
                params=[CODE],
            )
        },
        "/tasks": {
            "get": operation(
                "My tasks", (200, obj({"tasks": {"type": "array", "items": ref("Task")}})), 403
            )
        },
        "/tasks/{task_id}/claim": {
            "post": operation("Claim a task", (200, ref("Task")), 403, 409, params=[TASK])
        },
        "/tasks/{task_id}/complete": {
            "post": operation(
                "Complete a task",
                (200, ref("Case")),
                400,
                403,
                409,
                422,
                body="CompleteTask",
                params=[TASK],
            )
        },
        "/queue/{service}": {
            "get": operation("Queue board", (200, ref("Board")), 404, params=[SERVICE])
        },
        "/queue/{service}/tickets": {
            "post": operation(
                "Take a queue number", (201, ref("Ticket")), 404, 409, params=[SERVICE]
            )
        },
        "/queue/{service}/call": {
            "post": operation(
                "Call the next number",
                (200, obj({"ticket": {"nullable": True, "allOf": [ref("Ticket")]}})),
                400,
                403,
                404,
                body="CallNext",
                params=[SERVICE],
            )
        },
        "/payments/callback": {
            "post": {
                **operation(
                    "Report a payment",
                    (200, ref("PaymentReceived")),
                    400,
                    401,
                    404,
                    422,
                    body="PaymentCallback",
                ),
                "security": [],
                "description": "Signed by the payment channel: X-Payment-Channel and "
                "X-Payment-Signature (hex HMAC-SHA256 of the body with the channel's secret). "
                "Idempotent by reference.",
            }
        },
        "/ikm": {
            "get": operation(
                "Satisfaction index",
                (200, ref("Ikm")),
                400,
                404,
                params=[
                    query_param("service", {"type": "string", **({"enum": keys} if keys else {})}),
                    query_param(
                        "period",
                        {"type": "string", "pattern": r"^(\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?)?$"},
                    ),
                ],
            )
        },
    }


def document(keys: list[str], server: str = "/api/v1") -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "permitflow API",
            "version": "1",
            "description": "Cases, tasks, queue numbers and the IKM survey of a permitflow office. "
            "Authenticate with an API token: Authorization: Bearer pf_... "
            "A write (POST) may carry an Idempotency-Key header (1-200 printable characters, "
            "e.g. a UUID): sent again with the same key, it gets the first answer "
            "(Idempotent-Replayed: true) instead of running twice; answers are kept a day. "
            "The answer is saved together with the write, so after any crash a retry either "
            "gets it or runs once; a 409 while the first copy may still run means: retry "
            "later (after 2 minutes a copy that died is given up).",
        },
        "servers": [{"url": server}],
        "security": [{"bearer": []}],
        "paths": paths(keys),
        "components": {
            "schemas": {**SCHEMAS, **bodies(keys)},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.route("/openapi.json")
def openapi():
    keys = sorted(d.key for d in list_definitions(get_session(), latest_only=True))
    return jsonify(document(keys))
