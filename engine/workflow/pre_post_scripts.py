"""SpiffArena's pre- and post-scripts, run through the safe expression language.

SpiffArena lets a task, sub-process or call activity carry ``spiffworkflow:preScript``
and ``spiffworkflow:postScript`` extension elements. SpiffWorkflow runs them only in its
``spiff`` task classes (``SpiffBpmnTask``); permitflow parses with the standard classes
(:mod:`engine.workflow.specs`), so :func:`attach` puts the scripts on the task specs
after parsing and :func:`with_pre_script` / :func:`with_post_script` (installed as
corrections on ``BpmnSpecMixin``) run them at the points ``SpiffBpmnTask`` does:

- the pre-script when the task becomes ready, after it inherited its data: before a
  user task's form is shown, before a call activity hands its data to the called
  process, before a multi-instance activity creates its instances;
- the post-script when the task completes, after the form data were merged (or the
  called process's data came back), before data output associations are stored.

On a multi-instance or loop activity both run once around the whole loop, or on every
instance when the loop characteristics say ``spiffworkflow:scriptsOnInstances="true"``
(SpiffArena's parser does the same). Scripts are lines of ``name = expression``, checked
by validation as script tasks are, and run only through
:class:`~engine.workflow.script_engine.SafeScriptEngine`, never Python's ``exec``.

A failing script raises SpiffWorkflow's ``WorkflowTaskException`` naming it, which the
runtime turns into an incident. A failed pre-script leaves its task where it was (not
ready), so retrying the incident brings the task up to date again and re-runs the
pre-script on the data the task had, with what an administrator set on it; a failed
post-script puts its task in ERROR, so a retry runs the task again. Skipping a task
(an incident moved past it) completes it without its post-script.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from typing import Any, NoReturn

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.extensions import extension_script_texts_of, scripts_on_instances_of
from engine.bpmn.xml import BPMN_NS
from engine.workflow import internals
from engine.workflow.script_engine import SafeScriptEngine

#: the elements SpiffArena runs pre/post scripts on (its SpiffTaskParser's elements);
#: on events and gateways they are refused by validation
SCRIPT_HOLDERS = frozenset(
    {
        "task",
        "userTask",
        "manualTask",
        "scriptTask",
        "serviceTask",
        "businessRuleTask",
        "sendTask",
        "receiveTask",
        "subProcess",
        "transaction",
        "callActivity",
    }
)
#: the task spec attributes (SpiffWorkflow's SpiffBpmnTask uses the same names)
ATTRIBUTES = ("prescript", "postscript")
#: internal data mark of a task whose pre-script failed (kept until it succeeds)
FAILED = "prescript_failed"
#: internal data mark of a task completed by an administrator's skip (:func:`skipped`)
SKIPPED = "scripts_skipped"
_LOOPS = tuple(
    f"{{{BPMN_NS}}}{tag}"
    for tag in ("multiInstanceLoopCharacteristics", "standardLoopCharacteristics")
)


def attach(root: etree._Element, process_specs) -> None:
    """Put each element's pre/post script on the task spec that runs it.

    The element's own spec; for a loop the loop's spec (once around the loop), or its
    instances' spec (``"<id> [child]"``) with ``scriptsOnInstances``.
    """
    targets: dict[str, tuple[str | None, str | None]] = {}
    for kind in SCRIPT_HOLDERS:
        for element in root.iter(f"{{{BPMN_NS}}}{kind}"):
            texts = extension_script_texts_of(element)
            if not texts:
                continue
            name = element.get("id", "")
            loop = next(element.iterchildren(*_LOOPS), None)
            if loop is not None and scripts_on_instances_of(loop):
                name = f"{name} [child]"
            targets[name] = (texts.get("preScript"), texts.get("postScript"))
    for process_spec in process_specs:
        for name, task_spec in process_spec.task_specs.items():
            if name in targets:
                task_spec.prescript, task_spec.postscript = targets[name]


def with_pre_script(update_hook):
    """``_update_hook`` that runs the spec's pre-script once the task's data are in.

    A task brought up to date again while it waits (a receive task when its message
    comes) inherits its data again, which undoes the pre-script's assignments; the
    pre-script then runs again on them, as in SpiffArena.

    A task whose pre-script failed is marked (:data:`FAILED`): brought up to date again
    (an incident's retry) it keeps the data it had, with what an administrator set on
    it since, instead of inheriting its parent's again, so the retried pre-script sees
    the repaired value as a retried script task does. An instance failing while its
    loop creates its instances fails the loop instead (:func:`_fail_the_loop`).
    """

    def _update_hook(self, my_task) -> Any:
        kept = deepcopy(my_task.data) if my_task.internal_data.get(FAILED) else None
        result = update_hook(self, my_task)
        if kept is not None:
            my_task.data = kept
            del my_task.internal_data[FAILED]
        script = getattr(self, "prescript", None)
        if script:
            try:
                _execute(my_task, script, "pre-script")
            except WorkflowTaskException as exc:
                loop = _loop_creating(my_task)
                if loop is None:
                    my_task.internal_data[FAILED] = True
                    raise
                _fail_the_loop(loop, exc)
        return result

    return _update_hook


def _loop_creating(task):
    """The loop task creating ``task`` as one of its instances, if it is doing so now.

    A multi-instance task creates its instances before it is STARTED (a sequential one
    its first instance); a standard loop starts before it creates its iteration, and
    later instances come when the loop has started.
    """
    loop = task.parent
    spec = getattr(loop, "task_spec", None)
    if not isinstance(spec, LoopTask) or spec.task_spec != task.task_spec.name:
        return None
    return loop if loop.has_state(TaskState.PREDICTED_MASK | TaskState.FUTURE) else None


def _fail_the_loop(loop, exc: WorkflowTaskException) -> NoReturn:
    """Fail ``loop`` with an instance's pre-script error, its instances undone.

    The error stopped the loop halfway (a parallel loop without its later instances, the
    loop not started): a retry of the instance would leave the loop short. The loop is
    the failed step instead: the value set on it is kept (:data:`FAILED`), and its retry
    creates every instance again from it.
    """
    for instance in [t for t in loop.children if t.task_spec.name == loop.task_spec.task_spec]:
        internals.drop(instance)
    loop.internal_data[FAILED] = True
    raise WorkflowTaskException(
        str(exc), task=loop, line_number=exc.line_number, error_line=exc.error_line
    ) from exc.__cause__


def with_post_script(on_complete_hook):
    """``_on_complete_hook`` that runs the spec's post-script before the task's outputs
    are stored (and, for a multi-instance instance, before it is merged)."""

    def _on_complete_hook(self, my_task) -> None:
        script = getattr(self, "postscript", None)
        if script and not my_task.internal_data.get(SKIPPED):
            try:
                _execute(my_task, script, "post-script")
            except Exception:
                my_task._set_state(TaskState.ERROR)
                raise
        on_complete_hook(self, my_task)

    return _on_complete_hook


@contextmanager
def skipped(task) -> Iterator[None]:
    """Complete ``task`` without its post-script: an administrator skips the step.

    Skipping a task whose post-script failed would otherwise run the failing script
    again (a new incident); the post-script belongs to the work skipped.
    """
    task.internal_data[SKIPPED] = True
    try:
        yield
    finally:
        task.internal_data.pop(SKIPPED, None)


def _execute(task, script: str, what: str) -> None:
    engine = task.workflow.script_engine
    if not isinstance(engine, SafeScriptEngine):  # SpiffWorkflow's default would exec()
        raise WorkflowTaskException(
            f"the {what} runs only through permitflow's safe script engine", task=task
        )
    engine.execute_extension_script(task, script, what)
