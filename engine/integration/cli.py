"""``permitflow connectors add|list|remove|calls``: the registered government systems.

Picked up by the ``permitflow`` CLI through the ``permitflow.commands`` entry point.
"""

from __future__ import annotations

import click

from engine import services
from engine.cli_support import friendly, session

_friendly = friendly()
_session = session


@click.group()
def connectors() -> None:
    """Other government systems service tasks may call (only these hosts are called)."""


@connectors.command("add")
@click.argument("name")
@click.option("--base-url", required=True, help="http(s)://host[:port][/prefix]")
@click.option(
    "--operation",
    "operations",
    multiple=True,
    required=True,
    help="name=METHOD /path/{field} in:a,b out:c,d (repeat for each operation)",
)
@click.option("--auth", type=click.Choice(["none", "bearer", "header", "basic"]), default="none")
@click.option("--auth-header", default="", help="the header name for --auth header")
@click.option("--secret-env", default="", help="NAME of the environment variable with the secret")
@click.option("--timeout", "timeout_seconds", type=float, default=10.0, show_default=True)
@click.option("--retries", type=int, default=3, show_default=True)
@click.option("--backoff", "backoff_seconds", type=float, default=2.0, show_default=True)
@click.option("--rate", "rate_per_minute", type=int, default=60, show_default=True)
@_friendly
def add(name: str, base_url: str, operations: tuple[str, ...], **options) -> None:
    """Register (or replace) connector NAME."""
    with _session() as session:
        connector = services.connectors.add_connector(
            session, name, base_url, list(operations), actor="cli", **options
        )
        click.echo(f"Connector {connector.name}: {connector.base_url}")


@connectors.command("list")
@_friendly
def list_() -> None:
    """The registered connectors and their operations."""
    with _session() as session:
        found = services.connectors.list_connectors(session)
        if not found:
            click.echo("No connector is registered.")
        for c in found:
            click.echo(
                f"{c.name}  {c.base_url}  auth={c.auth}"
                f"{' (' + c.secret_env + ')' if c.secret_env else ''}  timeout={c.timeout_seconds}s"
                f"  retries={c.retries}  backoff={c.backoff_seconds}s  rate={c.rate_per_minute}/min"
            )
            for op, spec in sorted(c.operations.items()):
                click.echo("  " + services.connectors.format_operation(op, spec))


@connectors.command("remove")
@click.argument("name")
@_friendly
def remove(name: str) -> None:
    """Unregister connector NAME (procedures naming it can no longer deploy)."""
    with _session() as session:
        services.connectors.remove_connector(session, name)
        click.echo(f"Connector {name} removed.")
