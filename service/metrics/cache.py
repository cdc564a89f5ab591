"""Results of the slow read routes cached per store data version.

A result is kept under ``(store, data version, query, scope)``: the data version
(:meth:`~gongjian.graph.base.StoreBase.data_version`) grows with every committed
write transaction, so a write makes every cached result stale. The version is read
BEFORE the data, so a write that commits while a result is computed leaves that
result under the old version (recomputed next time), never a stale one under the
new. ``scope`` is the caller's scope (opaque, hashable; ``None`` for the whole store).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from gongjian.graph.store import GraphStore

__all__ = ["ResultCache", "results"]

T = TypeVar("T")


class ResultCache:
    """A small thread-safe LRU of computed results keyed on the store's data version."""

    def __init__(self, size: int = 128) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(
        self,
        store: GraphStore[Any],
        query: Hashable,
        compute: Callable[[], T],
        *,
        scope: Hashable = None,
    ) -> T:
        """The cached result of ``query`` in ``scope`` at the store's current version, or
        ``compute()`` (outside the lock, so other queries are not held up)."""
        # a store narrowed to a sub-district (:class:`~gongjian.service.scope.ScopedStore`)
        # caches under its store and its code
        from gongjian.service.scope import ScopedStore

        base, code = (store.store, store.code) if isinstance(store, ScopedStore) else (store, None)
        key = (id(base), store.data_version(), query, scope, code)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]  # type: ignore[no-any-return]
            self.misses += 1
        value = compute()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


#: the process-wide cache of the network and metrics routes
results = ResultCache()
