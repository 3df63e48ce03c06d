"""OpenTelemetry for a short-lived process: traces and metrics over OTLP/HTTP, flushed at exit.

Standard configuration: OTEL_EXPORTER_OTLP_ENDPOINT (unset: nothing is exported),
OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME (default "{{ name }}"), OTEL_RESOURCE_ATTRIBUTES.
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


def setup_telemetry() -> None:
    attributes = {"service.name": os.environ.get("OTEL_SERVICE_NAME", SERVICE_NAME)}
{%- if system %}
    attributes["service.namespace"] = "{{ system }}"
{%- endif %}
    resource = Resource.create(attributes)
    tracer_provider = TracerProvider(resource=resource)
    readers = []
    if os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        # A cron run is short: export once at shutdown rather than on an interval.
        readers.append(PeriodicExportingMetricReader(OTLPMetricExporter(), export_interval_millis=60_000))
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))


def shutdown_telemetry() -> None:
    """Flush spans and metrics before the process exits."""
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        if hasattr(provider, "shutdown"):
            provider.shutdown()
