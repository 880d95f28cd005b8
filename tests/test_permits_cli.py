"""``permitflow verify FILE.pdf``: valid or invalid, with the reason."""

from __future__ import annotations

from click.testing import CliRunner

from engine import cli, services
from engine.office import permits
from engine.storage import db
from tests.permit_ca import make_office_ca
from tests.test_permits import BPMN, TEMPLATE, grant


def test_verify_prints_valid_or_invalid_with_the_reason(sqlite_engine, tmp_path, monkeypatch):
    for key, value in make_office_ca(tmp_path / "ca").items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("PERMITFLOW_DATABASE_URL", sqlite_engine.url.render_as_string(False))
    with db.session_scope(sqlite_engine) as session:
        services.create_user(session, "ani", roles=["front_office"])
        services.create_user(session, "kepala", roles=["head_of_office"])
        services.deploy(session, BPMN, source="shop.bpmn", templates={"shop.html": TEMPLATE})
        session.flush()
        _, permit = grant(session)
        _, data = permits.permit_pdf(session, permit)
        number, code = permit.number, permit.code
    good, altered, stranger = tmp_path / "good.pdf", tmp_path / "altered.pdf", tmp_path / "x.pdf"
    good.write_bytes(data)
    flipped = bytearray(data)
    flipped[len(data) // 3] ^= 0x01
    altered.write_bytes(bytes(flipped))
    stranger.write_bytes(b"%PDF-1.4\n%%EOF\n")
    runner = CliRunner()

    result = runner.invoke(cli.main, ["verify", str(good)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"valid: Izin Toko {number}, issued to S*** R***, signed by")

    result = runner.invoke(cli.main, ["verify", str(altered)])
    assert result.exit_code == 1
    assert result.output.startswith("invalid: the document was altered after it was signed")

    result = runner.invoke(cli.main, ["verify", str(stranger)])
    assert result.exit_code == 1 and "never issued this file" in result.output

    with db.session_scope(sqlite_engine) as session:
        permits.revoke(session, code, actor="kepala", reason="Data palsu")
    result = runner.invoke(cli.main, ["verify", str(good)])
    assert (
        result.exit_code == 1
        and result.output == f"invalid: Izin Toko {number} was revoked: Data palsu\n"
    )
