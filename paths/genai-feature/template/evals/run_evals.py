#!/usr/bin/env python3
"""Run the eval suite of {{ name }} against the GenAI gateway and gate on its score.

    python evals/run_evals.py [--suite evals/suite.yaml] [--evidence-dir DIR] [--report FILE]

Exit status: 0 when score >= threshold, 1 when under it (the deploy gate), 2 on an error.
Always writes an audit evidence record (JSON) to the suite's evidence directory: which prompt
version (with its SHA-256), which dataset (SHA-256), which model alias, the score, the threshold,
each case's outcome and the git commit and CI run that produced it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from {{ name | replace(from="-", to="_") }}.config import load_config  # noqa: E402
from {{ name | replace(from="-", to="_") }}.gateway import GatewayClient, GatewayError  # noqa: E402
from {{ name | replace(from="-", to="_") }}.prompts import load_prompt  # noqa: E402

EVIDENCE_TYPE = "https://paved.dev/evidence/genai-eval/v1"


def check(assertion: dict, answer: str) -> str | None:
    """None when the assertion holds, else why it failed."""
    kind, value = assertion["type"], assertion["value"]
    low = answer.lower()
    if kind == "contains":
        return None if str(value).lower() in low else f"does not contain {value!r}"
    if kind == "not_contains":
        return None if str(value).lower() not in low else f"contains {value!r}"
    if kind == "regex":
        return None if re.search(value, answer) else f"does not match /{value}/"
    if kind == "max_words":
        words = len(answer.split())
        return None if words <= int(value) else f"{words} words > {value}"
    raise ValueError(f"unknown assertion type {kind!r}")


def score_cases(cases: list[dict], answers: dict[str, str]) -> tuple[float, list[dict]]:
    results = []
    for case in cases:
        answer = answers.get(case["id"])
        if answer is None:
            failures = ["no answer (gateway error)"]
        else:
            failures = [f for f in (check(a, answer) for a in case["assert"]) if f]
        results.append({"id": case["id"], "passed": not failures, "failures": failures})
    score = sum(r["passed"] for r in results) / len(results) if results else 0.0
    return score, results


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default=str(ROOT / "evals" / "suite.yaml"))
    parser.add_argument("--evidence-dir", help="overrides the suite's evidence.dir")
    parser.add_argument("--report", help="also write the evidence record here")
    args = parser.parse_args(argv)

    suite_path = Path(args.suite).resolve()
    suite = yaml.safe_load(suite_path.read_text(encoding="utf-8"))
    config = load_config()
    prompt = load_prompt(config.prompts_path, suite["prompt"]["name"], int(suite["prompt"]["version"]))
    dataset_path = (suite_path.parent / suite["dataset"]).resolve()
    cases = [json.loads(line) for line in dataset_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    threshold = float(suite["threshold"])

    client = GatewayClient(config)
    answers: dict[str, str] = {}
    errors: dict[str, str] = {}
    for case in cases:
        system, user = prompt.render(**case["vars"])
        try:
            answers[case["id"]] = client.complete(system, user).text.strip()
        except GatewayError as exc:
            errors[case["id"]] = str(exc)

    score, results = score_cases(cases, answers)
    for r in results:
        r["answer"] = answers.get(r["id"])
        if r["id"] in errors:
            r["error"] = errors[r["id"]]
    passed = score >= threshold
    commit = os.environ.get("GITHUB_SHA", "local")
    evidence = {
        "_type": EVIDENCE_TYPE,
        "feature": config.feature,
        "owner": config.owner,
        "suite": suite["suite"],
        "prompt": {"name": prompt.name, "version": prompt.version, "sha256": prompt.sha256},
        "model": {"alias": config.model_alias, "gateway": config.base_url},
        "dataClassification": config.data_classification,
        "dataset": {"path": str(dataset_path.relative_to(ROOT)), "sha256": sha256_file(dataset_path), "cases": len(cases)},
        "score": round(score, 4),
        "threshold": threshold,
        "passed": passed,
        "results": results,
        "git": {
            "commit": commit,
            "ref": os.environ.get("GITHUB_REF", ""),
            "repository": os.environ.get("GITHUB_REPOSITORY", ""),
            "runId": os.environ.get("GITHUB_RUN_ID", ""),
        },
        "timestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    evidence_dir = Path(args.evidence_dir) if args.evidence_dir else (suite_path.parent / suite["evidence"]["dir"]).resolve()
    evidence_dir.mkdir(parents=True, exist_ok=True)
    out = evidence_dir / f"eval-{prompt.name}-v{prompt.version}-{commit[:12]}.json"
    text = json.dumps(evidence, indent=2, sort_keys=True) + "\n"
    out.write_text(text, encoding="utf-8")
    if args.report:
        Path(args.report).write_text(text, encoding="utf-8")

    verdict = "PASS" if passed else "FAIL"
    lines = [f"eval {suite['suite']}: score {score:.3f} (threshold {threshold:.3f}) {verdict}", ""]
    lines += [f"- {'ok  ' if r['passed'] else 'FAIL'} {r['id']}: {'; '.join(r['failures'])}" for r in results]
    print("\n".join(lines))
    print(f"evidence: {out}")
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, KeyError, ValueError) as exc:
        print(f"eval error: {exc}", file=sys.stderr)
        sys.exit(2)
