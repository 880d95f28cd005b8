"""Monitoring figures: how a procedure performs, where cases wait, how loaded lanes are.

Counts and averages are SQL aggregates (they run on SQLite and PostgreSQL alike);
only the median and 90th percentile of cycle times, and working days, are computed
in Python from the completed cases' start and end times. Durations are in hours;
cycle times also in working days of the office calendar. "Overdue" follows
:mod:`engine.office.sla`: a running case or task past its due moment (a case returned to the
applicant has its clock paused, so it is not overdue).
"""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from engine.calendar import clock
from engine.calendar.working_days import default_calendar
from engine.errors import ProcessNotFound
from engine.office import definitions, sla
from engine.storage.tables import AuditEntry, Case, CaseStatus, HumanTask, ProcessDefinition

_UNIX_EPOCH_JULIAN_DAY = 2440587.5


def procedure_stats(
    session: Session, key: str, *, version: int | None = None, since: datetime | None = None
) -> dict[str, Any]:
    """Cases by status, SLA compliance and cycle times of procedure ``key``.

    ``version`` limits to cases of one version, ``since`` to cases started then or later.
    ``sla.compliance`` is the share of completed cases (with a due date) finished on
    time; ``sla.compliance_with_overdue`` also counts overdue running cases as misses.
    Shares are None when there is nothing to count.
    """
    filters = _case_filters(key, version)
    if since is not None:
        filters.append(Case.started_at >= since)
    by_status = dict(
        session.execute(
            select(Case.status, func.count()).where(*filters).group_by(Case.status)
        ).all()
    )
    counts = {s.value: by_status.get(s, 0) for s in CaseStatus}
    overdue = session.scalar(select(func.count()).where(*filters, sla.case_is_overdue()))
    return {
        "key": key,
        "version": version,
        "since": since.isoformat() if since else None,
        "started": sum(by_status.values()),
        "finished": counts["completed"],  # the same as "completed"
        **counts,
        "overdue_open": overdue,
        "sla": _sla(session, filters, overdue or 0),
        "cycle_time": _cycle_time(session, filters),
    }


def _case_filters(key: str, version: int | None) -> list:
    filters = [Case.process_key == key]
    if version is not None:
        ids = select(ProcessDefinition.id).where(
            ProcessDefinition.key == key, ProcessDefinition.version == version
        )
        filters.append(Case.definition_id.in_(ids))
    return filters


def _sla(session: Session, filters: list, overdue: int) -> dict[str, Any]:
    on_time_expr = func.sum(case((Case.completed_at <= Case.due_at, 1), else_=0))
    late_expr = func.sum(case((Case.completed_at > Case.due_at, 1), else_=0))
    without_expr = func.sum(case((Case.due_at.is_(None), 1), else_=0))
    on_time, late, without = session.execute(
        select(on_time_expr, late_expr, without_expr).where(
            *filters, Case.status == CaseStatus.COMPLETED
        )
    ).one()
    on_time, late, without = int(on_time or 0), int(late or 0), int(without or 0)
    return {
        "on_time": on_time,
        "late": late,
        "without_due_date": without,
        "overdue_open": overdue,
        "compliance": _share(on_time, on_time + late),
        "compliance_with_overdue": _share(on_time, on_time + late + overdue),
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _cycle_time(session: Session, filters: list) -> dict[str, Any]:
    """Mean, median and 90th percentile of completed cases' durations."""
    rows = session.execute(
        select(Case.started_at, Case.completed_at).where(
            *filters, Case.status == CaseStatus.COMPLETED, Case.completed_at.is_not(None)
        )
    ).all()
    calendar = default_calendar()
    spans = [(start, end) for start, end in rows if end is not None]
    hours = [(end - start).total_seconds() / 3600 for start, end in spans]
    days = [float(calendar.working_days_between(start, end)) for start, end in spans]
    result: dict[str, Any] = {"cases": len(rows)}
    for unit, values in (("hours", hours), ("working_days", days)):  # type: list[float]
        result.update({f"{name}_{unit}": value for name, value in _summary(values).items()})
    return result


def _summary(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"mean": None, "median": None, "p90": None}
    p90 = (
        statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
    )
    return {
        "mean": round(statistics.fmean(values), 2),
        "median": round(float(statistics.median(values)), 2),
        "p90": round(float(p90), 2),
    }


def waiting_by_task(session: Session, key: str, version: int | None = None) -> dict[str, dict]:
    """Per user task: cases waiting there now, their mean age, and the mean time it took.

    Keys are BPMN element ids (every human task of the version's diagram, newest version
    when None, plus any other element with tasks), for a heatmap over the diagram.
    ``avg_duration_hours`` is measured from "task_created" to "task_completed" in the
    audit log. Averages are None where there is nothing to average.
    """
    filters = _case_filters(key, version)
    result = _human_elements(session, key, version)
    now = clock.now().timestamp()
    age = now - func.avg(_epoch(session, HumanTask.created_at))
    query = (
        select(HumanTask.element_id, func.max(HumanTask.name), func.count(), age)
        .join(Case, Case.id == HumanTask.case_id)
        .where(*filters)
        .group_by(HumanTask.element_id)
    )
    for element_id, name, count, seconds in session.execute(query):
        entry = result.setdefault(element_id, _empty(name))
        entry.update(waiting=count, avg_wait_hours=_hours(seconds))
    for element_id, name, count, seconds in session.execute(_durations(session, filters)):
        entry = result.setdefault(element_id, _empty(name))
        entry.update(completed=count, avg_duration_hours=_hours(seconds))
    return result


def _human_elements(session: Session, key: str, version: int | None) -> dict[str, dict]:
    try:
        model = definitions.load_deployed_model(session, key, version)
    except ProcessNotFound:
        return {}
    process = model.processes.get(key) or model.main_process()
    return {n.id: _empty(n.label) for n in process.nodes.values() if n.is_human}


def _empty(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "waiting": 0,
        "avg_wait_hours": None,
        "completed": 0,
        "avg_duration_hours": None,
    }


def _durations(session: Session, filters: list):
    """Element id, name, count and mean seconds from each task's creation to completion."""
    created, done = aliased(AuditEntry), aliased(AuditEntry)
    seconds = func.avg(_epoch(session, done.at) - _epoch(session, created.at))
    return (
        select(created.element_id, func.max(created.element_name), func.count(), seconds)
        .join(
            done,
            and_(
                done.case_id == created.case_id,
                done.task_id == created.task_id,
                done.action == "task_completed",
            ),
        )
        .join(Case, Case.id == created.case_id)
        .where(created.action == "task_created", *filters)
        .group_by(created.element_id)
    )


def _epoch(session: Session, column):
    """Seconds since 1970 of a UTC timestamp column, in the database's own dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", column)
    return (func.julianday(column) - _UNIX_EPOCH_JULIAN_DAY) * 86400.0


def _hours(seconds) -> float | None:
    return round(float(seconds) / 3600, 2) if seconds is not None else None


def lane_load(session: Session, key: str | None = None) -> list[dict[str, Any]]:
    """Per lane role: open tasks, overdue ones (of running cases) and claimed ones.

    Every lane of the newest deployed versions is listed, also when it has no work;
    sorted by role. ``key`` limits to one procedure.
    """
    now = clock.now()
    overdue = func.sum(case((sla.task_is_overdue(now), 1), else_=0))
    query = (
        select(
            HumanTask.role,
            func.max(HumanTask.lane_name),
            func.count(),
            overdue,
            func.count(HumanTask.assignee),
        )
        .join(Case, Case.id == HumanTask.case_id)
        .group_by(HumanTask.role)
    )
    if key is not None:
        query = query.where(Case.process_key == key)
    load = {role: _lane(role, name) for role, name in _deployed_lanes(session, key)}
    for role, lane_name, count, late, claimed in session.execute(query):
        entry = load.setdefault(role, _lane(role, lane_name))
        entry.update(open=count, overdue=int(late or 0), claimed=claimed)
    return [load[role] for role in sorted(load)]


def _lane(role: str, lane_name: str) -> dict[str, Any]:
    return {"role": role, "lane_name": lane_name, "open": 0, "overdue": 0, "claimed": 0}


def _deployed_lanes(session: Session, key: str | None) -> list[tuple[str, str]]:
    """(role, lane name) of the newest version of each procedure."""
    lanes = []
    for definition in definitions.list_definitions(session, latest_only=True):
        if key is None or definition.key == key:
            lanes += [(lane["role"], lane["name"]) for lane in (definition.lanes or {}).values()]
    return lanes
