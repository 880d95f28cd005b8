"""Finding a case from a tracking code, and the applicant's private link.

A tracking code (80 random bits) shows only the status. The private link adds
``k``, an HMAC of the code with the app's secret: it opens the documents, the
messages, the answer form and the survey. Lookups without a valid key are
rate-limited per IP, and every wrong code gets the same answer.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import abort, current_app, make_response, render_template, request, url_for

from engine.services import Case, find_by_tracking_code
from webapp.database import get_session
from webapp.extensions import LoginLimiter

lookup_limiter = LoginLimiter()
submission_limiter = LoginLimiter()  # applications and complaints per IP
queue_limiter = LoginLimiter()  # queue numbers per IP (kiosk addresses are exempt)


def access_key(code: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"track:{code}".encode(), hashlib.sha256).hexdigest()[:32]


def has_access(case: Case, key: str | None) -> bool:
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500)
    expected = access_key(case.tracking_code).encode()
    return bool(key) and hmac.compare_digest(expected, str(key).encode("utf-8", "replace"))


def private_url(case: Case, endpoint: str = "public.track", **values) -> str:
    return url_for(endpoint, code=case.tracking_code, k=access_key(case.tracking_code), **values)


def find_case(text: str | None, key: str | None = None) -> tuple[Case, bool]:
    """The case of a tracking code and whether ``key`` opens its private page.

    404 for any wrong code (same page whatever the reason), 429 when this IP looked
    up too many codes without their key.
    """
    case = find_by_tracking_code(get_session(), text)
    if case is not None and has_access(case, key):
        return case, True
    if not lookup_limiter.hit(request.remote_addr or "", "track"):
        abort(429)
    if case is None:  # a public page (not the staff 404) that helps to find the right code
        page = render_template("public/unknown_code.html")  # the same whatever the code
        abort(make_response(page, 404))
    return case, False
