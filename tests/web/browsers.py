"""Shared pieces of the browser journeys: the app served on a random local port, and
Debian's chromium driven by Playwright (``executable_path``; no browser download)."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from engine.storage import db as engine_db
from tests.web.conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "docs" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def served_app(
    folder: Path, template: Path, seed: Callable[[Session], None]
) -> Iterator[tuple[str, Engine]]:
    """Serve the office over a copy of ``template``, seeded by ``seed``; yields (base URL, engine)."""
    from werkzeug.serving import make_server

    from webapp import create_app
    from webapp.extensions import limiter

    shutil.copy(template, folder / "db.sqlite3")
    url = f"sqlite:///{folder / 'db.sqlite3'}"
    engine = engine_db.make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        seed(session)
        session.commit()
    limiter.reset()
    app = create_app(
        {"SECRET_KEY": "browser", "DATABASE_URL": url, "INSTANCE_PATH": str(folder / "instance")}
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", engine
    server.shutdown()
    app.extensions["permitflow.engine"].dispose()
    engine.dispose()


def chromium(sync_api) -> Iterator:
    """A headless Debian chromium for a module's journeys."""
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()
