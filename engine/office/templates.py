"""Document templates deployed with a procedure (``pf:documentTemplate``).

A process declares its documents in its extension elements::

    <pf:documentTemplate name="permit" href="templates/pbg_permit.html"/>

and an element that issues one names it: ``pf:issues="permit"``. The template files
come with the BPMN (given to :func:`engine.office.definitions.deploy`, or uploaded
beside it); a shipped procedure's templates are also found under ``processes/``. They
are stored with the deployed version, so a case always prints with the templates of
its own version.
"""

from __future__ import annotations

import re
from pathlib import Path

from engine.bpmn.extensions import extension_children, pf
from engine.bpmn.xml import bpmn

SHIPPED_DIR = Path(__file__).resolve().parents[2] / "processes"
HREF = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")
# names the engine gives every document besides the case data
ENGINE_NAMES = frozenset(
    {"permit", "office", "signer", "qr_code", "verify_url", "bill", "case", "today", "replaces"}
)
MAX_TEMPLATE_BYTES = 512 * 1024


def declared(root) -> dict[str, tuple[str, int | None]]:
    """``name -> (href, line)`` of the ``pf:documentTemplate`` of every process in ``root``."""
    found: dict[str, tuple[str, int | None]] = {}
    for process in root.iterchildren(bpmn("process")):
        for element in extension_children(process, pf("documentTemplate")):
            found[element.get("name", "")] = (element.get("href", ""), element.sourceline)
    return found


def href_problem(href: str) -> str | None:
    if not href:
        return "has no href (the template file's name)"
    if not HREF.fullmatch(href) or ".." in href.split("/"):
        return f"href {href!r} must be a relative file name such as templates/permit.html"
    return None


def resolve(href: str, supplied: dict[str, str] | None) -> str | None:
    """The text of template ``href``: from the files supplied, else shipped; None if absent."""
    for name, text in (supplied or {}).items():
        if name == href or Path(name).name == Path(href).name:
            return text
    if href_problem(href) is None:
        path = SHIPPED_DIR / href
        if path.is_file() and path.stat().st_size <= MAX_TEMPLATE_BYTES:
            return path.read_text(encoding="utf-8")
    return None


def collect(root, supplied: dict[str, str] | None) -> dict[str, dict[str, str]]:
    """``name -> {href, text}`` of every declared template found (stored with the version)."""
    found = {}
    for name, (href, _) in declared(root).items():
        text = resolve(href, supplied) if href_problem(href) is None else None
        if text is not None:
            found[name] = {"href": href, "text": text}
    return found


def files_beside(bpmn_path: Path, root) -> dict[str, str]:
    """The declared templates found next to a BPMN file on disk (for the CLI)."""
    texts = {}
    for href, _ in declared(root).values():
        if href_problem(href) is None:
            path = bpmn_path.parent / href
            if path.is_file() and path.stat().st_size <= MAX_TEMPLATE_BYTES:
                texts[href] = path.read_text(encoding="utf-8")
    return texts


def templates_beside(bpmn_path: Path, data: bytes) -> dict[str, str]:
    """The template files a BPMN file on disk declares, read from beside it."""
    from engine.bpmn.xml import parse_xml

    try:
        root = parse_xml(data, str(bpmn_path))
    except Exception:  # noqa: BLE001 - deploy reports an unreadable file itself
        return {}
    return files_beside(bpmn_path, root)
