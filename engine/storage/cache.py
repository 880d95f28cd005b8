"""Bounded in-process caches of what is read from immutable rows.

A deployed version never changes, so its parsed model, its SpiffWorkflow specs and its
message declarations are read once per process and kept here, keyed by the version's
id and content hash. The caches are per process (each app process or worker has its
own) and thread-safe; the oldest entry goes when one is full.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A map of at most ``size`` entries; the oldest one goes first.

    >>> cache: BoundedCache[str, int] = BoundedCache(2)
    >>> cache.get_or_make("a", lambda: 1), cache.get_or_make("a", lambda: 2)
    (1, 1)
    >>> cache.put("b", 2); cache.put("c", 3); cache.get("a") is None
    True
    """

    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def pop(self, key: K) -> V | None:
        """Take the entry out (e.g. while a case's live workflow is in use)."""
        with self._lock:
            return self._entries.pop(key, None)

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, made (outside the lock) and kept when missing."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
