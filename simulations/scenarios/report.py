"""HTML reports with inline SVG bar charts: no CDN, no JavaScript, one file.

:func:`result_html` shows one simulation; :func:`comparison_html` shows scenarios
against the baseline, each chart with bars per run and 95% interval whiskers.
"""

from __future__ import annotations

import math
from html import escape

from simulations.des.results import SimulationResult, format_value
from simulations.scenarios.compare import Comparison

_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2")
_STYLE = """
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.25rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.sig{font-weight:bold;color:#b00}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem}
"""


def bar_chart(
    title: str,
    labels: list[str],
    series: list[tuple[str, list[dict]]],
    unit: str = "",
    decimal: str = ".",
) -> str:
    """A horizontal grouped bar chart as an SVG string.

    ``series`` is ``[(name, [summary per label])]`` where a summary has ``mean``,
    ``low`` and ``high`` (the 95% interval). ``decimal`` is the decimal mark of the
    figures written by the bars (``","`` in Indonesian).

    Examples
    --------
    >>> svg = bar_chart("t", ["a"], [("base", [{"mean": 1.0, "low": 0.9, "high": 1.1}])])
    >>> svg.startswith("<svg") and "</svg>" in svg
    True
    """
    bar, gap, left, width = 14, 10, 260, 420
    values = [
        float(v)
        for _, vals in series
        for s in vals
        for v in (s.get("high"), s.get("mean"))
        if v is not None and _finite(v)
    ]
    top = max(values) if values else 1.0
    top = top if top > 0 else 1.0
    group = bar * len(series) + gap
    height = 30 + group * len(labels) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" role="img">',
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, label in enumerate(labels):
        y0 = 30 + i * group
        parts.append(
            f'<text x="{left - 6}" y="{y0 + group / 2}" font-size="11" text-anchor="end">{escape(label[:40])}</text>'
        )
        for j, (_, vals) in enumerate(series):
            s = vals[i]
            mean = s.get("mean")
            if mean is None or not _finite(mean):
                continue
            y, w = y0 + j * bar, max(mean, 0) / top * width
            parts.append(
                f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar - 2}" fill="{_COLOURS[j % 6]}"/>'
            )
            if _finite(s.get("low")) and _finite(s.get("high")):
                lo, hi = left + max(s["low"], 0) / top * width, left + s["high"] / top * width
                parts.append(
                    f'<line x1="{lo:.1f}" x2="{hi:.1f}" y1="{y + bar / 2 - 1}" y2="{y + bar / 2 - 1}" stroke="#222"/>'
                )
            parts.append(
                f'<text x="{left + w + 4:.1f}" y="{y + bar - 4}" font-size="10">{f"{mean:.3g}".replace(".", decimal)}{escape(unit)}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def legend(names: list[str]) -> str:
    """The colour of each run's bars, as a paragraph: ``<p class="legend">...</p>``.

    Examples
    --------
    >>> legend(["Hari ini"]).count("<span")
    1
    """
    spans = "".join(
        f'<span style="background:{_COLOURS[i % 6]}"></span>{escape(name)}'
        for i, name in enumerate(names)
    )
    return f'<p class="legend">{spans}</p>'


def _finite(v) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def _charts(results: list[SimulationResult]) -> list[str]:
    summaries = [r.summary for r in results]
    first = summaries[0]
    groups: list[tuple[str, list[str], float, str]] = [
        (
            "Cycle time (hours)",
            [
                k
                for k in ("cycle_time.mean", "cycle_time.p50", "cycle_time.p90", "cycle_time.p95")
                if k in first
            ],
            1 / 3600,
            " h",
        ),
        (
            "Waiting time per task (hours)",
            sorted(k for k in first if k.startswith("task.") and k.endswith(".waiting")),
            1 / 3600,
            " h",
        ),
        (
            "Utilisation per lane (%)",
            sorted(k for k in first if k.endswith(".utilisation")),
            100,
            "%",
        ),
        (
            "Mean queue length per lane",
            sorted(k for k in first if k.endswith(".queue_length")),
            1,
            "",
        ),
    ]
    charts = []
    for title, keys, scale, unit in groups:
        if not keys:
            continue
        series = [
            (r.label, [_scaled(s.get(k, {}), scale) for k in keys])
            for r, s in zip(results, summaries, strict=True)
        ]
        labels = [k.split(".", 1)[1].rsplit(".", 1)[0] if k.count(".") > 1 else k for k in keys]
        charts.append(bar_chart(title, labels, series, unit))
    return charts


def _scaled(summary: dict, scale: float) -> dict:
    return {k: summary.get(k, math.nan) * scale for k in ("mean", "low", "high")}


def _page(title: str, body: list[str], results: list[SimulationResult]) -> str:
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>"
        + legend([r.label for r in results])
        + "".join(body)
        + "</body></html>"
    )


def result_html(result: SimulationResult) -> str:
    """One simulation: charts and the KPI table with 95% intervals."""
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{format_value(k, s['mean'])}</td>"
        f"<td>{format_value(k, s['low'])} - {format_value(k, s['high'])}</td></tr>"
        for k, s in result.summary.items()
    )
    table = f"<table><tr><th>KPI</th><th>mean</th><th>95% CI</th></tr>{rows}</table>"
    intro = f"<p>{len(result.replications)} replications x {result.cases} cases, process {escape(result.process_id)}.</p>"
    return _page(f"Simulation of {result.process_id}", [intro, *_charts([result]), table], [result])


def comparison_html(comparisons: list[Comparison]) -> str:
    """Scenarios against the baseline: charts, then one table per scenario."""
    results = [comparisons[0].baseline] + [c.scenario for c in comparisons]
    tables = []
    for c in comparisons:
        rows = "".join(
            f"<tr{' class=sig' if r.significant else ''}><td>{escape(r.kpi)}</td>"
            f"<td>{format_value(r.kpi, r.baseline)}</td><td>{format_value(r.kpi, r.scenario)}</td>"
            f"<td>{r.relative:+.1%}</td><td>{'yes' if r.significant else 'no'}</td></tr>"
            if math.isfinite(r.relative)
            else f"<tr><td>{escape(r.kpi)}</td><td colspan=4>-</td></tr>"
            for r in c.rows
        )
        tables.append(
            f"<h2>{escape(c.scenario.label)}</h2><table><tr><th>KPI</th><th>baseline</th>"
            f"<th>scenario</th><th>change</th><th>significant (5%)</th></tr>{rows}</table>"
        )
    return _page("What-if comparison", [*_charts(results), *tables], results)
