"""Moved: the one builder is :mod:`engine.bpmn.builder` (kept while callers move)."""

from engine.bpmn.builder import ProcessBuilder as ProcedureBuilder
from engine.bpmn.builder import form_field

__all__ = ["ProcedureBuilder", "form_field"]
