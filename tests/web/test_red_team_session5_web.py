"""Red team, session 5, on the pages: a case that spun until the engine stopped it.

The engine's code for it first reused the expression language's ``too_many_steps``
("The calculation needs more than %(limit)s steps", without its limit): the admin read
the English sentence on an Indonesian page.
"""

from __future__ import annotations

import html
import re

from engine import services
from tests.test_red_team_session5 import counting_loop
from tests.web.test_incidents_web import _incident_id
from tests.web.test_public_language import visible_text


def test_the_admin_reads_why_a_spinning_case_stopped_in_indonesian(staff, db):
    services.deploy(db, counting_loop("spin", "n &lt; 0", step="n = 1"), source="spin.bpmn")
    services.start_case(db, "spin", {})
    db.commit()
    admin = staff("admin")
    number = _incident_id(admin.get("/admin/incidents/").get_data(as_text=True))
    page = admin.get(f"/admin/incidents/{number}").get_data(as_text=True)
    shown = re.search(r'id="incident-message">(.*?)</dd>', page, re.S).group(1)
    reason = html.unescape(visible_text(shown)).strip()
    assert reason.startswith("Permohonan menjalankan 2.000 langkah tanpa menunggu siapa pun")
