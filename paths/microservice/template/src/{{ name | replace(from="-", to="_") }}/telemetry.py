"""OpenTelemetry setup: traces and metrics, exported over OTLP/HTTP when configured.

Configuration is the standard OpenTelemetry environment:

* OTEL_EXPORTER_OTLP_ENDPOINT  the collector, e.g. http://otel-collector:4318 (unset: nothing is exported)
* OTEL_EXPORTER_OTLP_HEADERS   optional headers, e.g. "authorization=Bearer ..."
* OTEL_SERVICE_NAME            defaults to "{{ name }}"
* OTEL_RESOURCE_ATTRIBUTES     extra resource attributes, e.g. "deployment.environment=staging"
"""

from __future__ import annotations

import os

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

SERVICE_NAME = "{{ name }}"
_configured = False


def otlp_endpoint() -> str | None:
    """The OTLP endpoint, or None when telemetry is not exported (local runs, tests)."""
    return os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None


def setup_telemetry() -> None:
    """Install the global tracer and meter providers once."""
    global _configured
    if _configured:
        return
    _configured = True

    attributes = {
        "service.name": os.environ.get("OTEL_SERVICE_NAME", SERVICE_NAME),
        "service.version": os.environ.get("SERVICE_VERSION", "0.1.0"),
    }
{%- if system %}
    attributes["service.namespace"] = "{{ system }}"
{%- endif %}
    resource = Resource.create(attributes)
    tracer_provider = TracerProvider(resource=resource)
    readers = []
    if otlp_endpoint():
        # The exporters read OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_EXPORTER_OTLP_HEADERS themselves
        # and append the signal path (/v1/traces, /v1/metrics).
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=15000))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))


def shutdown_telemetry() -> None:
    """Flush what is buffered; called on shutdown."""
    tracer_provider = trace.get_tracer_provider()
    if hasattr(tracer_provider, "shutdown"):
        tracer_provider.shutdown()
    meter_provider = metrics.get_meter_provider()
    if hasattr(meter_provider, "shutdown"):
        meter_provider.shutdown()
