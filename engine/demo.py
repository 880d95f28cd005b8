"""Demo data for ``make run``: users per role, every procedure deployed, a few cases.

Every demo user's password is ``demo``. Cases are moved forward by filling each form
with plausible values, so the inbox of every lane has something in it.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import services
from engine.accounts.passwords import hash_password
from engine.bpmn.model import FormField
from engine.calendar import clock
from engine.public import surveys
from engine.storage.tables import SurveyResponse

PROCESSES_DIR = Path(__file__).resolve().parent.parent / "processes"
DEMO_PASSWORD = "demo"
NAMED_CLERKS = {
    "front_office": "ani",
    "verifier": "budi",
    "technical_team": "citra",
    "inspector": "dedi",
    "cashier": "eka",
    "head_of_office": "fajar",
    "complaint_admin": "gita",
    "responsible_unit": "hadi",
    "registration_officer": "indah",
    "data_verifier": "joko",
    "recording_operator": "kartika",
    "printing_officer": "lestari",
}
STAFF = {"admin": ["admin"], "desi": ["designer"], "rudi": ["reformer"]}
APPLICANTS = [
    ("Siti Rahmawati", "siti@example.id"),
    ("Bambang Wijaya", "bambang@example.id"),
    ("Dewi Lestari", "dewi@example.id"),
]


def sample_value(field: FormField, index: int = 0) -> Any:
    """A plausible value for a form field (the first option of a choice)."""
    if field.enum_values:
        return field.enum_values[0].id
    if field.type == "boolean":
        return True
    if field.type in ("long", "double"):
        low = field.constraints.get("min")
        return int(float(low)) + 10 * (index + 1) if low else 10 * (index + 1)
    if field.type == "date":
        return date.today().isoformat()
    if field.type == "file":
        return f"demo-{field.id}.pdf"
    digits = re.search(r"\[0-9\]\{(\d+)(?:,\d+)?\}", field.constraints.get("pattern", ""))
    if digits:
        return ("3174" + str(1000000000 + index * 7919).zfill(12))[: int(digits.group(1))].ljust(
            int(digits.group(1)), "1"
        )
    if "email" in field.id:
        return APPLICANTS[index % len(APPLICANTS)][1]
    if "phone" in field.id:
        return "0812345678" + str(index)
    if field.id in ("applicant_name", "name", "full_name"):
        return APPLICANTS[index % len(APPLICANTS)][0]
    text = "Contoh isian untuk data demo kantor layanan perizinan terpadu satu pintu."
    limit = field.constraints.get("maxlength", "")
    return text[: int(limit)] if limit.isdigit() else text


def fill(fields: tuple[FormField, ...], index: int = 0) -> dict[str, Any]:
    return {f.id: sample_value(f, index) for f in fields if not f.readonly}


def _users(session: Session) -> list[str]:
    roles: set[str] = set()
    for definition in services.list_definitions(session, latest_only=True):
        roles.update(lane["role"] for lane in definition.lanes.values())
    created = []
    wanted = dict(STAFF)
    for role in sorted(roles):
        wanted.setdefault(NAMED_CLERKS.get(role, role.replace("_", "-")), []).append(role)
    for username, user_roles in wanted.items():
        if services.find_user(session, username) is None:
            services.create_user(
                session, username, roles=user_roles, password_hash=hash_password(DEMO_PASSWORD)
            )
            created.append(f"{username} ({', '.join(user_roles)})")
    return created


def _advance(session: Session, case, steps: int, index: int) -> None:
    for _ in range(steps):
        open_tasks = services.open_tasks(session, case)
        if not open_tasks:
            return
        task = open_tasks[0]
        clerk = NAMED_CLERKS.get(task.role, "admin")
        user = clerk if services.find_user(session, clerk) else "admin"
        services.complete_task(session, task.id, user, fill(services.task_form(task), index))


def add_demo_survey_responses(session: Session, per_service: int = 24, seed: int = 14) -> int:
    """Add ``per_service`` past responses per procedure (once); returns how many were added."""
    if session.scalar(select(SurveyResponse.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)
    now = clock.now()
    added = 0
    for definition in services.list_definitions(session, latest_only=True):
        for _i in range(per_service):
            scores = {
                key: rng.choices((1, 2, 3, 4), weights=(1, 3, 10, 8))[0] for key in surveys.KEYS
            }
            session.add(
                SurveyResponse(
                    case_id=None,
                    service=definition.key,
                    scores=scores,
                    comment="",
                    submitted_at=now - timedelta(days=rng.randint(1, 170)),
                )
            )
            added += 1
    session.flush()
    return added


def load(session: Session, *, with_cases: bool = True) -> str:
    """Deploy every procedure, create the users and (optionally) sample cases."""
    lines = []
    for path in sorted(PROCESSES_DIR.glob("*.bpmn")):
        definition, created = services.deploy(
            session, path.read_bytes(), source=path.name, deployed_by="demo"
        )
        lines.append(
            f"{definition.key} v{definition.version} {'deployed' if created else 'already deployed'}"
        )
    users = _users(session)
    if users:
        lines.append("users (password 'demo'): " + ", ".join(users))
    if with_cases and not services.list_cases(session, limit=1):
        for definition in services.list_definitions(session, latest_only=True):
            fields = services.start_form(services.model_for(definition).processes[definition.key])
            for index in range(3):
                case = services.start_case(
                    session, definition.key, fill(fields, index), started_by="demo"
                )
                _advance(session, case, index * 2, index)
            lines.append(f"3 cases of {definition.key}")
    added = add_demo_survey_responses(session)
    if added:
        lines.append(f"{added} IKM survey responses")
    return "\n".join(lines)
