"""Client of the internal GenAI gateway (OpenAI-compatible /chat/completions).

Authentication is a short-lived OIDC token, never a provider key:
* GENAI_GATEWAY_TOKEN, when set (local development, a workload's projected token), or
* the GitHub Actions OIDC token for the configured audience (needs `id-token: write`).
Retries 429/5xx with exponential backoff; every request names the feature and its data class so
the gateway can enforce policy and attribute cost.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from .config import GatewayConfig


class GatewayError(RuntimeError):
    pass


@dataclass
class Completion:
    text: str
    model: str
    usage: dict


def oidc_token(audience: str) -> str | None:
    token = os.environ.get("GENAI_GATEWAY_TOKEN")
    if token:
        return token
    url, bearer = os.environ.get("ACTIONS_ID_TOKEN_REQUEST_URL"), os.environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
    if url and bearer:
        sep = "&" if "?" in url else "?"
        req = urllib.request.Request(
            f"{url}{sep}audience={urllib.parse.quote(audience)}", headers={"Authorization": f"Bearer {bearer}"}
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.load(resp)["value"]
    return None


class GatewayClient:
    def __init__(self, config: GatewayConfig, sleep=time.sleep):
        self.config = config
        self._sleep = sleep
        self._token = None

    def _headers(self) -> dict:
        headers = {
            "Content-Type": "application/json",
            "X-Paved-Feature": self.config.feature,
            "X-Paved-Owner": self.config.owner,
            "X-Data-Classification": self.config.data_classification,
        }
        if self._token is None:
            self._token = oidc_token(self.config.audience) or ""
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        return headers

    def complete(self, system: str, user: str, *, temperature: float | None = None, max_tokens: int | None = None) -> Completion:
        body = {
            "model": self.config.model_alias,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": self.config.temperature if temperature is None else temperature,
            "max_tokens": max_tokens or self.config.max_output_tokens,
        }
        data = json.dumps(body).encode("utf-8")
        url = f"{self.config.base_url}/chat/completions"
        delay = self.config.initial_backoff
        last_error: Exception | None = None
        for attempt in range(1, self.config.max_attempts + 1):
            req = urllib.request.Request(url, data=data, headers=self._headers(), method="POST")
            try:
                with urllib.request.urlopen(req, timeout=self.config.request_timeout) as resp:
                    doc = json.load(resp)
                return Completion(
                    text=doc["choices"][0]["message"]["content"],
                    model=doc.get("model", self.config.model_alias),
                    usage=doc.get("usage", {}),
                )
            except urllib.error.HTTPError as exc:
                last_error = exc
                if exc.code not in self.config.retry_on:
                    raise GatewayError(f"gateway answered {exc.code}: {exc.read()[:500]!r}") from exc
            except (urllib.error.URLError, TimeoutError) as exc:
                last_error = exc
            if attempt < self.config.max_attempts:
                self._sleep(delay)
                delay *= 2
        raise GatewayError(f"gateway unavailable after {self.config.max_attempts} attempts: {last_error}")
