"""Findings on small procedures with planted problems (simulations.analysis.findings, .analysis)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from engine.bpmn.builder import ProcessBuilder, form_field
from simulations.analysis.findings import find_issues
from simulations.analysis.procedure import analyze

HERE = Path(__file__).parent
MIWG = Path("/work/shared/bpmn-miwg-reference")
DESIGN_KINDS = {
    "redundant_check",
    "no_effect_step",
    "parallelizable",
    "stacked_approvals",
    "rework_loop",
    "knockout_order",
    "unreachable",
    "dead_end",
    "deadlock_gateway_pair",
}


def of_kind(findings, kind):
    return [f for f in findings if f.kind == kind]


def sequence(*tasks, lanes=("front",), start_fields=()):
    """start -> tasks (id, name, lane, fields) -> end, in one line."""
    b = ProcessBuilder("p", "Izin")
    for lane in lanes:
        b.lane(lane)
    b.start(fields=list(start_fields))
    for task_id, name, lane, fields in tasks:
        b.task(task_id, name, lane=lane, fields=fields)
    b.end()
    b.chain("start", *(t[0] for t in tasks), "end")
    return b


def clean_procedure():
    """Each step needs the one before; one approval; a decision that routes the case."""
    b = ProcessBuilder("clean", "Izin Reklame")
    for lane in ("front", "tech", "head"):
        b.lane(lane)
    b.start(fields=[form_field("ktp", "file"), form_field("ukuran", "long")])
    b.task(
        "verify",
        "Verifikasi dokumen",
        lane="front",
        fields=[form_field("ktp", "file", readonly=True), form_field("lengkap", "boolean")],
    )
    b.gateway("complete")
    b.task(
        "measure",
        "Hitung retribusi",
        lane="tech",
        fields=[form_field("lengkap", readonly=True), form_field("retribusi", "long")],
    )
    b.task(
        "approve",
        "Persetujuan Kepala Dinas",
        lane="head",
        fields=[form_field("retribusi", readonly=True), form_field("keputusan", "enum")],
    )
    b.task("issue", "Terbitkan izin", lane="front", fields=[form_field("nomor_izin")])
    b.end("issued")
    b.end("refused")
    b.chain("start", "verify", "complete")
    b.flow("complete", "measure", "lengkap")
    b.flow("complete", "refused", default=True)
    b.chain("measure", "approve", "issue", "issued")
    return b


def test_clean_procedure_has_no_findings():
    assert find_issues(clean_procedure().model()) == []


def test_same_document_verified_twice_is_a_redundant_check():
    ktp = form_field("ktp", "file", readonly=True)
    b = sequence(
        ("v1", "Verifikasi dokumen", "front", [ktp, form_field("ok1", "boolean")]),
        ("v2", "Verifikasi berkas", "front", [ktp, form_field("ok2", "boolean")]),
        start_fields=[form_field("ktp", "file")],
    )
    (found,) = of_kind(find_issues(b.model()), "redundant_check")
    assert found.elements == ["v1", "v2"]
    assert "Verifikasi dokumen" in found.title and "Verifikasi berkas" in found.title
    assert "ktp" in found.explanation
    assert found.suggested_change == {"op": "merge_tasks", "tasks": ["v1", "v2"]}


def test_near_same_names_are_redundant_but_numbered_or_alternative_steps_are_not():
    b = sequence(
        ("a", "Pemeriksaan kelengkapan berkas", "front", []),
        ("b", "Task 1", "front", []),
        ("c", "Task 2", "front", []),
        ("d", "Periksa kelengkapan dokumen", "front", []),
    )
    assert [f.elements for f in of_kind(find_issues(b.model()), "redundant_check")] == [["a", "d"]]
    b = ProcessBuilder("p")
    b.start(), b.gateway("x"), b.gateway("m"), b.end()
    b.task("a", "Verifikasi dokumen")
    b.task("b", "Verifikasi dokumen")
    b.chain("start", "x", "a", "m", "end")
    b.chain("x", "b", "m")
    assert of_kind(find_issues(b.model()), "redundant_check") == []


def test_step_writing_data_nobody_reads_has_no_effect():
    b = sequence(
        ("note", "Catat arsip internal", "front", [form_field("catatan_internal")]),
        ("issue", "Terbitkan izin", "front", [form_field("nomor")]),
    )
    (found,) = of_kind(find_issues(b.model()), "no_effect_step")
    assert found.elements == ["note"]
    assert "catatan_internal" in found.explanation
    assert found.suggested_change == {"op": "remove_task", "task": "note"}


def test_independent_reviews_in_sequence_could_run_in_parallel():
    b = sequence(
        (
            "tech",
            "Kajian teknis",
            "tech",
            [form_field("luas", readonly=True), form_field("tech_ok", "boolean")],
        ),
        ("env", "Kajian lingkungan", "env", [form_field("env_ok", "boolean")]),
        (
            "decide",
            "Rekap hasil",
            "front",
            [
                form_field("tech_ok", readonly=True),
                form_field("env_ok", readonly=True),
                form_field("keputusan"),
            ],
        ),
        lanes=("tech", "env", "front"),
        start_fields=[form_field("luas", "long")],
    )
    findings = find_issues(
        b.model(), sim_kpis={"tasks": {"tech": {"duration": 3}, "env": {"duration": 2}}}
    )
    (found,) = of_kind(findings, "parallelizable")
    assert found.elements == ["tech", "env"]
    assert found.suggested_change == {"op": "parallelize", "tasks": ["tech", "env"]}
    assert found.effect == {"elapsed_time_saved": 2.0}


def test_three_approvals_in_a_row_are_stacked():
    b = sequence(
        ("a1", "Review Kasi", "kasi", []),
        ("a2", "Persetujuan Kabid", "kabid", []),
        ("a3", "Tanda tangan Kadis", "kadis", []),
        lanes=("kasi", "kabid", "kadis"),
    )
    (found,) = of_kind(find_issues(b.model()), "stacked_approvals")
    assert found.elements == ["a1", "a2", "a3"]
    assert found.title.startswith("3 approvals in a row")


def test_one_lane_signing_twice_is_not_a_ladder():
    b = sequence(
        ("a1", "Paraf draf", "kadis", []), ("a2", "Tanda tangan", "kadis", []), lanes=("kadis",)
    )
    assert of_kind(find_issues(b.model()), "stacked_approvals") == []


def gateway_pair(split_kind, join_kind):
    b = ProcessBuilder("p")
    b.start(), b.gateway("split", split_kind), b.gateway("join", join_kind), b.end()
    b.task("a", "Survei")
    b.task("b", "Kajian")
    b.chain("start", "split", "a", "join", "end")
    b.chain("split", "b", "join")
    return b


def test_parallel_join_after_exclusive_split_deadlocks():
    (found,) = find_issues(gateway_pair("exclusiveGateway", "parallelGateway").model())
    assert (found.kind, found.elements, found.severity) == (
        "deadlock_gateway_pair",
        ["split", "join"],
        "error",
    )
    assert "wait for ever" in found.explanation


def test_exclusive_join_after_parallel_split_does_not_synchronise():
    (found,) = find_issues(gateway_pair("parallelGateway", "exclusiveGateway").model())
    assert (found.kind, found.severity) == ("deadlock_gateway_pair", "warning")
    assert "synchronisation" in found.explanation


def test_matching_gateway_pairs_are_fine():
    assert find_issues(gateway_pair("parallelGateway", "parallelGateway").model()) == []
    assert find_issues(gateway_pair("exclusiveGateway", "exclusiveGateway").model()) == []


def test_rework_loop_names_its_entry_and_gateway():
    b = ProcessBuilder("p")
    b.start(), b.gateway("merge"), b.gateway("complete", name="Lengkap?"), b.end()
    b.task("verify", "Verifikasi")
    b.task("revise", "Perbaikan oleh pemohon")
    b.chain("start", "merge", "verify", "complete", "end")
    b.flow("complete", "revise", "not lengkap")
    b.flow("revise", "merge")
    (found,) = of_kind(find_issues(b.model()), "rework_loop")
    assert found.elements[:2] == ["merge", "complete"]
    assert set(found.elements[2:]) == {"verify", "revise"}
    assert "Lengkap?" in found.title


def test_cheap_strict_check_after_expensive_one_is_a_knockout_problem():
    b = sequence(("site", "Survei lapangan", "front", []), ("docs", "Cek kelengkapan", "front", []))
    kpis = {
        "tasks": {
            "site": {"mean_duration": 5, "rejection_rate": 0.05},
            "docs": {"mean_duration": 0.5, "rejection_rate": 0.3},
        }
    }
    (found,) = of_kind(find_issues(b.model(), sim_kpis=kpis), "knockout_order")
    assert found.elements == ["docs", "site"]
    assert found.effect == {"expected_work_saved_per_case": pytest.approx(0.3 * 5 - 0.05 * 0.5)}
    kpis["tasks"]["docs"]["mean_duration"] = 8
    assert of_kind(find_issues(b.model(), sim_kpis=kpis), "knockout_order") == []


def test_bottlenecks_from_simulation_and_history():
    b = clean_procedure()
    sim = {"lanes": {"tech": {"utilisation": 0.93, "waiting_share": 0.2, "staff": 3}}}
    history = {
        "lanes": {
            "head": {"utilisation": 0.5, "waiting_share": 0.55},
            "front": {"utilisation": 0.6, "waiting_share": 0.1},
        }
    }
    found = of_kind(find_issues(b.model(), sim_kpis=sim, history_kpis=history), "bottleneck")
    assert [(f.elements[0], f.effect["source"]) for f in found] == [
        ("tech", "simulation"),
        ("head", "history"),
    ]
    assert found[0].elements == ["tech", "measure"]
    assert found[0].suggested_change == {"op": "staff", "lane": "tech", "count": 4}
    assert found[1].suggested_change is None


def test_unreachable_steps_and_dead_ends():
    b = ProcessBuilder("p")
    b.start(), b.gateway("g"), b.end()
    b.task("t", "Survei")
    b.task("orphan", "Arsip lama")
    b.gateway("stuck")
    b.task("spin", "Tunggu")
    b.chain("start", "g", "t", "end")
    b.flow("g", "stuck")
    b.chain("g", "spin", "g")
    findings = find_issues(b.model())
    assert [f.elements for f in of_kind(findings, "unreachable")] == [["orphan"]]
    dead = {tuple(f.elements): f.severity for f in of_kind(findings, "dead_end")}
    assert dead[("stuck",)] == "error" and dead[("orphan",)] == "warning"


def test_loop_without_exit_never_ends():
    b = ProcessBuilder("p")
    b.start(), b.task("a", "Periksa"), b.task("b", "Perbaiki")
    b.chain("start", "a", "b", "a")
    (found,) = of_kind(find_issues(b.model()), "dead_end")
    assert found.elements == ["a", "b"] and "never lead to an end" in found.title


def test_report_as_text_and_json():
    b = sequence(
        ("a1", "Persetujuan Kabid", "kabid", []),
        ("a2", "Persetujuan Kadis", "kadis", []),
        lanes=("kabid", "kadis"),
    )
    report = analyze(b.model(), sim_kpis={"lanes": {"kadis": {"utilisation": 0.9}}})
    data = json.loads(json.dumps(report.as_dict()))
    assert data["process_id"] == "p" and data["complexity"]["max_approval_chain"] == 2
    assert [f["kind"] for f in data["findings"]] == ["stacked_approvals", "bottleneck"]
    text = report.to_text()
    assert "Approvals in a row (most)" in text and "1. [warning] 2 approvals in a row" in text
    assert "2. [warning] Lane kadis is a bottleneck" in text


def test_planted_bpmn_file():
    loader = importlib.import_module("engine.bpmn.reader")
    report = analyze(loader.load_bpmn_file(HERE / "bpmn_analysis" / "planted.bpmn"))
    found = {(f.kind, tuple(f.elements)) for f in report.findings}
    assert ("redundant_check", ("verify_docs", "verify_files")) in found
    assert ("no_effect_step", ("note",)) in found
    assert ("stacked_approvals", ("kabid", "kadis", "sekda")) in found
    assert any(k == "parallelizable" and {"tech", "env"} <= set(e) for k, e in found)
    assert report.complexity["max_approval_chain"] == 3


@pytest.mark.parametrize("path", sorted(MIWG.glob("*.bpmn")), ids=lambda p: p.stem)
def test_every_miwg_reference_model_can_be_analysed(path):
    loader = importlib.import_module("engine.bpmn.reader")
    model = loader.load_bpmn_file(path)
    for process_id in model.processes:
        report = analyze(model, process_id=process_id)
        json.dumps(report.as_dict())
        assert report.to_text()
        assert {f.kind for f in report.findings} <= DESIGN_KINDS


def test_generated_procedure_of_the_benchmark_is_analysed():
    spec = importlib.util.spec_from_file_location(
        "analysis_scale", HERE.parent / "benchmarks" / "analysis_scale.py"
    )
    benchmark = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(benchmark)
    model = benchmark.generate_procedure(300, seed=1)
    report = analyze(model)
    assert report.complexity["steps"] > 150
    assert {"rework_loop", "parallelizable"} <= {f.kind for f in report.findings}
    assert not {"unreachable", "dead_end", "deadlock_gateway_pair"} & {
        f.kind for f in report.findings
    }
