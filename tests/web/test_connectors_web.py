"""/admin/connectors: admins register the systems service tasks may call."""

from __future__ import annotations

from engine import services
from engine.integration import stubs

OPERATION = stubs.CONNECTOR_OPERATIONS["population"][0]


def test_an_admin_registers_lists_and_removes_a_connector(staff, db):
    admin = staff("admin")
    page = admin.get("/admin/connectors/").get_data(as_text=True)
    assert "connector-form" in page
    saved = admin.post(
        "/admin/connectors/",
        {
            "name": "population",
            "base_url": "http://127.0.0.1:8701",
            "auth": "bearer",
            "secret_env": "DUKCAPIL_TOKEN",
            "retries": "2",
            "operations": OPERATION,
        },
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "http://127.0.0.1:8701" in page
    assert "nik_lookup=POST /nik/verify" in page and "$DUKCAPIL_TOKEN" in page
    connector = services.connectors.get_connector(db, "population")  # replaced the stub's
    assert (connector.retries, connector.secret_env) == (2, "DUKCAPIL_TOKEN")
    removed = admin.post("/admin/connectors/population/remove", follow_redirects=True)
    assert removed.status_code == 200
    db.expire_all()
    assert [c.name for c in services.connectors.list_connectors(db)] == ["oss"]


def test_a_bad_connector_gets_a_clear_message(staff, db):
    admin = staff("admin")
    for form, words in [
        ({"name": "x", "base_url": "ftp://h", "operations": OPERATION}, "http://"),
        ({"name": "x", "base_url": "http://h", "operations": "x=GET /a"}, "out:"),
        (
            {"name": "x", "base_url": "http://h", "operations": OPERATION, "retries": "many"},
            "retries harus berupa angka",  # Indonesian by default
        ),
    ]:
        answer = admin.post("/admin/connectors/", form)
        assert answer.status_code == 422, form
        assert words in answer.get_data(as_text=True)
    assert "x" not in [c.name for c in services.connectors.list_connectors(db)]


def test_only_admins_see_connectors(staff):
    for who in ("front", "designer"):
        assert staff(who).get("/admin/connectors/").status_code in (302, 403)


def test_an_admin_subscribes_a_system_and_sees_its_deliveries(staff, db):
    admin = staff("admin")
    services.connectors.add_connector(db, "ministry", "http://127.0.0.1:8799", ["p=GET /p out:a"])
    db.commit()
    refused = admin.post(
        "/admin/connectors/subscribers",
        {"name": "m", "url": "http://10.0.0.1/hook", "secret": "s" * 20, "events": "started"},
    )
    assert refused.status_code == 422
    assert "not the host of a registered connector" in refused.get_data(as_text=True)
    saved = admin.post(
        "/admin/connectors/subscribers",
        {
            "name": "ministry",
            "url": "http://127.0.0.1:8799/events",
            "secret": "s" * 20,
            "events": ["started", "decided"],
        },
        follow_redirects=True,
    )
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "started, decided" in page and "deliveries" in page
    [subscriber] = services.webhooks.list_subscribers(db)
    assert subscriber.events == ["started", "decided"]
    assert admin.get("/admin/connectors/subscribers/999").status_code == 404


def test_the_page_speaks_indonesian_by_default(staff, db):
    db.query(services.User).filter_by(username="admin").update({"language": "id"})
    db.commit()
    page = staff("admin").get("/admin/connectors/").get_data(as_text=True)
    assert "Daftarkan konektor" in page and "Pelanggan peristiwa" in page
