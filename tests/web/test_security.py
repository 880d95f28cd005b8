"""Login, CSRF, the login rate limit, security headers, language, error pages."""

from __future__ import annotations

import re

from tests.web.conftest import PASSWORD


def test_login_and_logout(staff):
    user = staff()
    assert user.login("front").headers["Location"].endswith("/inbox/")
    assert user.get("/inbox/").status_code == 200
    assert user.post("/logout").status_code == 302
    assert user.get("/inbox/").status_code == 302


def test_wrong_password_is_refused(staff):
    assert staff().login("front", "not-the-password").status_code == 401


def test_every_post_needs_the_csrf_token(staff, app):
    user = staff()
    response = user.client.post("/login", data={"username": "front", "password": PASSWORD})
    assert response.status_code == 400
    front = staff("front")
    assert front.client.post("/logout").status_code == 400
    assert front.client.post("/language", data={"lang": "en"}).status_code == 400


def test_login_is_rate_limited_per_ip_and_username(staff):
    user = staff()
    codes = [user.login("front", "wrong").status_code for _ in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    assert user.login("front").status_code == 429  # even the right password waits
    assert staff().login("admin").status_code == 302  # another username is not blocked


def test_security_headers_and_cookie_flags(staff, app):
    response = staff().client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert "<script>" not in response.get_data(as_text=True)  # no inline scripts


def test_secure_cookies_outside_testing(tmp_path, web_engine, monkeypatch):
    from webapp import create_app

    monkeypatch.delenv("PERMITFLOW_INSECURE_COOKIES", raising=False)
    monkeypatch.delenv("PERMITFLOW_SECRET_KEY", raising=False)
    app = create_app({"DATABASE_URL": str(web_engine.url), "INSTANCE_PATH": str(tmp_path / "i")})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert (tmp_path / "i" / "secret_key").read_text() == app.config["SECRET_KEY"]
    assert (
        create_app(
            {"DATABASE_URL": str(web_engine.url), "INSTANCE_PATH": str(tmp_path / "i")}
        ).config["SECRET_KEY"]
        == app.config["SECRET_KEY"]
    )
    app.extensions["permitflow.engine"].dispose()


def test_no_open_redirect_after_login(staff):
    user = staff()
    user.fresh_token("/login")
    response = user.client.post(
        "/login",
        data={
            "username": "front",
            "password": PASSWORD,
            "csrf_token": user.token,
            "next": "//evil.example/x",
        },
    )
    assert response.headers["Location"].endswith("/inbox/")


def test_language_switch_is_saved_on_the_user(staff, db):
    from engine.services import get_user

    front = staff("front")
    assert "Kotak masuk" in front.get("/inbox/").get_data(as_text=True)
    front.post("/language", data={"lang": "en", "next": "/inbox/"})
    assert "My inbox" in front.get("/inbox/").get_data(as_text=True)
    db.expire_all()
    assert get_user(db, "front").language == "en"
    assert staff().get("/login", headers={"Accept-Language": "en"}).status_code == 200


def test_error_pages_are_friendly(staff):
    front = staff("front")
    for url in ("/cases/NOPE-NOPE-NOPE-NOPE", "/tasks/not-a-task", "/no/such/page"):
        response = front.get(url)
        assert response.status_code == 404, url
        assert "Traceback" not in response.get_data(as_text=True)
    json_error = front.get("/cases/NOPE", headers={"Accept": "application/json"})
    assert json_error.status_code == 404 and json_error.json["error"] == "case_not_found"


def test_csrf_tokens_are_in_every_form(staff):
    page = staff("admin").get("/admin/users/new").get_data(as_text=True)
    forms = re.findall(r"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", page, re.S)
    assert forms and all('name="csrf_token"' in form for form in forms)
