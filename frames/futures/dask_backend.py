"""The Dask backend: a Client attached to a Dask ``distributed`` cluster.

Everything is delegated to a ``distributed.Client``: scheduling, data placement (results stay on
the worker that made them and move worker to worker), retries, recovery from lost workers. This
module only translates: our Futures wrap ``distributed.Future``\\ s (unwrapped again when passed as
arguments, so the cluster substitutes the values on its workers), and graphs of our collections
reach the cluster through ``exec.distributed``'s translation to Dask's task spec.
"""

from __future__ import annotations

from concurrent.futures import CancelledError
from typing import Any, Callable, Iterable, Sequence

from exec.errors import SchedulerError
from frames.futures.errors import FutureCancelledError, KilledWorkerError
from frames.futures.future import Future


def _connect(target: Any) -> tuple[Any, bool]:
    """``(distributed.Client, owned)`` for an address, a cluster object or a Client."""
    try:
        import distributed
    except ImportError:
        raise SchedulerError("attaching to a Dask cluster needs the distributed package: pip install 'sqlengine[distributed]'") from None
    if isinstance(target, distributed.Client):
        return target, False
    if isinstance(target, str) or hasattr(target, "scheduler_address"):
        return distributed.Client(target, set_as_default=False), True
    raise SchedulerError(f"Client() takes nothing (local workers), a LocalCluster, an address such as 'tcp://host:8786', "
                         f"a Dask cluster or a distributed.Client, not {type(target).__name__}")


class DaskBackend:
    """Our Client's API over a ``distributed.Client``."""

    def __init__(self, target: Any):
        from exec.distributed import DistributedScheduler

        self.client, self._owned = _connect(target)
        self._scheduler = DistributedScheduler(self.client)

    def _unwrap(self, obj: Any) -> Any:
        """Our Futures inside ``obj`` (lists, tuples, dicts) as the cluster's own."""
        t = type(obj)
        if t is Future:
            return obj._handle if obj._backend is self else obj.result()
        if t is list or t is tuple:
            return t(self._unwrap(x) for x in obj)
        if t is dict:
            return {k: self._unwrap(v) for k, v in obj.items()}
        return obj

    def _wrap(self, inner: Any) -> Future:
        return Future(self, inner, inner.key)

    def submit(self, func: Callable, args: tuple, kwargs: dict, key: Any, pure: bool, retries: int,
               priority: int) -> Future:
        inner = self.client.submit(func, *self._unwrap(args), key=key, pure=pure, retries=retries or None,
                                   priority=priority, **self._unwrap(kwargs))
        return self._wrap(inner)

    def map(self, func: Callable, iterables: list, key: Any, pure: bool, retries: int, priority: int,
            kwargs: dict) -> list[Future]:
        inner = self.client.map(func, *[self._unwrap(list(it)) for it in iterables], key=key, pure=pure,
                                retries=retries or None, priority=priority, **self._unwrap(kwargs))
        return [self._wrap(f) for f in inner]

    def dask_graph(self, graph: dict, keys: Sequence) -> tuple[dict, list]:
        """``graph`` in Dask's task spec under keys of its own, our Futures as the cluster's."""
        from exec.distributed import _Prefixed, to_dask_graph

        graph = {k: (v._handle if type(v) is Future and v._backend is self else v) for k, v in graph.items()}
        rename = _Prefixed()
        return to_dask_graph(graph, rename), [rename(k) for k in keys]

    def submit_graph(self, graph: dict, keys: Sequence) -> list:
        dsk, names = self.dask_graph(graph, keys)
        return self.client.get(dsk, names, sync=False)

    def future_of(self, inner: Any) -> Future:
        return self._wrap(inner)

    def get(self, graph: dict, keys: Sequence, callbacks: Sequence = ()) -> list:
        graph = {k: (v._handle if type(v) is Future and v._backend is self else v) for k, v in graph.items()}
        return self._scheduler.get(graph, list(keys), callbacks=callbacks)

    def scatter(self, data: Any, broadcast: bool, hash: bool) -> Any:
        inner = self.client.scatter(data, broadcast=broadcast, hash=hash)
        return _map_futures(inner, self._wrap)

    def result(self, inner: Any, timeout: float | None = None) -> Any:
        try:
            return inner.result(timeout=timeout)
        except KeyboardInterrupt:
            inner.cancel()
            raise
        except (CancelledError, _killed_worker()) as exc:
            raise _ours(exc) from exc

    def exception(self, inner: Any, timeout: float | None = None) -> BaseException | None:
        exc = inner.exception(timeout=timeout)
        return _ours(exc) if isinstance(exc, (CancelledError, _killed_worker())) else exc

    def gather(self, inners: Sequence, errors: str = "raise") -> list:
        try:
            return self.client.gather(list(inners), errors=errors)
        except KeyboardInterrupt:
            self.client.cancel(list(inners))
            raise
        except (CancelledError, _killed_worker()) as exc:
            raise _ours(exc) from exc

    @staticmethod
    def done(inner: Any) -> bool:
        return inner.done()

    @staticmethod
    def status(inner: Any) -> str:
        return inner.status

    def add_done_callback(self, inner: Any, fn: Callable[[], Any]) -> None:
        inner.add_done_callback(lambda _: fn())

    def cancel(self, inners: Iterable) -> None:
        self.client.cancel(list(inners))

    def retry(self, inners: Iterable) -> None:
        self.client.retry(list(inners))

    def keep(self, inners: Iterable) -> None:
        from distributed import fire_and_forget

        fire_and_forget(list(inners))

    def release(self, inner: Any) -> None:
        pass  # the distributed.Future counts its own references

    def pickle_future(self, future: Future):
        """Inside another object (a collection's ``_finalize`` sent with it) a Future travels as
        the cluster's own, which the cluster knows how to send."""
        return (_same, (future._handle,))

    @property
    def dashboard_link(self) -> str | None:
        return self.client.dashboard_link

    def close(self) -> None:
        if self._owned:
            self.client.close()


def _killed_worker() -> type:
    from distributed.scheduler import KilledWorker

    return KilledWorker


def _ours(exc: BaseException) -> BaseException:
    """distributed's cancellation and killed-worker errors as the project's own."""
    if isinstance(exc, (FutureCancelledError, KilledWorkerError)):
        return exc
    if isinstance(exc, CancelledError):
        return FutureCancelledError(str(exc))
    return KilledWorkerError(f"{exc} (reported by the Dask cluster)")


def _map_futures(obj: Any, fn: Callable) -> Any:
    if type(obj) is list:
        return [fn(x) for x in obj]
    if type(obj) is dict:
        return {k: fn(v) for k, v in obj.items()}
    return fn(obj)


def _same(x: Any) -> Any:
    return x
