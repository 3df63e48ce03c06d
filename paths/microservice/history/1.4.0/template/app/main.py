"""{{ name }}: HTTP service (paved path microservice 1).

Run: python app/main.py    Health: GET /health
"""

import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

SERVICE_NAME = "{{ name }}"
PORT = int(os.environ.get("PORT", "{{ port }}"))


def otel_endpoint():
    """The collector base URL, e.g. http://otel-collector:4318; None disables export."""
    try:
        return os.environ["OTEL_ENDPOINT"]
    except KeyError:
        return None


def setup_tracing():
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    endpoint = otel_endpoint()
    if endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")))
    trace.set_tracer_provider(provider)


tracer = trace.get_tracer(SERVICE_NAME)


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        with tracer.start_as_current_span("GET " + self.path):
            if self.path == "/health":
                self.reply(200, {"status": "ok"})
            else:
                self.reply(404, {"error": "not found"})

    def reply(self, status, body):
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


def make_server(port=PORT):
    return HTTPServer(("0.0.0.0", port), Handler)


if __name__ == "__main__":
    setup_tracing()
    make_server().serve_forever()
