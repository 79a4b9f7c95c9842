"""The HTTP server: the standard library's threading server speaking MLflow's scoring protocol.

`/ping` and `/health` (liveness; /health also says what is served), `/version`, `/invocations`. HTTP/1.1
with keep-alive and Nagle off, one write per response, so a single-row request costs little more than the
model call. A stop (`RunningServer.stop`, or SIGTERM/SIGINT through `wait_for_stop_signal`) refuses new
requests with 503, lets requests in flight finish, then closes the request log, which writes what waits.
"""

from __future__ import annotations

import errno
import json
import signal
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from iris_mlops.errors import ServingError
from iris_mlops.serving.app import ServingApp
from iris_mlops.serving.logbuffer import LogStats, RequestLog
from iris_mlops.serving.protocol import JSON_TYPE, RequestError, error_body

REQUEST_ID_HEADER = "X-Request-Id"


class ScoringHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server holding the serving app, its body limit and the count of requests in flight."""

    daemon_threads = True  # idle keep-alive connections must not hold the process at exit

    def __init__(self, address: tuple[str, int], app: ServingApp, *, max_body_bytes: int) -> None:
        super().__init__(address, _Handler)
        self.app, self.max_body_bytes = app, max_body_bytes
        self.stopping = False
        self._in_flight = 0
        self._idle = threading.Condition()

    def enter(self) -> bool:
        """Count a request in; False once stopping (the request is refused)."""
        with self._idle:
            if self.stopping:
                return False
            self._in_flight += 1
            return True

    def leave(self) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, timeout: float) -> bool:
        """Refuse new requests and wait for those in flight; True when none is left."""
        with self._idle:
            self.stopping = True
            return self._idle.wait_for(lambda: self._in_flight == 0, timeout)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "iris-mlops"
    timeout = 60  # seconds an idle keep-alive connection holds its thread

    @property
    def scoring(self) -> ScoringHTTPServer:
        return cast(ScoringHTTPServer, self.server)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/ping":
            self._send(200, b"\n", "text/plain")
        elif path == "/health":
            self._send(200, json.dumps(self.scoring.app.describe()).encode(), JSON_TYPE)
        elif path == "/version":
            self._send(200, _mlflow_version().encode(), "text/plain")
        elif path == "/invocations":
            self._error(RequestError("use POST for /invocations", status=405, error_code="METHOD_NOT_ALLOWED"))
        else:
            self._error(RequestError(f"no route {path}: use /ping, /health, /version or POST /invocations",
                                     status=404, error_code="ENDPOINT_NOT_FOUND"))

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if path != "/invocations":
            self._error(RequestError(f"no route POST {path}: use POST /invocations", status=404,
                                     error_code="ENDPOINT_NOT_FOUND"))
            return
        if not self.scoring.enter():
            self.close_connection = True
            self._error(RequestError("the server is stopping", status=503, error_code="TEMPORARILY_UNAVAILABLE"))
            return
        try:
            self._invoke()
        finally:
            self.scoring.leave()

    def _invoke(self) -> None:
        try:
            body = self._body()
            invocation = self.scoring.app.invoke(body, content_type=self.headers.get("Content-Type", ""),
                                                 request_id=self.headers.get(REQUEST_ID_HEADER))
        except RequestError as exc:
            self._error(exc)
            return
        except Exception as exc:  # a server fault, not the client's: 500, and the cause on stderr
            print(f"serving: internal error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            self._error(RequestError("internal error while scoring", status=500, error_code="INTERNAL_ERROR"))
            return
        self._send(200, invocation.body, JSON_TYPE)
        if invocation.shadow is not None:
            try:
                invocation.shadow()
            except Exception as exc:  # the answer is sent; a failing shadow model only loses its own rows
                print(f"serving: shadow scoring failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)

    def _body(self) -> bytes:
        raw = self.headers.get("Content-Length")
        if raw is None or not raw.strip().isdigit():
            self.close_connection = True
            raise RequestError("a Content-Length header is required", status=411, error_code="LENGTH_REQUIRED")
        length = int(raw)
        if length > self.scoring.max_body_bytes:
            self.close_connection = True  # the unread body must not be taken for the next request
            raise RequestError(f"body of {length} bytes exceeds the limit of {self.scoring.max_body_bytes}",
                               status=413, error_code="REQUEST_LIMIT_EXCEEDED")
        return self.rfile.read(length)

    def _error(self, error: RequestError) -> None:
        self._send(error.status, error_body(error), JSON_TYPE)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        head = (f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
                f"Server: {self.server_version}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\n")
        if self.close_connection:
            head += "Connection: close\r\n"
        self.wfile.write(head.encode("latin-1") + b"\r\n" + body)  # one write: no Nagle/delayed-ACK stall
        self.log_request(status, len(body))

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: every request is in the predictions table already."""


@dataclass
class RunningServer:
    """A server answering on its own thread, and the request log it closes on stop."""

    server: ScoringHTTPServer
    thread: threading.Thread
    log: RequestLog[Any] | None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self, *, drain_seconds: float = 30.0) -> LogStats | None:
        """Refuse new requests, finish those in flight, stop listening, then write what the log holds."""
        self.server.drain(drain_seconds)
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
        return self.log.close() if self.log is not None else None


def start_server(
    app: ServingApp, *, host: str, port: int, max_body_bytes: int, log: RequestLog[Any] | None = None
) -> RunningServer:
    """Bind `host:port` (0: any free port) and answer on a background thread; ServingError when the port is taken."""
    try:
        server = ScoringHTTPServer((host, port), app, max_body_bytes=max_body_bytes)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServingError(f"port {port} on {host} is in use: stop what holds it or pick another --port") from None
        raise ServingError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2},
                              name="iris-mlops-http", daemon=True)
    thread.start()
    return RunningServer(server, thread, log)


def wait_for_stop_signal(running: RunningServer, *, timeout: float | None = None) -> LogStats | None:
    """Block until SIGTERM or SIGINT (or `timeout` seconds), then stop cleanly; call from the main thread."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not stop.wait(0.5):
            if deadline is not None and time.monotonic() >= deadline:
                break
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return running.stop()


def _mlflow_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in ("mlflow", "mlflow-skinny"):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "unknown"
