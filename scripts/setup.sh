#!/usr/bin/env bash
# Create .venv and install newsbot. torch is installed first, pinned to the CPU build (2.13.0), so that no
# later step can pull a CUDA torch of several gigabytes.
#   bash scripts/setup.sh        what running newsbot needs (the demo's setup)
#   bash scripts/setup.sh dev    that, plus the dev extras: pytest, ruff, mypy, Milvus Lite, Ray, and
#                                llama.cpp (llama-cpp-python) for the reader tests, built portably
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" "torch==2.13.0"
"${PIP[@]}" -e .
[ "${1:-}" = dev ] || exit 0
# llama-cpp-python has no wheel on PyPI for this platform, so pip compiles llama.cpp, and by default for
# the CPU that builds it (GGML_NATIVE): such a build dies with a general protection fault on a machine
# with other extensions (AVX-512, AMX), and pip's cache would hand that wheel to every later venv. So it is
# built once with GGML_NATIVE off (x86-64 with AVX2/FMA/F16C, no AVX-512, no AMX) into a folder named by
# its version and flags, and installed from there; pip's cache never sees it.
bash scripts/build_llama.sh
"${PIP[@]}" --find-links "$(bash scripts/build_llama.sh --dir)" -e ".[dev]"
