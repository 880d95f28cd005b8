"""Simulated event logs in the engine's export format (``permitflow export-log``).

Columns: case_id, process_key, process_version, activity_id, activity, lane, resource,
start, end (ISO 8601 with the start's UTC offset). ``start`` is when the clerk began;
with ``enabled=True`` a last column ``enabled`` says when the task became ready (the
engine's own export has no separate column: its ``start`` is the ready time).
Timestamps are formatted with numpy in one go, so writing 10^6 rows takes seconds.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.reporting.event_log import COLUMNS
from simulations.des.run import RunResult


def iso_times(run: RunResult, seconds: np.ndarray) -> list[str]:
    """ISO 8601 strings (with the start's offset) for simulation times in seconds."""
    start = run.params.start
    offset = start.utcoffset()
    offset_s = int(offset.total_seconds()) if offset else 0
    sign = "+" if offset_s >= 0 else "-"
    suffix = f"{sign}{abs(offset_s) // 3600:02d}:{abs(offset_s) % 3600 // 60:02d}"
    local = np.floor(
        np.asarray(seconds, dtype=float) + (start.hour * 3600 + start.minute * 60 + start.second)
    )
    day, sec = np.divmod(local.astype(np.int64), 86400)
    dates = {
        int(d): (start.date() + timedelta(days=int(d))).isoformat() + "T" for d in np.unique(day)
    }
    clock = _clock_strings(suffix)
    return [dates[d] + clock[s] for d, s in zip(day.tolist(), sec.tolist(), strict=True)]


@lru_cache(maxsize=4)
def _clock_strings(suffix: str) -> tuple[str, ...]:
    return tuple(f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}{suffix}" for s in range(86400))


def _csv_field(text: str) -> str:
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def log_lines(
    run: RunResult,
    process_key: str = "",
    version: int = 1,
    enabled: bool = False,
    case_offset: int = 0,
) -> list[str]:
    """The log's CSV lines (without newline), ordered by start time."""
    c = run.compiled
    order = np.lexsort((run.end, run.start))
    key = _csv_field(process_key or c.process.id) + "," + str(version) + ","
    lanes = [c.pools[p] if p >= 0 else "" for p in c.pool]
    node_text = [
        ",".join(_csv_field(x) for x in t) + "," for t in zip(c.ids, c.names, lanes, strict=True)
    ]
    resources = [_csv_field(r) + "," for r in run.resource_names()] + [","]  # -1: no clerk
    cases = (run.case[order] + 1 + case_offset).tolist()
    nodes, res = run.node[order].tolist(), run.resource[order].tolist()
    starts, ends = iso_times(run, run.start[order]), iso_times(run, run.end[order])
    lines = [
        f"{k},{key}{node_text[n]}{resources[r]}{s},{e}"
        for k, n, r, s, e in zip(cases, nodes, res, starts, ends, strict=True)
    ]
    if enabled:
        lines = [
            f"{line},{t}" for line, t in zip(lines, iso_times(run, run.enabled[order]), strict=True)
        ]
    return lines


def write_event_log(
    runs: RunResult | list[RunResult],
    path: str | Path,
    process_key: str = "",
    version: int = 1,
    enabled: bool = False,
) -> int:
    """Write one or more runs as one CSV log (cases renumbered); returns the row count.

    Examples
    --------
    >>> import tempfile, os
    >>> from engine.bpmn.builder import linear_model
    >>> from simulations.params.parameters import SimParams
    >>> from simulations.des.simulator import simulate_once
    >>> run = simulate_once(linear_model(["a"]), SimParams(), cases=3, seed=1)
    >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
    >>> write_event_log(run, path)
    3
    >>> open(path).readline().strip()
    'case_id,process_key,process_version,activity_id,activity,lane,resource,start,end'
    """
    runs = [runs] if isinstance(runs, RunResult) else runs
    count, offset = 0, 0
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write(",".join(COLUMNS + (("enabled",) if enabled else ())) + "\n")
        for run in runs:
            lines = log_lines(run, process_key, version, enabled, offset)
            if lines:
                handle.write("\n".join(lines) + "\n")
            count += len(lines)
            offset += len(run.case_arrival)
    return count
