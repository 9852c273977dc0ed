"""The Dask engine: replications on a ``dask.distributed`` cluster, or on a LocalCluster.

Each task is a batch of replications (:func:`sim.experiment.runner.run_batch`):
a worker runs them, writes their parquet parts straight into the results
folder and returns only counts.  The folder therefore has to be one that the
driver and every worker see at the same absolute path: on one machine any
folder will do; on a cluster, a shared filesystem (NFS, Lustre, a mounted
volume).  Workers must run the same ihsim version as the driver, which is
checked before any task is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from sim import __version__
from sim.errors import InputError

CONNECT_TIMEOUT_S = 30  # seconds to reach a scheduler


def worker_version() -> str:
    """Runs on each worker: the ihsim version it imports."""
    import sim

    return sim.__version__


def check_workers(client: Any) -> int:
    """Threads across the cluster's workers (at least 1); refuse workers on another ihsim version."""
    try:
        found = client.run(worker_version)
    except Exception as exc:  # whatever stops a worker importing ihsim (missing, broken, other Python)
        raise InputError(f"Dask workers cannot run ihsim ({type(exc).__name__}: {exc}); "
                         f"install ihsim {__version__} on every worker") from None
    other = {addr: v for addr, v in found.items() if v != __version__}
    if other:
        raise InputError(f"Dask workers run another ihsim version than this driver ({__version__}): {other}")
    threads = client.nthreads()
    return max(sum(threads.values()), 1)


@contextmanager
def dask_executor(workers: int, scheduler: str | None) -> Iterator[tuple[Executor, int]]:
    """``(executor, parallel slots)`` on the cluster at ``scheduler``, or on a new LocalCluster.

    The LocalCluster has ``workers`` single-threaded worker processes and no
    dashboard.  With a scheduler, the slots are the threads its workers offer
    now (at least ``workers``), used to size the batches.
    """
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError("--engine dask needs dask.distributed: pip install 'ihsim[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            slots = check_workers(client)
            yield client.get_executor(pure=False), max(slots, workers)
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        check_workers(client)
        yield client.get_executor(pure=False), workers
