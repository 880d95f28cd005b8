"""``permitflow serve``: run the web app (waitress when installed, else Flask's server)."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--threads", default=8, show_default=True, type=int, help="Worker threads (waitress)."
)
@click.option("--debug", is_flag=True, help="Flask's reloading debug server (never in production).")
@click.option(
    "--tick-every",
    default=60.0,
    show_default=True,
    type=float,
    help="Fire due timers every SECONDS in the server (0: never; with a broker, "
    "Celery beat does it).",
)
def serve(host: str, port: int, threads: int, debug: bool, tick_every: float) -> None:
    """Serve the office: clerks' inboxes, designers' deployments, monitoring, admin."""
    from engine.services import broker_url, start_background_ticker
    from webapp import create_app

    app = create_app({"DEBUG": True} if debug else None)
    if tick_every > 0 and not broker_url():
        start_background_ticker(tick_every)
    click.echo(f"permitflow is serving on http://{host}:{port}/")
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    try:
        from waitress import serve as waitress_serve
    except ImportError:
        app.run(host=host, port=port, threaded=True)
        return
    waitress_serve(app, host=host, port=port, threads=threads)


if __name__ == "__main__":
    serve()
