"""The office in the browser: clerks work their inbox, designers deploy revised diagrams.

``create_app`` builds the Flask application on the engine's service layer
(:mod:`engine.services`); the engine itself never imports Flask.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from engine import services
from webapp import access, database, errors, i18n, incident_reasons, presenters, security
from webapp.cases import history
from webapp.extensions import csrf, limiter

# the module of each blueprint, under webapp/
BLUEPRINTS = (
    "auth",
    "inbox",
    "tasks.views",
    "cases.views",
    "designer.views",
    "monitoring.views",
    "reformer",
    "admin",
    "admin_incidents",
    "admin_connectors",
    "privacy",
    "public",
    "api",
    "api.tokens",
    "health",
)


def _secret_key(instance: Path) -> str:
    """``PERMITFLOW_SECRET_KEY``, else a random key generated once under ``instance/``."""
    key = os.environ.get("PERMITFLOW_SECRET_KEY")
    if key:
        return key
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _defaults() -> dict[str, Any]:
    return {
        "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
        "UPLOAD_MAX_BYTES": 5 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "permitflow_session",
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "LOGIN_RATE_LIMIT": (5, 60),  # attempts per seconds, per IP + username
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "id",
        "LANGUAGES": ("id", "en"),
    }


def _environment() -> dict[str, Any]:
    from engine.services import database_url

    config: dict[str, Any] = {"DATABASE_URL": database_url()}
    if os.environ.get("PERMITFLOW_PROXY_FIX") == "1":  # behind one reverse proxy
        config["PROXY_FIX"] = True
    if os.environ.get("PERMITFLOW_DEBUG") == "1":
        config["DEBUG"] = True
    return config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Defaults, then the environment, then ``test_config`` (tests and scripts)."""
    test_config = dict(test_config or {})
    instance = test_config.pop("INSTANCE_PATH", None) or os.environ.get("PERMITFLOW_INSTANCE_PATH")
    app = Flask(__name__, instance_path=str(Path(instance).resolve()) if instance else None)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(_defaults())
    if "DATABASE_URL" not in test_config:
        app.config.from_mapping(_environment())
    app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(Path(app.instance_path))
    if "SESSION_COOKIE_SECURE" not in test_config:
        insecure = app.debug or app.testing or os.environ.get("PERMITFLOW_INSECURE_COOKIES") == "1"
        app.config["SESSION_COOKIE_SECURE"] = not insecure
    database.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    security.init_app(app)
    presenters.init_app(app)
    incident_reasons.init_app(app)
    app.jinja_env.globals.update(actor_name=history.actor_name)  # who did it, in words
    errors.init_app(app)
    _register_blueprints(app)
    services.warm_up()  # the working calendar now, not on the process's first completion
    return app


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    for name in BLUEPRINTS:
        app.register_blueprint(import_module(f"webapp.{name}").bp)
