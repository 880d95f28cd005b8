"""Queue numbers at the counters: the kiosk, the display board and the counter page.

A citizen takes a number per service at the kiosk; a clerk calls the next one from
the counter page; the display shows the numbers being served, how many wait and the
estimated wait, refreshed by a small script polling ``/queue/board.json``.
"""

from __future__ import annotations

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine.services import QueueTicket, queues
from webapp.access import requires
from webapp.database import commit, get_session
from webapp.public import bp
from webapp.public.catalogue import services
from webapp.public.links import queue_limiter


def _service_names() -> dict[str, str]:
    return {d.key: (d.service_standard or {}).get("name") or d.name for d in services()}


def ticket_label(ticket: QueueTicket) -> str:
    """The number as called: the service standard's code and three digits, e.g. ``PBG-007``."""
    prefix = next(
        ((d.service_standard or {}).get("code") for d in services() if d.key == ticket.service),
        None,
    )
    return queues.label(ticket, prefix)


def _service(key: str | None) -> str:
    if key not in _service_names():
        abort(404)
    return key


def board_data() -> list[dict]:
    boards = []
    for key, name in _service_names().items():
        board = queues.board(get_session(), key)
        boards.append(
            {
                "service": key,
                "name": name,
                "waiting": board.waiting,
                "wait_minutes": round(board.estimated_wait_minutes),
                "serving": [
                    {"number": ticket_label(t), "counter": t.counter} for t in board.serving
                ],
            }
        )
    return boards


@bp.route("/queue/")
def kiosk():
    return render_template("public/kiosk.html", services=_service_names())


@bp.route("/queue/take", methods=["POST"])
def take_number():
    address = request.remote_addr or ""
    if address not in current_app.config["KIOSK_ADDRESSES"] and not queue_limiter.hit(
        address, "queue"
    ):
        flash(_("Too many numbers taken from this connection; please ask at the counter."), "error")
        return redirect(url_for("public.kiosk")), 429
    ticket = queues.take_number(get_session(), _service(request.form.get("service")))
    commit()
    return redirect(url_for("public.ticket", ticket_id=ticket.id))


@bp.route("/queue/tickets/<id:ticket_id>")
def ticket(ticket_id: int):
    ticket = get_session().get(QueueTicket, ticket_id)
    if ticket is None or ticket.day != queues.today():
        abort(404)
    board = queues.board(get_session(), ticket.service)
    ahead = queues.position(get_session(), ticket)
    wait = (
        round(board.estimated_wait_minutes * ahead / max(board.waiting, 1))
        if ticket.status == "waiting"
        else 0
    )
    return render_template(
        "public/ticket.html",
        ticket=ticket,
        label=ticket_label(ticket),
        ahead=ahead,
        wait=wait,
        service_name=_service_names().get(ticket.service, ticket.service),
    )


@bp.route("/queue/display")
def display():
    return render_template("public/display.html", boards=board_data())


@bp.route("/queue/board.json")
def board_json():
    return jsonify({"boards": board_data()})


@bp.route("/queue/counter", methods=["GET", "POST"])
@requires("clerk")
def counter():
    """A clerk at a counter: choose the service and the counter name, call the next number."""
    called = None
    if request.method == "POST":
        service = _service(request.form.get("service"))
        name = request.form.get("counter", "").strip()[:40] or "1"
        session["queue_counter"] = {"service": service, "counter": name}
        ticket = queues.call_next(get_session(), service, name)
        called = ticket_label(ticket) if ticket else ""
        commit()
    chosen = session.get("queue_counter") or {}
    return render_template(
        "public/counter.html",
        services=_service_names(),
        chosen=chosen,
        called=called,
        board=queues.board(get_session(), chosen["service"])
        if chosen.get("service") in _service_names()
        else None,
    )
