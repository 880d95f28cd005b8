"""Red team, session 5, on the pages: a case that spun until the engine stopped it.

The engine's code for it first reused the expression language's ``too_many_steps``
("The calculation needs more than %(limit)s steps", without its limit): the admin read
the English sentence on an Indonesian page.
"""

from __future__ import annotations

import html
import re

from engine import services
from tests.test_red_team_session5 import _many, _waiting, counting_loop
from tests.web.test_incidents_web import _incident_id
from tests.web.test_public_language import visible_text


def test_the_admin_reads_why_a_spinning_case_stopped_in_indonesian(staff, db):
    services.deploy(db, counting_loop("spin", "n &lt; 0", step="n = 1"), source="spin.bpmn")
    services.start_case(db, "spin", {})
    db.commit()
    reason = _reason_shown(staff)
    assert reason.startswith("Permohonan menjalankan 2.000 langkah tanpa menunggu siapa pun")


def _reason_shown(staff) -> str:
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    page = admin.get(f"/admin/incidents/{number}").get_data(as_text=True)
    shown = re.search(r'id="incident-message">(.*?)</dd>', page, re.S).group(1)
    return html.unescape(visible_text(shown)).strip()


def test_a_count_of_instances_too_large_is_worded_in_indonesian(staff, db):
    services.deploy(db, _many("many", "copies", "false"), source="many.bpmn")
    services.start_case(db, "many", {"copies": 100_000_000})
    db.commit()
    assert _reason_shown(staff) == (
        "Jumlah pengulangan adalah 100.000.000: harus bilangan bulat sampai 1.000."
    )


def test_a_timer_too_long_is_worded_in_indonesian(staff, db):
    services.deploy(db, _waiting("long", "wait_for"), source="long.bpmn")
    services.start_case(db, "long", {"wait_for": "P999999999Y"})
    db.commit()
    assert _reason_shown(staff) == (
        "Pengatur waktu akan menunggu P999999999Y: paling lama 100 tahun."
    )
