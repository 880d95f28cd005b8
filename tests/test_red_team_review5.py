"""Red team review 5: today's changes attacked as an outsider (2026-12-01)."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from engine import services
from engine.storage.tables import Incident
from tests.test_bpmn_coverage import FEATURES, restored
from tests.test_red_team_issue9 import (
    flows,
    model,
    office,  # noqa: F401 - fixture
    open_incidents,
    open_tasks,
    start,
    user_task,
)
from tests.test_spiffarena_models import _process_model, cli  # noqa: F401 - fixture


def _parcels(key: str) -> bytes:
    """A fee computed per parcel in a sub-process (three steps each), for each parcel."""
    body = (
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
        '<bpmn:subProcess id="each" name="Each parcel">'
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        "<bpmn:loopCardinality>parcels</bpmn:loopCardinality>"
        "</bpmn:multiInstanceLoopCharacteristics>"
        '<bpmn:startEvent id="es"/><bpmn:scriptTask id="fee"><bpmn:script>fee = 10'
        '</bpmn:script></bpmn:scriptTask><bpmn:endEvent id="ee"/>'
        f"{flows(('es', 'fee'), ('fee', 'ee'), prefix='ef')}</bpmn:subProcess>"
        f'{user_task("work", "Work")}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'each'), ('each', 'work'), ('work', 'e'))}</bpmn:process>"
    )
    return model(body)


def test_a_multi_instance_sub_process_within_the_instance_limit_is_not_a_spin(office):  # noqa: F811
    """Every task of a move counted towards the 2,000 steps meant for loops that never
    wait: a fee per parcel over 400 parcels (a sub-process of three steps each; at most
    1,000 instances are allowed) was stopped as ``case_spins``."""
    case = start(office, _parcels("parcels"), "parcels", {"parcels": 1000})
    assert restored(office, case).status == "running", open_incidents(office, case)
    assert open_tasks(office, case) == ["Work"]


def _script_reading(key: str, script: str) -> bytes:
    body = (
        f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s"/>'
        f'<bpmn:scriptTask id="calc" name="Calc"><bpmn:script>{script}</bpmn:script>'
        f'</bpmn:scriptTask>{user_task("work", "Work")}<bpmn:endEvent id="e"/>'
        f"{flows(('s', 'calc'), ('calc', 'work'), ('work', 'e'))}</bpmn:process>"
    )
    return model(body)


def test_an_incident_whose_values_are_one_named_sealed_can_be_read(office):  # noqa: F811
    """The values a failed expression read are sealed today; a case value called
    ``sealed`` looked already sealed, was stored clear, and could not be read back."""
    case = start(
        office, _script_reading("sealedname", "total = sealed + 1"), "sealedname", {"sealed": "abc"}
    )
    office.expire_all()
    incident = office.scalars(select(Incident).where(Incident.case_id == case.id)).one()
    assert incident.values == {"sealed": "abc"}
    raw = office.execute(
        text('SELECT "values" FROM incidents WHERE id = :i'), {"i": incident.id}
    ).scalar_one()
    assert "abc" not in str(raw)  # sealed at rest like every other incident's values


# -- JSON-schema forms read from beside the BPMN file -----------------------------------


def test_a_schema_file_that_links_out_of_the_folder_is_not_read(cli, tmp_path):  # noqa: F811
    """The file name must be a plain name in the folder; a symbolic link of that name
    pointing elsewhere (``/srv/other-office/secret-schema.json``) was followed."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text(
        json.dumps({"properties": {"size": {"type": "string", "title": "Secret label"}}})
    )
    folder = tmp_path / "model"
    folder.mkdir()
    bpmn = _process_model(folder, {})
    (folder / "ask-schema.json").unlink()
    (folder / "ask-schema.json").symlink_to(outside / "secret.json")
    report = json.loads(cli("validate", "--json", bpmn, code=1).output)[bpmn]
    assert [p["code"] for p in report if p["severity"] == "error"] == ["json_schema_form"]


def test_enum_names_shorter_than_the_enum_keep_every_value(cli, tmp_path, sqlite_engine):  # noqa: F811
    """``zip(values, names)`` dropped the values without a name: a form offered two of
    three zones and the third could never be chosen."""
    schema = {
        "required": ["zone"],
        "properties": {
            "zone": {"type": "string", "enum": ["R1", "K1", "I1"], "enumNames": ["Housing"]}
        },
    }
    bpmn = _process_model(tmp_path, schema)
    cli("user", "add", "cici", "--role", "clerk")
    cli("deploy", bpmn)
    task = json.loads(cli("start", "schema_form", "--json").output)["open_tasks"][0]
    with Session(sqlite_engine) as session:
        [field] = services.task_form(services.get_task(session, task["id"]))
    assert [v.id for v in field.enum_values] == ["R1", "K1", "I1"]


def test_a_folder_named_like_a_dmn_file_beside_the_model_is_passed_over(cli, tmp_path):  # noqa: F811
    """``permitflow validate`` reads every ``*.dmn`` beside a file whose business rule
    task names a decision: a folder called ``archive.dmn`` (or a named pipe) there ended
    the command in IsADirectoryError (or hung it)."""
    shutil.copy(FEATURES / "spiff_business_rule.bpmn", tmp_path)
    shutil.copy(FEATURES / "fees.dmn", tmp_path)
    (tmp_path / "archive.dmn").mkdir()
    bpmn = str(tmp_path / "spiff_business_rule.bpmn")
    report = json.loads(cli("validate", "--json", bpmn).output)[bpmn]
    assert not [p for p in report if p["severity"] == "error"]
