"""Helpers of the scale-out tests (issue 11): a TCP proxy that can freeze, and an app on
PostgreSQL or SQLite with staff, the building approval and API tokens."""

from __future__ import annotations

import selectors
import socket
import threading
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from engine import services
from engine.accounts import api_tokens

REPO = Path(__file__).resolve().parents[1]
SMALL_PERMIT = REPO / "tests" / "engine_bpmn" / "two_lanes.bpmn"  # key small_permit


class FreezableProxy:
    """Forwards 127.0.0.1:``port`` to ``target``; :meth:`freeze` stops forwarding bytes
    without closing anything, like a database server stopped with SIGSTOP (its kernel
    still accepts connections and acknowledges every byte; nothing answers)."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.frozen = threading.Event()
        self._stop = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.05)
        self.port = self._server.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._threads = [threading.Thread(target=self._accept, daemon=True)]
        self._threads[0].start()

    def freeze(self) -> None:
        self.frozen.set()

    def thaw(self) -> None:
        self.frozen.clear()

    def close(self) -> None:
        self.thaw()
        self._stop.set()
        for thread in self._threads:
            thread.join(5)
        for sock in [self._server, *self._sockets]:
            sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client = self._server.accept()[0]
            except OSError:
                continue
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            pump = threading.Thread(target=self._pump, args=(client, upstream), daemon=True)
            self._threads.append(pump)
            pump.start()

    def _pump(self, client: socket.socket, upstream: socket.socket) -> None:
        other = {client: upstream, upstream: client}
        with selectors.DefaultSelector() as selector:
            for sock in other:
                selector.register(sock, selectors.EVENT_READ)
            while not self._stop.is_set():
                if self.frozen.is_set():
                    self._stop.wait(0.02)
                    continue
                for key, _ in selector.select(0.05):
                    try:
                        data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                        if data:
                            other[key.fileobj].sendall(data)  # type: ignore[index]
                            continue
                    except OSError:
                        pass
                    for sock in other:
                        sock.close()
                    return


def empty_postgres(engine: Engine) -> None:
    """Empty every table of the test schema (those the migrations made)."""
    with engine.begin() as connection:
        names = connection.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
        listed = ", ".join(f'"{name}"' for name in names)
        connection.execute(text(f"TRUNCATE {listed} RESTART IDENTITY CASCADE"))


def search_path(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.execute(text("SHOW search_path")).scalar_one()


def url_through(engine: Engine, port: int) -> str:
    """``engine``'s PostgreSQL URL (and schema) reached through 127.0.0.1:``port``."""
    url = engine.url.set(host="127.0.0.1", port=port)
    options = quote(f"-csearch_path={search_path(engine)}")
    return f"{url.render_as_string(hide_password=False)}?options={options}"


def seed_office(engine: Engine) -> dict[str, str]:
    """A clerk, the small permit deployed; returns the clerk's API bearer header."""
    with Session(engine, expire_on_commit=False) as session:
        services.create_user(session, "front", full_name="Front", roles=["front_office"])
        services.deploy(
            session, SMALL_PERMIT.read_bytes(), source="two_lanes.bpmn", deployed_by="x"
        )
        token = api_tokens.issue(session, "front", "test")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def app_on(url: str, tmp_path: Path):
    from webapp import create_app

    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )
