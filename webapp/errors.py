"""The one place where engine errors and HTTP errors become pages (or JSON).

Views handle the errors they can answer better themselves (a form with per-field
messages, a stale task with the typed values kept); everything else lands here.
Nobody ever sees a traceback.
"""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy import exc as database_errors
from werkzeug.exceptions import HTTPException

from engine import errors as engine_errors
from engine.services import describe_database_failure
from webapp.database import rollback

log = logging.getLogger("permitflow.web")

TITLES = {
    400: _l("The request could not be handled"),
    403: _l("You may not open this page"),
    404: _l("Not found"),
    405: _l("This action is not available here"),
    409: _l("Someone else was quicker"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}

ENGINE_STATUS = [
    (engine_errors.NotFound, 404),
    (engine_errors.NotAllowed, 403),
    (engine_errors.Conflict, 409),  # StaleTask included
    (engine_errors.InvalidState, 409),
    (engine_errors.InvalidFormData, 422),
    (engine_errors.EngineError, 400),  # InvalidBpmn, InvalidDocument and the rest
]


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


# the code of an API error that has no engine error behind it
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def api_error(status: int, message: str, *, code: str = "", problems=None, field_errors=None):
    """The JSON API's error: ``{"error": {"code", "message"[, "fields"][, "problems"]}}``."""
    error = {"code": code or HTTP_CODES.get(status, "error"), "message": message}
    if field_errors:
        error["fields"] = field_errors
    if problems:
        error["problems"] = [problem.as_dict() for problem in problems]
    return jsonify({"error": error}), status


def error_page(status: int, message: str, *, code: str = "", problems=None, field_errors=None):
    rollback()
    if request.path.startswith("/api/"):
        return api_error(status, message, code=code, problems=problems, field_errors=field_errors)
    if _wants_json():
        body = {"error": code or str(status), "message": message}
        if field_errors:
            body["fields"] = field_errors
        return jsonify(body), status
    return render_template(
        "errors/error.html",
        status=status,
        title=str(TITLES.get(status, TITLES[400])),
        message=message,
        problems=problems or [],
        field_errors=field_errors or {},
    ), status


def _engine_error(exc: engine_errors.EngineError):
    status = next(s for kind, s in ENGINE_STATUS if isinstance(exc, kind))
    return error_page(
        status,
        exc.message,
        code=exc.code,
        problems=getattr(exc, "problems", None),
        field_errors=getattr(exc, "errors", None),
    )


def _http_error(exc: HTTPException):
    messages = {
        403: _("Your roles do not give access to this page. Ask an administrator if you need it."),
        404: _("There is no such page, case or task."),
        413: _("The upload is larger than the office allows."),
        429: _("Please wait a minute before trying again."),
        405: _("This action is not available here."),
    }
    return error_page(exc.code or 500, messages.get(exc.code, exc.description or ""))


def _csrf_error(exc: CSRFError):
    return error_page(
        400,
        _("The form expired or was sent from elsewhere. Reload the page and try again."),
        code="csrf",
    )


def _unexpected(exc: Exception):
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_page(500, _("The error was logged. Please try again, or tell the administrator."))


def _too_deep(exc: RecursionError):
    """Input nested too deeply for a recursive walk: the sender's problem, one log line."""
    log.warning("input nested too deeply on %s %s", request.method, request.path)
    return error_page(400, _("The input is nested too deeply to be handled."), code="too_deep")


RETRY_AFTER_SECONDS = 5


def database_error(exc: database_errors.SQLAlchemyError):
    """A lost or busy database is a 503 with Retry-After; a race on a key is a 409.

    The page is plain: the usual one would ask the database for the user again.
    """
    try:
        rollback()
    except database_errors.SQLAlchemyError:
        pass
    if isinstance(exc, database_errors.IntegrityError):
        log.warning("conflict on %s %s: %s", request.method, request.path, exc.orig)
        message = "Someone else changed this at the same moment; reload and try again."
        return error_page(409, message, code="conflict")
    kind, message = describe_database_failure(exc)
    if kind == "conflict":  # a deadlock or serialization failure: the database undid one
        log.warning("conflict on %s %s: %s", request.method, request.path, message)
        return error_page(409, message, code="conflict")
    if kind not in ("busy", "unreachable"):
        log.error("database error on %s %s: %s", request.method, request.path, message)
        status, code = 500, "server_error"
    else:
        log.warning("database %s on %s %s: %s", kind, request.method, request.path, message)
        status, code = 503, "database_unavailable"
    if request.path.startswith("/api/") or _wants_json():
        response = make_response(jsonify({"error": {"code": code, "message": message}}), status)
    else:
        page = (
            "<!doctype html><meta charset=utf-8><title>permitflow</title>"
            f"<h1>Layanan sementara tidak tersedia / Service unavailable</h1><p>{escape(message)}"
        )
        response = make_response(page, status)
    if status == 503:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(database_errors.OperationalError, database_error)
    app.register_error_handler(database_errors.InterfaceError, database_error)
    app.register_error_handler(database_errors.IntegrityError, database_error)
    app.register_error_handler(database_errors.TimeoutError, database_error)
    app.register_error_handler(RecursionError, _too_deep)
    app.register_error_handler(engine_errors.EngineError, _engine_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    if not app.testing:
        app.register_error_handler(Exception, _unexpected)
