"""The coverage benchmark measures the issue's goal: of the models SpiffWorkflow parses
and whose scripts fit the safe language, how many are accepted and run; it starts cases
with the start data an API client would send and leaves loops."""

from __future__ import annotations

import json
import shutil

from engine.bpmn.reader import load_bpmn
from tests.test_bpmn_coverage_benchmark import FEATURES, _benchmark


def test_a_model_reading_names_only_start_data_sets_runs_to_its_end(tmp_path, capsys):
    shutil.copy(FEATURES / "start_data_loops.bpmn", tmp_path / "start_data_loops.bpmn")
    figures = tmp_path / "figures.json"
    assert _benchmark().main(["--models", str(tmp_path), "--json", str(figures)]) == 0
    result = json.loads(figures.read_text())
    assert (result["accepted"], result["completed"]) == (1, 1)
    assert result["with_generated_start_data"] == 1
    out = capsys.readouterr().out
    assert "run to an end state:           1" in out


def test_start_data_takes_compared_constants_and_leaves_a_standard_loop():
    benchmark = _benchmark()
    model = load_bpmn((FEATURES / "start_data_loops.bpmn").read_bytes(), "start_data_loops")
    # "not done" loops while true: True leaves it; "choice" is compared with 'Yes'
    assert benchmark.start_data(model, "start_data_loops", ()) == {"choice": "Yes", "done": True}


def test_form_fields_compared_with_constants_get_them_in_turn():
    benchmark = _benchmark()
    model = load_bpmn((FEATURES / "start_data_loops.bpmn").read_bytes(), "start_data_loops")
    fields = model.processes["start_data_loops"].nodes["work"].form_fields
    constants = benchmark.model_comparisons(model)
    visits = [benchmark.fill_task(fields, constants, n)["work_done"] for n in range(3)]
    assert visits == ["No", "Yes", "No"]


def test_refusals_are_split_by_what_they_say_about_the_goal():
    benchmark = _benchmark()
    results = [
        {"file": "a.bpmn", "spiff": None, "reasons": [], "run": "completed"},
        {"file": "b.bpmn", "spiff": None, "reasons": ["unsafe_expression", "dead_end"]},
        {"file": "c.bpmn", "spiff": None, "reasons": ["called file refused: extension_script"]},
        {"file": "d.bpmn", "spiff": None, "reasons": ["call_cycle"]},
        {"file": "e.bpmn", "spiff": None, "reasons": ["call_cycle", "dead_end"]},
        {"file": "f.bpmn", "spiff": "ValidationException: x", "reasons": ["dead_end"]},
    ]
    goal = benchmark.goal_figures(results)
    assert goal["parsed_scripts_outside_safe_language"] == 2
    assert (goal["parsed_and_scripts_fit"], goal["accepted"], goal["completed"]) == (3, 1, 1)
    assert (goal["refused_as_demanded"], goal["gaps"]) == (1, 1)
    assert goal["gap_files"] == [{"file": "e.bpmn", "reasons": ["dead_end"]}]


def test_validation_names_what_only_start_data_sets_with_what_reads_it():
    from engine.validation.data_flow import names_from_start_data

    model = load_bpmn((FEATURES / "start_data_loops.bpmn").read_bytes(), "start_data_loops")
    found = names_from_start_data(model, {"start_data_loops"})
    assert {name: [(what, el.id) for what, el in reads] for name, reads in found.items()} == {
        "choice": [("condition", "to_count")],
        "done": [("loop condition", "count")],
    }


def test_an_awaited_message_brings_what_the_conditions_after_it_read(tmp_path):
    """The reply says whether to wait again: True, then False, so the loop ends."""
    shutil.copy(FEATURES / "message_repeat.bpmn", tmp_path / "message_repeat.bpmn")
    figures = tmp_path / "figures.json"
    assert _benchmark().main(["--models", str(tmp_path), "--json", str(figures)]) == 0
    result = json.loads(figures.read_text())
    assert (result["accepted"], result["completed"]) == (1, 1)
    assert result["goal"]["completed"] == 1
