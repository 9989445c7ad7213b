"""Servers for the remote-store tests, started once per session on 127.0.0.1 (no other network)."""

from __future__ import annotations

import pytest

from tests.remote.servers import HttpServer, S3Server

KEY, SECRET, REGION = "testing-key", "testing-secret", "eu-west-1"


@pytest.fixture(scope="session")
def s3_server():
    pytest.importorskip("s3fs")
    pytest.importorskip("moto.server")
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def storage_options(s3_server):
    """What a user passes to reach this server: credentials and the endpoint."""
    return {"key": KEY, "secret": SECRET, "client_kwargs": {"endpoint_url": s3_server.endpoint, "region_name": REGION}}


@pytest.fixture(scope="session")
def s3(storage_options):
    import s3fs

    return s3fs.S3FileSystem(skip_instance_cache=True, **storage_options)


@pytest.fixture(scope="session")
def http_server(tmp_path_factory):
    pytest.importorskip("aiohttp")  # fsspec's http filesystem
    root = tmp_path_factory.mktemp("http-root")
    server = HttpServer(str(root))
    server.root = root
    yield server
    server.stop()
