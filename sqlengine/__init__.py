"""sqlengine: SQL over lazy, partitioned Arrow dataframes.

``Context`` holds named tables; ``sql()`` runs one-shot SQL over your variables; ``connect()``
opens a PEP 249 (DB-API 2.0) connection (``sqlengine.dbapi``).
"""

import exec as _exec  # noqa: F401 - first: it sets allocator options before pyarrow loads

from sqlengine.api import sql
from sqlengine.context import DEFAULT_DIALECT, Context
from sqlengine.dbapi import apilevel, connect, paramstyle, threadsafety
from sqlengine.errors import *  # noqa: F401,F403
from sqlengine.errors import __all__ as _errors

__all__ = ["Context", "sql", "connect", "DEFAULT_DIALECT", "apilevel", "threadsafety", "paramstyle", *_errors]
__version__ = "0.1.0"
