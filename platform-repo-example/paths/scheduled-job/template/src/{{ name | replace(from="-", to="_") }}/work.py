"""The job's unit of work. Replace the body of `run` with what {{ name }} does.

Contract: `run` gets the schedule slot it works for and that slot's idempotency key. It must be
safe to call again for the same slot (a retry or a re-run after a crash): write results keyed by
the slot or by `key`, upsert rather than insert, pass `key` to downstream APIs as their
idempotency key. Raise to signal failure; the runner retries with backoff, then dead-letters.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path


def run(slot: dt.datetime, key: str) -> dict:
    out_dir = Path(os.environ.get("JOB_OUTPUT_DIR", "/tmp/{{ name }}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    # Keyed by slot: running the same slot twice overwrites the same file with the same content.
    target = out_dir / f"{slot:%Y%m%dT%H%MZ}.json"
    target.write_text(json.dumps({"slot": slot.isoformat(), "key": key}) + "\n", encoding="utf-8")
    return {"output": str(target)}
