"""Findings of the procedure analysis (simulations.analysis): small procedures with planted
problems, the issues reformers found on procedures nobody tuned the analysis to, and the
accuracy corpus (tests/data/analysis_corpus) with per-kind precision and recall."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

from engine.bpmn.builder import ProcessBuilder, form_field
from simulations.analysis.findings import find_issues
from simulations.analysis.procedure import analyze

HERE = Path(__file__).parent
MIWG = Path("/work/shared/bpmn-miwg-reference")
CORPUS = HERE / "data" / "analysis_corpus"
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
    assert '"catatan internal"' in found.explanation  # the field's label, not its id
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
    # no case reaches the orphan: it is unreachable, not also a place where cases stop
    assert dead[("stuck",)] == "error" and ("orphan",) not in dead


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
    assert '2. [warning] Lane "kadis" is a bottleneck' in text


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


# ---------------------------------------------------------------- what reformers reported (issue 14)


def identity_checks(second_name, second_fields):
    b = ProcessBuilder("p", "Izin Reklame")
    for lane in ("front", "tech"):
        b.lane(lane)
    b.start(fields=[form_field("nik"), form_field("ktp", "file")])
    b.task(
        "check_id",
        "Check identity card",
        lane="front",
        fields=[
            form_field("nik"),
            form_field("ktp", "file", readonly=True),
            form_field("identity_valid", "boolean"),
        ],
    )
    b.gateway("g1", name="ID valid?")
    b.task("survey", "Survey location", lane="tech", fields=[form_field("location_ok", "boolean")])
    b.gateway("g2")
    b.task("second", second_name, lane="tech", fields=second_fields)
    b.end("ok")
    b.end("no1")
    b.end("no2")
    b.chain("start", "check_id", "g1")
    b.flow("g1", "survey", "identity_valid")
    b.flow("g1", "no1", default=True)
    b.chain("survey", "g2")
    b.flow("g2", "second", "location_ok")
    b.flow("g2", "no2", default=True)
    b.chain("second", "ok")
    return b


def test_same_identity_check_worded_differently_is_a_duplicate_with_evidence():
    b = identity_checks(
        "Validasi kartu tanda penduduk pemohon",
        [
            form_field("nik"),
            form_field("ktp", "file", readonly=True),
            form_field("ktp_sah", "boolean", label="KTP valid?"),
        ],
    )
    (found,) = of_kind(find_issues(b.model()), "redundant_check")
    assert found.elements == ["check_id", "second"]
    assert found.confidence >= 0.5
    text = " ".join(found.evidence)
    assert "ktp" in text.lower() and "same data" in text  # the editable NIK counts too


def test_checks_of_different_things_are_not_duplicates():
    b = identity_checks(
        "Verify payment",
        [form_field("payment_proof", "file", readonly=True), form_field("paid", "boolean")],
    )
    assert of_kind(find_issues(b.model()), "redundant_check") == []


def test_a_test_and_the_review_of_its_result_are_not_one_check():
    b = sequence(
        ("sample", "Uji sampel air", "lab", [form_field("hasil_lab", "file")]),
        (
            "review",
            "Verifikasi hasil uji sampel air",
            "office",
            [form_field("hasil_lab", "file", readonly=True), form_field("ok", "boolean")],
        ),
        lanes=("lab", "office"),
    )
    assert of_kind(find_issues(b.model()), "redundant_check") == []


def test_three_heads_in_one_management_lane_are_a_ladder_fee_and_issue_are_not():
    b = sequence(
        ("assess", "Assess signage fee", "mgmt", [form_field("fee", "long")]),
        ("section", "Section head review", "mgmt", []),
        ("division", "Division head approval", "mgmt", []),
        ("head", "Head of office signs permit", "mgmt", []),
        ("issue", "Issue signage permit", "mgmt", [form_field("permit_no")]),
        lanes=("mgmt",),
    )
    (found,) = of_kind(find_issues(b.model()), "stacked_approvals")
    assert found.elements == ["section", "division", "head"]
    assert "section head" in found.explanation and "division head" in found.explanation


def test_an_approved_decision_field_makes_an_approval():
    approved = form_field("approved", "boolean", label="Approved?")
    b = sequence(
        ("a", "Keputusan teknis", "tech", [approved]),
        ("b", "Tanda tangan Kepala Dinas", "head", []),
        lanes=("tech", "head"),
    )
    assert [f.elements for f in of_kind(find_issues(b.model()), "stacked_approvals")] == [
        ["a", "b"]
    ]


def test_fee_assessment_then_issue_is_one_approval_at_most():
    b = sequence(
        ("assess", "Assess signage fee", "cashier", [form_field("fee", "long")]),
        ("issue", "Issue signage permit", "front", [form_field("permit_no")]),
        lanes=("cashier", "front"),
    )
    assert of_kind(find_issues(b.model()), "stacked_approvals") == []


def test_registration_payment_and_fee_assessment_are_never_no_effect_steps():
    b = sequence(
        ("register", "Register application", "front", [form_field("registration_note")]),
        ("assess", "Assess retribution fee", "cashier", [form_field("fee_amount", "long")]),
        ("pay", "Record fee payment", "cashier", [form_field("payment_ref")]),
        ("sign", "Sign PBG", "head", [form_field("signature_note")]),
        ("issue", "Issue permit", "front", [form_field("permit_number")]),
        lanes=("front", "cashier", "head"),
    )
    assert of_kind(find_issues(b.model()), "no_effect_step") == []


def test_a_step_whose_data_is_read_later_is_never_suggested_for_removal():
    b = sequence(
        ("survey", "Survei lokasi", "tech", [form_field("hasil_survei")]),
        (
            "answer",
            "Susun jawaban",
            "tech",
            [form_field("hasil_survei", readonly=True), form_field("jawaban")],
        ),
        ("send", "Kirim jawaban", "front", []),
        lanes=("tech", "front"),
    )
    assert of_kind(find_issues(b.model()), "no_effect_step") == []


def test_waiting_for_payment_and_iterating_over_items_are_not_rework():
    b = ProcessBuilder("p")
    b.lane("cashier"), b.lane("tech")
    b.start(), b.end()
    b.task("pay", "Confirm payment", lane="cashier", fields=[form_field("paid", "boolean")])
    b.gateway("paid", name="Paid?")
    b.task(
        "survey",
        "Survey location",
        lane="tech",
        fields=[form_field("more", "boolean", label="Another location?")],
    )
    b.gateway("more", name="Another location?")
    b.chain("start", "pay", "paid")
    b.flow("paid", "survey", "paid")
    b.flow("paid", "pay", "not yet", default=True)
    b.chain("survey", "more")
    b.flow("more", "survey", "more")
    b.flow("more", "end", default=True)
    assert of_kind(find_issues(b.model()), "rework_loop") == []


def test_a_suggestion_that_breaks_the_procedure_is_withdrawn():
    """Removing the second KTP check would leave its gateway reading a datum nothing records."""
    b = identity_checks(
        "Validasi KTP pemohon",
        [
            form_field("ktp", "file", readonly=True),
            form_field("ktp_valid", "boolean", label="KTP valid?"),
        ],
    )
    b.gateway("g3", name="KTP valid?")
    process = b.process
    flow = next(f for f in process.flows.values() if f.source == "second")
    flow.target, process.nodes["ok"].incoming = "g3", []
    process.nodes["g3"].incoming.append(flow.id)
    b.end("no3")
    b.flow("g3", "ok", "ktp_valid")
    b.flow("g3", "no3", default=True)
    (found,) = of_kind(find_issues(b.model()), "redundant_check")
    assert found.suggested_change is None
    assert "ktp_valid" in found.explanation and "No change is suggested" in found.explanation


def test_offered_suggestions_apply_and_validate():
    from engine.validation.process import validate
    from simulations.params.model import SimParams
    from simulations.scenarios.changes import apply_changes

    model = clean_procedure().model()
    b = sequence(
        ("note", "Catat di buku agenda manual", "front", [form_field("agenda")]),
        ("issue", "Terbitkan izin", "front", [form_field("nomor")]),
    )
    for m in (model, b.model()):
        for finding in find_issues(m):
            if finding.suggested_change:
                revised, _ = apply_changes(m, SimParams(), [finding.suggested_change])
                errors = [
                    p for p in validate(revised, for_execution=False) if p.severity == "error"
                ]
                assert not errors, (finding.title, errors)


def test_documents_drawn_as_data_objects_are_compared():
    bpmn = (CORPUS / "pbg_kab_klaten_signavio.bpmn").read_bytes()
    loader = importlib.import_module("engine.bpmn.reader")
    model = loader.load_bpmn(bpmn, "klaten.bpmn")
    with_file = analyze(model, xml=bpmn)
    found = of_kind(with_file.findings, "redundant_check")
    assert found and any("same data or documents" in " ".join(f.evidence) for f in found)


def test_long_names_are_compared_in_bounded_time():
    """Security issue 10, item 4: 120-word task names took 61 s for one page."""
    import time

    words = "verifikasi dokumen berkas izin bangunan periksa teknis lapangan survei kajian".split()
    b = ProcessBuilder("p")
    b.start(), b.end()
    ids = []
    for i in range(60):
        name = " ".join(words[(i + k) % len(words)] + str(k % 7) for k in range(120))
        b.task(f"t{i}", name, fields=[form_field(f"f{i}"), form_field(f"f{i - 1}", readonly=True)])
        ids.append(f"t{i}")
    b.chain("start", *ids, "end")
    model = b.model()
    analyze(model)  # imports and caches out of the way
    started = time.process_time()
    analyze(model)
    assert time.process_time() - started < 1.0


# ---------------------------------------------------------------- the accuracy corpus


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "analysis_accuracy", HERE.parent / "benchmarks" / "analysis_accuracy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


CORPUS_FILES = sorted(CORPUS.glob("*.bpmn"))
THRESHOLD = 0.9  # precision and recall per kind over the whole corpus


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.stem)
def test_corpus_procedure_is_analysed_with_evidence(path):
    loader = importlib.import_module("engine.bpmn.reader")
    data = path.read_bytes()
    model = loader.load_bpmn(data, path.name)
    report = analyze(model, xml=data)
    json.dumps(report.as_dict())
    process = model.main_process()
    read_later = {f.id for n in process.nodes.values() for f in n.form_fields if f.readonly}
    for finding in report.findings:
        assert finding.evidence, finding.title
        change = finding.suggested_change or {}
        if change.get("op") == "remove_task":
            node = process.nodes[change["task"]]
            written = {f.id for f in node.form_fields if not f.readonly}
            assert finding.kind != "no_effect_step" or not written & read_later, finding.title


def test_corpus_precision_and_recall_per_kind():
    benchmark = _benchmark()
    result = benchmark.evaluate(benchmark.corpus_files("all"))
    assert result.files == len(CORPUS_FILES) >= 30
    assert not result.errors
    assert not benchmark.below(result, THRESHOLD), benchmark.table(result)


# ---------------------------------------------------------------- findings from history


def reviewed_procedure():
    b = ProcessBuilder("p", "Izin")
    for lane in ("front", "tech", "head"):
        b.lane(lane)
    b.start(fields=[form_field("luas", "long")])
    b.gateway("merge")
    b.task("verify", "Verifikasi dokumen", lane="front", fields=[form_field("lengkap", "boolean")])
    b.gateway("complete", name="Lengkap?")
    b.task(
        "revise",
        "Perbaikan berkas oleh pemohon",
        lane="front",
        fields=[form_field("berkas", "file")],
    )
    b.task("tech", "Kajian teknis", lane="tech", fields=[form_field("teknis_ok", "boolean")])
    b.gateway("tech_ok")
    b.task(
        "sign",
        "Tanda tangan Kepala Dinas",
        lane="head",
        fields=[form_field("disetujui", "boolean", label="Disetujui?")],
    )
    b.gateway("signed")
    b.end("issued"), b.end("rejected"), b.end("refused")
    b.chain("start", "merge", "verify", "complete")
    b.flow("complete", "tech", "lengkap")
    b.flow("complete", "revise", "tidak lengkap", default=True)
    b.chain("revise", "merge")
    b.chain("tech", "tech_ok")
    b.flow("tech_ok", "sign", "teknis_ok")
    b.flow("tech_ok", "rejected", default=True)
    b.chain("sign", "signed")
    b.flow("signed", "issued", "disetujui")
    b.flow("signed", "refused", default=True)
    return b


def test_history_shows_checks_that_never_reject_approvals_never_refused_and_rework_cost():
    from datetime import datetime, timedelta

    from simulations.analysis.history import Completion, History

    history = History("p", 3)
    t0 = datetime(2026, 1, 5, 9)
    for i in range(200):
        case, at = f"C{i}", t0 + timedelta(hours=i)
        events = [(None, {"luas": 100})]
        if i == 0:  # one case sent back once, five days lost
            events += [("verify", {"lengkap": False}), ("revise", {})]
        events += [("verify", {"lengkap": True}), ("tech", {"teknis_ok": i % 5 != 0})]
        if i % 5 != 0:
            events.append(("sign", {"disetujui": True}))
        for k, (element, data) in enumerate(events):
            extra = timedelta(days=5) if i == 0 and k >= 3 else timedelta(0)
            history.completions.append(
                Completion(case, element, at + timedelta(minutes=k) + extra, data)
            )
    report = analyze(reviewed_procedure().model(), history=history)
    found = {f.kind: f for f in report.findings}
    rare = found["rarely_rejecting_check"]
    assert (
        rare.elements == ["verify"] and rare.effect["rejected"] == 1 and rare.effect["cases"] == 200
    )
    assert "2026-01-05" in rare.effect["period"] and rare.effect["upper_95"] < 0.03
    assert found["never_refused_approval"].elements == ["sign"]
    assert found["never_refused_approval"].effect["cases"] == 160
    assert "tech" not in {
        e for f in report.findings for e in f.elements if f.kind == "rarely_rejecting_check"
    }
    rework = found["costly_rework"]
    assert "verify" in rework.elements and rework.effect["rounds"] == 1
    assert rework.effect["days"] == pytest.approx(5.0, abs=0.01)


def test_history_is_read_from_the_audit_log(session):
    from datetime import timedelta

    from engine import services
    from engine.calendar import clock
    from simulations.analysis.history import condition_names, history_from_audit, outcomes

    services.create_user(session, "ani", roles=["front_office"])
    services.create_user(session, "budi", roles=["head_of_office"])
    bpmn = (HERE / "engine_bpmn" / "two_lanes.bpmn").read_bytes()
    services.deploy(session, bpmn, source="two_lanes.bpmn")
    for index in range(3):
        case = services.start_case(
            session, "small_permit", {"applicant_name": f"P{index}", "area": 2}
        )
        services.complete_task(session, services.open_tasks(session, case)[0].id, "ani", {})
        clock.advance(timedelta(hours=1))
        decision = "approve" if index else "reject"
        task = services.open_tasks(session, case)[0]
        services.complete_task(session, task.id, "budi", {"decision": decision})
    session.commit()
    loader = importlib.import_module("engine.bpmn.reader")
    from simulations.analysis.graph import process_graph

    G = process_graph(loader.load_bpmn(bpmn, "two_lanes.bpmn").main_process())
    history = history_from_audit(session, "small_permit", 1, keep=condition_names(G))
    assert len(history.by_case()) == 3 and history.period is not None
    assert {k for c in history.completions for k in c.data} == {"decision", "area"}
    decided = outcomes(G, history)["decide"]
    assert sorted(decided.values()) == [False, True, True]


# ---------------------------------------------------------------- the findings' words


def _element_ids(process) -> set[str]:
    """Ids that cannot be words (``Lane_1a09jzp``, ``verify_ktp``) of named elements."""
    named = {n.id for n in process.nodes.values() if n.name and n.name != n.id}
    named |= {lane.id for lane in process.lanes.values() if lane.name}
    return {i for i in named if re.search(r"[_\d]", i)}


def _names(process):
    names = {n.id: n.label for n in process.nodes.values()}
    return (names | {lane.id: lane.name or lane.id for lane in process.lanes.values()}).get


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_corpus_finding_reads_in_both_languages_with_names_not_ids(language):
    from engine.bpmn.reader import load_bpmn
    from simulations.analysis.texts import render

    seen = set()
    for path in CORPUS_FILES:
        data = path.read_bytes()
        model = load_bpmn(data, path.name)
        process = model.main_process()
        for finding in analyze(model, xml=data).findings:
            title, explanation = render(finding.message, finding.params, _names(process), language)
            unquoted = re.sub(r'"[^"]*"', "", f"{title} {explanation}")  # names may hold ids
            words = set(re.findall(r"[\w.-]+", unquoted))
            assert not words & _element_ids(process), (path.name, title)
            seen.add(finding.message)
    assert len(seen) >= 8  # the corpus exercises most kinds of words


def test_the_english_words_are_the_findings_own_title_and_explanation():
    from simulations.analysis.texts import render

    b = sequence(
        ("a1", "Persetujuan Kabid", "kabid", []),
        ("a2", "Persetujuan Kadis", "kadis", []),
        lanes=("kabid", "kadis"),
    )
    model = b.model()
    for finding in find_issues(model, sim_kpis={"lanes": {"kadis": {"utilisation": 0.9}}}):
        rendered = render(finding.message, finding.params, _names(model.main_process()), "en")
        assert rendered is not None
        assert finding.title.replace('"', "") == rendered[0].replace('"', "")


def test_indonesian_words_use_indonesian_numbers_durations_and_names():
    from simulations.analysis.texts import MESSAGES, duration_text, render

    for message, languages in MESSAGES.items():
        assert set(languages) == {"en", "id"}, message
        fields = [set(re.findall(r"\{(\w+)", " ".join(languages[lang]))) for lang in ("en", "id")]
        assert fields[1] <= fields[0], message  # Indonesian needs nothing English lacks
    names = {"cek": "Cek KTP", "verif": "Verifikasi KTP"}.get
    title, text = render(
        "agreeing_checks",
        {"a": "cek", "b": "verif", "agree": 1200, "cases": 1212, "share": 0.99}
        | {"bound": 0.015, "versions": 3, "period": ["2026-01-05", "2026-06-30"]},
        names,
        "id",
    )
    assert title == '"Cek KTP" dan "Verifikasi KTP" sepakat pada 1.200 dari 1.212 permohonan'
    assert "Pada versi 3, 2026-01-05 s.d. 2026-06-30" in text and "99,0%" in text
    assert duration_text(2 * 3600, "id") == "2 jam"
    assert duration_text(12 * 3600, "id") == "1,5 hari kerja"
    assert duration_text(12 * 3600) == "1.5 working days"
    assert render("no_such_message", {}, names, "id") is None
