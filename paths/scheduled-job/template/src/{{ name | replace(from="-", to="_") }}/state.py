"""Where the job keeps its idempotency records and sends its dead letters.

* NATS (production): idempotency records in a JetStream key-value bucket, dead letters published
  to a JetStream subject with `Nats-Msg-Id` = the idempotency key, so a slot that fails again
  within the stream's duplicate window is not dead-lettered twice.
* Files (local runs and tests): a directory of JSON records and a JSON-lines dead-letter file.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Protocol


class Store(Protocol):
    def get(self, key: str) -> dict | None: ...
    def put(self, key: str, record: dict) -> None: ...


class DeadLetterQueue(Protocol):
    def publish(self, key: str, message: dict) -> None: ...


class FileStore:
    def __init__(self, directory: str | os.PathLike):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.json"

    def get(self, key: str) -> dict | None:
        try:
            return json.loads(self._path(key).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def put(self, key: str, record: dict) -> None:
        tmp = self._path(key).with_suffix(".tmp")
        tmp.write_text(json.dumps(record, sort_keys=True), encoding="utf-8")
        tmp.replace(self._path(key))  # atomic: a crash leaves the old record or the new one


class FileDeadLetterQueue:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def publish(self, key: str, message: dict) -> None:
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(message, sort_keys=True) + "\n")


class Nats:
    """JetStream KV store and dead-letter publisher; one short connection per operation."""

    def __init__(self, url: str, bucket: str, dlq_subject: str, timeout: float = 10.0):
        self.url, self.bucket, self.dlq_subject, self.timeout = url, bucket, dlq_subject, timeout

    async def _with_js(self, op):
        import nats  # nats-py

        nc = await nats.connect(self.url, connect_timeout=self.timeout, max_reconnect_attempts=1)
        try:
            return await op(nc.jetstream(timeout=self.timeout))
        finally:
            await nc.drain()

    async def _kv(self, js):
        try:
            return await js.key_value(self.bucket)
        except Exception:  # bucket missing: create it (history 5, records kept 30 days)
            from nats.js.api import KeyValueConfig

            return await js.create_key_value(KeyValueConfig(bucket=self.bucket, history=5, ttl=30 * 24 * 3600))

    def get(self, key: str) -> dict | None:
        async def op(js):
            from nats.js.errors import KeyNotFoundError

            kv = await self._kv(js)
            try:
                entry = await kv.get(key)
            except KeyNotFoundError:
                return None
            return json.loads(entry.value) if entry.value else None

        return asyncio.run(self._with_js(op))

    def put(self, key: str, record: dict) -> None:
        async def op(js):
            kv = await self._kv(js)
            await kv.put(key, json.dumps(record, sort_keys=True).encode())

        asyncio.run(self._with_js(op))

    def publish(self, key: str, message: dict) -> None:
        async def op(js):
            await js.publish(self.dlq_subject, json.dumps(message, sort_keys=True).encode(), headers={"Nats-Msg-Id": key})

        asyncio.run(self._with_js(op))
