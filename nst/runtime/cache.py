"""A small thread-safe LRU cache: engines keep style vectors and statistics, the app its results."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class LRUCache(Generic[V]):
    """At most ``capacity`` entries and, when ``size_of`` is given, ``max_bytes`` in all (the newest
    entry always stays); least recently used out first. ``capacity`` 0 keeps nothing."""

    def __init__(self, capacity: int, max_bytes: int | None = None, size_of: Callable[[V], int] | None = None):
        self.capacity, self.max_bytes, self.size_of = capacity, max_bytes, size_of
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._items:
                return None
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: Hashable, value: V) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            if key in self._items:
                self._bytes -= self._size(self._items.pop(key))
            self._items[key] = value
            self._bytes += self._size(value)
            while len(self._items) > self.capacity or (
                self.max_bytes is not None and len(self._items) > 1 and self._bytes > self.max_bytes
            ):
                _, old = self._items.popitem(last=False)
                self._bytes -= self._size(old)

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value, or ``compute()`` stored (computed outside the lock: slow work never blocks readers)."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def _size(self, value: V) -> int:
        return self.size_of(value) if self.size_of is not None else 0
