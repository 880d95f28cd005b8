"""Check the simulator against queueing theory: M/M/1 and M/M/c (Erlang C).

    .venv/bin/python benchmarks/simulation_validity.py [--quick]

A one-task procedure, Poisson arrivals, exponential service, c clerks, open 24/7.
The mean waiting time in the queue and the clerks' utilisation must match theory
within 3%; theory and simulation are printed side by side with the simulation's
95% confidence interval, then PASS or FAIL. Exits 1 on any FAIL.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.bpmn.builder import linear_model  # noqa: E402
from simulations.des.parallel import run_replications  # noqa: E402
from simulations.params.distributions import Distribution  # noqa: E402
from simulations.params.parameters import ArrivalParams, LaneParams, SimParams, TaskParams  # noqa: E402

SERVICE = 100.0  # mean service time, seconds
TOLERANCE = 0.03


def erlang_c_wait(c: int, rho: float, service: float = SERVICE) -> float:
    """Mean waiting time in queue of an M/M/c queue with utilisation ``rho``.

    >>> round(erlang_c_wait(1, 0.5), 6)  # M/M/1: rho / (mu (1 - rho))
    100.0
    """
    a = c * rho  # offered load in Erlangs
    top = a**c / math.factorial(c) / (1 - rho)
    probability_wait = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    return probability_wait * service / (c * (1 - rho))


def scenario_params(c: int, rho: float, trim: float) -> SimParams:
    params = SimParams(trim=trim, sla_calendar="24/7")
    params.arrivals = ArrivalParams(Distribution.exponential(SERVICE / (c * rho)), "24/7")
    params.lanes["clerks"] = LaneParams(count=c, calendar="24/7")
    params.tasks["serve"] = TaskParams(Distribution.exponential(SERVICE))
    return params


def check(name: str, c: int, rho: float, cases: int, replications: int) -> bool:
    t0 = time.perf_counter()
    result = run_replications(
        linear_model(["serve"]), scenario_params(c, rho, 0.05), cases, replications, seed=42
    )
    s = result.summary
    rows = [
        ("mean wait in queue (s)", erlang_c_wait(c, rho), s["task.serve.waiting"]),
        ("utilisation", rho, s["lane.clerks.utilisation"]),
    ]
    ok = True
    print(
        f"\n{name}: c={c}, rho={rho}, {replications} x {cases} cases ({time.perf_counter() - t0:.1f} s)"
    )
    print(f"  {'KPI':<24} {'theory':>10} {'simulated':>10} {'95% CI':>22} {'error':>8}")
    for label, theory, sim in rows:
        error = sim["mean"] / theory - 1
        passed = abs(error) <= TOLERANCE
        ok &= passed
        interval = f"[{sim['low']:.4g}, {sim['high']:.4g}]"
        print(
            f"  {label:<24} {theory:>10.4g} {sim['mean']:>10.4g} {interval:>22} {error:>+7.2%}  {'PASS' if passed else 'FAIL'}"
        )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases (may miss 3%)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    results = [
        check("M/M/1", 1, 0.5, 100_000 // scale, 20),
        check("M/M/1", 1, 0.8, 200_000 // scale, 40),
        check("M/M/c", 3, 0.8, 200_000 // scale, 20),
    ]
    print("\nALL PASS" if all(results) else "\nFAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
