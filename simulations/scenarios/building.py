"""Moved: the one builder is :mod:`engine.bpmn.builder` (kept while callers move)."""

from engine.bpmn.builder import (
    add_flow,
    add_node,
    add_timer,
    linear_model,
    remove_flow,
    remove_node,
    unique_id,
)

__all__ = [
    "add_flow",
    "add_node",
    "add_timer",
    "linear_model",
    "remove_flow",
    "remove_node",
    "unique_id",
]
