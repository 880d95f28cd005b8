"""What the bundle produces, on the web: the tracking page lists each called procedure's
permit with its PDF and verification page; the cashier's late confirmation and a refused
revocation are told in Indonesian; the tracking page names the deadline once."""

from __future__ import annotations

from datetime import timedelta

from engine import services
from engine.calendar import clock
from engine.demo import fill
from tests.test_bundle import ISSUE_ALL
from tests.web import test_bundle_pages

bundle_case = test_bundle_pages.bundle_case  # the fixture: the bundle deployed, a case started
ANSWERS = {"agency_review": {"agency_opinion": "agree"}} | {
    key: values[0] for key, values in ISSUE_ALL.items()
}


def _work(db, case, until: str | None = None) -> None:
    """The clerks complete the open tasks, keeping what a task shows filled in."""
    for _ in range(60):
        case = services.get_case(db, case.id)
        tasks = services.open_tasks(db, case)
        if case.status != "running" or not tasks or tasks[0].element_id == until:
            return
        task, form = tasks[0], services.task_form(tasks[0])
        shown = services.task_data(task)
        kept = {f.id: shown[f.id] for f in form if shown.get(f.id) is not None}
        data = fill(form) | kept | ANSWERS.get(task.element_id, {})
        services.complete_task(db, task.id, "admin", data)
        db.commit()


def _private(app, case) -> str:
    from webapp.public.links import access_key

    with app.test_request_context():
        return f"/track/{case.tracking_code}?k={access_key(case.tracking_code)}"


def test_the_tracking_page_lists_each_permit_with_its_pdf_and_verification(
    app, citizen, db, bundle_case
):
    _work(db, bundle_case)
    page = citizen.get(_private(app, bundle_case)).get_data(as_text=True)
    permits = {p.process_key: p for p in services.permits.case_permits(db, bundle_case)}
    assert set(permits) == {"business_license", "building_approval", "signage_permit"}
    for key, permit in permits.items():
        row = page.split(f'data-procedure="{key}"')[1].split("</tr>")[0]
        assert permit.number in row and f"/verify/{permit.code}" in row
        assert f"/documents/{permit.document_id}" in row
        assert citizen.get(f"/verify/{permit.code}").status_code == 200
    # two bills, each with its letter: the PBG retribution and the signage tax
    assert page.count('class="card bill bill-paid"') == 2
    assert '<p class="bill-for muted">Izin reklame</p>' in page  # whose bill it is
    assert '<p class="bill-for muted">Persetujuan Bangunan Gedung</p>' in page
    public = citizen.get(f"/track/{bundle_case.tracking_code}").get_data(as_text=True)
    assert "/verify/" not in public  # the permits are shown with the private link only


def test_the_building_task_shows_the_fee_table_amount_filled_in(staff, db, bundle_case):
    _work(db, bundle_case, until="fee_assessment")
    task = next(
        t
        for t in services.open_tasks(db, services.get_case(db, bundle_case.id))
        if t.element_id == "fee_assessment"
    )
    page = staff("cashier").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert 'name="fee_amount"' in page and 'value="800000"' in page  # 80 m2 x 10 000


def test_the_cashier_is_told_in_indonesian_that_a_bill_is_past_due(staff, db, bundle_case):
    _work(db, bundle_case, until="confirm_signage_payment")
    case = services.get_case(db, bundle_case.id)
    task = next(
        t for t in services.open_tasks(db, case) if t.element_id == "confirm_signage_payment"
    )
    clock.advance(timedelta(days=15))  # due, and the deadline timer not fired yet
    cashier = staff("cashier")
    cashier.post(f"/tasks/{task.id}/claim")
    response = cashier.post(
        f"/tasks/{task.id}/complete", {"signage_paid": "on", "payment_reference": "NTPD-9"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "batas waktu pembayaran telah lewat" in page and "Traceback" not in page
    db.expire_all()
    bill = next(
        b for b in services.payments.case_bills(db, case) if b.process_key == "signage_permit"
    )
    assert bill.status == "unpaid" and bill.billing_code in page


def test_a_refused_revocation_is_told_in_indonesian(staff, db, bundle_case):
    _work(db, bundle_case)
    permit = services.permits.case_permits(db, bundle_case)[0]
    head = staff("head")
    page = head.post(f"/verify/{permit.code}/revoke", {"reason": ""}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "Sebutkan alasannya" in text and "Give the reason" not in text
    head.post(f"/verify/{permit.code}/revoke", {"reason": "Salah objek"})
    again = head.post(f"/verify/{permit.code}/revoke", {"reason": "Lagi"}, follow_redirects=True)
    text = again.get_data(as_text=True)
    assert "sudah tidak berlaku" in text and "already revoked" not in text


def test_the_tracking_page_names_the_deadline_once(app, citizen, db, bundle_case):
    page = citizen.get(_private(app, bundle_case)).get_data(as_text=True)
    assert "Penyelesaian" in page and "tenggat" in page
    assert "Tenggat</dt>" not in page and "Tenggat tenggat" not in page


def test_the_staff_case_page_of_a_bundle_speaks_indonesian(staff, db, bundle_case):
    _work(db, bundle_case, until="fee_assessment")
    page = staff("admin").get(f"/cases/{bundle_case.id}").get_data(as_text=True)
    called = page.split('id="called-procedures"')[1].split("</section>")[0]
    # the called procedures by their Indonesian names, versions without raw keys
    assert "Izin usaha" in called and "Izin reklame" in called and "Versi 1" in called
    assert "Business licence" not in called and "business_license v1" not in called
    assert "berjalan" in called and "Penetapan retribusi" in called
    tasks = page.split('class="tasklist compact"')[1].split("</ul>")[0]
    assert "Penetapan retribusi" in tasks and "Assess retribution fee" not in tasks
    # the called procedures' data by their labels and option names, not raw ids
    assert "technical decision" not in page and "technical_decision" not in page
    assert "Keputusan teknis" in page
    assert "menengah_tinggi" not in page and "Menengah tinggi" in page
    _work(db, bundle_case)
    page = staff("admin").get(f"/cases/{bundle_case.id}").get_data(as_text=True)
    outcome = page.split('<span class="outcome">')[1].split("</span>")[0]
    assert outcome == "Semua izin diputuskan"
    called = page.split('id="called-procedures"')[1].split("</section>")[0]
    for permit in services.permits.case_permits(db, bundle_case):
        assert permit.number in called and f"/verify/{permit.code}" in called
