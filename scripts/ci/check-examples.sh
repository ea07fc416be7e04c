#!/usr/bin/env bash
# Validates the example CI pipelines against the published GitHub Actions and GitLab CI schemas
# (vendored in check-jsonschema, from PyPI; no network needed once installed).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY="${PYTHON:-python3}"
command -v check-jsonschema >/dev/null || "$PY" -m pip install --quiet check-jsonschema
check-jsonschema --builtin-schema vendor.github-workflows examples/ci/github-actions.yml
check-jsonschema --builtin-schema vendor.gitlab-ci examples/ci/gitlab-ci.yml
echo "CI examples are valid"
