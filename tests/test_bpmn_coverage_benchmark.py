"""The coverage benchmark deploys a file together with the files of the processes it
calls (as SpiffWorkflow's tests load them), called ones first."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

ROOT = Path(__file__).parent.parent
FEATURES = Path(__file__).parent / "bpmn_features"


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "bpmn_coverage", ROOT / "benchmarks" / "bpmn_coverage.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_call_of_a_process_in_a_sibling_file_is_deployed_with_it(tmp_path, capsys):
    for name in ("calls_deployed.bpmn", "called_review.bpmn"):
        shutil.copy(FEATURES / name, tmp_path / name)
    benchmark = _benchmark()
    assert benchmark.called_beside(
        tmp_path / "calls_deployed.bpmn", (tmp_path / "calls_deployed.bpmn").read_bytes()
    ) == [tmp_path / "called_review.bpmn"]
    figures = tmp_path / "figures.json"
    assert benchmark.main(["--models", str(tmp_path), "--json", str(figures)]) == 0
    result = json.loads(figures.read_text())
    assert (result["files"], result["accepted"], result["completed"]) == (2, 2, 2)
    assert result["refused_by_reason"] == {}
    assert "run to an end state:           2" in capsys.readouterr().out
