"""Named random streams.

Each source of randomness has its own stream, derived statelessly from
(seed, replication, name), so adding a stream never shifts another and two
scenarios run with one seed share every stream (common random numbers).

Stream names in use (the list only grows):

``outreach_arrivals``, ``outreach_cases``, ``home_arrivals``, ``home_cases``,
``scripted_cases/<i>`` (one per scripted entry); ``scripted_cases``,
``travel``, ``call_in`` and ``team`` are reserved
(named in earlier versions, drawn from by none).

Journeys, call-ins and the transport incubator's restocking are not drawn
from a stream in the order they happen: each is a *keyed* uniform
(:meth:`Streams.keyed`), a stateless function of (seed, replication, the
source's name, and the case and step it belongs to), for example
``("travel", "outreach", 17, "outbound", 0)`` or ``("restock", "outreach",
17, "incubator")``.  A change elsewhere in a scenario (another case, a
journey more or less) therefore never shifts them: every journey, call-in
and incubator restock keeps its number under common random numbers.
"""

from __future__ import annotations

import hashlib
from typing import overload

import numpy as np


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same on every machine and run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for one named source in one replication."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stable_hash(name)))
    return np.random.Generator(np.random.PCG64(seq))


class Uniforms:
    """Uniform numbers on [0, 1) from one stream, as Python floats.

    numpy draws them a block at a time, which removes its per-call overhead
    from the model's hot path; the numbers and their order are those of
    drawing them one call at a time (each uniform uses the next 64 bits of
    the stream), so outputs do not depend on the block size.
    """

    __slots__ = ("_block", "_buffer", "_gen", "_pos")

    def __init__(self, gen: np.random.Generator, block: int = 1024):
        self._gen = gen
        self._block = block
        self._buffer: list[float] = []
        self._pos = 0

    @overload
    def random(self, n: None = None) -> float: ...

    @overload
    def random(self, n: int) -> list[float]: ...

    def random(self, n: int | None = None) -> float | list[float]:
        """The next uniform (a float), or the next ``n`` of them (a list)."""
        count = 1 if n is None else n
        if self._pos + count > len(self._buffer):
            self._buffer = self._buffer[self._pos:] + self._gen.random(max(self._block, count)).tolist()
            self._pos = 0
        start = self._pos
        self._pos = start + count
        return self._buffer[start] if n is None else self._buffer[start:self._pos]


def keyed_uniform(seed: int, replication: int, parts: tuple) -> float:
    """A uniform on [0, 1) that depends only on ``(seed, replication, *parts)``.

    The 53 high bits of a BLAKE2b digest of the key's ``repr``, so any key
    made of strings and integers gives the same number on every machine.
    """
    digest = hashlib.blake2b(repr((seed, replication, *parts)).encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "little") >> 11) * 2.0**-53


class Streams:
    """The named streams of one replication, created on first use."""

    __slots__ = ("_cache", "replication", "seed")

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, Uniforms] = {}

    def stream(self, name: str) -> np.random.Generator:
        """A fresh numpy generator for ``name`` in this replication (not cached)."""
        return stream(self.seed, self.replication, name)

    def keyed(self, *parts: str | int | float) -> float:
        """A keyed uniform for this replication (see :func:`keyed_uniform`)."""
        return keyed_uniform(self.seed, self.replication, parts)

    def __getitem__(self, name: str) -> Uniforms:
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = Uniforms(stream(self.seed, self.replication, name))
        return gen
