"""``permitflow simulate | compare | calibrate | analyze``: click commands.

Each takes FILE (a ``.bpmn`` path) or KEY (a deployed procedure, looked up in the
engine database). Errors are :class:`click.ClickException` with a message, never a
traceback. The ``permitflow`` CLI picks the commands up through an entry point.
"""

from __future__ import annotations

import json
from pathlib import Path

import click
import yaml

from engine.bpmn.model import BpmnModel
from engine.cli_support import friendly
from simulations.params.distributions import ParamsError
from simulations.params.parameters import SimParams, load_params, params_to_dict

_friendly = friendly(ParamsError, OSError, LookupError)


def load_model(source: str, version: int | None = None) -> BpmnModel:
    """A BPMN file by path, else a deployed procedure by key (needs the database)."""
    path = Path(source)
    if path.suffix.lower() == ".bpmn" or path.exists():
        if not path.is_file():
            raise click.ClickException(f"{source}: no such file")
        from engine.bpmn.reader import load_bpmn_file

        return load_bpmn_file(path)
    try:
        from engine.office.definitions import load_deployed_model
        from engine.storage.db import session_scope
    except ImportError:
        raise click.ClickException(
            f"{source}: KEY lookup needs the engine database; give a .bpmn file"
        ) from None
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with session_scope() as session:
            return load_deployed_model(session, source, version)
    except SQLAlchemyError as exc:
        message = str(exc).splitlines()[0]
        raise click.ClickException(
            f"{source}: KEY lookup needs the engine database ({message}); give a .bpmn file"
        ) from None


def _params(path: str | None) -> SimParams:
    return load_params(path) if path else SimParams()


def _write(path: str | None, text: str) -> None:
    if path:
        Path(path).write_text(text, encoding="utf-8")
        click.echo(f"wrote {path}", err=True)


def _simulation_options(fn):
    options = [
        click.option(
            "--params",
            "params_path",
            type=click.Path(dir_okay=False),
            help="YAML or Prosimos JSON parameters.",
        ),
        click.option(
            "--cases",
            type=click.IntRange(1),
            help="Cases per replication (default: the parameters' cases).",
        ),
        click.option("--replications", type=click.IntRange(1), default=10, show_default=True),
        click.option("--seed", type=int, help="Seed for reproducible runs."),
        click.option("--process", "process_id", help="Process id when the file has several."),
        click.option("--version", type=int, help="Version of a deployed KEY (default: latest)."),
        click.option(
            "--workers", type=click.IntRange(1), help="Processes to use (default: all cores)."
        ),
        click.option(
            "--json", "json_out", type=click.Path(dir_okay=False), help="Write the results as JSON."
        ),
        click.option(
            "--html", "html_out", type=click.Path(dir_okay=False), help="Write an HTML report."
        ),
        click.option("--quiet", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _run(model, params, opts: dict, label: str):
    from simulations.des.parallel import run_replications

    return run_replications(
        model,
        params,
        cases=opts["cases"],
        replications=opts["replications"],
        seed=opts["seed"],
        process_id=opts["process_id"],
        workers=opts["workers"],
        progress=not opts["quiet"],
        keep_runs=opts.get("keep_runs", 0),
        label=label,
    )


@click.command("simulate")
@click.argument("source")
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(dir_okay=False),
    help="Apply a what-if scenario file.",
)
@click.option(
    "--log",
    "log_out",
    type=click.Path(dir_okay=False),
    help="Write the first replication's event log (CSV).",
)
@click.option(
    "--bpmn-out", type=click.Path(dir_okay=False), help="With --scenario: write the revised BPMN."
)
@_simulation_options
@_friendly
def simulate(source, scenario_path, log_out, bpmn_out, params_path, **opts):
    """Simulate the procedure in FILE or deployed KEY and print its KPIs."""
    from simulations.scenarios.report import result_html

    model, params, label = load_model(source, opts["version"]), _params(params_path), "baseline"
    if scenario_path:
        from simulations.scenarios.changes import (
            apply_changes,
            load_scenario,
            scenario_bpmn,
            scenario_params,
        )

        scenario = load_scenario(scenario_path)
        model, params = apply_changes(
            model, scenario_params(scenario, params), scenario.changes, opts["process_id"]
        )
        label = scenario.name
        if bpmn_out:
            Path(bpmn_out).write_bytes(scenario_bpmn(model))
    result = _run(model, params, {**opts, "keep_runs": 1 if log_out else 0}, label)
    click.echo(result.to_text())
    _write(opts["json_out"], json.dumps(result.as_dict(), indent=2, default=str))
    _write(opts["html_out"], result_html(result))
    if log_out:
        from simulations.des.eventlog import write_event_log

        write_event_log(
            result.runs,
            log_out,
            process_key=source if not source.endswith(".bpmn") else "",
            enabled=True,  # the same columns as the engine's export-log
        )
        click.echo(f"wrote {log_out}", err=True)


@click.command("compare")
@click.argument("base")
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--bpmn-dir", type=click.Path(file_okay=False), help="Write each scenario's revised BPMN here."
)
@_simulation_options
@_friendly
def compare(base, scenarios, bpmn_dir, params_path, **opts):
    """Compare each SCENARIO file against the baseline procedure BASE (FILE or KEY)."""
    from simulations.scenarios.changes import (
        apply_changes,
        load_scenario,
        scenario_bpmn,
        scenario_params,
    )
    from simulations.scenarios.compare import compare as compare_results
    from simulations.scenarios.report import comparison_html

    model, params = load_model(base, opts["version"]), _params(params_path)
    baseline = _run(model, params, opts, "baseline")
    comparisons = []
    for path in scenarios:
        scenario = load_scenario(path)
        changed_model, changed = apply_changes(
            model, scenario_params(scenario, params), scenario.changes, opts["process_id"]
        )
        comparisons.append(
            compare_results(baseline, _run(changed_model, changed, opts, scenario.name))
        )
        if bpmn_dir:
            Path(bpmn_dir).mkdir(parents=True, exist_ok=True)
            (Path(bpmn_dir) / f"{Path(path).stem}.bpmn").write_bytes(scenario_bpmn(changed_model))
        click.echo(comparisons[-1].to_text() + "\n")
    _write(opts["json_out"], json.dumps([c.as_dict() for c in comparisons], indent=2))
    _write(opts["html_out"], comparison_html(comparisons))


@click.command("calibrate")
@click.argument("source")
@click.option(
    "--log",
    "log_path",
    type=click.Path(dir_okay=False),
    help="Event log CSV (default for KEY: the engine's history).",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False),
    required=True,
    help="Parameters YAML to write.",
)
@click.option(
    "--calendar", type=click.Choice(["office", "24/7"]), default="office", show_default=True
)
@click.option("--process", "process_id")
@click.option("--version", type=int)
@click.option(
    "--pilot",
    "pilot_id",
    help="Refit from this pilot's own cases (SOURCE: its procedure key), not the whole history.",
)
@click.option("--with-personal", is_flag=True, help="Real case codes and staff (admin, logged).")
@click.option("--as", "actor", default="", help="Your username (an admin) for --with-personal.")
@click.option(
    "--token",
    envvar="PERMITFLOW_API_TOKEN",
    default="",
    help="An admin's API token, proof for --with-personal (else a password prompt).",
)
@_friendly
def calibrate(
    source, log_path, out_path, calendar, process_id, version, pilot_id, with_personal, actor, token
):
    """Fit arrival rate, task durations, branch probabilities and staff from a log."""
    from simulations.params.calibrate import calibrate as fit
    from simulations.params.calibrate import read_event_log

    if pilot_id is not None:
        from simulations.pilot_cli import pilot_parameters

        params, rows = pilot_parameters(pilot_id, calendar)
    else:
        model = load_model(source, version)
        rows = (
            read_event_log(log_path)
            if log_path
            else _history_rows(source, version, with_personal, actor, token)
        )
        params = fit(model, rows, process_id, calendar)
    Path(out_path).write_text(
        yaml.safe_dump(params_to_dict(params), sort_keys=False), encoding="utf-8"
    )
    click.echo(
        f"wrote {out_path}: {len(params.tasks)} tasks, {len(params.flows)} branch probabilities, {params.cases} cases"
    )


def _history_rows(
    key: str, version: int | None, with_personal: bool = False, actor: str = "", token: str = ""
) -> list[dict]:
    """The engine's event log of KEY, pseudonymised unless a proven admin asks (UU 27/2022)."""
    try:
        from engine.privacy.cli import Refused, admin_proof
        from engine.privacy.exports import NotProven, rows_for_export
        from engine.reporting.event_log import event_rows
        from engine.storage.db import session_scope
    except ImportError:
        raise click.ClickException("KEY lookup needs the engine database; pass --log") from None
    from sqlalchemy.exc import SQLAlchemyError

    proof = admin_proof(with_personal, actor, token)
    try:
        with session_scope() as session:
            rows = rows_for_export(
                session,
                key,
                event_rows(session, key, version),
                with_personal=with_personal,
                proof=proof,
                purpose="calibration",
            )
            return [dict(vars(row)) for row in rows]
    except NotProven as exc:
        raise Refused(exc.message) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(
            f"{key}: the engine database is not available ({str(exc).splitlines()[0]}); pass --log"
        ) from None


@click.command("analyze")
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.option(
    "--simulate", "with_simulation", is_flag=True, help="Run a short baseline simulation too."
)
@click.option("--params", "params_path", type=click.Path(dir_okay=False))
@click.option("--cases", type=click.IntRange(1), default=500, show_default=True)
@click.option("--replications", type=click.IntRange(1), default=5, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--process", "process_id")
@click.option("--version", type=int)
@_friendly
def analyze(
    source, as_json, with_simulation, params_path, cases, replications, seed, process_id, version
):
    """List what could be simplified in a procedure (with --simulate: with effects)."""
    from simulations.analysis.procedure import analyze as run_analysis

    model = load_model(source, version)
    sim_kpis, opts = (
        None,
        dict(
            cases=cases,
            replications=replications,
            seed=seed,
            process_id=process_id,
            workers=None,
            quiet=True,
        ),
    )
    if with_simulation:
        from simulations.scenarios.compare import analysis_kpis

        params = _params(params_path)
        baseline = _run(model, params, opts, "baseline")
        staff = {lane: params.lane(lane).count for lane in _lanes(model, process_id)}
        sim_kpis = analysis_kpis(baseline, staff)
    history = _history_kpis(source)
    report = run_analysis(model, process_id=process_id, sim_kpis=sim_kpis, history_kpis=history)
    if with_simulation:
        _estimate_effects(report, model, params, baseline, opts)
    click.echo(json.dumps(report.as_dict(), indent=2, default=str) if as_json else report.to_text())


def _history_kpis(source: str) -> dict | None:
    """For a deployed KEY: how its lanes really worked (engine.reporting.lane_history), if it has cases."""
    if Path(source).suffix.lower() == ".bpmn" or Path(source).exists():
        return None
    from engine.reporting.lane_history import lane_history
    from engine.storage.db import session_scope

    with session_scope() as session:
        lanes = lane_history(session, source)
    return {"lanes": lanes} if lanes else None


def _lanes(model: BpmnModel, process_id: str | None) -> set[str]:
    process = model.processes[process_id] if process_id else model.main_process()
    return {n.lane_id or "default" for n in process.nodes.values() if n.lane_id} | set(
        process.lanes
    )


def _estimate_effects(report, model, params, baseline, opts) -> None:
    """Simulate each finding's suggested change; record the change of mean cycle time."""
    from simulations.scenarios.changes import apply_changes
    from simulations.scenarios.compare import compare as compare_results

    for finding in report.findings:
        if not finding.suggested_change:
            continue
        try:
            changed_model, changed = apply_changes(
                model, params, [finding.suggested_change], opts["process_id"]
            )
            row = compare_results(baseline, _run(changed_model, changed, opts, finding.kind)).row(
                "cycle_time.mean"
            )
        except ParamsError as exc:
            finding.effect = {**(finding.effect or {}), "simulation": f"not simulated: {exc}"}
            continue
        if row is not None:
            finding.effect = {
                **(finding.effect or {}),
                "cycle_time_mean_change": row.relative,
                "significant": row.significant,
            }
