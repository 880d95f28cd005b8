"""The clerks' pages speak Indonesian: no raw audit action, element or lane id, no English.

Every audit action the engine writes has a label (found by reading the engine's source),
and clerks of the shipped business licence and resident ID card walk a case in
Indonesian: the inbox, the task page, the case page and the case list show none of the model's ids,
none of the raw action names and none of the English names that have a translation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask_babel import force_locale

from engine import services
from engine.accounts.passwords import hash_password
from engine.bpmn.reader import load_bpmn
from engine.demo import fill
from tests.conftest import PROCESSES
from tests.web.conftest import BUILDING, PASSWORD, advance_to, start_building_case
from tests.web.test_public_language import english_names, visible_text
from webapp.cases.history import ACTION_LABELS

HASH = hash_password(PASSWORD)
ENGINE = Path(__file__).resolve().parents[2] / "engine"
# words that betray untranslated text on a clerk's page
ENGLISH = ["completed", "claimed", "Claimed", "Verify documents", "task", "case started", "pending"]


def _is_audit_record(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "record"
        and isinstance(func.value, ast.Name)
        and func.value.id == "audit"
    )


def _forwarders(tree: ast.Module) -> dict[str, int]:
    """Helpers that pass one of their parameters on as the action: name -> its index."""
    found = {}
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef):
            continue
        params = [a.arg for a in function.args.args]
        for call in ast.walk(function):
            if isinstance(call, ast.Call) and _is_audit_record(call) and len(call.args) > 1:
                action = call.args[1]
                if isinstance(action, ast.Name) and action.id in params:
                    found[function.name] = params.index(action.id)
    return found


def _constants(tree: ast.Module) -> dict[str, object]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def engine_actions() -> tuple[set[str], list[str]]:
    """The action names ``audit.record`` is called with anywhere in the engine (directly,
    through a module constant or through a helper that forwards its parameter), and
    the calls whose action could not be read."""
    actions: set[str] = set()
    unread: list[str] = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        forwarders, constants = _forwarders(tree), _constants(tree)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call):
                continue
            if _is_audit_record(call):
                index = 1
            elif isinstance(call.func, ast.Name) and call.func.id in forwarders:
                index = forwarders[call.func.id]
            else:
                continue
            action = call.args[index] if len(call.args) > index else None
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                actions.add(action.value)
            elif isinstance(action, ast.Name) and action.id in constants:
                actions.add(str(constants[action.id]))
            elif not (isinstance(action, ast.Name) and _inside_forwarder(tree, call, forwarders)):
                unread.append(f"{path.relative_to(ENGINE)}:{call.lineno}")
    return actions, unread


def _inside_forwarder(tree: ast.Module, call: ast.Call, forwarders: dict[str, int]) -> bool:
    return any(
        isinstance(f, ast.FunctionDef) and f.name in forwarders and call in ast.walk(f)
        for f in ast.walk(tree)
    )


def test_every_audit_action_the_engine_writes_has_a_label():
    actions, unread = engine_actions()
    assert not unread, f"audit actions the test cannot read (use a literal): {unread}"
    assert {"task_completed", "timer_fired", "signal_received", "data_corrected"} <= actions
    assert not sorted(actions - set(ACTION_LABELS)), "label these in webapp/cases/history.py"


def test_every_action_label_is_indonesian(app):
    with app.test_request_context(), force_locale("id"):
        english = {key: str(label) for key, label in ACTION_LABELS.items()}
    with app.test_request_context(), force_locale("en"):
        untranslated = [key for key, label in ACTION_LABELS.items() if str(label) == english[key]]
    assert not untranslated


def forbidden_words(data: bytes) -> list[str]:
    """The model's element and lane ids, the raw action names and English names."""
    words = set(ACTION_LABELS) | english_names(data) | set(ENGLISH)
    for process in load_bpmn(data, "x").processes.values():
        words |= {node_id for node_id in process.nodes if "_" in node_id}
        words |= set(process.lanes)
    return sorted(words)


def shown(words: list[str], html: str) -> list[str]:
    text = visible_text(html)
    return [w for w in words if re.search(rf"(?<![\w-]){re.escape(w)}(?![\w-])", text)]


@pytest.mark.parametrize("key", ["business_license", "resident_id_card"])
def test_clerks_walk_a_case_in_indonesian(key, db, staff, monkeypatch):
    monkeypatch.setenv("PERMITFLOW_SIGNING_KEY", "")
    data = (PROCESSES / f"{key}.bpmn").read_bytes()
    definition = services.deploy(db, data, source=f"{key}.bpmn")[0]
    for lane in definition.lanes.values():
        services.create_user(db, f"clerk-{lane['role']}", roles=[lane["role"]], password_hash=HASH)
    db.commit()
    words = forbidden_words(data)
    start = services.start_form(load_bpmn(data, key).main_process())
    case = services.start_case(db, key, fill(start), started_by="front")
    db.commit()
    walked = 0
    for _ in range(4):
        db.expire_all()
        tasks = services.open_tasks(db, services.get_case(db, case.id))
        if not tasks:
            break
        task = tasks[0]
        clerk = staff(f"clerk-{task.role}")
        assert not shown(words, clerk.get("/inbox/").get_data(as_text=True)), "inbox"
        assert clerk.post(f"/tasks/{task.id}/claim").status_code == 302
        page = clerk.get(f"/tasks/{task.id}").get_data(as_text=True)
        assert not shown(words, page), f"task page of {task.element_id}"
        services.complete_task(db, task.id, f"clerk-{task.role}", fill(services.task_form(task)))
        db.commit()
        page = clerk.get(f"/cases/{case.tracking_code}").get_data(as_text=True)
        assert not shown(words, page), "case page"
        assert not shown(words, clerk.get("/cases/").get_data(as_text=True)), "case list"
        walked += 1
    assert walked >= 2


def test_an_english_reader_gets_the_history_in_english(db, staff):
    case = start_building_case(db)
    advance_to(db, case, "verify_documents")
    services.find_user(db, "verifier").language = "en"
    db.commit()
    text = visible_text(
        staff("verifier").get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    )
    assert "task done: Register application" in text
    assert f"Case {case.tracking_code} started" in text  # the engine's own sentence
    assert not shown(sorted(ACTION_LABELS), text)
    indonesian = visible_text(
        staff("front").get(f"/cases/{case.tracking_code}").get_data(as_text=True)
    )
    assert "tugas diselesaikan: Pendaftaran permohonan" in indonesian
    assert f"Case {case.tracking_code} started" not in indonesian


def labelled_building() -> bytes:
    """The building approval with Indonesian labels on a lane, a field and an option."""
    xml = BUILDING.read_text(encoding="utf-8")
    lane = '<bpmn:lane id="Lane_verifier" name="Document Verifier" pf:role="verifier">'
    task = '<bpmn:userTask id="verify_documents" name="Verify documents">\n      <bpmn:extensionElements>'
    assert lane in xml and task in xml
    xml = xml.replace(
        lane,
        lane + '<bpmn:extensionElements><pf:label xml:lang="id">Verifikator berkas</pf:label>'
        "</bpmn:extensionElements>",
    )
    xml = xml.replace(
        task,
        task + '<pf:label xml:lang="id" for="decision">Kelengkapan berkas</pf:label>'
        '<pf:label xml:lang="id" for="decision=complete">Lengkap dan sah</pf:label>',
    )
    return xml.encode()


def test_lane_field_and_option_labels_come_from_the_bpmn(db, staff):
    services.deploy(db, labelled_building(), source="building_approval.bpmn")
    db.commit()
    case = start_building_case(db)
    advance_to(db, case, "verify_documents")
    task = services.open_tasks(db, services.get_case(db, case.id))[0]
    verifier = staff("verifier")
    inbox = visible_text(verifier.get("/inbox/").get_data(as_text=True))
    assert "Lajur: Verifikator Berkas" in inbox and "Document Verifier" not in inbox
    page = visible_text(verifier.get(f"/tasks/{task.id}").get_data(as_text=True))
    assert "Kelengkapan berkas" in page and "Lengkap dan sah" in page
    assert "Complete and valid" not in page
    services.complete_task(db, task.id, "verifier", {"decision": "complete"})
    db.commit()
    page = visible_text(verifier.get(f"/cases/{case.tracking_code}").get_data(as_text=True))
    assert "Kelengkapan berkas Lengkap dan sah" in page
    assert "Verifikator Berkas" in page  # the lane of the history's entries
