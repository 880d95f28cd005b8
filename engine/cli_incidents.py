"""``permitflow incidents``: cases an error stopped, and how an administrator resolves them.

``permitflow incidents [--all] [--process KEY] [--json]`` lists them; ``retry``,
``set-var``, ``skip --to`` and ``cancel`` act on one (see :mod:`engine.office.incidents`).
A command that leaves a case stopped prints one line on stderr and exits with status 1.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from engine.office import incidents
from engine.storage import db


def incident_info(incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "case_id": incident.case_id,
        "tracking_code": incident.case.tracking_code,
        "process": incident.case.process_key,
        "element": incident.element_id,
        "element_name": incident.element_name,
        "kind": incident.kind,
        "message": incident.message,
        "expression": incident.expression,
        "values": incident.values,
        "status": incident.status,
        "created_at": incident.created_at,
        "created_by": incident.created_by,
        "resolved_at": incident.resolved_at,
        "resolved_by": incident.resolved_by,
        "resolution": incident.resolution,
    }


def stopped_line(info: dict[str, Any]) -> None:
    """One line on stderr about a case an error stopped, and exit status 1."""
    click.echo(
        f"Incident {info['id']}: case {info['tracking_code']} stopped at "
        f"'{info['element_name']}' ({info['element']}): {info['message']}. "
        "See `permitflow incidents`.",
        err=True,
    )
    sys.exit(1)


@click.group("incidents", invoke_without_command=True)
@click.option("--all", "show_all", is_flag=True, help="Also resolved incidents.")
@click.option("--process", "key", help="Only incidents of this procedure.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def incidents_group(ctx, show_all: bool, key: str | None, as_json: bool) -> None:
    """Cases stopped by an error: list them, or fix, retry, skip or cancel one."""
    if ctx.invoked_subcommand is not None:
        return
    with db.session_scope() as session:
        rows = incidents.list_incidents(session, status=None if show_all else "open", key=key)
        infos = [incident_info(i) for i in rows]
    if as_json:
        click.echo(json.dumps(infos, indent=2, default=str, ensure_ascii=False))
        return
    if not infos:
        click.echo("No incidents.")
    for i in infos:
        seen = ", ".join(
            f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in (i["values"] or {}).items()
        )
        click.echo(
            f"{i['id']:>4}  {i['tracking_code']}  {i['process']}  {i['status']:<8}  "
            f"{i['element']} '{i['element_name']}': {i['message']}"
            + (f"  [{seen}]" if seen else "")
        )


def _resolved(session, incident_id: int, new, done: str) -> tuple[str, dict | None]:
    """What to print after an action: the case's next step, or the new incident."""
    case = incidents.get_incident(session, incident_id).case
    line = (
        f"Incident {incident_id} {done}. Case {case.tracking_code} is {case.status}; "
        f"next: {case.current_step or case.outcome or '-'}"
    )
    return line, incident_info(new) if new is not None else None


def _report(line: str, new: dict | None) -> None:
    click.echo(line)
    if new is not None:
        stopped_line(new)


@incidents_group.command("retry")
@click.argument("incident_id", type=int)
@click.option("--as", "actor", required=True, help="The administrator's username.")
def incidents_retry(incident_id: int, actor: str) -> None:
    """Run the failed step of INCIDENT_ID again."""
    with db.session_scope() as session:
        new = incidents.retry(session, incident_id, actor=actor)
        line, info = _resolved(session, incident_id, new, "retried")
    _report(line, info)


@incidents_group.command("set-var")
@click.argument("incident_id", type=int)
@click.argument("name")
@click.argument("value")
@click.option("--as", "actor", required=True, help="The administrator's username.")
def incidents_set_var(incident_id: int, name: str, value: str, actor: str) -> None:
    """Set variable NAME of the failed step to VALUE (checked like its form field)."""
    with db.session_scope() as session:
        incidents.set_variable(session, incident_id, name, value, actor=actor)
    click.echo(f"{name} set on incident {incident_id}; run `permitflow incidents retry`.")


@incidents_group.command("skip")
@click.argument("incident_id", type=int)
@click.option("--to", "element_id", required=True, help="The element the case moves to.")
@click.option("--as", "actor", required=True, help="The administrator's username.")
def incidents_skip(incident_id: int, element_id: str, actor: str) -> None:
    """Move the case of INCIDENT_ID past the failed step, to an element after it or before."""
    with db.session_scope() as session:
        new = incidents.skip(session, incident_id, element_id, actor=actor)
        line, info = _resolved(session, incident_id, new, f"moved to {element_id}")
    _report(line, info)


@incidents_group.command("cancel")
@click.argument("incident_id", type=int)
@click.option("--as", "actor", required=True, help="The administrator's username.")
@click.option("--reason", default="")
def incidents_cancel(incident_id: int, actor: str, reason: str) -> None:
    """Cancel the case of INCIDENT_ID."""
    with db.session_scope() as session:
        case = incidents.cancel(session, incident_id, actor=actor, reason=reason)
        code = case.tracking_code
    click.echo(f"Incident {incident_id} resolved: case {code} cancelled")
