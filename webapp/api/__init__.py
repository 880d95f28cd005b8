"""The JSON API under ``/api/v1``: deploy, start, tasks, claim, complete, case status,
queue and survey, for other systems.

Every call but the OpenAPI document carries ``Authorization: Bearer pf_...``; the
token's user goes through the same area checks as in the office (and the engine's own
lane checks). Errors are ``{"error": {"code", "message"}}`` (:func:`webapp.errors.api_error`).
CSRF does not apply: no cookie authenticates an API call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, current_app, g, make_response, request
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import EngineError, NotAllowed
from engine.services import (
    authenticate,
    idempotency_fingerprint,
    record_idempotent_answer,
    reserve_idempotency_key,
)
from webapp.access import may
from webapp.database import defer_commit, end_deferral, get_session, rollback
from webapp.errors import api_error, database_error
from webapp.extensions import csrf

log = logging.getLogger("permitflow.api")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
PUBLIC_ENDPOINTS = {"api.openapi", "api.payment_callback"}  # the callback is HMAC-signed


@bp.before_request
def _authenticate():
    g.api_user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    try:
        g.api_user = authenticate(get_session(), token)
    except NotAllowed as exc:
        return api_error(401, exc.message, code="unauthorized")
    return None


WRITES = {"POST", "PUT", "PATCH", "DELETE"}


@bp.before_request
def _replay_idempotent():
    """A write sent again with the same ``Idempotency-Key`` gets the first answer."""
    key = request.headers.get("Idempotency-Key")
    if key is None or request.method not in WRITES or g.api_user is None:
        return None
    print_ = idempotency_fingerprint(request.method, request.path, request.get_data())
    # commits the request's session (so far only the token's use) with the reservation
    replay = reserve_idempotency_key(get_session(), g.api_user.id, key, print_)
    if replay is None:
        g.idempotency_key = key
        defer_commit()  # the view's effects are committed with its answer
        return None
    response = current_app.response_class(
        replay.body, status=replay.status, mimetype="application/json"
    )
    response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.after_request
def _keep_idempotent_answer(response):
    """Commit the view's effects and its answer in one transaction: a crash at any
    moment leaves both or neither, so a retry replays the answer or runs once."""
    key = g.pop("idempotency_key", None)
    if key is None:
        return response
    if not end_deferral():
        rollback()  # the view committed nothing: what it changed does not count
    try:
        record_idempotent_answer(
            get_session(), g.api_user.id, key, response.status_code, response.get_data()
        )
    except EngineError as exc:  # a retry took the key over meanwhile: nothing is saved
        rollback()
        return make_response(api_error(409, exc.message, code=exc.code))
    except SQLAlchemyError as exc:  # the commit failed: all or nothing was saved
        return database_error(exc)
    return response


@bp.teardown_request
def _free_unanswered_key(_exc=None):
    """A request that ended in an unhandled error frees its key for a real retry."""
    key = g.pop("idempotency_key", None)
    if key is not None:
        try:
            rollback()
            record_idempotent_answer(get_session(), g.api_user.id, key, 500, b"")
        except Exception:  # noqa: BLE001 - the key is taken over after ABANDONED anyway
            log.warning("could not free Idempotency-Key %r", key, exc_info=True)


def api_requires(area: str) -> Callable:
    """The token's user must open ``area`` (the office's areas), else 403."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not may(area, g.api_user.role_names):
                return api_error(
                    403,
                    f"{g.api_user.username}'s roles do not open the {area} area.",
                    code="forbidden",
                )
            return view(*args, **kwargs)

        return wrapped

    return decorate


class BadRequest(EngineError):
    code = "bad_request"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_body(required: bool = True) -> dict[str, Any]:
    """The request's JSON object (400 when it is not one)."""
    body = request.get_json(silent=True)
    if body is None and not required and not request.get_data():
        return {}
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object (Content-Type: application/json).")
    if _has_nul(body):
        raise BadRequest("Text values may not contain NUL characters.")
    return body


from webapp.api import cases, openapi, payments, services  # noqa: E402  (views register themselves on bp)

__all__ = ["api_requires", "bp", "cases", "json_body", "openapi", "payments", "services"]
