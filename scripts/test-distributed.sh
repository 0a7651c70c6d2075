#!/usr/bin/env bash
# Install the `distributed` extra (Ray) into .venv and run the tests that start a local Ray cluster, which
# the default run (scripts/test.sh) leaves out. The torch pin in pyproject.toml keeps Ray from pulling
# another torch.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,distributed]"
.venv/bin/pytest -q -m distributed "$@"
