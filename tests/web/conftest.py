"""Fixtures of the web tests: an app on a fresh SQLite database, staff of every role,
the building approval deployed, and a client that logs in and sends CSRF tokens."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from engine import services
from engine.accounts.passwords import hash_password
from webapp import create_app
from webapp.extensions import limiter

REPO = Path(__file__).resolve().parents[2]
BUILDING = REPO / "processes" / "building_approval.bpmn"
TWO_LANES = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"
COMPLAINT = REPO / "processes" / "complaint.bpmn"
PASSWORD = "correct-horse-7"
_HASH = hash_password(PASSWORD)  # one scrypt hash for every test user (fast)

# username -> roles
STAFF = {
    "front": ["front_office"],
    "verifier": ["verifier"],
    "tech": ["technical_team"],
    "inspector": ["inspector"],
    "cashier": ["cashier"],
    "head": ["head_of_office"],
    "designer": ["designer"],
    "reformer": ["reformer"],
    "admin": ["admin"],
    "nobody": [],
}

BUILDING_START = {
    "applicant_name": "Siti Rahayu",
    "nik": "3174012345678901",
    "phone": "081234567890",
    "email": "siti@example.id",
    "building_address": "Jl. Melati No. 12, Kebayoran Baru, Jakarta Selatan",
    "building_function": "hunian",
    "floor_area": 650,
    "floors": 2,
    "land_certificate": "SHM-12345.pdf",
    "building_plan": "gambar-rumah.pdf",
}

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def seed_staff(session: Session) -> None:
    for username, roles in STAFF.items():
        services.create_user(
            session, username, full_name=username.title(), roles=roles, password_hash=_HASH
        )


@pytest.fixture
def web_engine(sqlite_engine):
    with Session(sqlite_engine, expire_on_commit=False) as session:
        seed_staff(session)
        services.deploy(
            session, BUILDING.read_bytes(), source="building_approval.bpmn", deployed_by="designer"
        )
        session.commit()
    return sqlite_engine


@pytest.fixture
def db(web_engine):
    with Session(web_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def app(web_engine, tmp_path):
    limiter.reset()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": web_engine.url.render_as_string(hide_password=False),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
    yield app
    app.extensions["permitflow.engine"].dispose()
    limiter.reset()


def start_building_case(session: Session, **changes):
    case = services.start_case(
        session, "building_approval", {**BUILDING_START, **changes}, started_by="front"
    )
    session.commit()
    return case


class Staff:
    """A test client that logs in and adds the CSRF token to every POST."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def fresh_token(self, path: str = "/login") -> str:
        page = self.client.get(path).get_data(as_text=True)
        match = _TOKEN.search(page)
        assert match, f"no CSRF token on {path}"
        self.token = match.group(1)
        return self.token

    def login(self, username: str, password: str = PASSWORD):
        self.fresh_token("/login")
        response = self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": self.token}
        )
        self.fresh_token("/account" if response.status_code == 302 else "/login")
        return response

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, **kwargs):
        if self.token is None:
            self.fresh_token()
        return self.client.post(url, data={**(data or {}), "csrf_token": self.token}, **kwargs)


@pytest.fixture
def staff(app):
    def make(username: str | None = None) -> Staff:
        user = Staff(app.test_client())
        if username:
            response = user.login(username)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return make


# The happy path of a building approval: element id -> (username, form data).
HAPPY_PATH = {
    "register_application": (
        "front",
        {"documents_received": "on", "registration_note": "Berkas lengkap"},
    ),
    "verify_documents": ("verifier", {"decision": "complete"}),
    "technical_review": ("tech", {"technical_decision": "approve", "review_notes": "Sesuai KRK"}),
    "field_inspection": (
        "inspector",
        {
            "inspection_date": "2026-01-12",
            "site_matches_plan": "on",
            "inspection_report": "laporan-lapangan.pdf",
        },
    ),
    "fee_assessment": ("cashier", {"fee_amount": "1500000", "fee_basis": "Perda 1/2024"}),
    "confirm_payment": ("cashier", {"payment_received": "on", "payment_reference": "NTPD-0001"}),
    "sign_permit": ("head", {"signed": "on"}),
    "issue_permit": ("front", {"conditions": "Garis sempadan 5 m"}),
}


def revised_building() -> bytes:
    """The building approval with a renamed task and a shorter service standard."""
    xml = BUILDING.read_text(encoding="utf-8")
    xml = xml.replace('name="Sign PBG"', 'name="Sign and seal PBG"', 1)
    xml = xml.replace("<pf:maxDays>28</pf:maxDays>", "<pf:maxDays>21</pf:maxDays>", 1)
    return xml.encode()


def open_task(session: Session, case, element_id: str | None = None):
    session.expire_all()
    tasks = services.open_tasks(session, services.get_case(session, case.id))
    return next(t for t in tasks if element_id in (None, t.element_id))


def advance_to(session: Session, case, element_id: str) -> None:
    """Complete the happy path with the engine until ``element_id`` is open."""
    for step, (username, data) in HAPPY_PATH.items():
        task = open_task(session, case)
        if task.element_id == element_id:
            return
        assert task.element_id == step, (task.element_id, step)
        values = {k: ("true" if v == "on" else v) for k, v in data.items()}
        services.complete_task(session, task.id, username, values)
        session.commit()
    raise AssertionError(f"{element_id} was never reached")


@pytest.fixture(autouse=True)
def _document_dir(tmp_path, monkeypatch):
    """Uploaded documents of each test go to its own folder (engine.office.documents reads this)."""
    monkeypatch.setenv("PERMITFLOW_DOCUMENT_DIR", str(tmp_path / "documents"))


PDF = b"%PDF-1.4\n% permitflow test document\n"


def pdf(name: str):
    import io

    return (io.BytesIO(PDF), name)


class Citizen:
    """An anonymous visitor: reads the CSRF token from the page it posts from."""

    def __init__(self, client):
        self.client = client

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict | None = None, form_page: str = "/track", **kwargs):
        match = _TOKEN.search(self.client.get(form_page).get_data(as_text=True))
        assert match, f"no CSRF token on {form_page}"
        return self.client.post(
            url,
            data={**(data or {}), "csrf_token": match.group(1)},
            content_type="multipart/form-data",
            **kwargs,
        )


@pytest.fixture
def citizen(app):
    return Citizen(app.test_client())


def apply_for_building(citizen, **changes):
    """Apply online for a building approval with both documents; returns (code, private path)."""
    data = {
        **BUILDING_START,
        **changes,
        "land_certificate": pdf("sertifikat.pdf"),
        "building_plan": pdf("gambar.pdf"),
    }
    response = citizen.post(
        "/services/building_approval/apply", data, form_page="/services/building_approval/apply"
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    location = response.headers["Location"]
    code = location.split("/track/")[1].split("?")[0]
    return code, location.replace("&new=1", "").replace("new=1&", "")


@pytest.fixture
def api_token(db):
    """A bearer header for a user: ``api_token("front")``."""
    from engine.accounts import api_tokens

    def make(username: str) -> dict[str, str]:
        token = api_tokens.issue(db, username, "test")
        db.commit()
        return {"Authorization": f"Bearer {token}"}

    return make
