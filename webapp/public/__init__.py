"""The public side: citizens apply, follow their case, queue, complain and rate (no account).

One blueprint, its views spread over the modules of this package. Indonesian is the
default language here whatever the browser asks; visitors can switch to English.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, session

bp = Blueprint("public", __name__)


@bp.record_once
def _setup(state) -> None:
    from webapp.public import formats
    from webapp.public.links import lookup_limiter, queue_limiter, submission_limiter
    from webapp.public.verify import verify_limiter

    app = state.app
    formats.init_app(app)
    app.config.setdefault("VERIFY_RATE_LIMIT", (30, 60))  # verifications per IP per seconds
    verify_limiter.limit, verify_limiter.window = app.config["VERIFY_RATE_LIMIT"]
    verify_limiter.reset()
    # engine.office.documents stores under PERMITFLOW_DOCUMENT_DIR; default: this app's instance
    os.environ.setdefault("PERMITFLOW_DOCUMENT_DIR", str(Path(app.instance_path) / "documents"))
    app.config.setdefault("TRACK_RATE_LIMIT", (10, 60))  # code lookups per IP per seconds
    lookup_limiter.limit, lookup_limiter.window = app.config["TRACK_RATE_LIMIT"]
    lookup_limiter.reset()
    app.config.setdefault("SUBMIT_RATE_LIMIT", (10, 600))  # applications per IP per seconds
    submission_limiter.limit, submission_limiter.window = app.config["SUBMIT_RATE_LIMIT"]
    submission_limiter.reset()
    app.config.setdefault("QUEUE_RATE_LIMIT", (20, 600))  # numbers per address per seconds
    app.config.setdefault(
        "KIOSK_ADDRESSES",
        {
            a.strip()
            for a in os.environ.get("PERMITFLOW_KIOSK_ADDRESSES", "").split(",")
            if a.strip()
        },
    )
    queue_limiter.limit, queue_limiter.window = app.config["QUEUE_RATE_LIMIT"]
    queue_limiter.reset()


@bp.before_request
def _indonesian_by_default() -> None:
    session.setdefault("lang", "id")


from webapp.public import (  # noqa: E402  (the views register themselves on bp)
    applications,
    catalogue,
    queue,
    surveys,
    tracking,
    verify,
)

__all__ = ["applications", "bp", "catalogue", "queue", "surveys", "tracking", "verify"]
