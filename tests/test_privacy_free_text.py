"""Free text that may name a person is encrypted at rest (issue 13, red team): the return
reason (with the audit entry and the applicant's message that quote it) and the permit
register's holder name; retention clears or masks them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from engine import services
from engine.calendar import clock
from engine.privacy import crypto, keys, retention
from tests.test_permits import ca, grant  # noqa: F401  (fixtures)
from tests.test_permits import office as shop  # noqa: F401
from tests.test_privacy import _data_key, office, start, task_of  # noqa: F401

NAME = "Wahyu Kurniasih"
REASON = f"Tanda tangan {NAME} pada surat kuasa belum ada; KTP {NAME} buram."


def raw_bytes(session) -> bytes:
    """Every stored byte (the SQLite file, or a dump of the tables that hold text)."""
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return open(bind.url.database, "rb").read()
    tables = ("cases", "audit_log", "outbox", "permits", "incidents", "human_tasks")
    rows = [repr(tuple(r)) for t in tables for r in session.execute(text(f"SELECT * FROM {t}"))]
    return "\n".join(rows).encode()


def returned(session):
    case = start(session)
    case.applicant_email = "siti.rahma@example.id"  # so the return is also a message
    services.return_to_applicant(session, task_of(session, "rina").id, "rina", REASON)
    session.commit()
    return case


def test_a_return_reason_is_not_stored_in_clear(office):  # noqa: F811
    case = returned(office)
    office.close()
    raw = raw_bytes(office)
    assert NAME.encode() not in raw and case.tracking_code.encode() in raw  # a clear column
    case = services.get_case(office, case.tracking_code)  # and it reads back
    assert case.return_reason == REASON
    [entry] = [e for e in services.case_history(office, case.id) if e.action == "case_returned"]
    assert entry.message == REASON
    assert REASON in services.messages_for_case(office, case.id)[-1].body


def test_the_permit_register_holds_the_holders_name_encrypted(shop):  # noqa: F811
    case, permit = grant(shop, name=NAME)
    shop.close()
    raw = raw_bytes(shop)
    assert NAME.encode() not in raw and b"Warung Siti" in raw  # the object stays in clear
    verdict = services.permits.verify_code(shop, permit.code)
    assert verdict.permit.holder_name == NAME and verdict.holder_masked == "W*** K***"


def test_retention_masks_the_holder_of_a_revoked_permit(shop):  # noqa: F811
    case, permit = grant(shop, name=NAME)
    services.permits.revoke(shop, permit.code, actor="kepala", reason="Toko tutup")
    shop.commit()
    clock.advance(timedelta(days=6 * 365))
    assert [e.tracking_code for e in retention.run(shop)] == [case.tracking_code]
    shop.commit()
    shop.expire_all()
    assert services.permits.verify_code(shop, permit.code).permit.holder_name == "W*** K***"


def test_retention_clears_a_return_reason(office):  # noqa: F811
    case = returned(office)
    services.applicant_responds(office, case, {})
    office.commit()
    for user, data in (("rina", {"nik_ok": True}), ("hadi", {"signed": True})):
        services.complete_task(office, task_of(office, user).id, user, data)
    office.commit()
    clock.advance(timedelta(days=3 * 365))
    retention.run(office)
    office.commit()
    history = services.case_history(office, case.id)
    assert [e.message for e in history if e.action == "case_returned"] == [""]
    assert all(NAME not in m.body for m in services.messages_for_case(office, case.id))


def test_keys_rotate_reencrypts_the_free_text(office, tmp_path):  # noqa: F811
    case = returned(office)
    keys.rotate(office, actor="admin")
    office.commit()
    (tmp_path / "data.key").write_text(crypto.fernet_key_texts()[0] + "\n")  # old key gone
    crypto.reset()
    office.expire_all()
    case = services.get_case(office, case.tracking_code)
    assert case.return_reason == REASON
    assert REASON in [e.message for e in services.case_history(office, case.id)]
    assert REASON in services.messages_for_case(office, case.id)[-1].body
