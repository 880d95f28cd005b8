"""The permission matrix: every role against every route, with CSRF on.

A clerk can never open or complete another lane's task.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy.orm import Session

from engine import services
from engine.storage import db as engine_db
from tests.web.conftest import (
    BUILDING,
    Staff,
    open_task,
    revised_building,
    seed_staff,
    start_building_case,
)
from webapp import create_app
from webapp.extensions import limiter

ROLES = ["anonymous", "front", "tech", "designer", "reformer", "admin", "nobody"]
CLERKS, DESIGN, MONITOR = (
    {"front", "tech", "admin"},
    {"designer", "admin"},
    {"reformer", "designer", "admin"},
)
STAFF = {"front", "tech", "designer", "reformer", "admin"}
EVERYONE = STAFF | {"nobody"}

# route -> roles that may open it (everyone else: 403, anonymous: redirect to login)
ROUTES = {
    "/account": EVERYONE,
    "/inbox/": CLERKS,
    "/tasks/{task}": {"front", "admin"},  # a Front Office task: never the technical team's
    "/cases/": STAFF,
    "/cases/{case}": STAFF,
    "/diagrams/building_approval/1.bpmn": STAFF,
    "/designer/": DESIGN,
    "/designer/procedures/building_approval": DESIGN,
    "/designer/procedures/building_approval/1/migrate": DESIGN,
    "/monitoring/": MONITOR,
    "/monitoring/building_approval": MONITOR,
    "/admin/users": {"admin"},
    "/admin/users/new": {"admin"},
    "/admin/users/front": {"admin"},
    "/admin/lanes": {"admin"},
    "/admin/incidents/": {"admin"},
    "/admin/api-tokens/": {"admin"},
    "/queue/counter": CLERKS,
    "/reformer/": {"reformer", "admin"},
    "/reformer/building_approval/1": {"reformer", "admin"},
    "/reformer/building_approval/1/scenario": {"reformer", "admin"},
}


@pytest.fixture(scope="module")
def matrix(tmp_path_factory, sqlite_template):
    """One database and one logged-in client per role for the whole matrix (read-only)."""
    folder = tmp_path_factory.mktemp("matrix")
    shutil.copy(sqlite_template, folder / "db.sqlite3")
    engine = engine_db.make_engine(f"sqlite:///{folder / 'db.sqlite3'}")
    with Session(engine, expire_on_commit=False) as session:
        seed_staff(session)
        services.deploy(session, BUILDING.read_bytes(), source="building_approval.bpmn")
        session.commit()
        case = start_building_case(session)
        services.deploy(session, revised_building(), source="building_approval.bpmn")
        session.commit()
        ids = {"task": open_task(session, case).id, "case": case.tracking_code}
    limiter.reset()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "matrix",
            "INSTANCE_PATH": str(folder / "instance"),
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        }
    )
    clients = {}
    for role in ROLES:
        clients[role] = Staff(app.test_client())
        if role != "anonymous":
            assert clients[role].login(role).status_code == 302
    yield clients, ids
    app.extensions["permitflow.engine"].dispose()
    engine.dispose()


@pytest.mark.parametrize("route", list(ROUTES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(matrix, role, route):
    clients, ids = matrix
    response = clients[role].get(route.format(**ids))
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    elif role in ROUTES[route]:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert b"Traceback" not in response.data


# the public side: everyone, logged in or not (tracking pages: see test_public.py)
PUBLIC_ROUTES = [
    "/",
    "/services/",
    "/services/building_approval",
    "/services/building_approval/apply",
    "/services/building_approval/diagram.bpmn",
    "/track",
    "/queue/",
    "/queue/display",
    "/queue/board.json",
    "/ikm",
    "/api/v1/openapi.json",
]


@pytest.mark.parametrize("route", PUBLIC_ROUTES)
@pytest.mark.parametrize("role", ["anonymous", "front", "nobody"])
def test_public_routes_are_open_to_everyone(matrix, role, route):
    clients, _ids = matrix
    assert clients[role].get(route).status_code == 200


@pytest.mark.parametrize("action", ["claim", "complete", "unclaim", "return"])
def test_clerk_never_acts_on_another_lanes_task(staff, db, action):
    case = start_building_case(db)
    task = open_task(db, case)  # Register application, Front Office lane
    tech = staff("tech")
    response = tech.post(
        f"/tasks/{task.id}/{action}", data={"documents_received": "on", "reason": "x"}
    )
    assert response.status_code == 403
    task = open_task(db, case)
    assert task.element_id == "register_application" and task.assignee is None
    assert case.status == "running"


def test_inbox_shows_only_my_lanes(staff, db):
    start_building_case(db)
    assert "Pendaftaran permohonan" in staff("front").get("/inbox/").get_data(as_text=True)
    assert "Pendaftaran permohonan" not in staff("tech").get("/inbox/").get_data(as_text=True)


@pytest.mark.parametrize("route", ["/designer/upload", "/admin/users/new", "/admin/lanes"])
def test_posts_of_other_areas_are_refused(staff, route):
    assert staff("front").post(route, data={"role": "front_office"}).status_code == 403
