"""Red team review 5 (web): incident reasons worded for the reader (2026-12-01)."""

from __future__ import annotations

import html

from engine import services
from tests.test_red_team_session5 import _many
from tests.web.test_incidents_web import _incident_id


def test_an_incident_naming_a_number_of_31_digits_opens(staff, db):
    """A count typed into a form (``jumlah_lokasi``: 31 digits) stops the multi-instance
    with ``too_many_instances``; worded with Babel's ``format_decimal``, a number over
    Python's decimal precision raised InvalidOperation and every page showing the
    reason (the admin's incident page, the case page) failed."""
    services.deploy(db, _many("huge", "copies", "false"), source="huge.bpmn")
    copies = 10**30
    case = services.start_case(db, "huge", {"copies": copies})
    db.commit()
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    response = admin.get(f"/admin/incidents/{number}")
    assert response.status_code == 200
    page = html.unescape(response.get_data(as_text=True)).replace(".", "")
    assert str(copies) in page
    assert staff("front").get(f"/cases/{case.tracking_code}").status_code == 200
