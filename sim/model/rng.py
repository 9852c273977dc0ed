"""Named random streams.

Each source of randomness has its own stream, derived statelessly from
(seed, replication, name), so adding a stream never shifts another and two
scenarios run with one seed share every stream (common random numbers).

Stream names in use (the list only grows):

``outreach_arrivals``, ``outreach_cases``, ``home_arrivals``, ``home_cases``,
``travel``, ``call_in``, ``team``, ``scripted_cases``.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stable_hash(name: str) -> int:
    """A 32-bit hash of ``name`` that is the same on every machine and run."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "little")


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator for one named source in one replication."""
    seq = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stable_hash(name)))
    return np.random.Generator(np.random.PCG64(seq))


class Streams:
    """The named streams of one replication, created on first use."""

    __slots__ = ("_cache", "replication", "seed")

    def __init__(self, seed: int, replication: int):
        self.seed = seed
        self.replication = replication
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = stream(self.seed, self.replication, name)
        return gen
