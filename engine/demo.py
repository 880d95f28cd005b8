"""Demo data for ``make run``: users per role, every procedure deployed, a few cases.

Every demo user's password is ``demo``. Cases are moved forward by filling each form
with plausible values, so the inbox of every lane has something in it.
"""

from __future__ import annotations

import json
import os
import random
import re
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import services
from engine.accounts.passwords import hash_password
from engine.bpmn.model import FormField
from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.integration import calls
from engine.office import pilots
from engine.public import surveys
from engine.storage.tables import CaseStatus, SurveyResponse

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
        session.commit()  # the calls the last step led to are answered (calls.eagerly)
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
    """Deploy every procedure, create the users and (optionally) sample cases.

    The connectors come first: the business licence and building approval call the
    population registry and OSS-RBA, and a procedure naming an unknown connector is refused.
    """
    lines = [register_connectors(session)]
    for path in sorted(PROCESSES_DIR.glob("*.bpmn")):
        data = path.read_bytes()
        definition, created = services.deploy(
            session,
            data,
            source=path.name,
            deployed_by="demo",
            dmn_files=services.decisions_beside(path, data) or None,  # the bundle's fees
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
                application = fill(fields, index) | _registry_ids(fields, index)
                with calls.eagerly():  # the registries answer a case's calls as it commits
                    case = services.start_case(
                        session, definition.key, application, started_by="demo"
                    )
                    session.commit()
                    _advance(session, case, index * 2, index)
                    session.commit()  # a called procedure's calls (the bundle's licence)
            lines.append(f"3 cases of {definition.key}")
    added = add_demo_survey_responses(session)
    if added:
        lines.append(f"{added} IKM survey responses")
    pilot = add_demo_pilot(session) if with_cases else ""
    if pilot:
        lines.append(pilot)
    lines.append(add_demo_connectors(session))
    return "\n".join(lines)


def _registry_ids(fields: tuple[FormField, ...], index: int) -> dict[str, str]:
    """NIKs and an NIB the local registries know (the third sample's NIK is unknown)."""
    from engine.integration import stubs

    niks = [*sorted(stubs.PEOPLE), "3273019999999999"]
    known = {"nik": niks[index % len(niks)], "nib": sorted(stubs.BUSINESSES)[0]}
    return {f.id: known[f.id] for f in fields if f.id in known}


STUBS_URL = "http://127.0.0.1:8701"  # `make run` starts engine.integration.stubs there


def register_connectors(session: Session, base_url: str | None = None, **options: Any) -> str:
    """Register the population registry and OSS-RBA connectors on the local stubs at
    ``base_url`` (``PERMITFLOW_STUBS_URL``, else :data:`STUBS_URL`), before the shipped
    procedures that call them are deployed; ``options`` override retries, backoff..."""
    from engine.integration import stubs

    url = base_url or os.environ.get("PERMITFLOW_STUBS_URL") or STUBS_URL
    settings = {"retries": 2, "backoff_seconds": 1.0} | options
    for name, operations in stubs.CONNECTOR_OPERATIONS.items():
        services.connectors.add_connector(session, name, url, operations, actor="demo", **settings)
    return f"connectors population, oss on {url}"


def add_demo_connectors(session: Session) -> str:
    """The small procedures whose service tasks fill the applicant's data from the
    population registry and OSS-RBA (the connectors are registered first)."""
    lines = [register_connectors(session)]
    for path in sorted((PROCESSES_DIR / "integration").glob("*.bpmn")):
        definition, created = services.deploy(
            session, path.read_bytes(), source=path.name, deployed_by="demo"
        )
        state = "deployed" if created else "already deployed"
        lines.append(f"{definition.key} v{definition.version} {state}")
    return "; ".join(lines)


PILOT_KEY = "resident_id_card"
PILOT_DIR = PROCESSES_DIR / "pilots"
PILOT_COSTS = {  # Rp per hour of each lane's clerks (demo figures)
    "Lane_registration_officer": 55_000.0,
    "Lane_data_verifier": 65_000.0,
    "Lane_recording_operator": 60_000.0,
    "Lane_printing_officer": 60_000.0,
}
# per group: working days a step waits, the chance of going back to the applicant, IKM weights
PILOT_ARMS = {
    "control": {"days": (1, 2, 2, 3), "returns": 0.12, "scores": (1, 3, 10, 6)},
    "pilot": {"days": (1, 1, 2, 2), "returns": 0.04, "scores": (1, 2, 9, 9)},
}


def add_demo_pilot(session: Session, per_arm: int = 32, seed: int = 16) -> str:
    """A pilot of the KTP procedure without counter registration, with 13 weeks of history.

    The simplified diagram and the scenario's prediction in ``processes/pilots`` were
    written by the simulator (``permitflow compare ... --bpmn-dir``). Half of the
    applications go to it; both groups' cases are worked on a simulated clock until at
    least ``per_arm`` of each finished. The planned end has passed, so the reformer's
    page shows a result and leaves promoting or rolling back to them. Once only.
    """
    if services.list_pilots(session, PILOT_KEY) or not services.find_user(session, "rudi"):
        return ""
    real = clock.now() - datetime.now(UTC)
    calendar = default_calendar()
    first = calendar.local_date(clock.now() - timedelta(days=90))
    day_zero = datetime.combine(first, time(0), tzinfo=calendar.tz)
    rng = random.Random(seed)
    try:
        clock.set_offset(day_zero + timedelta(hours=8) - datetime.now(UTC))
        pilots.use_random(rng)
        pilot = _start_demo_pilot(session)
        arms = _demo_history(session, pilot, day_zero, per_arm, rng)
    finally:
        clock.set_offset(real)
        pilots.use_random(None)
    done = {arm: sum(c.status == "completed" for c in cases) for arm, cases in arms.items()}
    return f"pilot {pilot.id} of {PILOT_KEY}: {done['control']} + {done['pilot']} finished cases"


def _start_demo_pilot(session: Session):
    simplified = PILOT_DIR / f"{PILOT_KEY}_simplified.bpmn"
    definition, _created = services.deploy(
        session, simplified.read_bytes(), source=simplified.name, deployed_by="desi"
    )
    saved = json.loads(simplified.with_suffix(".prediction.json").read_text(encoding="utf-8"))
    return services.start_pilot(
        session,
        PILOT_KEY,
        pilot_version=definition.version,
        planned_end=clock.now() + timedelta(days=50),
        owner="rudi",
        actor="rudi",
        share=50,
        staff_costs=PILOT_COSTS,
        prediction=saved["prediction"],
    )


def _demo_history(session: Session, pilot, day_zero, per_arm: int, rng) -> dict[str, list]:
    """Applications on the first 45 days; every working day the due steps are done."""
    calendar = default_calendar()
    arms: dict[str, list] = {"control": [], "pilot": []}
    ready: dict[int, date] = {}  # case id -> the day its next step is done
    fields = None
    for day in range(90):
        clock.set_offset(day_zero + timedelta(days=day, hours=8) - datetime.now(UTC))
        today = calendar.local_date(clock.now())
        if not calendar.is_working_day(today):
            continue
        if day < 50 and min(len(cases) for cases in arms.values()) < per_arm + 4:
            for _ in range(rng.choice((2, 3, 3, 4))):
                definition = services.get_definition(session, PILOT_KEY)
                fields = fields or services.start_form(
                    services.model_for(definition).processes[PILOT_KEY]
                )
                case = services.start_case(
                    session, PILOT_KEY, fill(fields, rng.randrange(3)), started_by="applicant"
                )
                arm = "pilot" if case.definition.version == pilot.pilot_version else "control"
                arms[arm].append(case)
                ready[case.id] = _later(calendar, today, arm, rng)
        for arm, cases in arms.items():
            due = [c for c in cases if c.status != "completed" and ready[c.id] <= today]
            _demo_day(session, due, arm, ready, today, rng)
    _demo_surveys(session, arms, rng)
    return arms


def _later(calendar, today: date, arm: str, rng) -> date:
    return calendar.local_date(
        calendar.add_working_days(today, rng.choice(PILOT_ARMS[arm]["days"]))
    )


def _demo_day(session: Session, cases: list, arm: str, ready: dict, today: date, rng) -> None:
    """Take each due case's open step at 9:00 and finish it at 11:00 (or return it)."""
    clock.set_offset(clock.now() - datetime.now(UTC) + timedelta(hours=1))
    taken = []
    for case in cases:
        if case.status == CaseStatus.RETURNED:
            services.applicant_responds(session, case, {})
        tasks = services.open_tasks(session, case)
        if tasks:
            clerk = NAMED_CLERKS.get(tasks[0].role, "admin")
            services.claim(session, tasks[0].id, clerk)
            taken.append((case, tasks[0], clerk))
    clock.set_offset(clock.now() - datetime.now(UTC) + timedelta(hours=2))
    calendar = default_calendar()
    for case, task, clerk in taken:
        ready[case.id] = _later(calendar, today, arm, rng)
        if (
            task.element_id == "verify_population_data"
            and rng.random() < PILOT_ARMS[arm]["returns"]
        ):
            services.return_to_applicant(session, task.id, clerk, "Pindaian KK tidak terbaca")
            continue
        data = fill(services.task_form(task), rng.randrange(3))
        if task.element_id == "verify_population_data":
            data["data_check"] = "mismatch" if rng.random() < 0.15 else "match"
        services.complete_task(session, task.id, clerk, data)


def _demo_surveys(session: Session, arms: dict[str, list], rng) -> None:
    for arm, cases in arms.items():
        weights = PILOT_ARMS[arm]["scores"]
        for case in cases:
            if case.status == CaseStatus.COMPLETED and rng.random() < 0.6:
                scores = {
                    key: rng.choices((1, 2, 3, 4), weights=weights)[0] for key in surveys.KEYS
                }
                surveys.submit(session, case, scores)
