"""Bahasa Indonesia and English, switchable per user (``User.language``).

The ``.po`` catalogs ship with the code; they are compiled into ``instance/translations``
when the ``.mo`` is missing or older, so no build step is needed (``pybabel compile -d
webapp/translations`` works too).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, current_app, g, request, session
from flask_babel import Babel, format_decimal, get_locale

SOURCE = Path(__file__).parent / "translations"

babel = Babel()


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    user = g.get("user")
    if user is not None and user.language in languages:
        return user.language
    if session.get("lang") in languages:
        return session["lang"]
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def compile_catalogs(target: Path) -> None:
    """Compile every ``.po`` under :data:`SOURCE` into ``target`` when it changed."""
    for po_path in SOURCE.glob("*/LC_MESSAGES/*.po"):
        relative = po_path.relative_to(SOURCE).with_suffix(".mo")
        mo_path = target / relative
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=relative.parts[0])
        # one temporary file per process: several workers may compile at the same moment
        tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        shutil.move(tmp, mo_path)


def init_app(app: Flask) -> None:
    target = Path(app.instance_path) / "translations"
    compile_catalogs(target)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(target)
    babel.init_app(app, locale_selector=select_locale)
    app.context_processor(lambda: {"get_locale": lambda: str(get_locale() or "id")})
    app.jinja_env.filters["number"] = number


def number(value: float | None, digits: int = 2) -> str:
    """A figure in the user's locale: ``86,11`` in Indonesian, ``86.11`` in English."""
    if value is None:
        return "—"
    return (
        format_decimal(value, format="#,##0." + "0" * digits) if digits else format_decimal(value)
    )
