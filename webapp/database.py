"""One SQLAlchemy session per request, opened lazily; the view commits, teardown closes."""

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
    get_session().commit()


def rollback() -> None:
    if "db_session" in g:
        g.db_session.rollback()


def close_session(exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None or session.in_transaction():
            session.rollback()
        session.close()
