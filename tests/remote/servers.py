"""Local stand-ins for remote stores, started by the tests themselves on 127.0.0.1.

``S3Server`` is moto's S3 server (the app ``moto.server.ThreadedMotoServer`` runs) behind a WSGI
wrapper that counts the body bytes of every GET it answers, so a test can check how much of a file
a read fetched, whatever process (scheduler worker) made the request. ``HttpServer`` serves a
directory with ``http.server`` plus HTTP range requests (fsspec's http filesystem reads files by
ranges; the standard handler always sends whole files), counting bytes the same way.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer


class _Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.bytes = 0
        self.requests = 0

    def add(self, n: int) -> None:
        with self.lock:
            self.bytes += n
            self.requests += 1

    def reset(self) -> None:
        with self.lock:
            self.bytes = self.requests = 0


class S3Server:
    """moto's S3 on 127.0.0.1 (a free port); ``endpoint`` is its URL, ``fetched`` counts GET bytes."""

    def __init__(self):
        from moto.server import DomainDispatcherApplication, create_backend_app
        from werkzeug.serving import make_server

        self.fetched = _Counter()
        self.denied_keys: set[str] = set()  # access key ids answered as AWS answers unknown ones
        app = DomainDispatcherApplication(create_backend_app)
        counter, denied = self.fetched, self.denied_keys

        def counting(environ, start_response):
            key = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
            if key and key.group(1) in denied:
                error = (b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InvalidAccessKeyId</Code><Message>The AWS "
                         b"Access Key Id you provided does not exist in our records.</Message></Error>")
                start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(error)))])
                return [] if environ.get("REQUEST_METHOD") == "HEAD" else [error]
            body = app(environ, start_response)
            if environ.get("REQUEST_METHOD") != "GET":
                return body
            chunks = list(body)
            counter.add(sum(len(c) for c in chunks))
            return chunks

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request in the test output
        self._server = make_server("127.0.0.1", 0, counting, threaded=True)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        """Forget every bucket and object (moto's own reset endpoint)."""
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")).read()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()


class _RangeHandler(SimpleHTTPRequestHandler):
    """``SimpleHTTPRequestHandler`` plus ``Range: bytes=a-b`` (206 answers), quiet, counting bytes."""

    counter: _Counter

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if not match or not os.path.isfile(path):
            super().do_GET()
            if os.path.isfile(path):
                self.counter.add(os.path.getsize(path))
            return
        size = os.path.getsize(path)
        start = int(match.group(1))
        end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        if start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return
        with open(path, "rb") as f:
            f.seek(start)
            data = f.read(end - start + 1)
        self.send_response(206)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.wfile.write(data)
        self.counter.add(len(data))


class HttpServer:
    """Serves ``root`` on 127.0.0.1 (a free port); ``url`` is its base URL, ``fetched`` counts bytes."""

    def __init__(self, root: str):
        self.fetched = _Counter()
        handler = type("Handler", (_RangeHandler,), {"counter": self.fetched})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), lambda *a, **k: handler(*a, directory=root, **k))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join()
