"""Loads gateway.yaml, the feature's only source of model and gateway settings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class GatewayConfig:
    base_url: str
    audience: str
    connect_timeout: float
    request_timeout: float
    max_attempts: int
    initial_backoff: float
    retry_on: tuple[int, ...]
    model_alias: str
    temperature: float
    max_output_tokens: int
    feature: str
    owner: str
    data_classification: str
    prompts_path: Path
    publish_url: str


def load_config(path: str | os.PathLike | None = None) -> GatewayConfig:
    path = Path(path) if path else ROOT / "gateway.yaml"
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    gw, model, feature, registry = doc["gateway"], doc["model"], doc["feature"], doc["promptRegistry"]
    return GatewayConfig(
        # GENAI_GATEWAY_URL points a local run or a test at another gateway (or a fake one).
        base_url=os.environ.get("GENAI_GATEWAY_URL", gw["baseUrl"]).rstrip("/"),
        audience=gw["auth"]["audience"],
        connect_timeout=float(gw["timeouts"]["connectSeconds"]),
        request_timeout=float(gw["timeouts"]["requestSeconds"]),
        max_attempts=int(gw["retries"]["maxAttempts"]),
        initial_backoff=float(gw["retries"]["initialBackoffSeconds"]),
        retry_on=tuple(int(c) for c in gw["retries"]["retryOn"]),
        model_alias=model["alias"],
        temperature=float(model["temperature"]),
        max_output_tokens=int(model["maxOutputTokens"]),
        feature=feature["name"],
        owner=feature["owner"],
        data_classification=feature["dataClassification"],
        prompts_path=(path.parent / registry["path"]).resolve(),
        publish_url=os.environ.get("GENAI_PROMPT_REGISTRY_URL", registry["publishUrl"]).rstrip("/"),
    )
