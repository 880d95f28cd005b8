"""Pilots: a new procedure version tried on part of the new applications first.

A pilot runs a deployed version (the *pilot version*) beside the current one (the *base
version*) for a share of new applications: a percentage drawn at random, optionally only
among applications of some channels (``online``: the public portal; ``counter``: staff at
the counter, the API or the command line), of some offices (the value of a start-form
field, ``office`` unless configured) or filed within a date window (local dates of the
office). Every case started while a pilot runs gets an assignment row (arm ``pilot`` or
``control``) and an audit entry, so the two arms can be compared later
(:mod:`engine.reporting.pilot_comparison`). The applicant sees one service: the portal
shows the base version, and the pilot's start form may not ask for more.

A version under a running pilot, or one that was rolled back, is *held back*: it is
never "the current version" (:func:`held_back_versions`), so the public catalogue, the
designers' "newest" and cases started without a version keep using the base version.
Promoting ends the pilot and makes the pilot version the current one for everybody;
rolling back ends it and keeps new applications on the base version. After the planned
end, new applications go to the base version until someone promotes or rolls back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import EngineError, InvalidState, NotFound
from engine.office import audit, definitions
from engine.office.pilot_versions import (
    PROMOTED,
    ROLLED_BACK,
    RUNNING,
    held_back_versions,
    running_pilot,
)
from engine.storage.tables import Case, Pilot, PilotAssignment, ProcessDefinition

CHANNELS = ("online", "counter")
APPLICANT = "applicant"  # who starts a case on the public portal
DEFAULT_OFFICE_FIELD = "office"
_UNPREDICTABLE = random.SystemRandom()  # an applicant cannot choose an arm
_draw: random.Random = _UNPREDICTABLE


@dataclass(frozen=True)
class Route:
    """Where a new application goes: the pilot, its arm and why."""

    pilot: Pilot
    arm: str  # "pilot" or "control"
    reason: str


def use_random(rng: random.Random | None) -> None:
    """Draw arms from ``rng`` (a seeded one for demo data), or again unpredictably (None)."""
    global _draw
    _draw = rng or _UNPREDICTABLE


def channel_of(started_by: str) -> str:
    """``online`` for the public portal's applicant, else ``counter``."""
    return "online" if started_by == APPLICANT else "counter"


def route(
    session: Session, definition: ProcessDefinition, started_by: str, data: dict[str, Any]
) -> Route | None:
    """The arm of a new application of ``definition``; None when no pilot concerns it.

    Only applications meant for the base version of a running pilot, before its planned
    end, are routed: eligible ones (channel, office, window) go to the pilot version with
    the pilot's probability, the rest stay on the base version as its control arm.
    """
    pilot = running_pilot(session, definition.key)
    if pilot is None or definition.version != pilot.base_version:
        return None
    now = clock.now()
    if now >= pilot.planned_end:
        return None
    reason = _ineligible(pilot, started_by, data, now)
    if reason:
        return Route(pilot, "control", reason)
    if _draw.random() * 100 < pilot.share:
        return Route(pilot, "pilot", f"drawn ({pilot.share:g}% to the pilot)")
    return Route(pilot, "control", f"drawn ({100 - pilot.share:g}% stay)")


def _ineligible(pilot: Pilot, started_by: str, data: dict[str, Any], now: datetime) -> str:
    rules = pilot.rules or {}
    channel = channel_of(started_by)
    if rules.get("channels") and channel not in rules["channels"]:
        return f"channel {channel} not in the pilot"
    if rules.get("offices"):
        office = str(data.get(rules.get("office_field") or DEFAULT_OFFICE_FIELD, "")).strip()
        if office.casefold() not in {o.casefold() for o in rules["offices"]}:
            return f"office {office or '(none)'} not in the pilot"
    today = default_calendar().local_date(now).isoformat()
    if rules.get("window_start") and today < rules["window_start"]:
        return "before the pilot's date window"
    if rules.get("window_end") and today > rules["window_end"]:
        return "after the pilot's date window"
    return ""


def pilot_definition(session: Session, route_: Route) -> ProcessDefinition:
    """The version a routed application starts on."""
    version = route_.pilot.pilot_version if route_.arm == "pilot" else route_.pilot.base_version
    return session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == route_.pilot.process_key,
            ProcessDefinition.version == version,
        )
    ).one()


def record(session: Session, route_: Route | None, case: Case, actor: str = "") -> None:
    """Keep the case's arm (a row and an audit entry); nothing when it was not routed."""
    if route_ is None:
        return
    pilot = route_.pilot
    session.add(
        PilotAssignment(case_id=case.id, pilot_id=pilot.id, arm=route_.arm, reason=route_.reason)
    )
    audit.record(
        session,
        "pilot_assigned",
        actor=actor,
        case_id=case.id,
        data={"pilot": pilot.id, "arm": route_.arm, "version": case.definition.version},
        message=f"Pilot {pilot.id}: {route_.arm} arm, {route_.reason}",
    )


def start_pilot(
    session: Session,
    key: str,
    *,
    pilot_version: int,
    planned_end: date | datetime,
    owner: str,
    actor: str,
    share: float = 50.0,
    channels: list[str] | tuple[str, ...] = (),
    offices: list[str] | tuple[str, ...] = (),
    office_field: str = "",
    window: tuple[date | None, date | None] = (None, None),
    staff_costs: dict[str, float] | None = None,
    prediction: dict[str, Any] | None = None,
) -> Pilot:
    """Start piloting ``pilot_version`` of ``key`` against its current version.

    ``planned_end`` is a local date (the pilot takes applications until that day ends)
    or a moment. ``staff_costs`` (lane id -> cost per working hour) lets the comparison
    show a cost per case; ``prediction`` is what a reformer's simulated scenario
    predicted (see :mod:`simulations.pilot_prediction`). Raises :class:`EngineError`
    naming the problem for bad settings, :class:`InvalidState` when ``key`` already has
    a running pilot.
    """
    _serialize(session, key)  # two starts at once: the second sees the first's pilot
    if running_pilot(session, key) is not None:
        raise InvalidState(f"{key} already has a running pilot: promote or roll it back first.")
    pilot = definitions.get_definition(session, key, pilot_version)
    base = _check_versions(session, _base(session, key, pilot.version), pilot)
    _check_start_forms(base, pilot)
    now = clock.now()
    end = _end_moment(planned_end)
    rules = _rules(share, channels, offices, office_field, window)
    if end <= now:
        raise EngineError(f"The planned end {planned_end} has passed; choose a later day.")
    if not owner.strip():
        raise EngineError("A pilot needs an owner: the person who answers for it.")
    row = Pilot(
        process_key=key,
        base_version=base.version,
        pilot_version=pilot.version,
        status=RUNNING,
        share=float(share),
        rules=rules,
        owner=owner.strip()[:80],
        created_by=actor,
        started_at=now,
        planned_end=end,
        staff_costs=_costs(staff_costs),
        prediction=prediction,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        "pilot_started",
        actor=actor,
        data={"pilot": row.id, "key": key, "base": base.version, "version": pilot.version}
        | rules
        | {"share": row.share, "planned_end": end.isoformat(), "owner": row.owner},
        message=f"Pilot {row.id} of {key}: version {pilot.version} for {describe(row)}",
    )
    return row


def _base(session: Session, key: str, pilot_version: int) -> ProcessDefinition | None:
    """The version the other applications keep using: the current one, leaving the pilot out."""
    return session.scalar(
        select(ProcessDefinition)
        .where(
            ProcessDefinition.key == key,
            ProcessDefinition.version != pilot_version,
            ProcessDefinition.version.not_in(held_back_versions(key)),
        )
        .order_by(ProcessDefinition.version.desc())
        .limit(1)
    )


def _check_versions(
    session: Session, base: ProcessDefinition | None, pilot: ProcessDefinition
) -> ProcessDefinition:
    """The base version, when ``pilot`` may be piloted against it."""
    promoted = session.scalar(
        select(Pilot.id).where(
            Pilot.process_key == pilot.key,
            Pilot.pilot_version == pilot.version,
            Pilot.status == PROMOTED,
        )
    )
    if promoted is not None:
        raise EngineError(f"Version {pilot.version} of {pilot.key} was already promoted.")
    if base is None:
        raise EngineError(
            f"{pilot.key} has no other version to compare version {pilot.version} with."
        )
    if base.version > pilot.version:
        raise EngineError(
            f"Version {pilot.version} is older than the current version {base.version}; "
            "deploy the simplified diagram as a new version to pilot it."
        )
    return base


def _rules(share, channels, offices, office_field, window) -> dict[str, Any]:
    try:
        share = float(share)
    except (TypeError, ValueError):
        raise EngineError(f"share: expected a percentage, got {share!r}") from None
    if not 0.1 <= share <= 100:
        raise EngineError(f"share: a percentage from 0.1 to 100, got {share:g}")
    unknown = sorted(set(channels) - set(CHANNELS))
    if unknown:
        raise EngineError(f"channel {', '.join(unknown)}: choose from {', '.join(CHANNELS)}")
    start, end = window
    if start and end and start > end:
        raise EngineError(f"The date window ends ({end}) before it starts ({start}).")
    rules: dict[str, Any] = {}
    if channels:
        rules["channels"] = sorted(set(channels))
    cleaned = sorted({o.strip() for o in offices if o.strip()})
    if cleaned:
        rules["offices"] = cleaned
        rules["office_field"] = office_field.strip() or DEFAULT_OFFICE_FIELD
    if start:
        rules["window_start"] = start.isoformat()
    if end:
        rules["window_end"] = end.isoformat()
    return rules


def _costs(costs: dict[str, float] | None) -> dict[str, float] | None:
    if not costs:
        return None
    cleaned = {}
    for lane, rate in costs.items():
        try:
            value = float(rate)
        except (TypeError, ValueError):
            raise EngineError(f"cost of lane {lane}: expected a number, got {rate!r}") from None
        if value < 0:
            raise EngineError(f"cost of lane {lane}: may not be negative")
        cleaned[str(lane)] = value
    return cleaned if any(cleaned.values()) else None


def _end_moment(planned_end: date | datetime) -> datetime:
    if isinstance(planned_end, datetime):
        if planned_end.tzinfo is None:
            raise EngineError("The planned end needs a time zone.")
        return planned_end
    return default_calendar().end_of_day(planned_end)


def _check_start_forms(base: ProcessDefinition, pilot: ProcessDefinition) -> None:
    """The pilot may not ask the applicant for a required field the portal does not show."""

    def fields(definition):
        process = definitions.model_for(definition).processes[definition.key]
        node = next((n for n in process.start_events() if not n.event_definitions), None)
        return {f.id: f for f in (node.form_fields if node else ())}

    shown = fields(base)
    asked = fields(pilot)
    missing = [f.id for f in asked.values() if f.required and f.id not in shown]
    if missing:
        raise EngineError(
            f"Version {pilot.version} requires start-form field(s) {', '.join(missing)} that "
            f"version {base.version} does not ask for; the applicant must see one service."
        )
    # the portal shows the current version's form: the pilot may not check it more strictly
    stricter = [f.id for f in asked.values() if f.id in shown and _checks(f) - _checks(shown[f.id])]
    if stricter:
        raise EngineError(
            f"Version {pilot.version} checks start-form field(s) {', '.join(stricter)} more "
            f"strictly than version {base.version} (required, or other limits); the applicant "
            "fills in the current form, so both arms must accept the same answers."
        )


def _checks(field) -> set[tuple[str, str]]:
    """A field's constraints as comparable pairs (``required``, ``maxlength``...) and type."""
    return {("type", field.type), *((k, str(v)) for k, v in field.constraints.items())}


def describe(pilot: Pilot) -> str:
    """The pilot's assignment rule in words, e.g. ``50% of online applications``."""
    rules = pilot.rules or {}
    text = f"{pilot.share:g}% of " + (
        " and ".join(rules["channels"]) + " applications"
        if rules.get("channels")
        else "applications"
    )
    if rules.get("offices"):
        text += f" of {rules.get('office_field')} {', '.join(rules['offices'])}"
    if rules.get("window_start") or rules.get("window_end"):
        text += f" filed {rules.get('window_start') or '…'} to {rules.get('window_end') or '…'}"
    return text


def get_pilot(session: Session, ref: int | str) -> Pilot:
    """A pilot by id, or the newest pilot of a procedure key."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isascii() and ref.isdigit()):
        pilot = session.get(Pilot, int(ref)) if 0 < int(ref) < 2**63 else None
    else:
        pilot = session.scalar(
            select(Pilot).where(Pilot.process_key == ref).order_by(Pilot.id.desc()).limit(1)
        )
    if pilot is None:
        raise NotFound(f"No pilot {ref!r}. See `permitflow pilot start`.")
    return pilot


def list_pilots(session: Session, key: str | None = None) -> list[Pilot]:
    """Pilots, newest first."""
    query = select(Pilot).order_by(Pilot.id.desc())
    if key:
        query = query.where(Pilot.process_key == key)
    return list(session.scalars(query))


def arm_counts(session: Session, pilot: Pilot) -> dict[str, int]:
    """Applications per arm so far."""
    query = (
        select(PilotAssignment.arm, func.count())
        .where(PilotAssignment.pilot_id == pilot.id)
        .group_by(PilotAssignment.arm)
    )
    counts = {"pilot": 0, "control": 0}
    counts.update(dict(session.execute(query).all()))
    return counts


def cases_of(session: Session, pilot: Pilot, arm: str | None = None) -> dict[str, datetime]:
    """Tracking code -> start of the cases assigned while the pilot ran (one arm or both)."""
    query = (
        select(Case.tracking_code, Case.started_at)
        .join(PilotAssignment, PilotAssignment.case_id == Case.id)
        .where(PilotAssignment.pilot_id == pilot.id)
    )
    if arm is not None:
        query = query.where(PilotAssignment.arm == arm)
    return dict(session.execute(query).all())


def promote(session: Session, ref: int | str, *, actor: str):
    """End the pilot: its version becomes the current one for all new applications.

    Returns ``(pilot, checks)``: the migration dry run
    (:func:`engine.workflow.migration.plan_migration`) of the base version's open cases.
    """
    from engine.workflow.migration import plan_migration

    pilot = _end(session, ref, PROMOTED, actor)
    checks = plan_migration(session, pilot.process_key, pilot.base_version, pilot.pilot_version)
    movable = sum(1 for c in checks if c.can_migrate)
    audit.record(
        session,
        "pilot_promoted",
        actor=actor,
        data={"pilot": pilot.id, "version": pilot.pilot_version, "open_cases": len(checks)},
        message=(
            f"Pilot {pilot.id} promoted: version {pilot.pilot_version} of {pilot.process_key} "
            f"is current; {movable} of {len(checks)} open case(s) of version "
            f"{pilot.base_version} could move"
        ),
    )
    return pilot, checks


def roll_back(session: Session, ref: int | str, *, actor: str, reason: str = "") -> Pilot:
    """End the pilot: new applications stay on the base version; pilot cases finish as they are."""
    pilot = _end(session, ref, ROLLED_BACK, actor)
    audit.record(
        session,
        "pilot_rolled_back",
        actor=actor,
        data={"pilot": pilot.id, "version": pilot.pilot_version, "reason": reason},
        message=(
            f"Pilot {pilot.id} rolled back: new applications of {pilot.process_key} go to "
            f"version {pilot.base_version}" + (f" ({reason})" if reason else "")
        ),
    )
    return pilot


def _serialize(session: Session, key: str) -> None:
    """Starting and ending the pilots of ``key`` happen one at a time: a PostgreSQL
    transaction lock; on SQLite a first (empty) write, which begins the transaction with
    ``BEGIN IMMEDIATE`` so the checks after it read what the other writer committed."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        # advisory locks are per database: the schema keeps offices (and test workers)
        # sharing one database from waiting on each other's pilots
        session.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(current_schema() || :name))"),
            {"name": f":permitflow:pilot:{key}"},
        )
    elif dialect == "sqlite":
        session.execute(text("UPDATE pilots SET status = status WHERE 1 = 0"))


def _end(session: Session, ref: int | str, status: str, actor: str) -> Pilot:
    pilot = get_pilot(session, ref)
    _serialize(session, pilot.process_key)  # promote and roll back at once: one wins
    session.refresh(pilot)
    if pilot.status != RUNNING:
        raise InvalidState(f"Pilot {pilot.id} of {pilot.process_key} is already {pilot.status}.")
    pilot.status = status
    pilot.ended_at = clock.now()
    pilot.ended_by = actor
    return pilot
