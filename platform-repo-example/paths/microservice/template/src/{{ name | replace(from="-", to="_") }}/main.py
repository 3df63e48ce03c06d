"""{{ name }}: HTTP entry point.

Run locally:  PYTHONPATH=src python -m {{ name | replace(from="-", to="_") }}.main
Endpoints:    GET /healthz (liveness and readiness, JSON), GET / (service info, JSON)
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry import metrics, propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from . import __version__
from .telemetry import SERVICE_NAME, setup_telemetry, shutdown_telemetry

LOG = logging.getLogger(SERVICE_NAME)
DEFAULT_PORT = {{ port }}

tracer = trace.get_tracer(__name__, __version__)
meter = metrics.get_meter(__name__, __version__)
request_duration = meter.create_histogram(
    "http.server.request.duration",
    unit="s",
    description="Duration of HTTP server requests.",
)
active_requests = meter.create_up_down_counter(
    "http.server.active_requests",
    unit="{request}",
    description="Number of HTTP server requests in flight.",
)


def route_healthz() -> tuple[int, dict]:
    return HTTPStatus.OK, {"status": "ok", "service": SERVICE_NAME, "version": __version__}


def route_root() -> tuple[int, dict]:
    return HTTPStatus.OK, {"service": SERVICE_NAME, "version": __version__, "endpoints": ["/healthz"]}


ROUTES = {
    "/healthz": route_healthz,
    "/": route_root,
}


class Handler(BaseHTTPRequestHandler):
    server_version = f"{SERVICE_NAME}/{__version__}"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the name is http.server's)
        path = self.path.split("?", 1)[0]
        handler = ROUTES.get(path)
        route = path if handler else "unmatched"
        attributes = {"http.request.method": "GET", "http.route": route}
        started = time.perf_counter()
        active_requests.add(1, {"http.request.method": "GET"})
        ctx = propagate.extract(dict(self.headers.items()))
        with tracer.start_as_current_span(f"GET {route}", context=ctx, kind=SpanKind.SERVER) as span:
            span.set_attribute("url.path", path)
            span.set_attribute("http.route", route)
            span.set_attribute("http.request.method", "GET")
            try:
                if handler is None:
                    status, body = HTTPStatus.NOT_FOUND, {"error": "not found", "path": path}
                else:
                    status, body = handler()
            except Exception as exc:  # a failing handler answers 500 and is recorded on the span
                LOG.exception("handler failed")
                span.record_exception(exc)
                status, body = HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "internal error"}
            span.set_attribute("http.response.status_code", int(status))
            if status >= 500:
                span.set_status(Status(StatusCode.ERROR))
            self._send_json(status, body)
        attributes["http.response.status_code"] = int(status)
        request_duration.record(time.perf_counter() - started, attributes)
        active_requests.add(-1, {"http.request.method": "GET"})

    def _send_json(self, status: int, body: dict) -> None:
        payload = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, fmt: str, *args) -> None:
        LOG.info("%s %s", self.address_string(), fmt % args)


def make_server(host: str = "0.0.0.0", port: int | None = None) -> ThreadingHTTPServer:
    """Build the server; port 0 picks a free port (tests)."""
    if port is None:
        port = int(os.environ.get("PORT", DEFAULT_PORT))
    return ThreadingHTTPServer((host, port), Handler)


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    setup_telemetry()
    server = make_server()

    def stop(signum: int, _frame) -> None:
        LOG.info("signal %s: shutting down", signum)
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    LOG.info("%s listening on :%s", SERVICE_NAME, server.server_address[1])
    try:
        server.serve_forever()
    finally:
        server.server_close()
        shutdown_telemetry()


if __name__ == "__main__":
    main()
