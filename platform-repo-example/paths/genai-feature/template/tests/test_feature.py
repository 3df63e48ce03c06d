"""Tests of {{ name }} against a local fake gateway: python -m unittest discover -s tests -v"""

import json
import os
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "evals"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import publish_prompt  # noqa: E402
import run_evals  # noqa: E402
from fake_gateway import REFUSAL, FakeGateway  # noqa: E402

from {{ name | replace(from="-", to="_") }} import feature  # noqa: E402
from {{ name | replace(from="-", to="_") }}.config import load_config  # noqa: E402
from {{ name | replace(from="-", to="_") }}.gateway import GatewayClient, GatewayError  # noqa: E402
from {{ name | replace(from="-", to="_") }}.prompts import load_prompt  # noqa: E402


class PromptRegistryTest(unittest.TestCase):
    def test_prompt_loads_and_renders(self):
        config = load_config()
        prompt = load_prompt(config.prompts_path, "{{ promptName }}", 1)
        self.assertEqual(prompt.variables, ("context", "question"))
        self.assertEqual(len(prompt.sha256), 64)
        _, user = prompt.render(context="C.", question="Q?")
        self.assertIn("Question: Q?", user)

    def test_missing_variable_is_an_error(self):
        prompt = load_prompt(load_config().prompts_path, "{{ promptName }}", 1)
        with self.assertRaises(KeyError):
            prompt.render(question="Q?")


class GatewayTest(unittest.TestCase):
    def test_answer_goes_through_the_gateway_with_identity_headers(self):
        with FakeGateway() as gw, mock.patch.dict(os.environ, {"GENAI_GATEWAY_URL": gw.url, "GENAI_GATEWAY_TOKEN": "t0k"}):
            text = feature.answer("Do gift cards expire?", "Gift cards never expire.")
        self.assertEqual(text, "Gift cards never expire.")
        req = gw.requests[0]
        self.assertEqual(req["path"], "/v1/chat/completions")
        self.assertEqual(req["body"]["model"], "{{ modelAlias }}")
        self.assertEqual(req["headers"]["Authorization"], "Bearer t0k")
        self.assertEqual(req["headers"]["X-Paved-Feature"], "{{ name }}")
        self.assertEqual(req["headers"]["X-Data-Classification"], "{{ dataClassification }}")

    def test_retries_with_backoff_then_succeeds(self):
        sleeps = []
        with FakeGateway(fail_first=2) as gw, mock.patch.dict(os.environ, {"GENAI_GATEWAY_URL": gw.url}):
            client = GatewayClient(load_config(), sleep=sleeps.append)
            out = client.complete("s", "Context:\nA b c.\nQuestion: x\nAnswer:")
        self.assertEqual(out.text, REFUSAL)
        self.assertEqual(sleeps, [1.0, 2.0])

    def test_gives_up_after_max_attempts(self):
        with FakeGateway(fail_first=10) as gw, mock.patch.dict(os.environ, {"GENAI_GATEWAY_URL": gw.url}):
            client = GatewayClient(load_config(), sleep=lambda _s: None)
            with self.assertRaises(GatewayError):
                client.complete("s", "Context:\nA.\nQuestion: x\nAnswer:")


class EvalGateTest(unittest.TestCase):
    def test_scoring(self):
        cases = [
            {"id": "a", "assert": [{"type": "contains", "value": "yes"}]},
            {"id": "b", "assert": [{"type": "max_words", "value": 2}]},
        ]
        score, results = run_evals.score_cases(cases, {"a": "Yes indeed", "b": "one two three"})
        self.assertEqual(score, 0.5)
        self.assertEqual(results[1]["failures"], ["3 words > 2"])

    def test_suite_passes_and_writes_evidence_then_publishes(self):
        with tempfile.TemporaryDirectory() as tmp, FakeGateway() as gw, mock.patch.dict(
            os.environ, {"GENAI_GATEWAY_URL": gw.url, "GENAI_PROMPT_REGISTRY_URL": gw.url + "/prompts", "GITHUB_SHA": "0123456789abcdef0123"}
        ):
            self.assertEqual(run_evals.main(["--evidence-dir", tmp]), 0)
            [record] = list(Path(tmp).glob("eval-*.json"))
            evidence = json.loads(record.read_text())
            self.assertTrue(evidence["passed"])
            self.assertGreaterEqual(evidence["score"], evidence["threshold"])
            self.assertEqual(evidence["feature"], "{{ name }}")
            self.assertEqual(evidence["git"]["commit"], "0123456789abcdef0123")
            self.assertEqual(publish_prompt.main(["--evidence", str(record)]), 0)
            self.assertTrue(gw.requests[-1]["path"].endswith("/prompts/{{ promptName }}/versions"))

    def test_gate_fails_under_threshold_and_blocks_publishing(self):
        with tempfile.TemporaryDirectory() as tmp, FakeGateway() as gw, mock.patch.dict(os.environ, {"GENAI_GATEWAY_URL": gw.url}):
            with mock.patch.object(run_evals, "check", return_value="forced failure"):
                self.assertEqual(run_evals.main(["--evidence-dir", tmp]), 1)
            [record] = list(Path(tmp).glob("eval-*.json"))
            self.assertFalse(json.loads(record.read_text())["passed"])
            self.assertEqual(publish_prompt.main(["--evidence", str(record)]), 1)


if __name__ == "__main__":
    unittest.main()
