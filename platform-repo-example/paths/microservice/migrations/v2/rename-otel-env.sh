#!/bin/sh
# microservice 1 -> 2: rename OTEL_ENDPOINT to OTEL_EXPORTER_OTLP_ENDPOINT outside Python code
# (Python is rewritten by rename-otel-env.yml with ast-grep): Dockerfiles, env files, YAML
# manifests, shell scripts and docs. Idempotent: a second run changes nothing.
set -eu

files=$(grep -rlw --exclude-dir=.git --exclude='*.py' \
  --include='Dockerfile*' --include='*.env' --include='.env*' --include='*.yaml' --include='*.yml' \
  --include='*.sh' --include='*.md' --include='*.toml' --include='*.ini' --include='*.cfg' \
  'OTEL_ENDPOINT' . || true)

for f in $files; do
  # \b keeps OTEL_ENDPOINT_X and MY_OTEL_ENDPOINT untouched.
  sed -i.paved-bak 's/\bOTEL_ENDPOINT\b/OTEL_EXPORTER_OTLP_ENDPOINT/g' "$f"
  rm -f "$f.paved-bak"
  echo "rewrote $f"
done
