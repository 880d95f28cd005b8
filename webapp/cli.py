"""``permitflow serve``: run the web app.

One process (``--workers 1``, the default) serves with waitress threads, enough for one
office PC. ``--workers N`` runs N processes under gunicorn (threads in each), for a
server with several cores; every process opens its own database pool after the fork and
keeps shared state (rate limits, jobs, the ticker's lead) in PostgreSQL and Redis. See
``docs/deployment.md``.
"""

from __future__ import annotations

from typing import Any

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Processes: 1 serves with waitress; more run gunicorn (needs PostgreSQL).",
)
@click.option(
    "--threads", default=8, show_default=True, type=int, help="Worker threads per process."
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
def serve(host: str, port: int, workers: int, threads: int, debug: bool, tick_every: float) -> None:
    """Serve the office: clerks' inboxes, designers' deployments, monitoring, admin."""
    from webapp import create_app

    click.echo(f"permitflow is serving on http://{host}:{port}/")
    if workers > 1 and not debug:
        _gunicorn(host, port, workers, threads, tick_every).run()
        return
    app = create_app({"DEBUG": True} if debug else None)
    _start_ticker(tick_every)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    try:
        from waitress import serve as waitress_serve
    except ImportError:
        app.run(host=host, port=port, threaded=True)
        return
    waitress_serve(app, host=host, port=port, threads=threads)


def _start_ticker(tick_every: float) -> None:
    from engine.services import broker_url, start_background_ticker

    if tick_every > 0 and not broker_url():
        start_background_ticker(tick_every)


def _gunicorn(host: str, port: int, workers: int, threads: int, tick_every: float):
    """A gunicorn arbiter with ``workers`` processes; each builds its app after the fork."""
    from gunicorn.app.base import BaseApplication

    from engine.services import warm_up

    warm_up()  # in the arbiter: the workers it forks inherit the working calendar

    class Office(BaseApplication):
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                if key in self.cfg.settings:  # settings differ between gunicorn versions
                    self.cfg.set(key, value)

        def load(self):
            from webapp import create_app

            app = create_app()
            _start_ticker(tick_every)  # one per process; the ticker's lead is elected
            return app

    return Office(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 120,
            "graceful_timeout": 30,
            "keepalive": 5,
            "preload_app": False,
            "control_socket_disable": True,  # gunicorn 24+: one shared path per user otherwise
        }
    )


if __name__ == "__main__":
    serve()
