"""One SQLAlchemy session per request, opened lazily; the view commits, teardown closes.

A request whose answer must be saved with its effects (an API write with an
``Idempotency-Key``) defers the commit: until :func:`end_deferral`, :func:`commit` only
flushes (errors of the view's writes still surface in the view), and the answer is
committed in the same transaction afterwards.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from engine.services import make_engine, session_factory


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["permitflow.engine"] = engine
    app.extensions["permitflow.sessions"] = session_factory(engine)
    app.teardown_appcontext(close_session)


def get_session() -> Session:
    """The request's session (the caller owns the transaction)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["permitflow.sessions"]()
    return g.db_session


def commit() -> None:
    session = get_session()
    if g.get("commit_deferred"):
        session.flush()
        g.commit_requested = True
        return
    session.commit()


def defer_commit() -> None:
    """From now on :func:`commit` only flushes, until :func:`end_deferral`."""
    g.commit_deferred, g.commit_requested = True, False


def end_deferral() -> bool:
    """Commit normally again; whether the view asked to commit meanwhile (its changes,
    flushed, are still pending in the transaction)."""
    g.commit_deferred = False
    return bool(g.pop("commit_requested", False))


def rollback() -> None:
    if "db_session" in g:
        g.db_session.rollback()


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None or session.in_transaction():
            session.rollback()
        session.close()
