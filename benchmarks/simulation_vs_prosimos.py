"""Run permitflow's simulator and Prosimos 2.1.0 on the same BPMN and Prosimos JSON.

    .venv/bin/python benchmarks/simulation_vs_prosimos.py [--data-dir DIR] [--venv DIR]

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
4. 30 replications x 2,000 cases on each side, both written as event logs; one KPI
   script below reads both logs (first and last 10% of cases trimmed): cycle time
   mean/p50/p90, waiting time per task, utilisation per pool. A pair is
   equivalent when the 90% confidence interval of the difference of means lies
   within +-5% of Prosimos' mean (two one-sided tests at 5%).
5. Speed at 1k, 10k and 100k cases, imports excluded, both writing an event log.
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


def log_kpis(log: dict, pools: dict, t0: float, trim: float = 0.1) -> dict[str, float]:
    """KPIs of one log; ``pools`` maps a pool id to (clerk count, Calendar from ``t0``)."""
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
    rows = keep[inverse]
    for activity in np.unique(log["activity"]):
        sel = rows & (log["activity"] == activity)
        wait = log["start"][sel] - log["enabled"][sel]
        out[f"waiting.{activity}"] = float(np.mean(wait))
        # The mean mixes three things of very different weight (see the module's notes):
        # no wait at all, a queue wait within the working day, and a rare wait past a
        # closing (15 h and more). Each is compared on its own.
        same_day = (log["start"][sel] // 86400) == (log["enabled"][sel] // 86400)
        waited = wait > 1.0  # our log has whole seconds
        out[f"waited.{activity}"] = float(np.mean(waited))
        out[f"queue_wait.{activity}"] = (
            float(np.mean(wait[waited & same_day])) if np.any(waited & same_day) else 0.0
        )
        out[f"overnight.{activity}"] = float(np.mean(waited & ~same_day))
    lo, hi = arrival[keep].min() - t0, arrival[keep].max() - t0
    for pool, (count, cal) in pools.items():
        mine = np.array([r == pool or r.rsplit("_", 1)[0] == pool for r in log["resource"]])
        s = np.clip(log["start"][mine] - t0, lo, hi)
        e = np.clip(log["end"][mine] - t0, lo, hi)
        busy = np.sum(cal.work_until(e) - cal.work_until(s))
        out[f"utilisation.{pool[:12]}"] = float(busy / (count * cal.work_between(lo, hi)))
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


PER_TASK = ("waiting", "waited", "queue_wait", "overnight")


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


def compare_kpis(python, bpmn_path, json_path, args, work) -> bool:
    params = params_from_prosimos(json.loads(json_path.read_text()))
    params.start = datetime.fromisoformat(START)
    pools = {
        k: (lane.count, params.calendar(lane.calendar).build(params.start))
        for k, lane in params.lanes.items()
    }
    t0 = params.start.timestamp()
    seeds = replication_seeds(2024, args.replications)
    our_logs = [log for log, _, _ in ours(bpmn_path, json_path, args.cases, seeds, work)]
    their_logs = [
        log for log, _ in theirs(python, bpmn_path, json_path, args.cases, args.replications, work)
    ]
    a = [log_kpis(read_log(p), pools, t0) for p in their_logs]
    b = [log_kpis(read_log(p), pools, t0) for p in our_logs]
    print(
        f"\n{args.replications} replications x {args.cases} cases, 10% trimmed each end; times in hours"
    )
    print(
        f"{'KPI':<44} {'Prosimos':>9} {'ours':>9} {'diff':>8} {'90% CI of diff':>18} {'p':>6}  verdict"
    )
    names = list(a[0])
    rows = {}
    for name in names:
        x, y = np.array([r[name] for r in a]), np.array([r.get(name, np.nan) for r in b])
        rows[name] = (x, y, *equivalence(x, y))
    # Per-task rows are many tests at once: a difference counts only after Holm's
    # correction over all of them (at 8 replications, 3 of 16 raw p-values under 0.05
    # is what chance alone gives often enough).
    task_rows = [n for n in names if n.split(".")[0] in PER_TASK]
    holm = holm_rejections({n: rows[n][6] for n in task_rows})
    all_ok = True
    for name in names:
        x, y, rel, lo, hi, equivalent, p = rows[name]
        scale = 3600 if name.split(".")[0] in ("cycle_time", "waiting", "queue_wait") else 1
        headline = name.split(".")[0] not in PER_TASK
        if equivalent:
            verdict = "equivalent (+-5%)"
        elif headline and p < 0.05 or name in holm:
            verdict = "DIFFERENT"
        elif p < 0.05:
            verdict = "raw p < 0.05, not after Holm; CI wider than +-5%"
        else:
            verdict = "no significant difference; CI wider than +-5%"
        all_ok &= equivalent if headline else name not in holm
        print(
            f"{name[:44]:<44} {x.mean() / scale:>9.4f} {y.mean() / scale:>9.4f} {rel:>+8.1%} "
            f"[{lo:+7.1%}, {hi:+7.1%}] {p:>6.3f}  {verdict}"
        )
    print(
        "pass rule: cycle time and utilisation equivalent within +-5%; no per-task waiting "
        "figure (mean, share that waited, same-day queue wait, share waiting overnight) "
        "different after Holm's correction"
    )
    print("RESULT:", "PASS" if all_ok else "FAIL")
    return all_ok


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
