"""``sqlengine serve``: a PostgreSQL-protocol server over a Context's catalog.

Modules, one job each: ``wire`` (message bytes), ``types`` (Arrow columns to Postgres types and
wire encodings), ``params`` (Bind parameter values decoded by type oid), ``auth`` (SCRAM-SHA-256, md5),
``sqlstate`` (the project's errors to SQLSTATE codes), ``pgcatalog`` (pg_catalog tables and the
rewrite of clients' catalog queries), ``session`` (one connection's Context, statements and
portals), ``connection`` (the protocol state machine), ``server`` (the listening socket).
"""

from repl.server.server import Server, check_address

__all__ = ["Server", "check_address"]
