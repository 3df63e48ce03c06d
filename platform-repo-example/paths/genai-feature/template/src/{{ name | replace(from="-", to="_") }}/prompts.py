"""The local prompt registry: prompts/<name>/v<version>/prompt.yaml plus its text files.

Templates use ${variable} placeholders (string.Template); a missing variable is an error.
Every loaded prompt carries the SHA-256 of its files, which the eval evidence records, so the
version that was evaluated is provably the version that ships.
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    user_template: str
    variables: tuple[str, ...]
    sha256: str
    files: tuple[Path, ...]

    def render(self, **values: str) -> tuple[str, str]:
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise KeyError(f"prompt {self.name} v{self.version}: missing variables {missing}")
        return self.system, string.Template(self.user_template).substitute(values)


def load_prompt(registry: Path, name: str, version: int) -> Prompt:
    folder = Path(registry) / name / f"v{version}"
    meta_path = folder / "prompt.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    if meta["name"] != name or int(meta["version"]) != version:
        raise ValueError(f"{meta_path}: declares {meta['name']} v{meta['version']}, expected {name} v{version}")
    system_path = folder / meta["template"]["system"]
    user_path = folder / meta["template"]["user"]
    files = (meta_path, system_path, user_path)
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return Prompt(
        name=name,
        version=version,
        system=system_path.read_text(encoding="utf-8").strip(),
        user_template=user_path.read_text(encoding="utf-8"),
        variables=tuple(v["name"] for v in meta.get("variables", []) if v.get("required", True)),
        sha256=digest.hexdigest(),
        files=files,
    )
