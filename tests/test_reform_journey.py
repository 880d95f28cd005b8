"""A reformer goes from the building approval to a simplified version with a measured
improvement, from the command line, and the revised diagram deploys and runs."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from engine import services
from engine.cli import main
from engine.demo import fill

PROCESSES = Path(__file__).resolve().parents[1] / "processes"
BPMN = PROCESSES / "building_approval.bpmn"
PARAMS = PROCESSES / "simulation" / "building_approval.yaml"
SCENARIO = PROCESSES / "simulation" / "building_approval_simplified.yaml"


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def test_analysis_names_the_bottleneck_and_keeps_the_registration():
    report = json.loads(run("analyze", str(BPMN), "--json", "--simulate", "--params", str(PARAMS)))
    kinds = {(f["kind"], tuple(f["elements"])) for f in report["findings"]}
    # registering the application records what later steps read: not a step to drop
    assert ("no_effect_step", ("register_application",)) not in kinds
    assert not any(
        (f.get("suggested_change") or {}).get("task") == "register_application"
        for f in report["findings"]
    )
    assert any(kind == "bottleneck" and "Lane_cashier" in elements for kind, elements in kinds)


def test_simplified_scenario_is_measurably_faster_and_deploys(tmp_path, session):
    out = tmp_path / "report.json"
    run(
        "compare",
        str(BPMN),
        str(SCENARIO),
        "--params",
        str(PARAMS),
        "--replications",
        "12",
        "--cases",
        "1000",
        "--seed",
        "7",
        "--workers",
        "1",
        "--quiet",
        "--json",
        str(out),
        "--bpmn-dir",
        str(tmp_path),
    )
    [comparison] = json.loads(out.read_text())
    cycle = next(row for row in comparison["kpis"] if row["kpi"] == "cycle_time.mean")
    assert cycle["scenario"] < 0.8 * cycle["baseline"] and cycle["significant"]

    revised = (tmp_path / "building_approval_simplified.bpmn").read_bytes()
    services.deploy(session, BPMN.read_bytes(), source=BPMN.name)
    definition, created = services.deploy(session, revised, source="simplified.bpmn")
    assert created and definition.version == 2
    model = services.model_for(definition)
    assert "register_application" not in model.processes["building_approval"].nodes
    services.create_user(session, "boss", roles=["admin"])
    case = services.start_case(
        session,
        "building_approval",
        fill(services.start_form(model.processes["building_approval"])),
    )
    session.commit()  # the applicant's data is fetched from the registry once committed
    assert services.open_tasks(session, case)[0].element_id == "verify_documents"
