"""{{ name }}: entry point of one scheduled run.

    python -m {{ name | replace(from="-", to="_") }}.job

1. The slot is the cron fire time this run is for: SCHEDULED_TIME (ISO 8601) when given, else the
   latest fire time of JOB_SCHEDULE at or before now. Its idempotency key is "<name>.<slot>".
2. A slot already recorded as succeeded is skipped (exit 0): re-runs and duplicate starts are no-ops.
3. The work is tried up to JOB_MAX_RETRIES + 1 times, with exponential backoff and full jitter.
4. Success is recorded under the key. A run that exhausts its retries is published to the
   dead-letter queue (with the key as NATS message id), recorded as failed, and exits 1.

Every run is a span; `job.runs` counts runs by outcome and `job.duration` times them; the SLOs in
slo/openslo.yaml read both.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import sys
import time
import traceback

from opentelemetry import metrics, trace
from opentelemetry.trace import Status, StatusCode

from . import __version__, work
from .cron import Cron
from .state import FileDeadLetterQueue, FileStore, Nats
from .telemetry import SERVICE_NAME, setup_telemetry, shutdown_telemetry

LOG = logging.getLogger(SERVICE_NAME)
DEFAULT_SCHEDULE = "{{ schedule }}"
DEFAULT_MAX_RETRIES = {{ maxRetries }}
DEFAULT_DLQ_SUBJECT = "{% if dlqSubject %}{{ dlqSubject }}{% else %}jobs.{{ name }}.dlq{% endif %}"

tracer = trace.get_tracer(__name__, __version__)
meter = metrics.get_meter(__name__, __version__)
runs = meter.create_counter("job.runs", unit="{run}", description="Runs of the job by outcome (succeeded, failed, skipped).")
duration = meter.create_histogram("job.duration", unit="s", description="Duration of a run, retries included.")
attempts_counter = meter.create_counter("job.attempts", unit="{attempt}", description="Attempts of the unit of work.")
_last_success: list[float] = []


def _observe_last_success(_options):
    if _last_success:
        yield metrics.Observation(_last_success[-1], {"job.name": SERVICE_NAME})


meter.create_observable_gauge(
    "job.last_success.timestamp",
    callbacks=[_observe_last_success],
    unit="s",
    description="Unix time of the slot of the last successful run (freshness).",
)


def slot_for(schedule: str, now: dt.datetime, scheduled_time: str | None = None) -> dt.datetime:
    if scheduled_time:
        t = dt.datetime.fromisoformat(scheduled_time.replace("Z", "+00:00"))
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.timezone.utc)
        return t.astimezone(dt.timezone.utc).replace(second=0, microsecond=0)
    return Cron(schedule).previous(now)


def idempotency_key(name: str, slot: dt.datetime) -> str:
    return f"{name}.{slot:%Y%m%dT%H%MZ}"


def backoff_delays(retries: int, base: float = 2.0, cap: float = 60.0, rng: random.Random | None = None) -> list[float]:
    """Full-jitter exponential backoff: attempt n waits uniform(0, min(cap, base * 2**n))."""
    rng = rng or random.Random()
    return [rng.uniform(0, min(cap, base * (2**n))) for n in range(retries)]


def run_with_retries(fn, retries: int, sleep=time.sleep, delays: list[float] | None = None):
    delays = backoff_delays(retries) if delays is None else delays
    last: BaseException | None = None
    for attempt in range(retries + 1):
        attempts_counter.add(1, {"job.name": SERVICE_NAME})
        try:
            return fn(attempt), attempt + 1
        except Exception as exc:  # the unit of work failed; retry it
            last = exc
            LOG.warning("attempt %d/%d failed: %s", attempt + 1, retries + 1, exc)
            if attempt < retries:
                sleep(delays[attempt])
    raise RetriesExhausted(retries + 1, last)


class RetriesExhausted(Exception):
    def __init__(self, attempts: int, cause: BaseException | None):
        super().__init__(f"failed after {attempts} attempts: {cause}")
        self.attempts = attempts
        self.cause = cause


def backends():
    """NATS when NATS_URL is set (production); files under JOB_STATE_DIR otherwise."""
    url = os.environ.get("NATS_URL")
    if url:
        nats_backend = Nats(url, bucket=f"jobs_{SERVICE_NAME.replace('-', '_')}", dlq_subject=os.environ.get("DLQ_SUBJECT", DEFAULT_DLQ_SUBJECT))
        return nats_backend, nats_backend
    state_dir = os.environ.get("JOB_STATE_DIR", ".job-state")
    return FileStore(os.path.join(state_dir, "runs")), FileDeadLetterQueue(os.path.join(state_dir, "dlq.jsonl"))


def execute(*, now: dt.datetime, store, dlq, schedule: str, retries: int, scheduled_time: str | None = None, sleep=time.sleep, unit=work.run) -> int:
    slot = slot_for(schedule, now, scheduled_time)
    key = idempotency_key(SERVICE_NAME, slot)
    started = time.monotonic()
    with tracer.start_as_current_span("job.run") as span:
        span.set_attributes({"job.name": SERVICE_NAME, "job.slot": slot.isoformat(), "job.idempotency_key": key, "job.schedule": schedule})
        previous = store.get(key)
        if previous and previous.get("status") == "succeeded":
            LOG.info("slot %s already succeeded at %s: skipping", key, previous.get("finishedAt"))
            span.set_attribute("job.outcome", "skipped")
            runs.add(1, {"job.name": SERVICE_NAME, "job.outcome": "skipped"})
            return 0
        try:
            result, attempts = run_with_retries(lambda attempt: unit(slot, key), retries, sleep=sleep)
        except RetriesExhausted as exc:
            ctx = span.get_span_context()
            message = {
                "job": SERVICE_NAME,
                "slot": slot.isoformat(),
                "idempotencyKey": key,
                "attempts": exc.attempts,
                "error": repr(exc.cause),
                "traceback": "".join(traceback.format_exception(exc.cause)) if exc.cause else "",
                "traceId": f"{ctx.trace_id:032x}",
                "failedAt": dt.datetime.now(dt.timezone.utc).isoformat(),
            }
            dlq.publish(key, message)
            store.put(key, {"status": "failed", "attempts": exc.attempts, "finishedAt": message["failedAt"]})
            span.record_exception(exc.cause or exc)
            span.set_status(Status(StatusCode.ERROR, str(exc)))
            span.set_attribute("job.outcome", "failed")
            runs.add(1, {"job.name": SERVICE_NAME, "job.outcome": "failed"})
            duration.record(time.monotonic() - started, {"job.name": SERVICE_NAME, "job.outcome": "failed"})
            LOG.error("slot %s failed after %d attempts; sent to the dead-letter queue", key, exc.attempts)
            return 1
        store.put(key, {"status": "succeeded", "attempts": attempts, "result": result, "finishedAt": dt.datetime.now(dt.timezone.utc).isoformat()})
        _last_success.append(slot.timestamp())
        span.set_attributes({"job.outcome": "succeeded", "job.attempts": attempts})
        runs.add(1, {"job.name": SERVICE_NAME, "job.outcome": "succeeded"})
        duration.record(time.monotonic() - started, {"job.name": SERVICE_NAME, "job.outcome": "succeeded"})
        LOG.info("slot %s succeeded after %d attempt(s)", key, attempts)
        return 0


def main() -> int:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    setup_telemetry()
    try:
        store, dlq = backends()
        return execute(
            now=dt.datetime.now(dt.timezone.utc),
            store=store,
            dlq=dlq,
            schedule=os.environ.get("JOB_SCHEDULE", DEFAULT_SCHEDULE),
            retries=int(os.environ.get("JOB_MAX_RETRIES", DEFAULT_MAX_RETRIES)),
            scheduled_time=os.environ.get("SCHEDULED_TIME"),
        )
    finally:
        shutdown_telemetry()


if __name__ == "__main__":
    sys.exit(main())
