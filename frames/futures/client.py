"""``Client``: submit work now, get Futures, and be the default scheduler while it is open.

``Client()`` starts a ``LocalCluster`` (worker processes; ``processes=False`` for threads) run by
``frames.futures.local``; ``Client("tcp://host:port")``, ``Client(dask_cluster)`` or
``Client(distributed_client)`` attach to Dask's ``distributed`` (``frames.futures.dask_backend``)
with the same API. Collections reach either through ``frames.base``'s protocol: ``compute`` and
``persist`` build one graph for all the objects given (``collections_graph``), cull and fuse it as
``frames.base.run`` does, and submit it; a task per object then runs its ``_finalize``.

A Client is also scheduler-shaped (``get(graph, keys)``, ``takes_futures``): it sets itself as
``exec.config``'s scheduler when created (``set_as_default=False`` not to), as Dask's does, so every
``.compute()`` (DataFrames, arrays, bags, delayed values, SQL results) runs on its workers until
``close()`` puts back the scheduler that was configured before.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any, Callable, Iterable, Sequence

import exec as _exec
from exec.core import in_worker
from exec.graph import Ref, Task
from frames.base import Lazy, collections_graph, discard_deferred
from frames.errors import InvalidArgumentError
from frames.futures.cluster import LocalCluster
from frames.futures.errors import ClientClosedError
from frames.futures.future import Future, futures_in

_defaults: list["Client"] = []  # Clients set as default, the newest last
_defaults_lock = threading.Lock()


class Client:
    """Run functions and collections on workers now: ``client.submit(f, x).result()``."""

    takes_futures = True  # frames.base.run hands it graphs holding our Futures as they are
    name = "client"

    def __init__(self, address: Any = None, *, n_workers: int | None = None, threads_per_worker: int | None = None,
                 processes: bool = True, set_as_default: bool = True, dashboard_address: Any = None):
        self.cluster: Any = None
        self._owns_cluster = False
        if address is None:
            address = LocalCluster(n_workers, threads_per_worker, processes=processes, dashboard_address=dashboard_address)
            self._owns_cluster = True
        if isinstance(address, LocalCluster):
            from frames.futures.local import LocalBackend

            self.cluster = address
            self._backend: Any = LocalBackend(address)
        else:
            from frames.futures.dask_backend import DaskBackend

            self._backend = DaskBackend(address)
        self._sql_dashboard: Any = None
        if dashboard_address is not None and self.cluster is None:  # Dask shows the tasks; we the queries
            from exec.diagnostics.dashboard import start_dashboard

            link = self._backend.dashboard_link
            self._sql_dashboard = start_dashboard(dashboard_address, panels=("queries",), title="sqlengine queries",
                                                  links={"Dask dashboard": link} if link else {})
        self.status = "running"
        self._config: Any = None
        if set_as_default:
            self.set_as_default()

    # -- running functions ---------------------------------------------------------------------
    def submit(self, func: Callable, *args: Any, key: Any = None, pure: bool = True, retries: int = 0,
               priority: int = 0, **kwargs: Any) -> Future:
        """Run ``func(*args, **kwargs)`` on a worker. Futures among the arguments (also inside
        lists, tuples and dicts) are replaced there by their values. ``pure`` (the default, as in
        Dask): equal calls share one task and its key; ``retries``: runs again after a failure;
        ``priority``: higher runs first among ready tasks."""
        if not callable(func):
            raise InvalidArgumentError(f"submit needs a function to call, not {type(func).__name__}")
        return self._backend.submit(func, args, kwargs, key, pure, _count("retries", retries), priority)

    def map(self, func: Callable, *iterables: Iterable, key: Any = None, pure: bool = True, retries: int = 0,
            priority: int = 0, **kwargs: Any) -> list[Future]:
        """One Future per element: ``func(a, b)`` for each ``(a, b)`` of ``zip(*iterables)``.
        ``key``: a list of keys, or a prefix the keys start with."""
        if not callable(func):
            raise InvalidArgumentError(f"map needs a function to call, not {type(func).__name__}")
        retries = _count("retries", retries)
        if hasattr(self._backend, "map"):
            return self._backend.map(func, list(iterables), key, pure, retries, priority, kwargs)
        columns = [list(it) for it in iterables]
        n = min((len(c) for c in columns), default=0)
        if isinstance(key, (list, tuple)):
            if len(key) != n:
                raise InvalidArgumentError(f"map got {len(key)} keys for {n} calls")
            keys = list(key)
        elif key is not None:
            keys = [f"{key}-{uuid.uuid4().hex}" for _ in range(n)]
        else:
            keys = [None] * n
        submit = self._backend.submit
        return [submit(func, args, kwargs, k, pure, retries, priority) for k, args in zip(keys, zip(*columns))]

    def gather(self, futures: Any, errors: str = "raise") -> Any:
        """The values of ``futures``: a Future, or lists, tuples and dicts of them (same shape back).
        ``errors="skip"`` leaves failed ones out of a list. Ctrl-C while waiting cancels them."""
        if errors not in ("raise", "skip"):
            raise InvalidArgumentError(f"errors must be 'raise' or 'skip', not {errors!r}")
        backend = self._backend
        if type(futures) is list and errors == "raise" and all(type(f) is Future and f._backend is backend for f in futures):
            return backend.gather([f._handle for f in futures], "raise")  # the common case, directly
        found = futures_in(futures, [])
        mine = [f for f in found if f._backend is backend]
        if errors == "skip":  # wait for all, then leave out the failed ones
            self._backend.gather([f._handle for f in mine], "skip")
            if type(futures) is list:
                return [f.result() if type(f) is Future else f for f in futures
                        if type(f) is not Future or f.status == "finished"]
        values = dict(zip(map(id, mine), self._backend.gather([f._handle for f in mine], "raise")))
        return _fill(futures, lambda f: values[id(f)] if id(f) in values else f.result())

    def scatter(self, data: Any, broadcast: bool = False, hash: bool = True) -> Any:
        """Futures of values held by the workers' side: one per element of a list or dict."""
        return self._backend.scatter(data, broadcast, hash)

    def cancel(self, futures: Any) -> None:
        found = futures_in(futures, [])
        self._backend.cancel([f._handle for f in found])

    def retry(self, futures: Any) -> None:
        self._backend.retry([f._handle for f in futures_in(futures, [])])

    # -- collections ---------------------------------------------------------------------------
    def compute(self, collections: Any, sync: bool = False, optimize_graph: bool = True, priority: int = 0) -> Any:
        """A Future of each collection's value (a list for a list or tuple); ``sync=True``: the
        values. Several collections are built and optimized together, so shared work runs once."""
        single = not isinstance(collections, (list, tuple))
        objs = [collections] if single else list(collections)
        lazies = [o for o in objs if isinstance(o, Lazy) and type(o) is not Future]
        results = dict(zip(map(id, lazies), self._submit_collections(lazies, optimize_graph, priority, finalize=True)))
        futures = [results.get(id(o), o) for o in objs]
        if sync:
            futures = self.gather(futures)
        return futures[0] if single else futures

    def persist(self, collections: Any, optimize_graph: bool = True, priority: int = 0) -> Any:
        """Each collection over its partitions computed on this Client's workers, at once: the
        collection's graph holds their Futures, so the partitions stay where they were computed
        (on a worker process, or the Dask cluster) and later work on this Client reads them there;
        another scheduler fetches them. A collection that must see its partitions to be rebuilt (an
        array of unknown chunk sizes) waits for them and holds their values."""
        single = not isinstance(collections, (list, tuple))
        objs = [collections] if single else list(collections)
        lazies = [o for o in objs if isinstance(o, Lazy) and type(o) is not Future]
        parts = self._submit_collections(lazies, optimize_graph, priority, finalize=False)
        rebuilt = {id(o): _rebuild_over(o, p, self.gather) for o, p in zip(lazies, parts)}
        out = [rebuilt.get(id(o), o) for o in objs]
        return out[0] if single else out

    def _submit_collections(self, objs: Sequence[Lazy], optimize_graph: bool, priority: int, finalize: bool) -> list:
        """One graph for ``objs``; per object a Future of its value (``finalize``) or the list of
        Futures of its output keys."""
        if not objs:
            return []
        graph, key_lists = collections_graph(objs, optimize_graph)
        discard_deferred()  # the query log follows runs, not a Client's futures
        keys = list(dict.fromkeys(k for ks in key_lists for k in ks))
        if optimize_graph:
            graph = _exec.fuse(_exec.cull(graph, keys), keys)
        if finalize:
            outs = []
            for obj, ks in zip(objs, key_lists):
                out = f"finalize-{type(obj).__name__.lower()}-{uuid.uuid4().hex}"
                graph[out] = Task(_finalize, obj._finalize, [Ref(k) for k in ks])
                outs.append(out)
        else:
            outs = keys
        futures = dict(zip(outs, self._submit_graph(graph, outs, priority, outs if finalize else ())))
        if finalize:
            return [futures[o] for o in outs]
        return [[futures[k] for k in ks] for ks in key_lists]

    def _submit_graph(self, graph: dict, keys: list, priority: int, here: Sequence) -> list[Future]:
        backend = self._backend
        if hasattr(backend, "client"):  # Dask: everything runs on the cluster
            return [backend.future_of(h) for h in backend.submit_graph(graph, keys)]
        return backend.submit_graph(graph, keys, priority, here, futures=True)

    # -- the scheduler protocol (exec.get) -----------------------------------------------------
    def get(self, graph: dict, keys: Sequence, num_workers: int | None = None, callbacks: Sequence = ()) -> list:
        """Run ``graph`` on this Client's workers and return the values of ``keys``; how every
        ``.compute()`` runs while this Client is the default."""
        if in_worker():  # a compute inside one of our own thread workers: waiting on them could deadlock
            from frames.base import _fetch_remote

            return _exec.get_scheduler("sync").get(_fetch_remote(graph), list(keys), callbacks=callbacks)
        backend = self._backend
        if hasattr(backend, "client"):
            return backend.get(graph, keys, callbacks)
        for cb in callbacks:
            getattr(cb, "start", _noop)(graph)
        errored = True
        try:
            watchers = [cb for cb in callbacks if hasattr(cb, "posttask") or hasattr(cb, "task_timing")]
            values = backend.gather(backend.submit_graph(graph, list(keys), watchers=watchers))
            errored = False
            return values
        finally:
            for cb in callbacks:
                getattr(cb, "finish", _noop)(graph, errored)

    # -- lifetime ------------------------------------------------------------------------------
    def set_as_default(self) -> None:
        """Make this Client the scheduler of every ``.compute()`` (until ``close``)."""
        with _defaults_lock:
            if self in _defaults:
                return
            self._config = _exec.config.set(scheduler=self)
            _defaults.append(self)

    def _unset_default(self) -> None:
        with _defaults_lock:
            if self not in _defaults:
                return
            i = _defaults.index(self)
            if i + 1 < len(_defaults):  # a newer default stays: it restores what this one would
                _defaults[i + 1]._config.inherit(self._config)
            elif _exec.config.get("scheduler") is self:
                self._config.__exit__(None, None, None)
            _defaults.pop(i)

    def close(self) -> None:
        """Stop the workers this Client started (an attached cluster keeps running) and stop
        being the default scheduler."""
        if self.status == "closed":
            return
        self.status = "closed"
        self._unset_default()
        self._backend.close()
        if self._sql_dashboard is not None:
            self._sql_dashboard.stop()
        if self._owns_cluster:
            self.cluster.close()

    shutdown = close

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def dashboard_link(self) -> str | None:
        """The diagnostics page's address (None while no dashboard runs)."""
        if self.cluster is not None:
            return self.cluster.dashboard_link
        return self._backend.dashboard_link

    @property
    def sql_dashboard_link(self) -> str | None:
        """The SQL queries' page: on a local cluster the dashboard itself (its Queries panel), on
        an attached Dask cluster a page of our own beside Dask's dashboard (``dashboard_address``
        given), else None."""
        if self.cluster is not None:
            return self.cluster.dashboard_link
        return self._sql_dashboard.link if self._sql_dashboard is not None else None

    def _check(self) -> None:
        if self.status == "closed":
            raise ClientClosedError("this Client is closed")

    def __repr__(self) -> str:
        where = repr(self.cluster) if self.cluster is not None else repr(self._backend.client)
        return f"<frames.Client: {self.status}, {where}>"

    def _repr_html_(self) -> str:
        """Workers, their threads and memory, and the dashboard link."""
        from frames.display import client_html

        return client_html(self, self._workers())

    def _workers(self) -> list[tuple[str, int, int | None]]:
        """(name, threads, resident bytes or None) per worker."""
        if self.cluster is None:  # an attached distributed cluster
            info = self._backend.client.scheduler_info().get("workers", {}) if self.status != "closed" else {}
            return [(w.get("name", addr), w.get("nthreads", 0), w.get("metrics", {}).get("memory")) for addr, w in info.items()]
        import psutil

        c = self.cluster
        if not c.processes:  # threads share this process's memory
            return [(f"thread worker {i}", c.threads_per_worker, None) for i in range(c.n_workers)]
        pids = c.worker_pids()  # processes start on first use
        rows = []
        for i in range(max(c.n_workers, len(pids))):
            pid = pids[i] if i < len(pids) else None
            try:
                rss = psutil.Process(pid).memory_info().rss if pid is not None else None
            except psutil.Error:
                rss = None
            rows.append((f"process {pid}" if pid is not None else f"worker {i} (not started)", c.threads_per_worker, rss))
        return rows


def default_client() -> Client:
    """The Client set as default most recently (``ValueError`` when none is)."""
    with _defaults_lock:
        if not _defaults:
            raise ValueError("no Client is running: create one with frames.Client()")
        return _defaults[-1]


def _rebuild_over(obj: Lazy, futures: list[Future], gather: Callable) -> Lazy:
    """``obj`` over the Futures of its partitions; over their values when it cannot be rebuilt
    without seeing them."""
    if not getattr(obj, "_rebuild_needs_values", False):
        return obj._rebuild(futures)
    return obj._rebuild(gather(futures))


def _finalize(finalize: Callable, results: list) -> Any:
    return finalize(results)


def _count(name: str, value: Any) -> int:
    if type(value) is not int or value < 0:
        raise InvalidArgumentError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def _fill(obj: Any, value_of: Callable[[Future], Any]) -> Any:
    t = type(obj)
    if t is Future:
        return value_of(obj)
    if t in (list, tuple, set, frozenset):
        return t(_fill(x, value_of) for x in obj)
    if t is dict:
        return {k: _fill(v, value_of) for k, v in obj.items()}
    return obj


def _noop(*args: Any) -> None:
    pass
