"""The layout of the simulator's state: work items, scopes and groups as small lists.

The event loop keeps its state in lists indexed by these constants rather than in
objects: creating a list is several times cheaper than an object, and the loop runs
~10^5 tasks a second. :mod:`simulations.des.simulator`, :mod:`~simulations.des.groups`
and :mod:`~simulations.des.event_scopes` all read and write them.
"""

# a work item: [scope, node, enabled, start, resource, state, work seconds, child scope]
I_SCOPE, I_NODE, I_ENABLED, I_START, I_RES, I_STATE, I_WORK, I_CHILD = range(8)
QUEUED, RUNNING, DONE, CANCELLED = range(4)
# a scope (a case, a running sub-process, or the instances of a looping activity):
# [live tokens, joins, parent, handle, case, cancelled, items, instances]
S_LIVE, S_JOINS, S_PARENT, S_HANDLE, S_CASE, S_CANCELLED, S_ITEMS, S_GROUP = range(8)
# the instances of a scope that is a group: [left to start, repeat probability, maximum, run]
G_LEFT, G_PROBABILITY, G_MAXIMUM, G_RUN = range(4)
# what a heap entry is: (time, sequence, kind, payload)
EV_ARRIVAL, EV_DONE, EV_DELAY, EV_BOUNDARY, EV_EVENT_SUB = range(5)
