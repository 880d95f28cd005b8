"""``permitflow connectors add|list|remove``: the registered government systems, and
``permitflow webhooks add|list|remove|deliveries``: the systems that receive case events.

Picked up by the ``permitflow`` CLI through the ``permitflow.commands`` entry point.
"""

from __future__ import annotations

import os

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


@click.group()
def webhooks() -> None:
    """Other systems that receive case events as HMAC-signed webhooks."""


@webhooks.command("add")
@click.argument("name")
@click.option("--url", required=True, help="on the host of a registered connector")
@click.option(
    "--secret-env",
    default="",
    help="NAME of the environment variable holding the secret (else it is asked for, "
    "hidden: a secret typed on the command line stays in the shell history)",
)
@click.option(
    "--event",
    "events",
    multiple=True,
    type=click.Choice(services.webhooks.EVENT_NAMES),
    help="an event to send (repeat; all when none)",
)
@_friendly
def add_subscriber(name: str, url: str, secret_env: str, events: tuple[str, ...]) -> None:
    """Subscribe system NAME at URL to case events (or replace its subscription)."""
    secret = _secret(secret_env)
    with _session() as session:
        found = services.webhooks.add_subscriber(session, name, url, secret, list(events))
        click.echo(f"Subscriber {found.name} (#{found.id}): {found.url}  {', '.join(found.events)}")


def _secret(secret_env: str) -> str:
    if not secret_env:
        return click.prompt("Secret (at least 16 characters)", hide_input=True)
    value = os.environ.get(secret_env, "")
    if not value:
        raise click.UsageError(f"The environment variable {secret_env} is not set or empty.")
    return value


@webhooks.command("list")
@_friendly
def list_subscribers() -> None:
    """The subscribers, their events and how many deliveries are in each status."""
    with _session() as session:
        found = services.webhooks.list_subscribers(session)
        if not found:
            click.echo("No system subscribes to case events.")
        for subscriber in found:
            counts = services.webhooks.delivery_counts(session, subscriber.id)
            shown = ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))
            state = "active" if subscriber.active else "paused"
            click.echo(
                f"#{subscriber.id} {subscriber.name}  {subscriber.url}  {state}  "
                f"events: {', '.join(subscriber.events)}  deliveries: {shown or 'none'}"
            )


@webhooks.command("deliveries")
@click.argument("subscriber")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@_friendly
def deliveries(subscriber: str, limit: int) -> None:
    """SUBSCRIBER's latest deliveries (name or #id), newest first, with their status."""
    with _session() as session:
        found = services.webhooks.deliveries(session, subscriber.lstrip("#"), limit)
        if not found:
            click.echo(f"No delivery to {subscriber} yet.")
        for d in found:
            answer = f"  HTTP {d.last_status}" if d.last_status else ""
            error = f"  {d.error}" if d.error and d.status != "sent" else ""
            click.echo(
                f"{d.created_at:%Y-%m-%d %H:%M}  {d.event:<13} {d.status:<8} "
                f"attempts {d.attempts}{answer}{error}"
            )


@webhooks.command("remove")
@click.argument("subscriber")
@_friendly
def remove_subscriber(subscriber: str) -> None:
    """Unsubscribe SUBSCRIBER (name or #id); its deliveries are no longer sent."""
    with _session() as session:
        services.webhooks.remove_subscriber(session, subscriber.lstrip("#"))
        click.echo(f"Subscriber {subscriber} removed.")
