"""The feature itself: answer a question from context, through the gateway, with a registered prompt."""

from __future__ import annotations

from .config import GatewayConfig, load_config
from .gateway import GatewayClient
from .prompts import load_prompt

PROMPT_NAME = "{{ promptName }}"
PROMPT_VERSION = 1


def answer(question: str, context: str, *, config: GatewayConfig | None = None, client: GatewayClient | None = None) -> str:
    config = config or load_config()
    client = client or GatewayClient(config)
    prompt = load_prompt(config.prompts_path, PROMPT_NAME, PROMPT_VERSION)
    system, user = prompt.render(context=context, question=question)
    return client.complete(system, user).text.strip()
