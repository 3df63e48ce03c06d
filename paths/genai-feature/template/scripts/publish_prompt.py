#!/usr/bin/env python3
"""Deploy: publish the evaluated prompt version to the platform's prompt registry.

    python scripts/publish_prompt.py --evidence evidence/{{ name }}/eval-....json

Refuses unless the evidence record passed its threshold and names exactly the prompt files being
published (same SHA-256), so only an evaluated version can ship. Authenticates with the same
short-lived OIDC token as gateway calls.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from {{ name | replace(from="-", to="_") }}.config import load_config  # noqa: E402
from {{ name | replace(from="-", to="_") }}.gateway import oidc_token  # noqa: E402
from {{ name | replace(from="-", to="_") }}.prompts import load_prompt  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evidence", required=True, help="the eval evidence record of this commit")
    args = parser.parse_args(argv)

    config = load_config()
    evidence_bytes = Path(args.evidence).read_bytes()
    evidence = json.loads(evidence_bytes)
    if not evidence.get("passed"):
        print(f"refusing to publish: eval score {evidence.get('score')} < threshold {evidence.get('threshold')}", file=sys.stderr)
        return 1
    ref = evidence["prompt"]
    prompt = load_prompt(config.prompts_path, ref["name"], int(ref["version"]))
    if prompt.sha256 != ref["sha256"]:
        print(f"refusing to publish: prompt {prompt.name} v{prompt.version} changed since it was evaluated", file=sys.stderr)
        return 1

    body = {
        "feature": config.feature,
        "owner": config.owner,
        "name": prompt.name,
        "version": prompt.version,
        "sha256": prompt.sha256,
        "modelAlias": config.model_alias,
        "dataClassification": config.data_classification,
        "files": {f.name: f.read_text(encoding="utf-8") for f in prompt.files},
        "evidence": {"sha256": hashlib.sha256(evidence_bytes).hexdigest(), "score": evidence["score"], "commit": evidence["git"]["commit"]},
    }
    headers = {"Content-Type": "application/json"}
    token = oidc_token(config.audience)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{config.publish_url}/{prompt.name}/versions"
    req = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=config.request_timeout) as resp:
        print(f"published {prompt.name} v{prompt.version} ({prompt.sha256[:12]}) to {url}: HTTP {resp.status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
