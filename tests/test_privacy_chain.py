"""The access log's keyed hash chain and its head anchored outside the database (issue 13,
red team: a recomputed unkeyed chain and a deleted newest row went unnoticed)."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, text

from engine import services
from engine.privacy import access_log, anchor, crypto, keys
from engine.storage.tables import AccessLogEntry
from tests.test_privacy import _data_key, office, start  # noqa: F401  (fixtures)


def unmask_three(session):
    case = start(session)
    for field in ("nik", "phone", "applicant_name"):
        services.privacy.unmask(session, "rina", case, field, "verifying identity")
    session.commit()
    return sorted(e.id for e in access_log.entries(session))


def recompute_sha256_chain(session, *, drop_key: bool = False) -> None:
    """What someone with write access to the database (but not the key) can do."""
    previous = access_log.GENESIS
    for row in session.execute(text("SELECT * FROM access_log ORDER BY id")).mappings():
        at = session.get(AccessLogEntry, row["id"]).at
        content = [previous, at.isoformat(), row["actor"], row["action"], row["case_id"]]
        content += [row["case_code"], row["field_id"], row["reason"]]
        digest = hashlib.sha256(json.dumps(content, separators=(",", ":")).encode()).hexdigest()
        values = {"p": previous, "h": digest, "i": row["id"]}
        sql = "UPDATE access_log SET prev_hash = :p, hash = :h"
        sql += ", key_id = ''" if drop_key else ""
        session.execute(text(sql + " WHERE id = :i"), values)
        previous = digest
    session.commit()
    session.expire_all()


def test_an_altered_row_with_a_recomputed_chain_is_detected(office):  # noqa: F811
    ids = unmask_three(office)
    office.execute(text("UPDATE access_log SET actor = 'someone' WHERE id = :i"), {"i": ids[0]})
    recompute_sha256_chain(office)
    assert {b.entry_id for b in access_log.verify(office)} == set(ids)  # no key, no HMAC


def test_a_chain_recomputed_as_unkeyed_rows_is_caught_by_the_anchor(office):  # noqa: F811
    ids = unmask_three(office)
    office.execute(text("UPDATE access_log SET actor = 'someone' WHERE id = :i"), {"i": ids[0]})
    recompute_sha256_chain(office, drop_key=True)  # passes as rows from before migration 0016
    [broken] = access_log.verify(office)
    assert broken.entry_id == ids[0] and "anchored log" in broken.problem


def test_deleting_the_newest_rows_is_detected(office):  # noqa: F811
    ids = unmask_three(office)
    assert access_log.verify(office) == []
    head = anchor.read(anchor.identity(office))
    assert (head.id, head.rows) == (ids[-1], 3) and anchor.path().parent == crypto.key_file().parent
    office.execute(text("DELETE FROM access_log WHERE id >= :i"), {"i": ids[1]})
    office.commit()
    [broken] = access_log.verify(office)
    assert "2 newest row(s) were deleted" in broken.problem
    office.execute(text("DELETE FROM access_log"))
    office.commit()
    assert "the log is empty" in access_log.verify(office)[0].problem


def test_a_rolled_back_row_does_not_move_the_anchor(office):  # noqa: F811
    ids = unmask_three(office)
    case = start(office)
    services.privacy.unmask(office, "rina", case, "nik", "checking the KK")
    office.rollback()
    assert anchor.read(anchor.identity(office)).id == ids[-1]
    assert access_log.verify(office) == []


def test_keys_rotate_resigns_the_chain_so_the_old_key_can_go(office, tmp_path):  # noqa: F811
    ids = unmask_three(office)
    old_id = office.scalar(select(AccessLogEntry.key_id).where(AccessLogEntry.id == ids[0]))
    result = keys.rotate(office, actor="admin")
    office.commit()
    assert result.log_rows == 3
    (tmp_path / "data.key").write_text(crypto.fernet_key_texts()[0] + "\n")  # old key gone
    crypto.reset()
    office.expire_all()
    assert access_log.verify(office) == []
    rows = access_log.entries(office)
    assert {r.key_id for r in rows} == {crypto.chain_key()[0]} != {old_id}
    assert "re-signed (3 row(s))" in rows[0].reason


def test_a_broken_chain_is_not_resigned_by_a_rotation(office):  # noqa: F811
    ids = unmask_three(office)
    office.execute(text("UPDATE access_log SET reason = 'x' WHERE id = :i"), {"i": ids[1]})
    office.commit()
    result = keys.rotate(office, actor="admin")
    office.commit()
    assert result.log_rows is None
    assert [b.entry_id for b in access_log.verify(office)] == [ids[1]]  # still shown


def test_rows_from_before_the_keyed_chain_verify_until_rotation(office):  # noqa: F811
    unmask_three(office)
    recompute_sha256_chain(office, drop_key=True)  # rows as migration 0016 finds them
    anchor.path().unlink()  # and no anchor yet
    result = access_log.check(office)
    assert result.breaks == [] and result.unkeyed == 3 and result.anchored is None
    keys.rotate(office, actor="admin")
    office.commit()
    result = access_log.check(office)
    assert result.breaks == [] and result.unkeyed == 0 and result.anchored is not None
