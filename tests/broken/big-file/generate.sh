#!/bin/sh
# Writes catalog/huge.yaml: a well-formed, otherwise valid catalog file of exactly 50 MiB
# (52428800 bytes). paved must refuse it because it is larger than 1 MiB, without reading it whole.
# The file is generated, never committed (see .gitignore). Usage: sh generate.sh [OUTPUT]
set -eu
cd "$(dirname "$0")"
out="${1:-catalog/huge.yaml}"
size=52428800
mkdir -p "$(dirname "$out")"
{
  printf '%s\n' \
    'apiVersion: backstage.io/v1alpha1' \
    'kind: Component' \
    'spec:' \
    '  type: service' \
    '  lifecycle: production' \
    '  owner: group:payments' \
    'metadata:' \
    '  name: huge' \
    '  description: |'
  # 100-byte lines of a block scalar; the last one is cut short by head, which YAML allows.
  yes '    paved big-file fixture: 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 01234' \
    || true
} | head -c "$size" > "$out.tmp"
mv "$out.tmp" "$out"
