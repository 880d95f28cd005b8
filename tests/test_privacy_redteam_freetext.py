"""Free texts the red team found in clear (issue 13): a permit's revoke reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from engine import services
from engine.calendar import clock
from engine.office import permits
from engine.privacy import retention
from tests.test_permits import ca, grant  # noqa: F401  (fixtures)
from tests.test_permits import office as shop  # noqa: F401
from tests.test_privacy_free_text import raw_bytes

NAME = "Wahyu Kurniasih"
NIK = "3171234567890001"


def test_a_revoke_reason_is_stored_sealed(shop):  # noqa: F811
    case, permit = grant(shop, name=NAME)
    reason = f"KTP atas nama {NAME} ternyata palsu (NIK {NIK})"
    permits.revoke(shop, permit.code, actor="kepala", reason=reason)
    shop.commit()
    shop.expire_all()
    stored = shop.execute(text("SELECT status_reason FROM permits")).scalars().all()
    assert all(NIK not in value for value in stored) and NIK.encode() not in raw_bytes(shop)
    assert services.permits.verify_code(shop, permit.code).permit.status_reason == reason


def test_retention_clears_a_revoke_reason(shop):  # noqa: F811
    case, permit = grant(shop, name=NAME)
    permits.revoke(shop, permit.code, actor="kepala", reason=f"Dicabut atas permintaan {NAME}")
    shop.commit()
    clock.advance(timedelta(days=6 * 365))
    assert [e.tracking_code for e in retention.run(shop)] == [case.tracking_code]
    shop.commit()
    shop.expire_all()
    verdict = services.permits.verify_code(shop, permit.code)
    assert verdict.status == "revoked" and verdict.permit.status_reason == ""
