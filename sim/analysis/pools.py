"""Integer codes for the event log's text columns: event names and pools, for array passes over the log.

Comparing text row by row, or grouping on two text columns, is the slow part of reading a
replication's log; each distinct text is looked at once here and the rows get integers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def name_codes(values: pd.Series, names: Sequence[str]) -> np.ndarray:
    """Each row's position in ``names`` (int64; -1 for a value not among them, or empty)."""
    codes, uniques = pd.factorize(values)
    position = {name: i for i, name in enumerate(names)}
    lookup = np.array([position.get(str(u), -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]  # a missing value (code -1) takes the trailing -1


def pool_keys(events: pd.DataFrame, rows: np.ndarray | None = None) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """``(codes, pools)``: each row's pool ``(hospital, resource)`` as an integer (int64), and the pools
    by code, sorted by hospital then resource (the order of a sorted ``groupby``).  Every row should name
    its hospital and resource (a missing name counts as an empty one).  ``rows`` (positions) keeps only
    those rows, as ``events.iloc[rows]`` would, without copying the frame."""
    hospital, hospitals = pd.factorize(events["hospital"])
    resource, resources = pd.factorize(events["resource"])
    if rows is not None:
        hospital, resource = hospital[rows], resource[rows]
    width = len(resources) + 1  # codes shifted by one: a missing name (-1) counts as an empty one
    pair = (hospital.astype(np.int64) + 1) * width + resource + 1
    seen = np.flatnonzero(np.bincount(pair, minlength=(len(hospitals) + 1) * width))
    names = [""] + [str(h) for h in hospitals], [""] + [str(r) for r in resources]
    pools = [(names[0][p // width], names[1][p % width]) for p in seen.tolist()]
    order = sorted(range(len(pools)), key=pools.__getitem__)
    rank = np.zeros((len(hospitals) + 1) * width, dtype=np.int64)
    rank[seen[order]] = np.arange(len(pools))
    return rank[pair], sorted(pools)


def running_sum(values: np.ndarray) -> np.ndarray:
    """The running sum of ``values`` as pandas takes it: an empty value adds nothing and stays empty."""
    empty = np.isnan(values)
    out = np.cumsum(np.where(empty, 0.0, values))
    out[empty] = np.nan
    return out


def capacity_changes(code: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Each ``capacity`` row's rise over its pool's previous capacity (its whole value for the pool's
    first, or after an empty one; empty where its own is): rows in log order, ``code`` their pools."""
    order = np.argsort(code, kind="stable")
    v, pool = value[order], code[order]
    step = np.full(len(v), np.nan)
    step[1:] = np.where(pool[1:] == pool[:-1], v[1:] - v[:-1], np.nan)
    out = np.empty_like(value)
    out[order] = np.where(np.isnan(step), v, step)
    return out


def occurrence(keys: np.ndarray) -> np.ndarray:
    """Each entry's count of earlier entries with the same key (0 for the first of its key)."""
    order = np.argsort(keys, kind="stable")
    position = np.arange(len(keys))
    first = np.ones(len(keys), dtype=bool)
    first[1:] = keys[order][1:] != keys[order][:-1]
    out = np.empty(len(keys), dtype=np.int64)
    out[order] = position - np.maximum.accumulate(np.where(first, position, 0))
    return out


def kth_match(keys: np.ndarray, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """For each row of ``first`` (positions into ``keys``), the row of ``second`` with the same key and
    the same rank among the rows of its key (the k-th with the k-th, in the order given); -1 if none."""
    if not len(second):
        return np.full(len(first), -1, dtype=np.int64)
    keys = pd.factorize(keys)[0]  # small integers: a key times the span below stays within int64
    span = len(first) + len(second) + 1  # a rank is less than this
    a = keys[first] * span + occurrence(keys[first])
    b = keys[second] * span + occurrence(keys[second])
    order = np.argsort(b)
    at = np.minimum(np.searchsorted(b[order], a), len(b) - 1)
    return np.where(b[order][at] == a, second[order][at], -1)
