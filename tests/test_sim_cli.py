"""The simulate / compare / calibrate / analyze commands, as a user runs them on a FILE."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from simulations.cli import analyze, calibrate, compare, simulate

FIXTURES = Path(__file__).parent / "sim_fixtures"
BPMN = str(FIXTURES / "permit.bpmn")
PARAMS = str(FIXTURES / "permit.yaml")
FAST = [
    "--params",
    PARAMS,
    "--cases",
    "120",
    "--replications",
    "3",
    "--seed",
    "1",
    "--workers",
    "1",
]


def invoke(command, args):
    result = CliRunner().invoke(command, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_simulate_prints_kpis_and_writes_json_html_and_log(tmp_path):
    out = tmp_path / "r.json"
    result = invoke(
        simulate,
        [
            BPMN,
            *FAST,
            "--json",
            str(out),
            "--html",
            str(tmp_path / "r.html"),
            "--log",
            str(tmp_path / "log.csv"),
            "--quiet",
        ],
    )
    assert result.exit_code == 0
    assert "cycle_time.mean" in result.output and "95% CI" in result.output
    data = json.loads(out.read_text())
    assert data["replications"] == 3 and "lane.back.utilisation" in data["kpis"]
    html = (tmp_path / "r.html").read_text()
    assert (
        "<svg" in html
        and "<script" not in html
        and "http" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    from engine.reporting.event_log import EXPORT_COLUMNS

    header = (tmp_path / "log.csv").read_text().splitlines()[0]
    assert header == ",".join(EXPORT_COLUMNS)  # the engine's export-log layout


def test_simulate_with_a_scenario_writes_the_revised_bpmn(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        yaml.safe_dump({"name": "no fee step", "changes": [{"op": "remove_task", "task": "fee"}]})
    )
    result = invoke(
        simulate, [BPMN, *FAST, "--scenario", str(scenario), "--bpmn-out", str(tmp_path / "s.bpmn")]
    )
    assert result.exit_code == 0 and "no fee step" in result.output
    assert b"<bpmn:definitions" in (tmp_path / "s.bpmn").read_bytes()


def test_compare_shows_each_kpi_and_significance(tmp_path):
    result = invoke(
        compare,
        [
            BPMN,
            str(FIXTURES / "merge_and_staff.yaml"),
            *FAST,
            "--json",
            str(tmp_path / "c.json"),
            "--html",
            str(tmp_path / "c.html"),
        ],
    )
    assert result.exit_code == 0
    assert "significant" in result.output and "task.survey.processing" in result.output
    rows = json.loads((tmp_path / "c.json").read_text())[0]["kpis"]
    survey = next(r for r in rows if r["kpi"] == "task.survey.processing")
    assert survey["significant"] is True and survey["relative"] < -0.4


def test_calibrate_writes_loadable_parameters(tmp_path):
    log = tmp_path / "log.csv"
    invoke(simulate, [BPMN, *FAST, "--log", str(log)])
    out = tmp_path / "fitted.yaml"
    result = invoke(calibrate, [BPMN, "--log", str(log), "--out", str(out)])
    assert result.exit_code == 0, result.output
    again = invoke(
        simulate,
        [BPMN, "--params", str(out), "--cases", "50", "--replications", "2", "--workers", "1"],
    )
    assert again.exit_code == 0, again.output
    assert set(yaml.safe_load(out.read_text())["tasks"]) >= {"register", "verify", "sign"}


def test_analyze_prints_findings_and_json():
    result = invoke(analyze, [BPMN])
    assert result.exit_code == 0 and result.output.strip()
    result = invoke(
        analyze,
        [BPMN, "--json", "--simulate", "--params", PARAMS, "--cases", "100", "--replications", "2"],
    )
    assert result.exit_code == 0
    assert "findings" in json.loads(result.output)


def test_errors_are_messages_not_tracebacks(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("lanes: {front: {count: -1}}\n")
    for args in ([str(tmp_path / "missing.bpmn")], [BPMN, "--params", str(bad)], ["some_key"]):
        result = CliRunner().invoke(simulate, args)
        assert result.exit_code != 0
        assert "Traceback" not in result.output and result.output.startswith("Error:")
    result = CliRunner().invoke(simulate, [BPMN, "--params", str(bad)])
    assert "lanes.front.count" in result.output
