"""Futures: run functions and collections now, on local workers or a Dask cluster.

``Client()`` starts local worker processes (``processes=False``: threads), ``Client("tcp://...")``
attaches to Dask's ``distributed``; ``submit``/``map`` return ``Future``\\ s, which may be passed
to further calls (their values are substituted on the workers). While a Client is open it is the
default scheduler of every ``.compute()``. Modules: ``future`` (the Future), ``client``,
``cluster`` (LocalCluster), ``local`` (the local scheduler), ``dask_backend``, ``waiting``
(wait, as_completed, progress, fire_and_forget), ``errors``.
"""

from frames.futures.client import Client, default_client
from frames.futures.cluster import LocalCluster
from frames.futures.errors import ClientClosedError, FutureCancelledError, KilledWorkerError
from frames.futures.future import Future
from frames.futures.waiting import (
    ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, as_completed, fire_and_forget, progress, wait,
)

__all__ = [
    "ALL_COMPLETED", "Client", "ClientClosedError", "FIRST_COMPLETED", "FIRST_EXCEPTION", "Future",
    "FutureCancelledError", "KilledWorkerError", "LocalCluster", "as_completed", "default_client",
    "fire_and_forget", "progress", "wait",
]
