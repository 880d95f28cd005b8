"""Reading BPMN XML safely: a hardened lxml parser and the namespaces permitflow reads.

BPMN files come from designers' uploads, so the parser never resolves entities, never
loads a DTD, never touches the network, and refuses any document that declares a
DOCTYPE at all (XXE, "billion laughs" and external-DTD payloads all need one). Files
over :data:`DEFAULT_MAX_BYTES` (or ``PERMITFLOW_MAX_BPMN_BYTES``) are refused before
parsing. Elements are always matched by namespace URI and local name, never by prefix,
so ``bpmn:``, ``semantic:`` and unprefixed exports read the same. (The byte scan for
``<!DOCTYPE``/``<!ENTITY`` also refuses those words inside a CDATA section: a price
worth paying.)
"""

from __future__ import annotations

import os
import re

from lxml import etree

from engine.bpmn.normalize import normalize
from engine.errors import InvalidBpmn, Problem, UnsafeXml

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
PF_NS = "https://permitflow.org/schema/bpmn/1.0"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"  # SpiffArena's extensions

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_DANGEROUS_MARKUP = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)
_LINE_SUFFIX = re.compile(r",?\s*line \d+(, column \d+)?\s*$")


def bpmn(local: str) -> str:
    """The Clark-notation tag of a BPMN model element, e.g. ``{...MODEL}task``."""
    return f"{{{BPMN_NS}}}{local}"


def local_name(element) -> str:
    """The local part of an element's tag ('' for comments and processing instructions)."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def namespace_of(element) -> str:
    tag = element.tag
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def text_of(element) -> str:
    """All text inside ``element`` (CDATA included), stripped."""
    if element is None:
        return ""
    return "".join(element.itertext()).strip()


def max_bpmn_bytes() -> int:
    """The largest BPMN file accepted: ``PERMITFLOW_MAX_BPMN_BYTES`` or 10 MB."""
    configured = os.environ.get("PERMITFLOW_MAX_BPMN_BYTES", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return DEFAULT_MAX_BYTES


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        dtd_validation=False,
        load_dtd=False,
        huge_tree=False,
        remove_comments=False,
    )


def _refuse_unsafe_bytes(data: bytes, source: str) -> None:
    limit = max_bpmn_bytes()
    if len(data) > limit:
        raise UnsafeXml(f"{source} is too large: {len(data):,} bytes, the limit is {limit:,} bytes")
    if any(marker in data for marker in _DANGEROUS_MARKUP):
        raise UnsafeXml(
            f"{source} declares a DOCTYPE or entities; BPMN files must not use a DTD "
            "(refused to protect the server from XXE and entity-expansion attacks)"
        )


def _not_well_formed(exc: etree.XMLSyntaxError, source: str) -> InvalidBpmn:
    line = getattr(exc, "lineno", None) or None
    detail = _LINE_SUFFIX.sub("", str(getattr(exc, "msg", "") or exc)).strip()
    where = f" (line {line})" if line else ""
    if "entity" in detail.lower() or "dtd" in detail.lower():
        message = f"{source} uses a DTD or XML entities, which BPMN files must not: {detail}{where}"
        problem = Problem("error", UnsafeXml.code, message, line=line, source=source)
        return UnsafeXml(message, [problem])
    message = f"{source} is not well-formed XML: {detail}{where}"
    problem = Problem("error", "not_well_formed", message, line=line, source=source)
    return InvalidBpmn(message, [problem])


def parse_xml(data: bytes, source: str):
    """Parse ``data`` with the hardened parser and return the ``bpmn:definitions`` root.

    What BPMN leaves implicit is made explicit (:mod:`engine.bpmn.normalize`).
    Raises :class:`UnsafeXml` for oversized input or any DOCTYPE/entity declaration and
    :class:`InvalidBpmn` for empty input, XML that is not well-formed, or a root element
    other than BPMN 2.0 ``definitions``.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if not data or not data.strip():
        raise InvalidBpmn(f"{source} is empty")
    _refuse_unsafe_bytes(data, source)
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise _not_well_formed(exc, source) from None
    except ValueError as exc:  # e.g. an unsupported encoding declaration
        raise InvalidBpmn(f"{source} is not well-formed XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.externalDTD is not None or docinfo.doctype:
        raise UnsafeXml(f"{source} declares a DOCTYPE; BPMN files must not use a DTD")
    if root.tag != bpmn("definitions"):
        found = local_name(root) or str(root.tag)
        namespace = namespace_of(root)
        where = f" in namespace {namespace}" if namespace else " without a namespace"
        raise InvalidBpmn(
            f"{source} is not a BPMN 2.0 file: its root element is <{found}>{where}, "
            f"expected <definitions> in {BPMN_NS}"
        )
    normalize(root)  # id-less sequence flows, camunda:collection (engine.bpmn.normalize)
    return root
