"""DMN decision tables for business rule tasks (fee tables, eligibility, risk classes).

A designer uploads DMN 1.1-1.3 files beside the BPMN file; a ``businessRuleTask`` names
its table with ``camunda:decisionRef``. Every cell is an expression of the safe language
(:mod:`engine.expressions.language`), as SpiffWorkflow's DMN engine reads them:

- an input cell is ``-`` or empty (any value), a value compared with ``==`` (``"house"``,
  ``5``), a comparison that starts with an operator (``> 500``, ``in ["A", "B"]``,
  ``not in [...]``), or an expression where ``?`` stands for the input (``100 < ? <= 500``);
- an input expression and an output cell are plain expressions (``floor_area``,
  ``base_fee * 2``); an input without an expression reads the data named by its label.

FEEL ranges such as ``[1..5]`` are not part of the language: write ``1 <= ? <= 5``.
Hit policies UNIQUE, FIRST and COLLECT are supported. Every cell is checked (and its
constant parts folded) when the file is validated, so nothing unsafe is deployed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from engine.bpmn.xml import max_bpmn_bytes
from engine.errors import EngineError, InvalidBpmn, UnsafeXml
from engine.expressions import folding
from engine.expressions import language as expressions

DMN_NAMESPACES = frozenset(
    {
        "http://www.omg.org/spec/DMN/20151101/dmn.xsd",
        "http://www.omg.org/spec/DMN/20180521/MODEL/",
        "https://www.omg.org/spec/DMN/20191111/MODEL/",
        "http://www.omg.org/spec/DMN/20191111/MODEL/",
    }
)
HIT_POLICIES = frozenset({"UNIQUE", "FIRST", "COLLECT"})
_QUESTION_MARK = re.compile(r"(\?)(?=(?:[^'\"]|['\"][^'\"]*['\"])*$)")


@dataclass
class DecisionTable:
    """One decision of a DMN file, with its table's cells as text."""

    id: str
    name: str
    source: str
    root: object  # the lxml root of the DMN file, for SpiffWorkflow's parser
    hit_policy: str = "UNIQUE"
    inputs: list[str] = field(default_factory=list)  # input expressions
    outputs: list[str] = field(default_factory=list)  # output names
    rules: list[tuple[int, list[str], list[str]]] = field(default_factory=list)
    line: int | None = None


def read_decisions(data: bytes, source: str) -> list[DecisionTable]:
    """The decision tables of a DMN file, parsed with the hardened XML settings.

    Raises
    ------
    InvalidBpmn
        The file is not well-formed DMN (the message names the file and the line).
    """
    root = _parse(data, source)
    namespace = etree.QName(root).namespace
    if etree.QName(root).localname != "definitions" or namespace not in DMN_NAMESPACES:
        raise InvalidBpmn(
            f"{source} is not a DMN file: its root is <{etree.QName(root).localname}>"
        )
    decisions = []
    for decision in root.iterchildren(f"{{{namespace}}}decision"):
        table = decision.find(f"{{{namespace}}}decisionTable")
        if table is None:
            raise InvalidBpmn(
                f"{source}: decision {decision.get('id')!r} has no decision table (line "
                f"{decision.sourceline}); permitflow runs decision tables only"
            )
        decisions.append(_table(decision, table, namespace, source, root))
    return decisions


def _parse(data: bytes, source: str):
    if len(data) > max_bpmn_bytes():
        raise UnsafeXml(f"{source} is too large: {len(data):,} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise UnsafeXml(f"{source} declares a DOCTYPE or entities, which DMN files must not")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidBpmn(
            f"{source} is not well-formed XML: {exc.msg} (line {exc.lineno})"
        ) from None


def _table(decision, table, ns: str, source: str, root) -> DecisionTable:
    def text(element) -> str:
        found = element.find(f"{{{ns}}}text") if element is not None else None
        return (found.text or "").strip() if found is not None else ""

    result = DecisionTable(
        id=decision.get("id", ""),
        name=decision.get("name", "") or decision.get("id", ""),
        source=source,
        root=root,
        hit_policy=table.get("hitPolicy", "UNIQUE").upper(),
        line=decision.sourceline,
    )
    for element in table.iterchildren(f"{{{ns}}}input"):
        expression = text(element.find(f"{{{ns}}}inputExpression"))
        label = (element.get("label") or "").strip()
        # without an expression SpiffWorkflow reads the case data named by the label
        result.inputs.append(expression or (label if label.isidentifier() else ""))
    for element in table.iterchildren(f"{{{ns}}}output"):
        result.outputs.append(element.get("name") or element.get("id", ""))
    for number, rule in enumerate(table.iterchildren(f"{{{ns}}}rule"), start=1):
        ins = [text(e) for e in rule.iterchildren(f"{{{ns}}}inputEntry")]
        outs = [text(e) for e in rule.iterchildren(f"{{{ns}}}outputEntry")]
        result.rules.append((number, ins, outs))
    return result


def decision_issues(table: DecisionTable) -> list[str]:
    """What is wrong with a table: unsupported hit policy, cells outside the language."""
    issues = []
    where = f"decision {table.name!r} ({table.source})"
    if table.hit_policy not in HIT_POLICIES:
        issues.append(
            f"{where} uses the hit policy {table.hit_policy}; use one of "
            f"{', '.join(sorted(HIT_POLICIES))}"
        )
    for index, expression in enumerate(table.inputs, start=1):
        issues += _issues(f"{where}, input {index}", expression, required=True)
    for number, ins, outs in table.rules:
        for index, cell in enumerate(ins, start=1):
            issues += _input_cell_issues(f"{where}, rule {number}, input {index}", cell)
        for index, cell in enumerate(outs, start=1):
            issues += _issues(f"{where}, rule {number}, output {index}", cell, required=False)
    return issues


def _issues(where: str, expression: str, *, required: bool) -> list[str]:
    if not expression:
        return [f"{where} is empty"] if required else []
    try:
        expressions.check_expression(expression)
        folding.check_constant_parts(expression)
    except EngineError as exc:
        return [f"{where}: {exc.message}"]
    return []


def _input_cell_issues(where: str, cell: str) -> list[str]:
    """An input cell as SpiffWorkflow's DMN engine turns it into an expression."""
    if cell in ("", "-"):
        return []
    if _QUESTION_MARK.search(cell):
        return _issues(where, _QUESTION_MARK.sub("dmninputexpr", cell), required=True)
    try:  # SpiffWorkflow compares with == whatever parses as an expression on its own
        ast.parse(cell.strip(), mode="eval")
        candidate = f"input == ({cell})"
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        candidate = f"input {cell}"
    problems = _issues(where, candidate, required=True)
    if problems and "[" in cell and ".." in cell:
        return [f"{where}: FEEL ranges such as {cell} are not supported; write 1 <= ? <= 5"]
    return problems


def outputs_of(tables: Iterable[DecisionTable], decision_ref: str | None) -> set[str]:
    """Names a business rule task calling ``decision_ref`` writes."""
    return {name for t in tables if t.id == decision_ref for name in t.outputs}


def inputs_of(tables: Iterable[DecisionTable], decision_ref: str | None) -> set[str]:
    """Names the input expressions of ``decision_ref`` read."""
    names: set[str] = set()
    for table in tables:
        if table.id == decision_ref:
            for expression in table.inputs:
                try:
                    names |= expressions.names_read(expression)
                except EngineError:
                    pass
    return names
