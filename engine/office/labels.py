"""Translations carried in the BPMN: ``pf:label xml:lang="..."`` (see docs/bpmn-conventions.md).

Any element may carry labels in its ``extensionElements``::

    <bpmn:userTask id="register_application" name="Register application">
      <bpmn:extensionElements>
        <pf:label xml:lang="id">Pendaftaran permohonan</pf:label>
        <pf:label xml:lang="id" for="documents_received">Berkas diterima</pf:label>
        <pf:label xml:lang="en" for="building_function=hunian">Residential</pf:label>

Without ``for`` a label translates the element's name; ``for="field"`` a form field's
label, ``for="field=value"`` an enum option, and on the process ``for="standard.name"``
(``description``, ``procedure``, ``product``, ``fee``, ``complaintChannel``,
``requirement.1``...) the service standard. Readers get their language and fall back
to the text written in the BPMN. bpmn.io and Camunda Modeler keep these elements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.bpmn.xml import PF_NS, parse_xml
from engine.storage.tables import ProcessDefinition

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
LANGUAGES = ("id", "en")
# elements whose names the public pages show (current step, outcome)
SHOWN_KINDS = frozenset(
    "task userTask manualTask serviceTask scriptTask sendTask receiveTask businessRuleTask "
    "startEvent endEvent intermediateCatchEvent intermediateThrowEvent boundaryEvent "
    "subProcess callActivity".split()
)


@dataclass
class Labels:
    """The translations of one deployed version: (element id, for) -> language -> text."""

    texts: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # BPMN name -> element id

    def _get(self, element_id: str, target: str, language: str, fallback: str) -> str:
        return self.texts.get((element_id, target), {}).get(language) or fallback

    def name(self, element_id: str, language: str, fallback: str = "") -> str:
        return self._get(element_id, "", language, fallback)

    def field(self, element_id: str, field_id: str, language: str, fallback: str = "") -> str:
        return self._get(element_id, field_id, language, fallback)

    def option(
        self, element_id: str, field_id: str, value: str, language: str, fallback: str = ""
    ) -> str:
        return self._get(element_id, f"{field_id}={value}", language, fallback)

    def form_label(self, target: str, language: str, fallback: str = "") -> str:
        """A form field's label (``field``) or option (``field=value``) on any element."""
        for (_, found), texts in self.texts.items():
            if found == target and texts.get(language):
                return texts[language]
        return fallback

    def standard(self, process_id: str, key: str, language: str, fallback: str = "") -> str:
        return self._get(process_id, f"standard.{key}", language, fallback)

    def step(self, text: str, language: str) -> str:
        """A case's current step or outcome (BPMN names joined by ", ") in ``language``."""
        parts = []
        for part in (text or "").split(", "):
            prefix = ""
            for marker in ("Waiting: ", "Incident: "):
                if part.startswith(marker):
                    prefix, part = marker, part[len(marker) :]
            element_id = self.names.get(part)
            shown = self.name(element_id, language, part) if element_id else part
            parts.append(_PREFIXES.get((prefix, language), prefix) + shown)
        return ", ".join(parts)


_PREFIXES = {("Waiting: ", "id"): "Menunggu: ", ("Incident: ", "id"): "Terhenti: "}
_cache: dict[str, Labels] = {}


def labels_of_xml(data: bytes, source: str = "<bpmn>") -> Labels:
    root = parse_xml(data, source)
    labels = Labels()
    for element in root.iter(f"{{{PF_NS}}}label"):
        language = element.get(XML_LANG) or element.get("lang") or ""
        owner = element.getparent().getparent() if element.getparent() is not None else None
        if owner is None or not language:
            continue
        owner_id = owner.get("id") or ""
        target = element.get("for", "")
        text = (element.text or "").strip()
        if owner_id and text:
            labels.texts.setdefault((owner_id, target), {})[language] = text
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("name") and element.get("id"):
            labels.names.setdefault(element.get("name"), element.get("id"))
    return labels


def labels_for(definition: ProcessDefinition) -> Labels:
    """The labels of a deployed version (read once per content)."""
    labels = _cache.get(definition.sha256)
    if labels is None:
        if len(_cache) >= 64:
            _cache.pop(next(iter(_cache)))
        labels = _cache[definition.sha256] = labels_of_xml(
            definition.bpmn_xml, definition.source_name or definition.key
        )
    return labels


def untranslated(data: bytes, language: str) -> list[str]:
    """Names of flow elements, form fields and options without a label in ``language``.

    For validation's warning and the test that the shipped procedures are translated.
    """
    root = parse_xml(data, "<bpmn>")
    labels = labels_of_xml(data)
    missing = []
    bpmn_ns = root.nsmap.get("bpmn") or "http://www.omg.org/spec/BPMN/20100524/MODEL"
    for process in root.iter(f"{{{bpmn_ns}}}process"):
        for element in process.iter():
            tag = element.tag if isinstance(element.tag, str) else ""
            if not tag.startswith(f"{{{bpmn_ns}}}") or tag.split("}")[1] not in SHOWN_KINDS:
                continue
            element_id, name = element.get("id"), element.get("name")
            if name and element_id and not labels.texts.get((element_id, ""), {}).get(language):
                missing.append(name)
    return missing
