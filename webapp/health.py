"""``/healthz`` and ``/readyz`` for a load balancer or process manager.

``/healthz`` answers while the process can serve at all (it touches nothing else), so a
restart is only asked for a process that hangs. ``/readyz`` says whether this process
can do work now: its database answers and, when one is configured, its broker; a 503
takes it out of rotation without restarting it.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from engine.services import readiness
from webapp.database import get_session

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return jsonify({"status": "ok"})


@bp.route("/readyz")
def readyz():
    checks = readiness(get_session())
    ready = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ready" if ready else "unavailable", "checks": checks})
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response
