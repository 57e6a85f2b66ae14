"""Where trials run: here, one after another ("panda"), or on a Dask cluster ("caviar").

- :class:`LocalExecutor`: each trial in this process, in order, with fit's own progress.
- :class:`DaskExecutor`: trials as Dask futures (``client.submit(..., pure=False)``), at most
  one per worker thread in flight, gathered with ``distributed.as_completed`` as they finish.
  ``workers=N`` starts a ``distributed.LocalCluster`` of N single-threaded worker processes;
  ``scheduler="tcp://host:8786"`` connects to a cluster started elsewhere (``dask scheduler``
  and ``dask worker``, dask-jobqueue, Kubernetes).

Nothing here schedules, ships or retries work by hand: when a worker dies, Dask's scheduler
gives its task to another worker (up to ``distributed.scheduler.allowed-failures`` times),
and the trial continues there from the last checkpoint in its run folder, which must be on a
filesystem every worker sees. Dask is imported only here, only when asked for.

The trials sample the same values on every executor. Their results are the same bit for bit
at the same BLAS thread count: each worker runs one BLAS thread, while this process keeps
npdeep's default (``npdeep.set_num_threads``); at another count a matrix product's sums are
split differently, and training can magnify that rounding into a different dev score. Call
``npdeep.set_num_threads(1)`` before a local study to get the workers' results exactly.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import sys

from npdeep.tune.trial import run_trial
from npdeep.validation import check_int

# Environment of each worker process: one BLAS / OpenMP thread, so N workers use N cores.
ONE_THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


class SchedulerUnreachableError(ConnectionError):
    """No Dask scheduler answered at the address given within the timeout."""


def import_distributed():
    """``distributed``, or an ImportError that says how to install it."""
    try:
        import distributed
    except ImportError as error:
        raise ImportError("executor='dask' needs Dask distributed, an optional extra of "
                          "npdeep: pip install npdeep[cluster]") from error
    return distributed


class LocalExecutor:
    """Trials one after another in this process (the course's "panda": babysit one model)."""

    name = "local"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def run(self, objective, specs, prepare=lambda spec: spec):
        """Yield each spec's record as it finishes; ``prepare(spec)`` runs just before each."""
        for spec in specs:
            yield run_trial(objective, prepare(spec))


class DaskExecutor:
    """Trials as Dask futures on a LocalCluster of ``workers`` processes or at ``scheduler``.

    Args:
        workers: the number of single-threaded worker processes of a LocalCluster started
            (and closed) by this executor.
        scheduler: the address of a running scheduler, e.g. "tcp://10.0.0.5:8786".
        timeout: seconds to wait for the scheduler before giving up.
        retries: Dask's retries for a task that raised outside the trial's own error
            handling (a trial's errors are recorded, not raised; a dead worker's task is
            rescheduled by the scheduler without counting as a retry).
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 timeout: float = 10.0, retries: int = 2):
        where = "DaskExecutor"
        if (workers is None) == (scheduler is None):
            raise ValueError(f"{where}: give workers=N (a local cluster of N processes) or "
                             "scheduler='tcp://host:port' (a running cluster), not "
                             f"{'both' if workers is not None else 'neither'}")
        if workers is not None:
            workers = check_int(workers, "workers", where, 1)
        if scheduler is not None and not re.match(r"^[a-z]+://[^:/\s]+:\d+$", str(scheduler)):
            raise ValueError(f"{where}: scheduler must be an address such as "
                             f"'tcp://host:8786'; got {scheduler!r}")
        self.workers, self.scheduler = workers, scheduler
        self.timeout, self.retries = float(timeout), retries
        self.cluster = self.client = None

    def __enter__(self):
        distributed = import_distributed()
        import logging

        if self.scheduler is not None:
            try:
                self.client = distributed.Client(self.scheduler, timeout=self.timeout)
            except (OSError, TimeoutError) as error:
                raise SchedulerUnreachableError(
                    f"cannot reach the Dask scheduler at {self.scheduler} within "
                    f"{self.timeout:g} s ({type(error).__name__}); is `dask scheduler` "
                    "running there, and is the port open? Without a cluster, use workers=N "
                    "(npdeep tune --workers N) for a local one") from None
        else:
            self.cluster = distributed.LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True,
                dashboard_address=None, silence_logs=logging.ERROR, env=dict(ONE_THREAD_ENV))
            self.client = distributed.Client(self.cluster, timeout=self.timeout)
        return self

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None
        return False

    def slots(self) -> int:
        """Worker threads in the cluster now (at least 1): how many trials run at once."""
        return max(1, sum(self.client.nthreads().values()))

    def run(self, objective, specs, prepare=lambda spec: spec):
        """Yield each spec's record as its future completes (in completion order)."""
        distributed = import_distributed()
        _ship_by_value(objective)
        pending = list(specs)
        futures = {}

        def submit():
            spec = prepare(pending.pop(0))
            future = self.client.submit(run_trial, objective, spec, pure=False,
                                        retries=self.retries, key=f"npdeep-trial-{spec['index']}-"
                                        f"{os.urandom(4).hex()}")
            futures[future] = spec
            return future

        first = [submit() for _ in range(min(self.slots(), len(pending)))]
        finished = distributed.as_completed(first)
        for future in finished:
            spec = futures.pop(future)
            try:
                record = future.result()
            except Exception as error:  # e.g. KilledWorker: the task killed worker after worker
                record = {"index": spec["index"], "round": spec.get("round", 0),
                          "params": spec["params"], "status": "failed", "score": None,
                          "scores": [], "epochs": 0, "run_dir": spec["run_dir"],
                          "error": f"{type(error).__name__}: {error}", "attempts": [],
                          "seconds": 0.0}
            if pending:
                finished.add(submit())
            yield record


def _ship_by_value(objective) -> None:
    """Pickle the objective's code by value when workers could not import its module (a
    script, a test file, an example loaded from its path); importable modules go by name."""
    module_name = getattr(objective, "__module__", None) or type(objective).__module__
    module = sys.modules.get(module_name)
    if module is None or module_name == "__main__":
        return  # cloudpickle already ships __main__'s functions by value
    try:
        found = importlib.util.find_spec(module_name)
    except (ImportError, ValueError):
        found = None
    # Importable means: the name finds this very file (pytest and runpy give modules names
    # that find another file, or none).
    same_file = (found is not None and found.origin is not None
                 and getattr(module, "__file__", None) is not None
                 and os.path.samefile(found.origin, module.__file__))
    if not same_file:
        import cloudpickle

        cloudpickle.register_pickle_by_value(module)


def make_executor(executor="local", workers: int | None = None,
                  scheduler: str | None = None, timeout: float = 10.0):
    """The executor named: "local", or "dask" (with workers=N or scheduler=address), to be
    used in a ``with`` block; an executor object already entered is passed through as it is
    (its owner closes it), so several searches can share one cluster.

    Raises:
        ValueError: for another name, or workers/scheduler with executor="local".
    """
    if isinstance(executor, (LocalExecutor, DaskExecutor)):
        if workers is not None or scheduler is not None:
            raise ValueError("tune: workers and scheduler belong to the executor object "
                             "passed; do not give them too")
        if isinstance(executor, DaskExecutor) and executor.client is None:
            raise ValueError("tune: a DaskExecutor passed as executor= must be started "
                             "first: with DaskExecutor(workers=2) as cluster: ...")
        return contextlib.nullcontext(executor)
    if executor not in ("local", "dask"):
        raise ValueError(f"tune: executor must be 'local' or 'dask'; got {executor!r}")
    if executor == "local":
        if workers not in (None, 1) or scheduler is not None:
            raise ValueError("tune: workers and scheduler need executor='dask'; "
                             "executor='local' runs the trials one after another here")
        return LocalExecutor()
    if workers is None and scheduler is None:
        workers = max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1)
    return DaskExecutor(workers=workers, scheduler=scheduler, timeout=timeout)
