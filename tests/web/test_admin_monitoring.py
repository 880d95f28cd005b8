"""Admin pages (users, lane roles) and monitoring (figures, heatmap data)."""

from __future__ import annotations

from engine import services
from tests.web.conftest import PASSWORD, start_building_case


def test_admin_creates_a_user_who_can_log_in(staff, db):
    admin = staff("admin")
    response = admin.post(
        "/admin/users/new",
        data={
            "username": "dewi",
            "full_name": "Dewi Lestari",
            "password": PASSWORD,
            "roles": ["verifier", "cashier"],
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert services.get_user(db, "dewi").role_names == {"verifier", "cashier"}
    assert staff().login("dewi").status_code == 302


def test_admin_form_errors_keep_the_values(staff):
    admin = staff("admin")
    response = admin.post(
        "/admin/users/new", data={"username": "Bad Name", "full_name": "Budi", "password": PASSWORD}
    )
    assert response.status_code == 422 and "Budi" in response.get_data(as_text=True)
    response = admin.post("/admin/users/new", data={"username": "budi", "password": "short"})
    assert response.status_code == 422


def test_admin_edits_roles_but_cannot_lock_themselves_out(staff, db):
    admin = staff("admin")
    assert (
        admin.post(
            "/admin/users/front",
            data={"roles": ["front_office", "verifier"], "is_active": "on", "full_name": "Front"},
        ).status_code
        == 302
    )
    db.expire_all()
    assert services.get_user(db, "front").role_names == {"front_office", "verifier"}
    assert (
        admin.post(
            "/admin/users/admin", data={"roles": ["designer"], "is_active": "on"}
        ).status_code
        == 422
    )


def test_lane_role_mapping(staff, db):
    admin = staff("admin")
    page = admin.get("/admin/lanes").get_data(as_text=True)
    assert "technical_team" in page and "Technical Team" in page
    assert (
        admin.post(
            "/admin/lanes", data={"role": "technical_team", "users": ["tech", "reformer"]}
        ).status_code
        == 302
    )
    db.expire_all()
    assert "technical_team" in services.get_user(db, "reformer").role_names
    assert admin.post("/admin/lanes", data={"role": "not_a_lane"}).status_code == 400


def test_deactivated_users_are_logged_out(staff, db):
    front = staff("front")
    user = services.get_user(db, "front")
    user.is_active = False
    db.commit()
    assert front.get("/inbox/").status_code == 302


def test_monitoring_shows_figures_and_waiting_tasks(staff, db):
    start_building_case(db)
    start_building_case(db)
    page = staff("reformer").get("/monitoring/building_approval").get_data(as_text=True)
    assert "Register application" in page
    assert (
        "&#34;register_application&#34;: &#34;heat-4&#34;" in page
    )  # the busiest task, for the heatmap
    assert staff("reformer").get("/monitoring/nothing").status_code == 404


def test_cases_filters(staff, db):
    case = start_building_case(db)
    front = staff("front")
    assert case.tracking_code in front.get(
        "/cases/?procedure=building_approval&lane=front_office"
    ).get_data(as_text=True)
    assert case.tracking_code not in front.get("/cases/?lane=cashier").get_data(as_text=True)
    assert case.tracking_code not in front.get("/cases/?status=completed").get_data(as_text=True)
    assert case.tracking_code in front.get("/cases/?version=1&status=running").get_data(
        as_text=True
    )
    assert case.tracking_code not in front.get("/cases/?overdue=1").get_data(as_text=True)
    assert front.get("/cases/?version=abc").status_code == 200
