"""A local stand-in for the GenAI gateway, for tests: an OpenAI-compatible /chat/completions that
answers extractively (the context sentence sharing most words with the question, or the refusal
sentence), plus the prompt registry's publish endpoint. It records every request."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REFUSAL = "I don't know based on the provided context."
STOP = {"the", "a", "an", "of", "to", "for", "do", "does", "is", "are", "what", "how", "which", "who", "in", "on", "within", "until", "time", "many", "much"}


def extractive_answer(user: str) -> str:
    context = user.split("Context:", 1)[1].split("Question:", 1)[0]
    question = user.split("Question:", 1)[1].split("Answer:", 1)[0]
    qwords = {w for w in re.findall(r"[a-z0-9:.]+", question.lower()) if w not in STOP}
    best, best_overlap = None, 0
    for sentence in re.split(r"(?<=[.!?])\s+", context.strip()):
        if sentence.isupper():  # shouting instructions inside the context are ignored
            continue
        overlap = len(qwords & set(re.findall(r"[a-z0-9:.]+", sentence.lower())))
        if overlap > best_overlap:
            best, best_overlap = sentence, overlap
    return best if best and best_overlap >= 2 else REFUSAL


class FakeGateway:
    def __init__(self, fail_first: int = 0):
        self.requests: list[dict] = []
        self.fail_first = fail_first
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers.items()), "body": body})
                if gateway.fail_first > 0:
                    gateway.fail_first -= 1
                    return self._reply(503, {"error": "overloaded"})
                if self.path.endswith("/chat/completions"):
                    user = body["messages"][-1]["content"]
                    return self._reply(200, {
                        "model": body["model"],
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": extractive_answer(user)}}],
                        "usage": {"prompt_tokens": len(user.split()), "completion_tokens": 10},
                    })
                if "/prompts/" in self.path:
                    return self._reply(201, {"status": "published"})
                return self._reply(404, {"error": "not found"})

            def _reply(self, status, doc):
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
