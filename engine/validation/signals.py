"""Signals a process both throws and catches: its cases can set each other off.

A signal is broadcast to every running case waiting for it (:mod:`engine.workflow.signals`).
When one process throws a signal and also catches it (an intermediate catch, a boundary
event, an event sub-process), a case that receives it may throw it again to the other
cases: a "ping-pong". The engine bounds each throw (each case takes each signal once per
throw, and one throw reaches a limited number of cases), but the designer is warned,
since it is rarely meant.
"""

from __future__ import annotations

from engine.bpmn.xml import bpmn
from engine.errors import Problem

_THROWERS = ("intermediateThrowEvent", "endEvent")
_CATCHERS = ("intermediateCatchEvent", "boundaryEvent", "startEvent")


def signal_cycle_problems(root, source: str) -> list[Problem]:
    """A warning per signal that a process of ``root`` both throws and catches."""
    names = {s.get("id"): s.get("name") or s.get("id") for s in root.iter(bpmn("signal"))}
    problems = []
    for process in root.iterchildren(bpmn("process")):
        thrown = _signal_elements(process, _THROWERS, names)
        caught = _signal_elements(process, _CATCHERS, names)
        for name, thrower in thrown.items():
            catcher = caught.get(name)
            if catcher is None:
                continue
            signal = f"Signal {name!r}" if name else "A signal without a name"
            message = (
                f"{signal} is thrown here and caught by "
                f"{_label(catcher)!r} of the same process: a running case that catches it "
                "may throw it again to the others, so that cases set each other off; each "
                "case takes one throw once and one throw reaches a limited number of cases "
                "(see 'Signals' in docs/bpmn-conventions.md)"
            )
            problems.append(
                Problem(
                    "warning",
                    "signal_cycle",
                    message,
                    thrower.get("id"),
                    thrower.get("name"),
                    thrower.sourceline,
                    source,
                )
            )
    return problems


def _signal_elements(process, tags: tuple[str, ...], names: dict) -> dict:
    """Signal name -> the first element of a kind in ``tags`` with that signal."""
    found: dict = {}
    for tag in tags:
        for element in process.iter(bpmn(tag)):
            if tag == "startEvent" and element.getparent() is process:
                continue  # a process's own start: no running case waits there
            for definition in element.iterchildren(bpmn("signalEventDefinition")):
                ref = definition.get("signalRef")
                # without signalRef SpiffWorkflow names the signal after its event
                name = names.get(ref, ref) if ref else element.get("name")
                found.setdefault(name, element)
    return found


def _label(element) -> str:
    return element.get("name") or element.get("id") or ""
