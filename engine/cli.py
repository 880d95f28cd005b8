"""The ``permitflow`` command line: the engine's operations for people and scripts.

Errors go to stderr with a non-zero exit and a message, never a traceback. Commands
of other packages (``analyze``, ``simulate``, ``serve``...) plug in through the
``permitflow.commands`` entry point group, so the engine imports neither of them.
"""

from __future__ import annotations

import json
import sys
import time
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from engine import services
from engine.cli_incidents import incident_info, incidents_group, stopped_line
from engine.errors import EngineError, InvalidFormData
from engine.office import incidents
from engine.privacy import cli as privacy_cli
from engine.reporting import event_log
from engine.storage import db, migrate
from engine.validation.process import format_report, has_errors


class PermitflowGroup(click.Group):
    """Turns the engine's errors into clear messages and exit codes."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except InvalidFormData as exc:
            for field, message in exc.errors.items():
                click.echo(f"Error: {field}: {message}", err=True)
            ctx.exit(1)
        except EngineError as exc:
            raise click.ClickException(exc.message) from exc
        except (OperationalError, ProgrammingError) as exc:
            raise click.ClickException(db.describe_failure(exc)[1]) from exc
        except IntegrityError as exc:  # a race with another process over the same row
            raise click.ClickException(
                "Another process changed the same record at the same moment; nothing was "
                "saved. Run the command again."
            ) from exc


@click.group(cls=PermitflowGroup)
@click.version_option(package_name="permitflow")
def main() -> None:
    """permitflow: BPMN permit procedures, run and simplified."""


def _echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def _parse_json(text: str | None, what: str) -> dict[str, Any]:
    if not text:
        return {}
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or exc
            raise click.BadParameter(f"{what}: cannot read {text[1:]}: {reason}") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(
            f"{what} is not valid JSON: {exc.msg} (column {exc.colno})"
        ) from None
    if not isinstance(value, dict):
        raise click.BadParameter(f'{what} must be a JSON object like \'{{"name": "value"}}\'')
    return value


@main.group("db")
def db_group() -> None:
    """Database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest version."""
    engine = db.get_engine(db.database_url())
    migrate.upgrade(engine)
    click.echo(
        f"Database at revision {migrate.current_revision(engine)} ({engine.url.render_as_string()})"
    )


def _with_json_schema_forms(name: str) -> bytes:
    """The BPMN file ``name`` with SpiffArena's JSON-schema forms (files beside it) read
    into its tasks as form fields (:mod:`engine.bpmn.json_schema_forms`)."""
    return services.inline_json_schema_forms(Path(name).read_bytes(), Path(name).parent, name)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def validate(files: tuple[str, ...], as_json: bool) -> None:
    """Validate BPMN FILES; exit status 1 when any has errors (warnings do not fail).

    Files calling processes that other FILES define are checked with them, as deploying
    them in one command would."""
    failed = False
    report: dict[str, Any] = {}
    ordered = services.callees_first([(name, _with_json_schema_forms(name)) for name in files])
    results = services.validate_group(
        [
            (name, data, services.decisions_beside(Path(name), data) or None)
            for name, data in ordered
        ]
    )
    for name in dict.fromkeys(files):
        _model, problems = results[name]
        failed = failed or has_errors(problems)
        report[name] = [p.as_dict() for p in problems]
        if not as_json:
            errors = sum(p.severity == "error" for p in problems)
            click.echo(f"{name}: {errors} error(s), {len(problems) - errors} warning(s)")
            if problems:
                click.echo(format_report(problems))
    if as_json:
        _echo_json(report)
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "actor", default="cli", help="Who deploys (recorded in the audit log).")
@click.option(
    "--dmn",
    "dmn_paths",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="A DMN file whose decision tables business rule tasks call (repeatable).",
)
def deploy(files: tuple[str, ...], actor: str, dmn_paths: tuple[str, ...]) -> None:
    """Deploy BPMN FILES as new versions (identical content keeps its version).

    Files defining processes that others' call activities name are deployed first."""
    dmn_files = {Path(p).name: Path(p).read_bytes() for p in dmn_paths} or None
    ordered = services.callees_first([(name, _with_json_schema_forms(name)) for name in files])
    with db.session_scope() as session:
        for name, data in ordered:
            definition, created = services.deploy(
                session,
                data,
                source=name,
                deployed_by=actor,
                templates=services.templates_beside(Path(name), data),
                dmn_files=dmn_files or services.decisions_beside(Path(name), data) or None,
            )
            state = "deployed" if created else "unchanged"
            click.echo(f"{definition.key} version {definition.version} {state} ({name})")


@main.command()
@click.argument("key")
@click.option("--data", help="Applicant data as JSON (or @file.json).")
@click.option("--as", "actor", default="cli")
@click.option("--version", "version", type=int, help="A specific deployed version.")
@click.option("--json", "as_json", is_flag=True)
def start(key: str, data: str | None, actor: str, version: int | None, as_json: bool) -> None:
    """Start a case of procedure KEY."""
    with db.session_scope() as session:
        case = services.start_by_hand(
            session, key, _parse_json(data, "--data"), started_by=actor, version=version
        )
        info = _case_info(case)
        info["open_tasks"] = [_task_info(t) for t in services.open_tasks(session, case)]
        incident = incidents.open_incident_of(session, case)
        stopped = incident_info(incident) if incident else None
    if as_json:
        _echo_json({**info, "incident": stopped})
        sys.exit(1 if stopped else 0)
    if stopped:
        stopped_line(stopped)
    click.echo(
        f"Started case {case.id} tracking code {case.tracking_code}; "
        f"next: {case.current_step or '(nothing open)'}"
    )


def _case_info(case) -> dict[str, Any]:
    return {
        "id": case.id,
        "tracking_code": case.tracking_code,
        "process": case.process_key,
        "version": case.definition.version,
        "status": case.status,
        "current_step": case.current_step,
        "outcome": case.outcome,
        "applicant": case.applicant_name,
        "started_at": case.started_at,
        "due_at": case.due_at,
        "completed_at": case.completed_at,
    }


def _task_info(task) -> dict[str, Any]:
    return {
        "id": task.id,
        "case_id": task.case_id,
        "tracking_code": task.case.tracking_code,
        "process": task.case.process_key,
        "task": task.element_id,
        "name": task.name,
        "lane": task.lane_name,
        "role": task.role,
        "assignee": task.assignee,
        "due_at": task.due_at,
    }


@main.command()
@click.option("--user", help="Only the tasks this user's roles may take.")
@click.option("--process", "key", help="Only tasks of this procedure.")
@click.option("--json", "as_json", is_flag=True)
def tasks(user: str | None, key: str | None, as_json: bool) -> None:
    """List open tasks (of a user's lanes with --user)."""
    with db.session_scope() as session:
        rows = (
            services.tasks_for_user(session, user, key=key)
            if user
            else services.all_open_tasks(session, key=key)
        )
        infos = [_task_info(t) for t in rows]
    if as_json:
        _echo_json(infos)
        return
    if not infos:
        click.echo("No open tasks.")
    for t in infos:
        who = f" claimed by {t['assignee']}" if t["assignee"] else ""
        due = t["due_at"].strftime("%Y-%m-%d") if t["due_at"] else "-"
        click.echo(f"{t['id']}  {t['tracking_code']}  {t['name']}  [{t['lane']}]  due {due}{who}")


@main.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True, help="The clerk's username.")
def claim(task_id: str, actor: str) -> None:
    """Claim TASK_ID for a clerk."""
    with db.session_scope() as session:
        task = services.claim(session, task_id, actor)
        click.echo(f"{actor} claimed '{task.name}' of case {task.case.tracking_code}")


@main.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True, help="The clerk's username.")
def unclaim(task_id: str, actor: str) -> None:
    """Give TASK_ID back to the lane."""
    with db.session_scope() as session:
        task = services.unclaim(session, task_id, actor)
        click.echo(f"'{task.name}' is back in the lane's inbox")


@main.command()
@click.argument("task_id")
@click.option("--as", "actor", required=True, help="The clerk's username.")
@click.option("--data", help="Form data as JSON (or @file.json).")
def complete(task_id: str, actor: str, data: str | None) -> None:
    """Complete TASK_ID with form data."""
    with db.session_scope() as session:
        task = services.complete_task(session, task_id, actor, _parse_json(data, "--data"))
        case = task.case
        incident = incidents.open_incident_of(session, case)
        stopped = incident_info(incident) if incident else None
        if incident:
            click.echo(f"Completed '{task.name}'.")
        else:
            click.echo(
                f"Completed '{task.name}'. Case {case.tracking_code} is {case.status}; "
                f"next: {case.current_step or case.outcome or '-'}"
            )
    if stopped:
        stopped_line(stopped)


@main.command("return")
@click.argument("task_id")
@click.option("--as", "actor", required=True)
@click.option("--reason", required=True, help="What the applicant must provide.")
@click.option(
    "--field",
    "fields",
    multiple=True,
    help="An application-form field the applicant may change (repeat for several).",
)
def return_(task_id: str, actor: str, reason: str, fields: tuple[str, ...]) -> None:
    """Return the case of TASK_ID to the applicant (its clock pauses)."""
    with db.session_scope() as session:
        case = services.return_to_applicant(session, task_id, actor, reason, fields=fields)
        click.echo(f"Case {case.tracking_code} returned to the applicant")


@main.command()
@click.argument("case_ref")
@click.option("--data", help="The applicant's corrected data as JSON.")
def respond(case_ref: str, data: str | None) -> None:
    """The applicant answers a return of CASE (id or tracking code)."""
    with db.session_scope() as session:
        case = services.applicant_responds(
            session, services.get_case(session, case_ref), _parse_json(data, "--data")
        )
        click.echo(f"Case {case.tracking_code} is {case.status} again")


@main.command()
@click.argument("case_ref")
@click.option("--as", "actor", required=True)
@click.option("--reason", default="")
def cancel(case_ref: str, actor: str, reason: str) -> None:
    """Cancel CASE (id or tracking code)."""
    with db.session_scope() as session:
        case = services.cancel_case(session, case_ref, actor=actor, reason=reason)
        click.echo(f"Case {case.tracking_code} cancelled")


@main.command()
@click.option("--status", type=click.Choice([s.value for s in services.CaseStatus]))
@click.option("--process", "key")
@click.option("--overdue", is_flag=True, help="Only open cases past their due date.")
@click.option("--json", "as_json", is_flag=True)
def cases(status: str | None, key: str | None, overdue: bool, as_json: bool) -> None:
    """List cases."""
    with db.session_scope() as session:
        infos = [
            _case_info(c)
            for c in services.list_cases(session, status=status, key=key, overdue=overdue)
        ]
    if as_json:
        _echo_json(infos)
        return
    if not infos:
        click.echo("No cases.")
    for c in infos:
        due = c["due_at"].strftime("%Y-%m-%d") if c["due_at"] else "-"
        click.echo(
            f"{c['id']:>5}  {c['tracking_code']}  {c['process']} v{c['version']}  {c['status']:<9}  "
            f"due {due}  {c['current_step'] or c['outcome']}"
        )


@main.command()
@click.argument("case_ref")
@click.option("--json", "as_json", is_flag=True)
def history(case_ref: str, as_json: bool) -> None:
    """The history of CASE (id or tracking code)."""
    with db.session_scope() as session:
        entries = [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "element": e.element_name,
                "lane": e.lane,
                "message": e.message,
                "data": services.privacy.audit_data(e),  # form data is stored encrypted
            }
            for e in services.case_history(session, case_ref)
        ]
    if as_json:
        _echo_json(entries)
        return
    for e in entries:
        data = f"  {json.dumps(e['data'], ensure_ascii=False)}" if e["data"] else ""
        click.echo(
            f"{e['at']:%Y-%m-%d %H:%M}  {e['actor'] or '-':<12} {e['action']:<16} "
            f"{e['element'] or e['message']}{data}"
        )


@main.command()
@click.option("--every", type=float, help="Keep ticking every SECONDS (until interrupted).")
def tick(every: float | None) -> None:
    """Fire due timers and send pending notifications."""
    from engine.background.leader import Leadership
    from engine.background.ticker import tick_as_leader, tick_once

    if not every:
        fired, sent = tick_once()
        click.echo(f"{fired} timer(s) fired, {sent} notification(s) handled")
        return
    leadership = Leadership(db.get_engine(db.database_url()))
    while True:  # only one repeating ticker on a database ticks; the others stand by
        counts = tick_as_leader(leadership)
        if counts is None:
            click.echo("another process is ticking; standing by")
        else:
            click.echo(f"{counts[0]} timer(s) fired, {counts[1]} notification(s) handled")
        time.sleep(every)


@main.command("export-log")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["csv", "xes"]), default="csv")
@click.option("--out", type=click.Path(dir_okay=False), required=True)
@click.option("--version", "version", type=int)
@click.option("--with-personal", is_flag=True, help="Real case codes and staff (admin, logged).")
@click.option("--as", "actor", default="", help="Your username (an admin) for --with-personal.")
@privacy_cli.token_option
@privacy_cli.refuse_unproven
def export_log(
    key: str,
    fmt: str,
    out: str,
    version: int | None,
    with_personal: bool,
    actor: str,
    token: str,
) -> None:
    """Export the event log of procedure KEY (one row per completed task), pseudonymised;
    --with-personal needs an admin's API token or password (logged)."""
    proof = privacy_cli.admin_proof(with_personal, actor, token)
    with db.session_scope() as session:
        services.get_definition(session, key, version)
        rows = services.privacy.rows_for_export(
            session,
            key,
            event_log.event_rows(session, key, version),
            with_personal=with_personal,
            proof=proof,
        )
    content = event_log.to_csv(rows).encode() if fmt == "csv" else event_log.to_xes(rows)
    try:
        Path(out).write_bytes(content)
    except OSError as exc:
        raise click.ClickException(f"Cannot write {out}: {exc.strerror or exc}") from None
    click.echo(f"{len(rows)} task(s) written to {out}")


@main.group("user")
def user_group() -> None:
    """Users and roles."""


@user_group.command("add")
@click.argument("username")
@click.option("--role", "roles", multiple=True, help="A lane role or designer/reformer/admin.")
@click.option("--name", "full_name", default="")
@click.option("--password", help="Set a password (for the web application).")
def user_add(username: str, roles: tuple[str, ...], full_name: str, password: str | None) -> None:
    """Create a user with roles."""
    from engine.accounts.passwords import hash_password

    with db.session_scope() as session:
        services.create_user(
            session,
            username,
            full_name=full_name,
            roles=roles,
            password_hash=hash_password(password) if password else None,
        )
    click.echo(f"User {username} created with roles {', '.join(roles) or '(none)'}")


@main.command()
@click.option("--cases/--no-cases", "with_cases", default=True, help="Also create sample cases.")
def demo(with_cases: bool) -> None:
    """Load demo data: users per role, every procedure deployed, a few cases."""
    from engine import demo as demo_data

    with db.session_scope() as session:
        summary = demo_data.load(session, with_cases=with_cases)
    click.echo(summary)


@main.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def verify_permit(file: str) -> None:
    """Check a permit PDF: intact trusted signature, issued by this office, still valid."""
    with db.session_scope() as session:
        valid, reason = services.permits.file_verdict(session, Path(file).read_bytes())
    click.echo(f"{'valid' if valid else 'invalid'}: {reason}")
    sys.exit(0 if valid else 1)


main.add_command(incidents_group, "incidents")


def _load_plugins() -> None:
    for entry in entry_points(group="permitflow.commands"):
        if entry.name in main.commands:
            continue
        try:
            main.add_command(entry.load(), entry.name)
        except (ImportError, AttributeError) as exc:  # a broken part must not break the CLI
            click.echo(f"warning: command {entry.name!r} unavailable: {exc}", err=True)


_load_plugins()


if __name__ == "__main__":
    main()
