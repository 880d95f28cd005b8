"""Deploying procedures and reading deployed versions.

Deploying validates the file, parses it into SpiffWorkflow specs once, and stores the
XML, the serialized spec and the service standard as a new version. Identical content
does not make a new version.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from engine.bpmn.model import BpmnModel
from engine.bpmn.reader import load_bpmn
from engine.bpmn.xml import parse_xml
from engine.calendar import clock
from engine.errors import InvalidBpmn, ProcessNotFound
from engine.integration import registry as connector_registry
from engine.office import audit, decision_drafts, pilot_versions
from engine.office import templates as document_templates
from engine.storage.cache import BoundedCache
from engine.storage.tables import OPEN_STATUSES, Case, ProcessDefinition
from engine.validation.process import (
    format_report,
    has_errors,
    read_decision_files,
    validate_file,
)
from engine.workflow import schedules, specs


def deploy(
    session: Session,
    data: bytes,
    *,
    source: str = "<upload>",
    deployed_by: str = "",
    templates: dict[str, str] | None = None,
    dmn_files: dict[str, bytes] | None = None,
) -> tuple[ProcessDefinition, bool]:
    """Deploy a BPMN file. Returns ``(definition, created)``.

    ``templates`` are the document template files uploaded with it (file name -> text;
    see :mod:`engine.office.templates`); they are versioned with the BPMN. ``dmn_files``
    (file name -> bytes) hold the decision tables its business rule tasks call: compiled
    into the spec and kept as files with the version (see :mod:`engine.office.decision_drafts`).
    Raises :class:`InvalidBpmn` with the validation problems when the file has errors.
    """
    called = _deployed_called(session, data, source)
    model, problems = _check(session, data, source, templates, dmn_files, called)
    if model is None or has_errors(problems):
        errors = [p for p in problems if p.severity == "error"]
        raise InvalidBpmn(
            f"{source} cannot be deployed ({len(errors)} error(s)):\n{format_report(errors)}",
            problems,
        )
    process = model.main_process()
    digest = _digest(model.sha256, dmn_files)
    root = parse_xml(data, source)
    documents = document_templates.collect(root, templates) or None
    for existing in session.scalars(
        select(ProcessDefinition).where(
            ProcessDefinition.key == process.id, ProcessDefinition.sha256 == digest
        )
    ):
        if existing.templates == documents:
            if existing.dmn_files is None:  # deployed before 0021: the same files, kept now
                existing.dmn_files = decision_drafts.for_version(dmn_files)
            return existing, False
    decisions, _ = read_decision_files(dmn_files)  # DMN tables are compiled into the spec
    called_specs = {key: specs.specs_for(d) for key, d in called.items()}
    spec, subprocess_specs = specs.compile_process(
        root, source, process.id, decisions, called_specs
    )
    definition = ProcessDefinition(
        key=process.id,
        version=_next_version(session, process.id),
        name=process.label,
        sha256=digest,
        source_name=source,
        bpmn_xml=data,
        spec_json=specs.dump_specs(
            spec, subprocess_specs, {key: d.id for key, d in called.items()}
        ),
        serializer_version=specs.SERIALIZER_VERSION,
        service_standard=process.service_standard.as_dict() if process.service_standard else None,
        lanes={lane.id: {"name": lane.name, "role": lane.role} for lane in process.lanes.values()},
        templates=documents,
        dmn_files=decision_drafts.for_version(dmn_files),  # for revised drafts and downloads
        deployed_by=deployed_by,
        deployed_at=clock.now(),
    )
    session.add(definition)
    session.flush()
    schedules.record_schedule(session, definition, model)  # timer start events
    audit.record(
        session,
        "deploy",
        actor=deployed_by,
        message=f"Deployed {definition.key} version {definition.version} from {source}",
        data={"key": definition.key, "version": definition.version, "sha256": model.sha256},
    )
    return definition, True


_DECISION_REF = re.compile(rb'(?:decisionRef="|calledDecisionId>\s*)([^"<\s]+)')


def decisions_beside(bpmn_path: Path, data: bytes) -> dict[str, bytes]:
    """The DMN files in the BPMN file's folder that define a decision its business rule
    tasks name (``camunda:decisionRef`` or SpiffArena's ``calledDecisionId``), by file
    name: deployed with it by the CLI and the demo when no DMN file is given."""
    wanted = set(re.findall(_DECISION_REF, data))
    found: dict[str, bytes] = {}
    for dmn in sorted(bpmn_path.parent.glob("*.dmn")) if wanted else ():
        if not dmn.is_file():  # a folder or a named pipe so named (reading one hangs)
            continue
        content = dmn.read_bytes()
        if wanted & set(re.findall(rb'<(?:[A-Za-z]+:)?decision\s[^>]*?\bid="([^"]+)"', content)):
            found[dmn.name] = content
    return found


def check_deployable(
    session: Session,
    data: bytes,
    *,
    source: str = "<upload>",
    templates: dict[str, str] | None = None,
    dmn_files: dict[str, bytes] | None = None,
):
    """``(model, problems)`` of a file as :func:`deploy` judges it: with the deployed
    procedures its call activities name and the registered connectors. The designer's
    report uses this, so a report without errors means the file deploys, and one with
    errors means it does not (issue 9: one check decides both)."""
    called = _deployed_called(session, data, source)
    return _check(session, data, source, templates, dmn_files, called)


def _check(session: Session, data: bytes, source: str, templates, dmn_files, called):
    return validate_file(
        data,
        source,
        templates=templates,
        dmn_files=dmn_files,
        called_models={key: model_for(d) for key, d in called.items()},
        called_specs={key: specs.specs_for(d) for key, d in called.items()},
        connectors=connector_registry.catalog(session),
    )


def called_elsewhere(model: BpmnModel) -> set[str]:
    """The process keys ``model``'s call activities name that it does not define."""
    return {
        node.called_element
        for process in model.processes.values()
        for node in process.nodes.values()
        if node.kind == "callActivity"
        and node.called_element
        and node.called_element not in model.processes
    }


def callees_first(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """``(name, data)`` files in deploy order: a file defining a process another one's
    call activities name comes before it (a process group deployed in one command, in
    any order); otherwise as given. Unreadable files keep their place (deploy says why);
    a call cycle is left as given (validation refuses it)."""
    defines: dict[str, int] = {}
    calls: dict[int, set[str]] = {}
    for index, (name, data) in enumerate(files):
        try:
            model = load_bpmn(data, name)
        except InvalidBpmn:
            continue
        for key in model.processes:
            defines.setdefault(key, index)
        calls[index] = called_elsewhere(model)
    order: list[int] = []

    def visit(index: int, path: frozenset[int]) -> None:
        if index in order or index in path:
            return
        for key in sorted(calls.get(index, ())):
            if key in defines:
                visit(defines[key], path | {index})
        order.append(index)

    for index in range(len(files)):
        visit(index, frozenset())
    return [files[i] for i in order]


def validate_group(files: list[tuple[str, bytes, dict[str, bytes] | None]]) -> dict:
    """``{name: (model, problems)}`` of files validated together, as deploying them in
    one command would: ``(name, data, dmn_files)`` in deploy order (:func:`callees_first`),
    each checked with the processes the files before it define (a process group whose
    models call each other), none of them deployed."""
    models: dict[str, BpmnModel] = {}
    compiled: dict[str, tuple] = {}
    results = {}
    for name, data, dmn_files in files:
        try:
            wanted = called_elsewhere(load_bpmn(data, name))
        except InvalidBpmn:
            wanted = set()
        called = {key: compiled[key] for key in wanted if key in compiled}
        model, problems = validate_file(
            data,
            name,
            dmn_files=dmn_files,
            called_models={key: models[key] for key in called} or None,
            called_specs=called or None,
        )
        results[name] = (model, problems)
        if model is None or has_errors(problems):
            continue
        key = model.main_process().id
        decisions, _ = read_decision_files(dmn_files)
        try:
            compiled[key] = specs.compile_process(
                parse_xml(data, name), name, key, decisions, called
            )
        except InvalidBpmn:  # validation ran the same compilation: not expected
            continue
        models[key] = model
    return results


def _deployed_called(session: Session, data: bytes, source: str) -> dict[str, ProcessDefinition]:
    """The newest deployed versions of the processes the file's call activities name and
    it does not define; their specs are copied into the new version (pinned)."""
    try:
        model = load_bpmn(data, source)
    except InvalidBpmn:
        return {}  # validation says why
    found = {}
    for key in sorted(called_elsewhere(model)):
        try:
            found[key] = get_definition(session, key)
        except ProcessNotFound:
            continue
    return found


def locate(definition: ProcessDefinition, element_id: str):
    """``(process, node)`` of ``element_id`` in a deployed version or in the deployed
    versions its call activities run (for the lanes, roles and forms of called tasks)."""
    found = model_for(definition).find_node(element_id)
    if found is not None:
        return found
    session = object_session(definition)
    for called_id in specs.called_definition_ids(definition).values():
        called = session.get(ProcessDefinition, called_id) if session is not None else None
        found = locate(called, element_id) if called is not None else None
        if found is not None:
            return found
    return None


def _digest(bpmn_sha256: str, dmn_files: dict[str, bytes] | None) -> str:
    """The content hash of a version: the BPMN file's, or with its DMN files the hash of all."""
    if not dmn_files:
        return bpmn_sha256
    digest = hashlib.sha256(bpmn_sha256.encode())
    for name in sorted(dmn_files):
        digest.update(hashlib.sha256(dmn_files[name]).digest())
    return digest.hexdigest()


def _next_version(session: Session, key: str) -> int:
    current = session.scalar(
        select(func.max(ProcessDefinition.version)).where(ProcessDefinition.key == key)
    )
    return (current or 0) + 1


def get_definition(session: Session, key: str, version: int | None = None) -> ProcessDefinition:
    """A deployed version of ``key`` (the newest when ``version`` is None)."""
    query = select(ProcessDefinition).where(ProcessDefinition.key == key)
    if version is None:  # the current version: the newest not held back by a pilot
        query = query.where(
            ProcessDefinition.version.not_in(pilot_versions.held_back_versions(key))
        )
        query = query.order_by(ProcessDefinition.version.desc()).limit(1)
    else:
        query = query.where(ProcessDefinition.version == version)
    definition = session.scalar(query)
    if definition is None:
        which = f"version {version} of " if version is not None else ""
        raise ProcessNotFound(f"No deployed {which}procedure {key!r}. See `permitflow deploy`.")
    return definition


def list_definitions(session: Session, *, latest_only: bool = False) -> list[ProcessDefinition]:
    """Deployed versions, newest first per key."""
    query = select(ProcessDefinition).order_by(
        ProcessDefinition.key, ProcessDefinition.version.desc()
    )
    definitions = list(session.scalars(query))
    if not latest_only:
        return definitions
    seen: dict[str, ProcessDefinition] = {}
    held = pilot_versions.held_back(session)  # versions under a pilot are not current
    for definition in definitions:
        if (definition.key, definition.version) not in held:
            seen.setdefault(definition.key, definition)
    return list(seen.values())


def running_case_counts(session: Session, key: str) -> dict[int, int]:
    """Version -> number of cases not yet finished."""
    query = (
        select(ProcessDefinition.version, func.count(Case.id))
        .join(Case, Case.definition_id == ProcessDefinition.id)
        .where(ProcessDefinition.key == key, Case.status.in_(OPEN_STATUSES))
        .group_by(ProcessDefinition.version)
    )
    return {version: count for version, count in session.execute(query)}


_models: BoundedCache[str, BpmnModel] = BoundedCache(128)


def model_for(definition: ProcessDefinition) -> BpmnModel:
    """The typed model of a deployed version (cached per content; XML read once)."""
    source = definition.source_name or definition.key
    return _models.get_or_make(definition.sha256, lambda: load_bpmn(definition.bpmn_xml, source))


def load_deployed_model(session: Session, key: str, version: int | None = None) -> BpmnModel:
    """The typed model of a deployed procedure, for analysis and simulation."""
    return model_for(get_definition(session, key, version))
