"""Simulation work for the reformers' pages: a quick analysis with a baseline run, and a
baseline-versus-scenario comparison that runs as a background job.

Importing this module registers the job kinds ``simulation_compare`` and ``simulation_analysis`` with
:mod:`engine.background.jobs` (the Celery worker imports it through ``PERMITFLOW_JOB_MODULES``).
A job's parameters carry what it needs (the BPMN XML, the parameters as YAML text and
the scenario's changes), so any worker runs it without the web application; its result
is plain JSON: the comparison, heatmap figures, chart SVGs and the revised BPMN.

A job's work is bounded whatever its parameters say: at most :data:`MAX_EVENTS`
simulated steps (task completions, delays and events, over all its runs) and
:data:`MAX_SECONDS` of wall-clock time. A job past either limit stops with
:class:`JobLimitExceeded`, whose message says which limit and what to change (a
rework probability of 0.999 makes every case loop a thousand times).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable

from engine.background import jobs
from engine.bpmn.model import BpmnModel
from simulations.analysis.procedure import AnalysisReport, analyze
from simulations.des.compiler import compile_process
from simulations.des.kpis import run_kpis
from simulations.des.parallel import replication_seeds
from simulations.des.results import SimulationResult
from simulations.des.simulator import Simulator
from simulations.params.distributions import ParamsError
from simulations.params.parameters import SimParams, params_from_dict
from simulations.progress import progress_message
from simulations.scenarios.changes import (
    ScenarioError,
    apply_changes,
    check_change,
    load_yaml,
    process_of,
    scenario_bpmn,
)
from simulations.scenarios.compare import Comparison, analysis_kpis, compare
from simulations.scenarios.report import comparison_html

COMPARE, ANALYSIS = "simulation_compare", "simulation_analysis"
QUICK = {"cases": 300, "replications": 5, "seed": 1}  # about 0.2 s for the building approval
LIMITS = {"cases": 5000, "replications": 30}
MAX_EVENTS = 5_000_000  # simulated steps one job may take, over all its runs (~3 minutes)
MAX_SECONDS = float(os.environ.get("PERMITFLOW_SIMULATION_MAX_SECONDS", "300"))
Report = Callable[[float, str], None]


class JobLimitExceeded(ParamsError):
    """A simulation job used up its steps or its time; the message says what to change."""


class Budget:
    """The steps and the wall-clock time left to one job, shared by all its runs.

    Examples
    --------
    >>> budget = Budget(events=2)
    >>> budget.spend(); budget.spend(); budget.spend()
    Traceback (most recent call last):
    ...
    simulations.jobs.JobLimitExceeded: the simulation stopped after 2 steps, the limit of one job: the cases loop too often (a probability near 1 on a rework flow?) or there are too many; lower the cases or replications, or check the probabilities
    """

    CHECK_EVERY = 4096  # steps between two looks at the clock

    def __init__(self, events: int | None = None, seconds: float | None = None):
        self.events = MAX_EVENTS if events is None else events
        self.seconds = MAX_SECONDS if seconds is None else seconds
        self.left = self.events
        self.deadline = time.monotonic() + self.seconds

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise JobLimitExceeded(
                f"the simulation stopped after {self.events:,} steps, the limit of one job: "
                "the cases loop too often (a probability near 1 on a rework flow?) or there "
                "are too many; lower the cases or replications, or check the probabilities"
            )
        if self.left % self.CHECK_EVERY == 0:
            self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise JobLimitExceeded(
                f"the simulation stopped after {self.seconds:g} seconds, the time limit of "
                "one job; lower the cases or replications, or check the probabilities"
            )


class _BudgetedSimulator(Simulator):
    """The simulator, spending one step of the job's :class:`Budget` per token move."""

    def __init__(self, compiled, params: SimParams, seed, budget: Budget):
        super().__init__(compiled, params, seed)
        self._spend = budget.spend

    def _leave(self, scope: list, n: int, now: float) -> None:
        self._spend()
        super()._leave(scope, n, now)


def parse_params(text: str, source: str = "parameters") -> SimParams:
    """Parameters from YAML text; :class:`ParamsError` names the bad key or line.

    Examples
    --------
    >>> parse_params("cases: 50").cases
    50
    >>> parse_params("lanes: {a: {count: 0}}")
    Traceback (most recent call last):
    ...
    simulations.params.distributions.ParamsError: lanes.a.count: expected a whole number >= 1, got 0
    """
    data = load_yaml(text, source, ParamsError) or {}
    try:
        return params_from_dict(data, source)
    except ParamsError:
        raise
    except (TypeError, ValueError, ArithmeticError, KeyError, RecursionError) as exc:
        # a value of a wrong type deep inside (a distribution's unit given as a list...)
        raise ParamsError(f"{source}: a value has the wrong type or range ({exc})") from None


def parse_changes(text: str) -> list[dict]:
    """A scenario's changes from YAML text: a list, or a mapping with ``changes``.

    Examples
    --------
    >>> parse_changes("- {op: remove_task, task: t}")
    [{'op': 'remove_task', 'task': 't'}]
    """
    data = load_yaml(text, "changes", ScenarioError) or []
    if isinstance(data, dict):
        data = data.get("changes") or []
    if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
        raise ScenarioError("changes: expected a list of changes, each a mapping with an 'op'")
    return data


def parse_change_json(text: str) -> dict:
    """One change from JSON text (the reformer's one-click suggestions), checked.

    Examples
    --------
    >>> parse_change_json('{"op": "staff", "lane": "back", "count": 2}')
    {'op': 'staff', 'lane': 'back', 'count': 2}
    >>> parse_change_json("[" * 5000)
    Traceback (most recent call last):
    ...
    simulations.scenarios.changes.ScenarioError: change: too deeply nested
    """
    try:
        change = json.loads(text)
    except RecursionError:
        raise ScenarioError("change: too deeply nested", "too_deep") from None
    except ValueError as exc:
        raise ScenarioError(f"change: not valid JSON: {exc}", "bad_json") from None
    check_change(change, "change")
    return change


def check_scenario(model: BpmnModel, params: SimParams, changes: list[dict]) -> None:
    """Raise :class:`ScenarioError` when ``changes`` cannot be applied or simulated."""
    changed_model, changed_params = apply_changes(model, params, changes)
    compile_process(changed_model, changed_params, changed_params.process)


def simulate(
    model: BpmnModel,
    params: SimParams,
    *,
    cases: int,
    replications: int,
    seed: int,
    label: str = "baseline",
    report: Report | None = None,
    span: tuple[float, float] = (0.0, 1.0),
    budget: Budget | None = None,
    called: dict[str, BpmnModel] | None = None,
) -> SimulationResult:
    """Run replications one by one in this thread, reporting progress within ``span``.

    Seeds come from :func:`~simulations.des.parallel.replication_seeds`, so a baseline and a
    scenario run with the same ``seed`` share random numbers, as the CLI's runs do.
    ``budget`` (default: a fresh one) bounds the steps and time; see :class:`Budget`.
    ``called`` maps process keys to the models of processes ``model`` calls but does
    not hold, so those calls run inline.
    """
    budget = budget or Budget()
    compiled = compile_process(model, params, params.process, called)  # not replicate(): its cache
    result = SimulationResult(compiled.process.id, cases, seed, label=label)  # is per process
    result.warnings = sorted(set(compiled.warnings))
    seeds = replication_seeds(seed, replications)
    for i, replication_seed in enumerate(seeds, 1):
        run = _BudgetedSimulator(compiled, params, replication_seed, budget).run(cases)
        budget.check_time()
        result.replications.append(run_kpis(run, params.trim))
        if report is not None:
            low, high = span
            message = progress_message("replication", label=label, i=i, n=len(seeds))
            report(low + (high - low) * i / len(seeds), message)
    return result


def lane_staff(model: BpmnModel, params: SimParams) -> dict[str, int]:
    """Clerks per lane id, as the parameters say (the analysis suggests staffing changes)."""
    process = process_of(model, params.process)
    return {lane: params.lane(lane).count for lane in process.lanes}


def quick_analysis(
    model: BpmnModel,
    params: SimParams,
    *,
    history_kpis: dict | None = None,
    effects: bool = True,
    report: Report | None = None,
    budget: Budget | None = None,
    **run,
) -> tuple[AnalysisReport, SimulationResult]:
    """:func:`~simulations.analysis.procedure.analyze` with a short baseline simulation's figures.

    With ``effects`` every finding's suggested change is simulated too and its change of
    the mean cycle time recorded in ``finding.effect`` (as ``permitflow analyze --simulate``).
    Returns the report and the baseline run.
    """
    run = {**QUICK, **run, "budget": budget or Budget()}
    report = report or (lambda progress, message: None)
    baseline = simulate(model, params, report=report, span=(0.0, 0.2), **run)
    sim_kpis = analysis_kpis(baseline, lane_staff(model, params))
    analysis = analyze(
        model, process_id=params.process, sim_kpis=sim_kpis, history_kpis=history_kpis
    )
    suggested = [f for f in analysis.findings if f.suggested_change] if effects else []
    for i, finding in enumerate(suggested, 1):
        report(0.2 + 0.8 * i / (len(suggested) + 1), _effect_message(finding))
        change = finding.suggested_change or {}
        try:
            changed_model, changed = apply_changes(model, params, [change])
            comparison = compare(
                _cycle_time(baseline), _cycle_time(simulate(changed_model, changed, **run))
            )
            row = comparison.row("cycle_time.mean")
        except ParamsError as exc:
            finding.effect = {**(finding.effect or {}), "simulation": f"not simulated: {exc}"}
            continue
        if row is not None:
            finding.effect = {
                **(finding.effect or {}),
                "cycle_time_mean_change": row.relative,
                "significant": row.significant,
            }
    return analysis, baseline


def _cycle_time(result: SimulationResult) -> SimulationResult:
    """Only the mean cycle time of each replication (comparing all KPIs takes seconds)."""
    kept = [
        {"cycle_time.mean": r["cycle_time.mean"]}
        for r in result.replications
        if "cycle_time.mean" in r
    ]
    return SimulationResult(result.process_id, result.cases, result.seed, kept, label=result.label)


def heatmap(result: SimulationResult) -> dict[str, dict]:
    """Per lane and per task, the figures a heatmap over the diagram shows (hours, shares)."""
    lanes: dict[str, dict] = {}
    tasks: dict[str, dict] = {}
    for name, summary in result.summary.items():
        kind, _, rest = name.partition(".")
        element, _, figure = rest.rpartition(".")
        if kind not in ("lane", "task") or not element:
            continue
        value = summary["mean"]
        if figure in ("waiting", "processing"):
            figure, value = f"{figure}_hours", value / 3600
        (lanes if kind == "lane" else tasks).setdefault(element, {})[figure] = round(value, 3)
    return {"lanes": lanes, "tasks": tasks}


def charts(comparison: Comparison) -> str:
    """The legend and the SVG bar charts of :func:`~simulations.scenarios.report.comparison_html`."""
    page = comparison_html([comparison])
    legend = re.search(r'<p class="legend">.*?</p>', page, re.S)
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    return (legend.group(0) if legend else "") + "".join(svgs)


def _bounded(job: dict, name: str) -> int:
    value = int(job.get(name) or QUICK[name])
    return max(1, min(value, LIMITS.get(name, value)))


def _model(job: dict) -> BpmnModel:
    from engine.bpmn.reader import load_bpmn

    if job.get("bpmn_xml"):
        return load_bpmn(job["bpmn_xml"].encode("utf-8"), job.get("source") or "procedure.bpmn")
    from engine.office.definitions import load_deployed_model
    from engine.storage.db import session_scope

    with session_scope() as session:
        return load_deployed_model(session, job["key"], job.get("version"))


def _called(job: dict, model: BpmnModel) -> dict[str, BpmnModel]:
    """The models of the deployed procedures ``model``'s call activities run, so the
    simulator runs those calls inline: the versions a deployed version pinned, else the
    newest deployed version of each called key the file does not define."""
    from engine.errors import ProcessNotFound
    from engine.office.definitions import called_elsewhere, get_definition, model_for
    from engine.storage.db import session_scope
    from engine.workflow.called import called_definitions

    wanted = called_elsewhere(model)
    if not wanted:
        return {}
    found: dict[str, BpmnModel] = {}
    with session_scope(jobs.current_engine()) as session:
        pinned = {}
        if job.get("key") and job.get("version"):
            try:
                own = get_definition(session, job["key"], job["version"])
                pinned = {d.key: d for d in called_definitions(own)}
            except ProcessNotFound:
                pass
        for key in sorted(wanted):
            try:
                definition = pinned.get(key) or get_definition(session, key)
            except ProcessNotFound:
                continue  # not deployed: the call takes no time, with the simulator's warning
            found[key] = model_for(definition)
    return found


def _run(job: dict) -> dict:
    return {
        "cases": _bounded(job, "cases"),
        "replications": _bounded(job, "replications"),
        "seed": int(job.get("seed") or QUICK["seed"]),
    }


def analyze_with_simulation(job: dict, report: Report) -> dict:
    """The ``simulation_analysis`` job: findings with simulation (and history) figures.

    ``job`` holds ``bpmn_xml`` (or ``key`` and ``version``), ``params_yaml``, optional
    ``history_kpis`` and the run's ``cases``, ``replications`` and ``seed``.
    """
    model, params = _model(job), parse_params(job.get("params_yaml", ""))
    process_of(model, params.process)  # a ParamsError naming ``process`` when it is wrong
    analysis, baseline = quick_analysis(
        model,
        params,
        history_kpis=job.get("history_kpis"),
        report=report,
        called=_called(job, model),
        **_run(job),
    )
    return {"analysis": analysis.as_dict(), "heatmap": heatmap(baseline), "run": _run(job)}


def _effect_message(finding) -> str:
    """The progress step simulating ``finding``'s suggested change (title: when unworded)."""
    title = finding.title[:120]
    return progress_message("effect", message=finding.message, params=finding.params, title=title)


def compare_scenario(job: dict, report: Report) -> dict:
    """The ``simulation_compare`` job: baseline and scenario replications, compared.

    ``job`` holds ``bpmn_xml`` (or ``key`` and ``version`` of a deployed procedure),
    ``params_yaml``, ``changes``, ``name``, ``cases``, ``replications`` and ``seed``.
    """
    report(0.01, progress_message("preparing"))
    model, params = _model(job), parse_params(job.get("params_yaml", ""))
    changed_model, changed_params = apply_changes(model, params, list(job.get("changes") or []))
    run, budget, called = _run(job), Budget(), _called(job, model)
    baseline = simulate(
        model,
        params,
        label="baseline",
        report=report,
        span=(0.02, 0.5),
        budget=budget,
        called=called,
        **run,
    )
    name = str(job.get("name") or "scenario")[:120]
    scenario = simulate(
        changed_model,
        changed_params,
        label=name,
        report=report,
        span=(0.5, 0.95),
        budget=budget,
        called=called,
        **run,
    )
    comparison = compare(baseline, scenario)
    report(0.97, progress_message("revised"))
    return {
        "comparison": comparison.as_dict(),
        "run": run,
        "heatmap": {"baseline": heatmap(baseline), "scenario": heatmap(scenario)},
        "charts": charts(comparison),
        "revised_bpmn": scenario_bpmn(changed_model).decode("utf-8"),
        "warnings": sorted(set(baseline.warnings) | set(scenario.warnings)),
    }


jobs.register(COMPARE, compare_scenario)
jobs.register(ANALYSIS, analyze_with_simulation)
