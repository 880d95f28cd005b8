"""``permitflow audit verify | privacy report | keys rotate | retention run``: click commands.

Registered through the ``permitflow.commands`` entry point group (``pyproject.toml``);
the work is in :mod:`engine.privacy` through :mod:`engine.services`.
"""

from __future__ import annotations

import functools
import json

import click

from engine import services
from engine.cli_support import friendly, session

_friendly = friendly()
_session = session


class Refused(click.ClickException):
    """Personal data refused for want of proof: one line, exit code 2."""

    exit_code = 2


def token_option(fn):
    """``--token`` (or ``PERMITFLOW_API_TOKEN``): the admin's API token for --with-personal."""
    return click.option(
        "--token",
        envvar="PERMITFLOW_API_TOKEN",
        default="",
        show_envvar=True,
        help="An admin's API token, proof for --with-personal (else a password prompt).",
    )(fn)


def admin_proof(with_personal: bool, actor: str, token: str):
    """The proof a command passes for ``--with-personal``: the token, else the password of
    ``--as`` asked at the terminal (None without ``--with-personal``)."""
    if not with_personal:
        return None
    proof = services.privacy.AdminProof
    if token or not actor:
        return proof(token=token, username=actor)
    try:
        password = click.prompt(f"Password of {actor}", hide_input=True, err=True)
    except click.Abort:
        raise Refused(f"No password given for {actor}: personal data needs proof.") from None
    return proof(username=actor, password=password)


def refuse_unproven(fn):
    """Turn :class:`~engine.privacy.exports.NotProven` into :class:`Refused` (exit 2)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except services.privacy.NotProven as exc:
            raise Refused(exc.message) from None

    return wrapper


@click.group("audit")
def audit() -> None:
    """The access log of personal data (hash-chained)."""


@audit.command("verify")
@_friendly
def audit_verify() -> None:
    """Check the access log's keyed hash chain and its head against the anchor outside the
    database: exit 1 naming each deleted or altered row."""
    with _session() as session:
        result = services.privacy.access_log.check(session)
    if result.breaks:
        for item in result.breaks:
            click.echo(f"row {item.entry_id}: {item.problem}", err=True)
        raise SystemExit(1)
    click.echo(f"access log intact: {result.rows} row(s), hash chain verified")
    if result.anchored is None:
        click.echo(
            f"no anchor for this database in {services.privacy.anchor.path()} yet: deleting "
            "the newest rows would not be noticed until a row is written"
        )
    else:
        click.echo(f"the head matches the anchor ({services.privacy.anchor.path()})")
    if result.unkeyed:
        click.echo(
            f"{result.unkeyed} row(s) from before the keyed chain (unkeyed SHA-256): "
            "`permitflow keys rotate` re-signs them"
        )


@audit.command("anchor")
@click.option("--reset", is_flag=True, required=True, help="Anchor the current head anew.")
@click.option("--as", "actor", default="cli")
@_friendly
def audit_anchor(reset: bool, actor: str) -> None:
    """Anchor this database's log anew (after re-creating the database on purpose); logged."""
    with _session() as session:
        entry = services.privacy.access_log.reset_anchor(session, actor=actor)
        row = entry.id
    click.echo(f"anchored row {row} in {services.privacy.anchor.path()}")


@click.group("privacy")
def privacy() -> None:
    """Personal data protection (UU 27/2022)."""


@privacy.command("report")
@click.option("--case", "case_ref", required=True, help="Tracking code or id.")
@click.option("--json", "as_json", is_flag=True)
@_friendly
def privacy_report(case_ref: str, as_json: bool) -> None:
    """Who viewed, unmasked or exported the personal data of a case, from the access log."""
    with _session() as session:
        case = services.get_case(session, case_ref)
        rows = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "field": e.field_id,
                "reason": e.reason,
            }
            for e in reversed(services.privacy.access_entries(session, case_id=case.id))
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    click.echo(f"Access to the personal data of case {case.tracking_code}: {len(rows)} event(s)")
    for row in rows:
        click.echo(
            f"{row['at']}  {row['actor'] or '-':<12} {row['action']:<14} "
            f"{row['field'] or '-':<20} {row['reason']}"
        )


@click.group("keys")
def keys() -> None:
    """The data encryption key."""


@keys.command("generate")
def keys_generate() -> None:
    """Print a new key for PERMITFLOW_DATA_KEY."""
    click.echo(services.privacy.generate_key())


@keys.command("rotate")
@click.option("--as", "actor", default="cli")
@_friendly
def keys_rotate(actor: str) -> None:
    """Re-encrypt all stored data under the newest key (a new key for the key file)."""
    with _session() as session:
        result = services.privacy.keys.rotate(session, actor=actor)
    if result.new_key:
        click.echo("a new key was put first in the key file; the old one stays after it")
    else:
        click.echo("PERMITFLOW_DATA_KEY is set: re-encrypted under its first key")
    click.echo(
        f"re-encrypted {result.cases} case(s), {result.audit_entries} audit entr(y/ies), "
        f"{result.requests} request(s), {result.files} document file(s)"
    )
    if result.log_rows is None:
        click.echo(
            "the access log was NOT re-signed: its chain has breaks (see `permitflow audit "
            "verify`); keep the old key configured",
            err=True,
        )
    else:
        click.echo(f"re-signed {result.log_rows} access log row(s) under the new key")


@click.group("retention")
def retention() -> None:
    """Removing personal data after each procedure's retention period."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only list the cases that would be anonymised.")
@_friendly
def retention_run(dry_run: bool) -> None:
    """Anonymise finished cases past their retention period (statistics stay)."""
    with _session() as session:
        done = services.privacy.retention.run(session, dry_run=dry_run)
    verb = "would anonymise" if dry_run else "anonymised"
    for item in done:
        click.echo(
            f"{item.tracking_code}  {item.process_key}  completed {item.completed_at:%Y-%m-%d}, "
            f"expired {item.expired_at:%Y-%m-%d}"
        )
    click.echo(f"{verb} {len(done)} case(s)")
