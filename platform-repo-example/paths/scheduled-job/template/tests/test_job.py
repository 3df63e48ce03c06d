"""Tests of {{ name }}: PYTHONPATH=src python -m unittest discover -s tests -v

The NATS test runs against a real NATS server with JetStream at NATS_TEST_URL (default
nats://127.0.0.1:4222); it is skipped when none answers, or fails under CI=true.
"""

import datetime as dt
import json
import os
import socket
import tempfile
import unittest
import uuid
from pathlib import Path
from urllib.parse import urlparse

from {{ name | replace(from="-", to="_") }} import job
from {{ name | replace(from="-", to="_") }}.cron import Cron
from {{ name | replace(from="-", to="_") }}.state import FileDeadLetterQueue, FileStore, Nats

UTC = dt.timezone.utc


class CronTest(unittest.TestCase):
    def test_previous_fire_times(self):
        now = dt.datetime(2026, 3, 10, 14, 37, 12, tzinfo=UTC)  # a Tuesday
        self.assertEqual(Cron("0 * * * *").previous(now), dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
        self.assertEqual(Cron("*/15 * * * *").previous(now), dt.datetime(2026, 3, 10, 14, 30, tzinfo=UTC))
        self.assertEqual(Cron("30 2 * * *").previous(now), dt.datetime(2026, 3, 10, 2, 30, tzinfo=UTC))
        self.assertEqual(Cron("0 9 * * 1").previous(now), dt.datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
        self.assertEqual(Cron("0 0 1 * *").previous(now), dt.datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
        self.assertEqual(Cron("0 0 29 2 *").previous(now), dt.datetime(2024, 2, 29, 0, 0, tzinfo=UTC))

    def test_the_paths_schedule_parses(self):
        Cron(job.DEFAULT_SCHEDULE).previous(dt.datetime.now(UTC))

    def test_invalid_expressions(self):
        for bad in ["* * * *", "60 * * * *", "*/0 * * * *", "5-1 * * * *"]:
            with self.assertRaises(ValueError):
                Cron(bad)


class RunnerTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.store = FileStore(Path(self.tmp.name) / "runs")
        self.dlq = FileDeadLetterQueue(Path(self.tmp.name) / "dlq.jsonl")
        self.now = dt.datetime(2026, 3, 10, 14, 37, tzinfo=UTC)
        os.environ["JOB_OUTPUT_DIR"] = str(Path(self.tmp.name) / "out")

    def tearDown(self):
        self.tmp.cleanup()

    def run_job(self, unit, retries=2, sleeps=None, schedule="0 * * * *"):
        return job.execute(now=self.now, store=self.store, dlq=self.dlq, schedule=schedule, retries=retries,
                           sleep=(sleeps.append if sleeps is not None else lambda _s: None), unit=unit)

    def test_idempotency_key_comes_from_the_slot(self):
        self.assertEqual(job.idempotency_key("{{ name }}", dt.datetime(2026, 3, 10, 14, 0, tzinfo=UTC)), "{{ name }}.20260310T1400Z")
        self.assertEqual(job.slot_for("0 * * * *", self.now, "2026-03-10T13:00:00Z"), dt.datetime(2026, 3, 10, 13, 0, tzinfo=UTC))

    def test_success_is_recorded_and_a_second_run_of_the_slot_is_skipped(self):
        calls = []
        self.assertEqual(self.run_job(lambda slot, key: calls.append(key) or {"ok": True}), 0)
        self.assertEqual(self.run_job(lambda slot, key: calls.append(key) or {"ok": True}), 0)
        self.assertEqual(calls, ["{{ name }}.20260310T1400Z"])
        self.assertEqual(self.store.get(calls[0])["status"], "succeeded")

    def test_the_default_unit_of_work_is_idempotent(self):
        self.assertEqual(self.run_job(job.work.run), 0)
        out = list((Path(self.tmp.name) / "out").iterdir())
        self.assertEqual([p.name for p in out], ["20260310T1400Z.json"])

    def test_retries_with_backoff_then_succeeds(self):
        attempts, sleeps = [], []

        def flaky(slot, key):
            attempts.append(1)
            if len(attempts) < 3:
                raise ConnectionError("transient")
            return {"ok": True}

        self.assertEqual(self.run_job(flaky, retries=3, sleeps=sleeps), 0)
        self.assertEqual(len(attempts), 3)
        self.assertEqual(len(sleeps), 2)
        self.assertEqual(self.store.get("{{ name }}.20260310T1400Z")["attempts"], 3)

    def test_backoff_is_exponential_with_full_jitter(self):
        class Top:
            def uniform(self, a, b):
                return b

        self.assertEqual(job.backoff_delays(6, base=2, cap=60, rng=Top()), [2, 4, 8, 16, 32, 60])

    def test_exhausted_retries_go_to_the_dead_letter_queue(self):
        def broken(slot, key):
            raise RuntimeError("boom")

        self.assertEqual(self.run_job(broken, retries=2), 1)
        [letter] = [json.loads(line) for line in (Path(self.tmp.name) / "dlq.jsonl").read_text().splitlines()]
        self.assertEqual(letter["idempotencyKey"], "{{ name }}.20260310T1400Z")
        self.assertEqual(letter["attempts"], 3)
        self.assertIn("boom", letter["error"])
        self.assertEqual(self.store.get(letter["idempotencyKey"])["status"], "failed")
        # A failed slot is not skipped: the next run of the same slot tries again.
        self.assertEqual(self.run_job(lambda slot, key: {"ok": True}), 0)


def _nats_url():
    url = os.environ.get("NATS_TEST_URL", "nats://127.0.0.1:4222")
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 4222), timeout=1):
            return url
    except OSError:
        return None


class NatsTest(unittest.TestCase):
    def test_idempotency_records_and_dead_letters_on_jetstream(self):
        url = _nats_url()
        try:
            import nats  # noqa: F401
        except ImportError:
            url = None
        if url is None:
            if os.environ.get("CI") == "true":
                self.fail("NATS with JetStream is required under CI (NATS_TEST_URL)")
            self.skipTest("no NATS server with JetStream reachable (set NATS_TEST_URL)")
        import asyncio

        import nats

        suffix = uuid.uuid4().hex[:8]
        subject = f"test.{suffix}.dlq"
        stream = f"TEST_DLQ_{suffix}"

        async def create_stream():
            nc = await nats.connect(url)
            await nc.jetstream().add_stream(name=stream, subjects=[subject])
            await nc.drain()

        async def read_and_delete_stream():
            nc = await nats.connect(url)
            js = nc.jetstream()
            info = await js.stream_info(stream)
            msg = await js.get_msg(stream, seq=1)
            await js.delete_stream(stream)
            await js.delete_key_value(f"test_{suffix}")
            await nc.drain()
            return info.state.messages, json.loads(msg.data)

        asyncio.run(create_stream())
        backend = Nats(url, bucket=f"test_{suffix}", dlq_subject=subject)
        now = dt.datetime(2026, 3, 10, 14, 37, tzinfo=UTC)

        def broken(slot, key):
            raise RuntimeError("boom")

        self.assertEqual(job.execute(now=now, store=backend, dlq=backend, schedule="0 * * * *", retries=1, sleep=lambda _s: None, unit=broken), 1)
        # The same slot failing again is deduplicated by the Nats-Msg-Id header.
        self.assertEqual(job.execute(now=now, store=backend, dlq=backend, schedule="0 * * * *", retries=0, sleep=lambda _s: None, unit=broken), 1)
        self.assertEqual(job.execute(now=now, store=backend, dlq=backend, schedule="0 * * * *", retries=0, unit=lambda s, k: {"ok": True}), 0)
        calls = []
        self.assertEqual(job.execute(now=now, store=backend, dlq=backend, schedule="0 * * * *", retries=0, unit=lambda s, k: calls.append(k)), 0)
        self.assertEqual(calls, [])
        count, letter = asyncio.run(read_and_delete_stream())
        self.assertEqual(count, 1)
        self.assertEqual(letter["idempotencyKey"], "{{ name }}.20260310T1400Z")


if __name__ == "__main__":
    unittest.main()
