"""``permitflow pilot start|status|promote|rollback|calibrate|list KEY``: click commands.

The work is :mod:`engine.office.pilots` (through :mod:`engine.services`) and
:mod:`engine.reporting.pilot_comparison`; this module adds what a pilot takes from a
reformer's scenario (:mod:`simulations.pilot_prediction`). The ``permitflow`` CLI picks
the group up through the ``permitflow.commands`` entry point.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import click
import yaml

from engine import services
from engine.cli_support import friendly, session
from engine.errors import EngineError
from simulations.params.distributions import ParamsError

_friendly = friendly(ParamsError, OSError)
_session = session


def _costs(pairs: tuple[str, ...]) -> dict[str, float]:
    costs = {}
    for pair in pairs:
        lane, _, rate = pair.partition("=")
        try:
            costs[lane.strip()] = float(rate)
        except ValueError:
            message = f"{pair!r}: give LANE=COST_PER_HOUR"
            raise click.BadParameter(message, param_hint="--cost") from None
    return costs


def _scenario(session, job_id: int, key: str) -> tuple[dict, dict]:
    """The prediction and staff costs of a finished scenario job of ``key``."""
    from engine.background import jobs
    from simulations import jobs as sim_jobs
    from simulations.pilot_prediction import prediction_from_job, staff_costs

    job = jobs.get(session, job_id)
    if job.kind != sim_jobs.COMPARE or job.params.get("key") != key:
        raise EngineError(f"Job {job_id} is not a scenario comparison of {key}.")
    if job.status != "done":
        raise EngineError(f"Job {job_id} is {job.status}; start the pilot when it is done.")
    model = services.model_for(services.get_definition(session, key, job.params["version"]))
    costs = staff_costs(sim_jobs.parse_params(job.params.get("params_yaml", "")), model)
    return prediction_from_job(job.id, job.params, job.result or {}), costs


@click.group("pilot")
def pilot() -> None:
    """Pilot a new version on part of the new applications, then promote or roll back."""


@pilot.command("start")
@click.argument("key")
@click.option("--version", type=int, help="The version to pilot (default: the newest).")
@click.option("--share", type=float, default=50.0, show_default=True, help="Percent to the pilot.")
@click.option("--channel", "channels", multiple=True, type=click.Choice(["online", "counter"]))
@click.option("--office", "offices", multiple=True, help="Only applications of this office.")
@click.option("--office-field", default="office", show_default=True)
@click.option("--from", "window_start", type=click.DateTime(["%Y-%m-%d"]), help="Filed from.")
@click.option("--until", "window_end", type=click.DateTime(["%Y-%m-%d"]), help="Filed until.")
@click.option("--planned-end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--owner", help="Who answers for the pilot (default: --as).")
@click.option("--scenario-job", type=int, help="The reformer's scenario job it came from.")
@click.option("--cost", "cost_pairs", multiple=True, help="LANE=COST_PER_HOUR (repeatable).")
@click.option("--as", "actor", default="cli")
@_friendly
def start(key, version, share, channels, offices, office_field, window_start, window_end,
          planned_end, owner, scenario_job, cost_pairs, actor):  # fmt: skip
    """Start piloting a version of procedure KEY."""
    with _session() as session:
        if version is None:
            versions = [d.version for d in services.list_definitions(session) if d.key == key]
            if not versions:
                raise click.ClickException(f"No procedure {key!r} is deployed.")
            version = max(versions)
        prediction, costs = _scenario(session, scenario_job, key) if scenario_job else (None, {})
        row = services.start_pilot(
            session, key, pilot_version=version, planned_end=planned_end.date(),
            owner=owner or actor, actor=actor, share=share, channels=channels, offices=offices,
            office_field=office_field, staff_costs=costs | _costs(cost_pairs),
            window=(window_start and window_start.date(), window_end and window_end.date()),
            prediction=prediction,
        )  # fmt: skip
        click.echo(
            f"Pilot {row.id}: version {row.pilot_version} of {key} for "
            f"{services.describe_pilot(row)} until {row.planned_end:%Y-%m-%d}; "
            f"the rest stay on version {row.base_version}"
        )


def _value(value) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.3g}" if abs(value) < 1000 else f"{value:,.0f}"


def _status_text(pilot, counts: dict, result: dict, predicted: list[dict]) -> str:
    lines = [
        f"Pilot {pilot.id} of {pilot.process_key}: {pilot.status}, owner {pilot.owner}; "
        f"version {pilot.pilot_version} vs {pilot.base_version}",
        f"started {pilot.started_at:%Y-%m-%d}, planned end {pilot.planned_end:%Y-%m-%d}; "
        f"applications: {counts['pilot']} pilot, {counts['control']} control; "
        f"finished: {result['finished']['pilot']} pilot, {result['finished']['control']} control",
    ]
    if not result["enough_data"]:
        lines.append(
            f"Not enough data to decide: each arm needs {result['min_cases']} finished cases."
        )
    lines.append(f"{'KPI':<48} {'control':>10} {'pilot':>10} {'change':>8}  p")
    for row in result["rows"] + [None] + result["steps"]:
        if row is None:
            lines.append("waiting per step (hours):")
            continue
        change = f"{row['relative']:+.1%}" if row["relative"] is not None else "-"
        p = _value(row["p_value"]) + (" *" if row["significant"] else "")
        lines.append(
            f"{row['label'][:48]:<48} {_value(row['control']['value']):>10} "
            f"{_value(row['pilot']['value']):>10} {change:>8}  {p}"
        )
    lines.append(f"verdict: {result['verdict']} (* = significant at 5%, Welch's t-test)")
    if predicted:
        lines.append("the scenario's prediction (changes against today) and the observed change:")
    for row in predicted:
        error = f"{row['error'] * 100:+.1f} points" if row["error"] is not None else "-"
        observed = f"{row['observed_change']:+.1%}" if row["observed_change"] is not None else "-"
        lines.append(
            f"{row['kpi']}: predicted {row['predicted_change']:+.1%}, observed {observed}, "
            f"error {error}"
        )
    return "\n".join(lines)


@pilot.command("status")
@click.argument("key")
@click.option("--min-cases", type=click.IntRange(2), help="Finished cases each arm needs.")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def status(key, min_cases, as_json):
    """The pilot of KEY (or pilot id KEY): arms, observed KPIs and the prediction."""
    from simulations.pilot_prediction import predicted_vs_observed

    with _session() as session:
        row = services.get_pilot(session, key)
        result = services.compare_pilot(session, row.id, min_cases=min_cases).as_dict()
        predicted = predicted_vs_observed(row.prediction, result)
        counts = services.pilot_arm_counts(session, row)
        if as_json:
            data = {"pilot": row.id, "status": row.status, "arms": counts, "comparison": result}
            click.echo(json.dumps(data | {"predicted_vs_observed": predicted}, indent=2))
        else:
            click.echo(_status_text(row, counts, result, predicted))


@pilot.command("promote")
@click.argument("key")
@click.option("--as", "actor", default="cli")
@_friendly
def promote(key, actor):
    """Make the pilot's version current for all new applications (dry-runs the migration)."""
    with _session() as session:
        row, checks = services.promote_pilot(session, key, actor=actor)
        movable = sum(1 for check in checks if check.can_migrate)
        click.echo(
            f"Version {row.pilot_version} of {row.process_key} is now current. "
            f"Migration dry run: {movable} of {len(checks)} open case(s) of version "
            f"{row.base_version} can move; see the designers' migration page to move them."
        )
        for check in checks:
            if not check.can_migrate:
                click.echo(f"  {check.tracking_code}: {check.reason}")


@pilot.command("rollback")
@click.argument("key")
@click.option("--reason", default="")
@click.option("--as", "actor", default="cli")
@_friendly
def rollback(key, reason, actor):
    """Send new applications back to the version before the pilot."""
    with _session() as session:
        row = services.roll_back_pilot(session, key, actor=actor, reason=reason)
        click.echo(
            f"Pilot {row.id} rolled back: new applications of {row.process_key} go to "
            f"version {row.base_version}; the pilot's open cases finish on version "
            f"{row.pilot_version}."
        )


@pilot.command("calibrate")
@click.argument("key")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), required=True)
@click.option("--calendar", type=click.Choice(["office", "24/7"]), default="office")
@_friendly
def calibrate(key, out_path, calendar):
    """Refit simulation parameters from the pilot arm's history (see `permitflow calibrate`)."""
    from simulations.params.parameters import params_to_dict

    params, rows = pilot_parameters(key, calendar)
    Path(out_path).write_text(
        yaml.safe_dump(params_to_dict(params), sort_keys=False), encoding="utf-8"
    )
    click.echo(
        f"wrote {out_path}: {len(params.tasks)} tasks, {len(params.flows)} branch "
        f"probabilities, from {len(rows)} completed tasks of the pilot arm"
    )


def pilot_parameters(key: str, calendar: str = "office"):
    """Simulation parameters refit from the pilot arm's history, and the rows used."""
    from engine.reporting.event_log import event_rows
    from simulations.pilot_prediction import refit

    with _session() as session:
        row = services.get_pilot(session, key)
        definition = services.get_definition(session, row.process_key, row.pilot_version)
        codes = services.pilot_cases(session, row, "pilot")
        rows = [
            dict(vars(r))
            for r in event_rows(session, row.process_key, row.pilot_version)
            if r.case_id in codes
        ]
        arrivals = list(services.pilot_cases(session, row).values())
        params = refit(services.model_for(definition), rows, arrivals, calendar=calendar)
    return params, rows


@pilot.command("list")
@_friendly
def list_():
    """Every pilot, newest first."""
    with _session() as session:
        for row in services.list_pilots(session):
            click.echo(
                f"{row.id:>4} {row.process_key} v{row.pilot_version} vs v{row.base_version} "
                f"{row.status:<11} {services.describe_pilot(row)}, owner {row.owner}, "
                f"planned end {row.planned_end:%Y-%m-%d}"
            )
