"""Large read-only objects (lexicons and their compiled patterns) unpickled once per process.

Beam unpickles a DoFn, with everything it holds, for every bundle processor it builds: the
seeds' run builds about a hundred, and each held the claim lexicons, whose patterns ``re``
compiles again whenever they have left its 512-entry cache. An object of a class with
:class:`UnpickledOnce` pickles as the bytes of its state and their digest; a process that has
restored the same bytes before gets the same object back. Such objects must not change after
they are built (loaders build them; nothing writes to them afterwards).
"""
from __future__ import annotations

import hashlib
import pickle
import threading
from typing import Any

_RESTORED: dict[tuple[type, str], Any] = {}
_LOCK = threading.Lock()
_CACHED = "_unpickled_once"


def _restore(cls: type, digest: str, payload: bytes) -> Any:
    obj = _RESTORED.get((cls, digest))
    if obj is None:
        obj = cls.__new__(cls)
        obj.__dict__.update(pickle.loads(payload))
        with _LOCK:
            obj = _RESTORED.setdefault((cls, digest), obj)
    return obj


class UnpickledOnce:
    """Mixin: pickled as (digest, state bytes); restored once per process and then shared."""

    def __reduce__(self):
        cached = self.__dict__.get(_CACHED)
        if cached is None:
            state = {k: v for k, v in self.__dict__.items() if k != _CACHED}
            payload = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
            cached = (hashlib.blake2b(payload, digest_size=16).hexdigest(), payload)
            object.__setattr__(self, _CACHED, cached)     # frozen dataclasses too
            with _LOCK:                                   # a runner in this process reuses it as is
                _RESTORED.setdefault((type(self), cached[0]), self)
        return _restore, (type(self), *cached)
