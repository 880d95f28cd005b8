"""Uploads kept when an application comes back with an error, so none is chosen twice.

The files of a refused submission go to a temporary store under the instance folder,
bound to the form by a random token that is also remembered in the visitor's session
(another visitor cannot claim them). The next submission of the form takes them when
no new file is chosen for their field. Stores older than :data:`KEEP_FOR` are removed.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app, session

from webapp.tasks.forms import Upload

KEEP_FOR = 3600  # seconds
SESSION_KEY = "kept_uploads"


def _root() -> Path:
    return Path(current_app.instance_path) / "kept_uploads"


def _folder(token: str | None) -> Path | None:
    if not token or not token.isalnum() or len(token) != 32:
        return None
    if token not in session.get(SESSION_KEY, []):
        return None
    folder = _root() / token
    return folder if folder.is_dir() else None


def load(token: str | None) -> dict[str, Upload]:
    """The uploads kept under ``token`` for this visitor (none for a stranger's token)."""
    folder = _folder(token)
    if folder is None:
        return {}
    kept = {}
    for meta in folder.glob("*.json"):
        info = json.loads(meta.read_text())
        data = (folder / meta.stem).read_bytes()
        kept[info["field_id"]] = Upload(info["field_id"], info["filename"], data, info["type"])
    return kept


def keep(uploads: dict[str, Upload], token: str | None) -> str | None:
    """Store ``uploads`` for the form's next submission; returns the token (None: nothing)."""
    if not uploads:
        return None
    _expire()
    folder = _folder(token)
    if folder is None:
        token = secrets.token_hex(16)
        folder = _root() / token
        folder.mkdir(parents=True)
        session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-4:], token]
    for old in folder.iterdir():  # the submission's files replace what was kept
        old.unlink()
    for index, upload in enumerate(uploads.values()):
        name = f"f{index}"
        (folder / name).write_bytes(upload.data)
        info = {
            "field_id": upload.field_id,
            "filename": upload.filename,
            "type": upload.content_type,
        }
        (folder / f"{name}.json").write_text(json.dumps(info))
    return token


def forget(token: str | None) -> None:
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
        session[SESSION_KEY] = [t for t in session.get(SESSION_KEY, []) if t != token]


def _expire() -> None:
    root = _root()
    if not root.is_dir():
        return
    limit = time.time() - KEEP_FOR
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
