"""API: queue numbers, the satisfaction survey and the IKM."""

from __future__ import annotations

from dataclasses import asdict

from flask import g, jsonify, request

from engine.errors import NotFound
from engine.services import QueueTicket, get_definition, queues, surveys
from webapp.api import BadRequest, api_requires, bp, json_body
from webapp.api.cases import find_case, iso
from webapp.database import commit, get_session
from webapp.public.ikm_periods import period_bounds
from webapp.public.links import has_access
from webapp.public.queue import ticket_label


def _service(key: str) -> str:
    get_definition(get_session(), key)  # ProcessNotFound (404) for an unknown service
    return key


def ticket_json(ticket: QueueTicket) -> dict:
    return {
        "id": ticket.id,
        "service": ticket.service,
        "number": ticket.number,
        "label": ticket_label(ticket),
        "status": ticket.status,
        "counter": ticket.counter,
        "taken_at": iso(ticket.taken_at),
        "called_at": iso(ticket.called_at),
    }


@bp.route("/queue/<service>")
@api_requires("user")
def queue_board(service: str):
    board = queues.board(get_session(), _service(service))
    return jsonify(
        {
            "service": board.service,
            "waiting": board.waiting,
            "next_number": board.next_number,
            "estimated_wait_minutes": board.estimated_wait_minutes,
            "serving": [ticket_json(t) for t in board.serving],
        }
    )


@bp.route("/queue/<service>/tickets", methods=["POST"])
@api_requires("user")
def queue_take(service: str):
    ticket = queues.take_number(get_session(), _service(service))
    commit()
    return jsonify(ticket_json(ticket)), 201


@bp.route("/queue/<service>/call", methods=["POST"])
@api_requires("clerk")
def queue_call(service: str):
    counter = json_body().get("counter")
    if not isinstance(counter, str) or not 1 <= len(counter.strip()) <= 40:
        raise BadRequest("'counter' must be the counter's name (1 to 40 characters).")
    ticket = queues.call_next(get_session(), _service(service), counter.strip())
    commit()
    return jsonify({"ticket": ticket_json(ticket) if ticket else None})


@bp.route("/cases/<code>/survey", methods=["POST"])
@api_requires("user")
def survey(code: str):
    body = json_body()
    scores, comment, key = body.get("scores"), body.get("comment", ""), body.get("key")
    if not isinstance(scores, dict) or not isinstance(comment, str) or not isinstance(key, str):
        raise BadRequest(
            "Give 'key' (from the applicant's private link), 'scores' (u1..u9, "
            "each 1 to 4) and optionally 'comment' (text)."
        )
    case = find_case(code)
    if not has_access(case, key):  # only the applicant rates, as on the private page
        raise NotFound(f"No case {code!r}.")
    response = surveys.submit(get_session(), case, scores, comment)
    commit()
    return jsonify(
        {
            "case": case.tracking_code,
            "service": response.service,
            "scores": response.scores,
            "submitted_at": iso(response.submitted_at),
            "by": g.api_user.username,
        }
    ), 201


@bp.route("/ikm")
@api_requires("user")
def ikm():
    service = request.args.get("service") or None
    bounds = period_bounds(request.args.get("period", ""))
    if bounds is None:
        raise BadRequest("'period' is a year (2026), a quarter (2026-Q3) or a month (2026-11).")
    if service is not None:
        _service(service)
    result = surveys.ikm(get_session(), service, *bounds)
    return jsonify({**asdict(result), "period": request.args.get("period", "")})
