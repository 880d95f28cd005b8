"""Run permitflow's simulator and Prosimos 2.1.0 on the same BPMN and Prosimos JSON.

    .venv/bin/python benchmarks/simulation_vs_prosimos.py [--data-dir DIR] [--venv DIR]
        [--replications N] [--cases N] [--logs DIR] [--speed '']

1. Installs ``prosimos==2.1.0`` into a virtualenv of its own (``--venv``, default
   ``benchmarks/.prosimos-venv``): its pins clash with ours.
2. Reads Prosimos' LoanApp sample (``LoanApp_sequential_9-5.bpmn`` and
   ``LoanApp_arrival_fix_10.json`` from the AutomatedProcessImprovement/Prosimos
   repository's ``testing_scripts/assets``) from ``--data-dir`` (default
   ``benchmarks/data``). That repository carries no licence file, so the files are
   not shipped here: copy them into the folder yourself.
3. The model is overloaded as shipped: staff is added, pool by pool, until every
   pool's utilisation is below 0.75 (measured with our simulator), and Prosimos gets
   the same staffed JSON (with ``arrival_time_calendar`` as the list 2.1.0 wants).
4. 30 replications x 2,000 cases on each side (``--replications``), both written as
   event logs (kept and reused with ``--logs DIR``); one KPI script below reads both
   logs (first and last 10% of cases trimmed). Cycle time mean/p50/p90 and utilisation
   per pool are compared per replication: equivalent when the 90% confidence interval
   of the difference of means lies within +-5% of Prosimos' mean (two one-sided tests
   at 5%). Each task's wait is compared pooled over all its instances (replications
   as clusters, cluster-robust standard errors): the mean wait, the share that waited,
   the queue wait within opening hours and the share that waited past a closing, each
   called equivalent (+-5%, or the stated absolute margin), different (after Holm's
   correction over all of them) or undecided with the replications it would need.
   A short wait's mean is decided by a few waits over a night or a weekend.
5. Both calendars' rules side by side (work that exactly fills the rest of the day;
   a clerk free at the closing instant), and how many tasks each log reports
   finished after hours: Prosimos (pix-framework's ``RCalendar.find_idle_time``)
   finishes work that exactly fills the day at midnight, so its successor waits for
   the next opening.
6. Speed at 1k, 10k and 100k cases, imports excluded, both writing an event log.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.bpmn.reader import load_bpmn_file  # noqa: E402
from simulations.des.compiler import compile_process  # noqa: E402
from simulations.des.eventlog import write_event_log  # noqa: E402
from simulations.des.kpis import run_kpis  # noqa: E402
from simulations.des.parallel import replication_seeds  # noqa: E402
from simulations.des.simulator import Simulator  # noqa: E402
from simulations.params.prosimos import params_from_prosimos  # noqa: E402

BPMN = "LoanApp_sequential_9-5.bpmn"
JSON = "LoanApp_arrival_fix_10.json"
START = "2024-01-01T09:00:00+00:00"  # a Monday
RUNNER = r"""
import json, sys, time
from prosimos.simulation_engine import run_simulation
jobs = json.loads(sys.argv[1])
for job in jobs:
    t0 = time.perf_counter()
    run_simulation(job["bpmn"], job["json"], job["cases"], None, job["log"], job["start"])
    print(json.dumps({"log": job["log"], "seconds": time.perf_counter() - t0}), flush=True)
"""


def prosimos_python(venv: Path) -> Path:
    """The venv's python, creating the venv and installing prosimos 2.1.0 if needed."""
    python = venv / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; print(m.version('prosimos'))"]
    if (
        python.exists()
        and subprocess.run(check, capture_output=True, text=True).stdout.strip() == "2.1.0"
    ):
        return python
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "prosimos==2.1.0"], check=True)
    return python


def staffed(bpmn_path: Path, data: dict, target: float = 0.75) -> dict:
    """Add clerks to the busiest pool until every pool is below ``target`` utilisation."""
    model = load_bpmn_file(bpmn_path)
    data = copy.deepcopy(data)
    if isinstance(data.get("arrival_time_calendar"), dict):
        data["arrival_time_calendar"] = data["arrival_time_calendar"]["time_periods"]
    while True:
        params = params_from_prosimos(data)
        params.start = datetime.fromisoformat(START)
        kpis = run_kpis(Simulator(compile_process(model, params), params, 7).run(3000), 0.1)
        util = {lane: kpis[f"lane.{lane}.utilisation"] for lane in params.lanes}
        busiest = max(util, key=util.get)
        if util[busiest] < target:
            return data
        for profile in data["resource_profiles"]:
            for res in profile["resource_list"]:
                if res["id"] == busiest:
                    res["amount"] = int(res["amount"]) + 1


def ours(
    bpmn_path: Path, json_path: Path, cases: int, seeds: list[int], out_dir: Path
) -> list[tuple[Path, float, float]]:
    """Run our simulator; per run: the log path, seconds to simulate, seconds incl. log."""
    model = load_bpmn_file(bpmn_path)
    params = params_from_prosimos(json.loads(json_path.read_text()))
    params.start = datetime.fromisoformat(START)
    compiled = compile_process(model, params)
    out = []
    for i, seed in enumerate(seeds):
        log = out_dir / f"ours_{cases}_{i}.csv"
        t0 = time.perf_counter()
        run = Simulator(compiled, params, seed).run(cases)
        t1 = time.perf_counter()
        write_event_log(run, log, enabled=True)
        out.append((log, t1 - t0, time.perf_counter() - t0))
    return out


def theirs(
    python: Path, bpmn_path: Path, json_path: Path, cases: int, runs: int, out_dir: Path
) -> list[tuple[Path, float]]:
    """Run Prosimos in its own venv; per run: the log path and seconds (imports excluded)."""
    jobs = [
        {
            "bpmn": str(bpmn_path),
            "json": str(json_path),
            "cases": cases,
            "start": START,
            "log": str(out_dir / f"prosimos_{cases}_{i}.csv"),
        }
        for i in range(runs)
    ]
    done = subprocess.run(
        [str(python), "-c", RUNNER, json.dumps(jobs)], capture_output=True, text=True, cwd=out_dir
    )
    if done.returncode != 0:
        raise SystemExit(f"Prosimos failed:\n{done.stderr[-3000:]}")
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return [(Path(r["log"]), r["seconds"]) for r in results]


# -- one KPI script for both logs -------------------------------------------------


def read_log(path: Path) -> dict[str, np.ndarray]:
    """Either log as arrays: case, activity, resource, enabled, start, end (epoch s)."""
    import csv

    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def col(*names):
        name = next(n for n in names if n in rows[0])
        return [r[name] for r in rows]

    def times(*names):
        return np.array([datetime.fromisoformat(v).timestamp() for v in col(*names)])

    return {
        "case": np.array(col("case_id")),
        "activity": np.array([" ".join(a.split()) for a in col("activity")]),
        "resource": np.array(col("resource")),
        "enabled": times("enable_time", "enabled"),
        "start": times("start_time", "start"),
        "end": times("end_time", "end"),
    }


def log_kpis(
    log: dict, pools: dict, t0: float, trim: float = 0.1
) -> tuple[dict[str, float], dict[str, np.ndarray], int]:
    """Cycle time and utilisation of one log, its :func:`task_sums`, and how many tasks it
    reports finished after hours; ``pools`` maps a pool id to (clerk count, Calendar
    from ``t0``)."""
    cases, inverse = np.unique(log["case"], return_inverse=True)
    arrival = np.full(len(cases), np.inf)
    np.minimum.at(arrival, inverse, log["enabled"])
    finish = np.zeros(len(cases))
    np.maximum.at(finish, inverse, log["end"])
    order = np.argsort(arrival, kind="stable")
    k = int(len(cases) * trim)
    keep = np.zeros(len(cases), dtype=bool)
    keep[order[k : len(cases) - k]] = True
    cycle = (finish - arrival)[keep]
    out = {
        "cycle_time.mean": cycle.mean(),
        "cycle_time.p50": np.percentile(cycle, 50),
        "cycle_time.p90": np.percentile(cycle, 90),
    }
    lo, hi = arrival[keep].min() - t0, arrival[keep].max() - t0
    closed = np.zeros(len(log["start"]))  # closed hours of the clerk's pool within each wait
    after_hours = 0  # tasks reported done with no working second of their pool before the end
    for pool, (count, cal) in pools.items():
        mine = np.array([r == pool or r.rsplit("_", 1)[0] == pool for r in log["resource"]])
        s = np.clip(log["start"][mine] - t0, lo, hi)
        e = np.clip(log["end"][mine] - t0, lo, hi)
        busy = np.sum(cal.work_until(e) - cal.work_until(s))
        out[f"utilisation.{pool[:12]}"] = float(busy / (count * cal.work_between(lo, hi)))
        enabled, start = log["enabled"][mine] - t0, log["start"][mine] - t0
        closed[mine] = (start - enabled) - (cal.work_until(start) - cal.work_until(enabled))
        end = log["end"][mine] - t0
        idle = (log["end"][mine] > log["start"][mine]) & (
            cal.work_until(end) - cal.work_until(end - 1.0) < 0.5
        )  # ... and not at an opening (a whole-second log rounds 09:00:00.4 down)
        after_hours += sum(cal.next_open(t) > t for t in end[idle])
    return out, task_sums(log, keep[inverse], closed), after_hours


def task_sums(log: dict, rows: np.ndarray, closed: np.ndarray) -> dict[str, np.ndarray]:
    """Per task, the counts one replication adds to the pooled per-task figures.

    Each task's wait mixes three things of very different weight: no wait at all, a
    queue wait within opening hours, and a rare wait past a closing (one that spans
    ``closed`` hours of the clerk's pool: 9 to 15 hours and more). Per task:
    [instances, total wait, instances that waited, instances that waited past a
    closing, total queue wait within opening hours, instances with one].
    """
    out = {}
    for activity in np.unique(log["activity"]):
        sel = rows & (log["activity"] == activity)
        wait = log["start"][sel] - log["enabled"][sel]
        waited = wait > 1.0  # our log has whole seconds
        past_closing = waited & (closed[sel] > 1.0)
        queued = waited & ~past_closing
        out[activity] = np.array(
            [
                len(wait),
                wait.sum(),
                waited.sum(),
                past_closing.sum(),
                wait[queued].sum(),
                queued.sum(),
            ],
            dtype=float,
        )
    return out


def equivalence(
    a: np.ndarray, b: np.ndarray, margin: float = 0.05
) -> tuple[float, float, float, bool, float]:
    """Relative difference of means (b vs a), its 90% CI, TOST equivalence at +-margin,
    and the Welch t-test's p-value for "the means differ"."""
    ma, mb = a.mean(), b.mean()
    if ma == 0.0:  # nothing to be relative to (e.g. nobody waited overnight)
        p0 = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if np.any(a != b) else 1.0
        return (0.0 if mb == 0.0 else math.inf), -math.inf, math.inf, False, p0
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(va + vb)
    df = (
        (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        if se > 0
        else len(a) + len(b) - 2
    )
    half = stats.t.ppf(0.95, df) * se
    diff = mb - ma
    lo, hi = (diff - half) / abs(ma), (diff + half) / abs(ma)
    p_value = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if se > 0 else 1.0
    return diff / abs(ma), lo, hi, (-margin < lo and hi < margin), p_value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--venv", type=Path, default=ROOT / "benchmarks" / ".prosimos-venv")
    parser.add_argument("--replications", type=int, default=30)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--speed", default="1000,10000,100000", help="'' to skip the speed table")
    parser.add_argument(
        "--logs", type=Path, help="keep both sides' event logs here; reused when all are there"
    )
    args = parser.parse_args()
    bpmn_path, json_path = args.data_dir / BPMN, args.data_dir / JSON
    if not (bpmn_path.exists() and json_path.exists()):
        print(
            f"missing {BPMN} / {JSON} in {args.data_dir}: copy them from Prosimos' testing_scripts/assets"
        )
        return 2
    python = prosimos_python(args.venv)
    work = Path(tempfile.mkdtemp(prefix="prosimos-bench-"))
    staffed_json = work / "LoanApp_staffed.json"
    data = staffed(bpmn_path, json.loads(json_path.read_text()))
    staffed_json.write_text(json.dumps(data))
    print(
        "staff per pool:",
        {r["id"][:12]: r["amount"] for p in data["resource_profiles"] for r in p["resource_list"]},
    )
    ok = compare_kpis(python, bpmn_path, staffed_json, args, work)
    if args.speed.strip():
        speed_table(python, bpmn_path, staffed_json, [int(x) for x in args.speed.split(",")], work)
    return 0 if ok else 1


# Per-task figures pooled over the instances of all replications: name -> (numerator
# and denominator column of task_sums, absolute margin, unit, scale). A figure is the
# ratio of two sums, so replications are clusters; its standard error is the
# cluster-robust one of a ratio estimator (linearisation, as GEE with independent
# working correlation), not a per-replication mean whose variance a few rare 15-hour
# waits decide.
TASK_FIGURES = {
    "waiting": (1, 0, 60.0, "min", 60.0),  # mean wait per instance
    "waited": (2, 0, 0.01, "%", 0.01),  # share of instances that waited at all
    "queue_wait": (4, 5, 60.0, "min", 60.0),  # mean same-day queue wait of those
    "overnight": (3, 0, 0.001, "%", 0.01),  # share waiting past a closing
}
RELATIVE_MARGIN = 0.05
Z90 = 1.6448536269514722  # two one-sided tests at 5% = a 90% interval
NO_EVENT_SE = math.log(20.0) / Z90  # x 1/n: one-sided 95% bound of 0 events is ln(20)/n


def pooled_ratio(sums: np.ndarray, num: int, den: int) -> tuple[float, float, float, float]:
    """Sum(num) / sum(den) over replications (rows), its cluster-robust standard error,
    the numerator's and the denominator's totals.

    With no event at all the error is the one that makes the one-sided 95% bound
    ln(20)/n (three events' worth, the "rule of three"), not zero.
    """
    y, n = sums[:, num], sums[:, den]
    total, events = float(n.sum()), float(y.sum())
    if total == 0:
        return math.nan, math.nan, events, total
    ratio, m = events / total, len(y)
    se = math.sqrt(m / (m - 1) * float(np.sum((y - ratio * n) ** 2))) / total if m > 1 else 0.0
    if events == 0:
        se = max(se, NO_EVENT_SE / total)
    return ratio, se, events, total


def compare_task_figure(a: np.ndarray, b: np.ndarray, figure: str) -> dict:
    """Ours (``b``) against Prosimos (``a``) on one pooled per-task figure."""
    num, den, margin, _, _ = TASK_FIGURES[figure]
    ra, sa, ea, na = pooled_ratio(a, num, den)
    rb, sb, eb, nb = pooled_ratio(b, num, den)
    diff, se = rb - ra, math.hypot(sa, sb)
    m = min(len(a), len(b))
    df = max(m - 1, 1)  # t with as many degrees of freedom as the smaller side allows
    p = float(2 * stats.t.sf(abs(diff) / se, df)) if se > 0 else 1.0
    half = float(stats.t.ppf(0.95, df)) * se
    lo, hi = diff - half, diff + half
    rel_margin = RELATIVE_MARGIN * abs(ra)

    def needed(width: float, true_diff: float) -> float:
        """Replications for a 90% CI within +-width if ``true_diff`` is the difference
        (half the time; infinite when it lies outside the margin)."""
        room = width - abs(true_diff)
        return m * (Z90 * se / room) ** 2 if room > 0 else math.inf

    return {
        "prosimos": ra,
        "ours": rb,
        "diff": diff,
        "lo": lo,
        "hi": hi,
        "p": p if math.isfinite(diff) else 1.0,
        "events": (ea, eb),
        "instances": (na, nb),
        "relative": -rel_margin < lo and hi < rel_margin,
        "absolute": -margin < lo and hi < margin,
        "needed_relative": (needed(rel_margin, diff), needed(rel_margin, 0.0)),
        "needed_absolute": (needed(margin, diff), needed(margin, 0.0)),
    }


def task_verdict(row: dict, different: bool, figure: str) -> str:
    """Equivalent (at which margin), different (after Holm) or undecided (and how many
    replications would decide it at the observed spread and difference)."""
    unit, scale = TASK_FIGURES[figure][3], TASK_FIGURES[figure][4]
    absolute = f"+-{TASK_FIGURES[figure][2] / scale:g} {unit}"
    if not math.isfinite(row["diff"]):
        return "no instance"
    if different:
        return "DIFFERENT (Holm)"
    if row["relative"]:
        return "equivalent (+-5%)"

    def reps(n: tuple[float, float], margin: str) -> str:
        """At the observed difference, else (beyond the margin) at no difference."""
        if math.isfinite(n[0]):
            return f"~{n[0]:,.0f} reps for {margin}"
        return f"diff beyond {margin} (~{n[1]:,.0f} reps if none)"

    if row["absolute"]:
        return f"equivalent ({absolute}); {reps(row['needed_relative'], '+-5%')}"
    return (
        f"undecided: {reps(row['needed_relative'], '+-5%')}, "
        f"{reps(row['needed_absolute'], absolute)}"
    )


def compare_tasks(a: list[dict], b: list[dict]) -> bool:
    """Print every per-task figure with its decision; True when none differs."""
    tasks = sorted(set().union(*a, *b))
    empty = np.zeros(6)

    def stack(side, task):
        return np.array([run.get(task, empty) for run in side])

    rows = {
        f"{figure}.{task}": compare_task_figure(stack(a, task), stack(b, task), figure)
        for figure in TASK_FIGURES
        for task in tasks
    }
    holm = holm_rejections({n: r["p"] for n, r in rows.items()})
    print(
        f"\nper task, pooled over all instances; CI of ours - Prosimos; waits in minutes, "
        f"shares in %; n = instances (waits past a closing for 'overnight')\n"
        f"{'figure':<44} {'Prosimos':>9} {'ours':>9} {'90% CI of diff':>20} {'p':>6} "
        f"{'n Prosimos/ours':>17}  verdict"
    )
    for name, row in rows.items():
        figure = name.split(".")[0]
        scale = TASK_FIGURES[figure][4]
        shown = row["events"] if figure == "overnight" else row["instances"]
        print(
            f"{name[:44]:<44} {row['prosimos'] / scale:>9.3f} {row['ours'] / scale:>9.3f} "
            f"[{row['lo'] / scale:>+8.3f}, {row['hi'] / scale:>+8.3f}] {row['p']:>6.3f} "
            f"{f'{shown[0]:.0f}/{shown[1]:.0f}':>17}  {task_verdict(row, name in holm, figure)}"
        )
    print(
        "margins: +-5% of Prosimos' figure, else the absolute one (a minute of mean wait; "
        "1 point of the share that waited; 0.1 point of the share waiting past a "
        "closing, ~1 minute of mean wait at ~15 h each); different = Holm over all rows"
    )
    return not holm


def holm_rejections(p_values: dict[str, float], alpha: float = 0.05) -> set[str]:
    """The names whose null hypothesis Holm's step-down procedure rejects at ``alpha``."""
    p_values = {k: (v if math.isfinite(v) else 1.0) for k, v in p_values.items()}
    ordered = sorted(p_values, key=p_values.get)
    rejected = set()
    for i, name in enumerate(ordered):
        if p_values[name] > alpha / (len(ordered) - i):
            break
        rejected.add(name)
    return rejected


def simulate_both(python, bpmn_path, json_path, args, work) -> tuple[list[Path], list[Path]]:
    """Both sides' logs: reused from ``--logs`` when it holds enough, else simulated."""
    n, cases = args.replications, args.cases
    if args.logs:
        mine = [args.logs / f"ours_{cases}_{i}.csv" for i in range(n)]
        theirs_ = [args.logs / f"prosimos_{cases}_{i}.csv" for i in range(n)]
        if all(p.exists() for p in mine + theirs_):
            print(f"reusing the logs in {args.logs}")
            return theirs_, mine
        work = args.logs
        work.mkdir(parents=True, exist_ok=True)
    seeds = replication_seeds(2024, n)
    our_logs = [log for log, _, _ in ours(bpmn_path, json_path, cases, seeds, work)]
    their_logs = [log for log, _ in theirs(python, bpmn_path, json_path, cases, n, work)]
    return their_logs, our_logs


def compare_kpis(python, bpmn_path, json_path, args, work) -> bool:
    params = params_from_prosimos(json.loads(json_path.read_text()))
    params.start = datetime.fromisoformat(START)
    pools = {
        k: (lane.count, params.calendar(lane.calendar).build(params.start))
        for k, lane in params.lanes.items()
    }
    t0 = params.start.timestamp()
    their_logs, our_logs = simulate_both(python, bpmn_path, json_path, args, work)
    a, task_a, late_a = zip(*(log_kpis(read_log(p), pools, t0) for p in their_logs), strict=True)
    b, task_b, late_b = zip(*(log_kpis(read_log(p), pools, t0) for p in our_logs), strict=True)
    print(
        f"\n{args.replications} replications x {args.cases} cases, 10% trimmed each end; times in hours"
    )
    print(
        f"{'KPI':<44} {'Prosimos':>9} {'ours':>9} {'diff':>8} {'90% CI of diff':>18} {'p':>6}  verdict"
    )
    all_ok = True
    for name in a[0]:
        x, y = np.array([r[name] for r in a]), np.array([r.get(name, np.nan) for r in b])
        rel, lo, hi, equivalent, p = equivalence(x, y)
        scale = 3600 if name.startswith("cycle_time") else 1
        verdict = "equivalent (+-5%)" if equivalent else "DIFFERENT" if p < 0.05 else "undecided"
        all_ok &= equivalent
        print(
            f"{name[:44]:<44} {x.mean() / scale:>9.4f} {y.mean() / scale:>9.4f} {rel:>+8.1%} "
            f"[{lo:+7.1%}, {hi:+7.1%}] {p:>6.3f}  {verdict}"
        )
    all_ok &= compare_tasks(list(task_a), list(task_b))
    print(
        f"tasks reported finished inside closed hours of their clerk's calendar (e.g. at "
        f"midnight): Prosimos {sum(late_a)}, ours {sum(late_b)}"
    )
    calendar_rules(python)
    print(
        "pass rule: cycle time and utilisation equivalent within +-5%; no per-task waiting "
        "figure different after Holm's correction"
    )
    print("RESULT:", "PASS" if all_ok else "FAIL")
    return all_ok


CALENDAR_PROBE = r"""
import json
from datetime import datetime, timezone
from pix_framework.discovery.resource_calendar_and_performance.crisp.resource_calendar import RCalendar
cal = RCalendar("probe")
for day in ("WEDNESDAY", "THURSDAY"):
    cal.add_calendar_item(day, day, "09:00:00", "17:00:00")
cal.compute_cumulative_durations()
out = {}
for start_h, work in json.loads(__import__("sys").argv[1]):
    at = datetime(2024, 1, 3, 0, tzinfo=timezone.utc).replace(hour=start_h)
    wait = 0.0 if cal.is_working_datetime(at)[0] else cal.next_available_time(at)
    start = at.timestamp() + wait
    done = start + cal.find_idle_time(datetime.fromtimestamp(start, timezone.utc), work)
    out[f"{start_h},{work}"] = [wait, done - at.timestamp()]
print(json.dumps(out))
"""
PROBES = [
    (16, 3599, "1 h - 1 s of work from 16:00"),
    (16, 3600, "1 h of work from 16:00 (fills the day)"),
    (16, 3601, "1 h + 1 s of work from 16:00"),
    (17, 600, "10 min of work from 17:00 (the closing)"),
]


def calendar_rules(python: Path) -> None:
    """Both simulators' calendar rules on a Wednesday open 09:00-17:00: when does work
    started at a given time begin (the wait) and end (hours after it was ready)."""
    from simulations.des.calendars import CalendarSpec

    day = ((9 * 3600.0, 17 * 3600.0),)
    ours_cal = CalendarSpec({2: day, 3: day}, None, (), "UTC").build(datetime.fromisoformat(START))
    wed = 2 * 86400 - 9 * 3600.0  # Wednesday 00:00 in seconds since START (Monday 09:00)
    cases = json.dumps([[h, w] for h, w, _ in PROBES])
    done = subprocess.run(
        [str(python), "-c", CALENDAR_PROBE, cases], capture_output=True, text=True
    )
    theirs_ = json.loads(done.stdout) if done.returncode == 0 else {}
    print("\ncalendar rules (a clerk free, open Wed 09:00-17:00): wait h / done after h")
    for h, work, label in PROBES:
        at = wed + h * 3600
        start = ours_cal.next_open(at)
        mine = (start - at) / 3600, (ours_cal.add_work(start, work) - at) / 3600
        wait, end = (x / 3600 for x in theirs_.get(f"{h},{work}", (math.nan, math.nan)))
        print(
            f"  {label:<42} Prosimos {wait:5.2f} / {end:6.3f}   ours {mine[0]:5.2f} / {mine[1]:6.3f}"
        )


def speed_table(python, bpmn_path, json_path, sizes: list[int], work) -> None:
    print(
        f"\n{'cases':>8} {'Prosimos c/s':>13} {'ours c/s':>10} {'ours+log c/s':>13} {'ratio':>7} {'ratio+log':>10}"
    )
    for n in sizes:
        [(_, their_s)] = theirs(python, bpmn_path, json_path, n, 1, work)
        [(_, sim_s, total_s)] = ours(bpmn_path, json_path, n, [1], work)
        print(
            f"{n:>8} {n / their_s:>13.0f} {n / sim_s:>10.0f} {n / total_s:>13.0f} "
            f"{their_s / sim_s:>6.1f}x {their_s / total_s:>9.1f}x"
        )
    print("(single process each; ours+log includes writing the CSV event log, as Prosimos does)")
    os.environ.get("KEEP_LOGS") or subprocess.run(["rm", "-rf", str(work)], check=False)


if __name__ == "__main__":
    sys.exit(main())
