"""Documents drawn as data objects: which steps read and write them.

The engine's model keeps forms but not data associations, so a procedure drawn with
``dataObjectReference``/``dataStoreReference`` and ``dataInputAssociation``/
``dataOutputAssociation`` (Signavio, bpmn.io) would show the analysis no documents at all.
:func:`read_data_links` reads them from the file itself, with the engine's hardened XML
parser, and :func:`simulations.analysis.graph.process_graph` adds them to the steps' reads
and writes as ``data:<id>`` items.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn.xml import bpmn, parse_xml, text_of

__all__ = ["DataItem", "DataLinks", "read_data_links"]

_REFERENCES = {"dataObjectReference": "dataObjectRef", "dataStoreReference": "dataStoreRef"}


@dataclass(frozen=True)
class DataItem:
    """One document or data store: ``key`` (``data:<object id>``), its name, whether a store."""

    key: str
    name: str
    store: bool = False


@dataclass
class DataLinks:
    """Data items and, per flow node id, the items it reads and writes."""

    items: dict[str, DataItem] = field(default_factory=dict)  # reference id -> item
    reads: dict[str, set[str]] = field(default_factory=dict)  # node id -> item keys
    writes: dict[str, set[str]] = field(default_factory=dict)

    def item(self, key: str) -> DataItem | None:
        return next((i for i in self.items.values() if i.key == key), None)

    def __bool__(self) -> bool:
        return bool(self.reads or self.writes)


def read_data_links(xml: bytes | str | None, source: str = "<analysis>") -> DataLinks:
    """Data associations of every flow node in ``xml`` (a BPMN file's bytes).

    References to the same ``dataObject`` (a document in several states) are one item.
    Unreadable input gives empty links: the analysis then works from the forms alone.

    Examples
    --------
    >>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
    ...   <process id="p"><dataObject id="o1"/>
    ...     <dataObjectReference id="r1" name="KTP" dataObjectRef="o1"/>
    ...     <task id="t"><dataInputAssociation><sourceRef>r1</sourceRef></dataInputAssociation></task>
    ...   </process></definitions>'''
    >>> links = read_data_links(xml)
    >>> links.reads, links.items["r1"].name
    ({'t': {'data:o1'}}, 'KTP')
    """
    links = DataLinks()
    if not xml:
        return links
    try:
        root = parse_xml(xml.encode("utf-8") if isinstance(xml, str) else xml, source)
    except Exception:  # a file the engine loaded but this reading cannot: no links
        return links
    names: dict[str, str] = {}
    for element in root.iter(bpmn("dataObject"), bpmn("dataStore")):
        if element.get("id"):
            names[element.get("id")] = element.get("name") or ""
    for kind, attribute in _REFERENCES.items():
        for element in root.iter(bpmn(kind)):
            ref_id = element.get("id")
            if not ref_id:
                continue
            target = element.get(attribute) or ref_id
            name = element.get("name") or names.get(target) or ref_id
            links.items[ref_id] = DataItem(f"data:{target}", name, kind == "dataStoreReference")
    for tag, side, which in (
        ("dataInputAssociation", "sourceRef", links.reads),
        ("dataOutputAssociation", "targetRef", links.writes),
    ):
        for association in root.iter(bpmn(tag)):
            owner = association.getparent()
            node_id = owner.get("id") if owner is not None else None
            if not node_id:
                continue
            for ref in association.iterchildren(bpmn(side)):
                item = links.items.get(text_of(ref))
                if item is not None:
                    which.setdefault(node_id, set()).add(item.key)
    return links
