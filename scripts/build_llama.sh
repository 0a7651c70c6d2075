#!/usr/bin/env bash
# Build llama-cpp-python's wheel portably, once: llama.cpp compiled without -march=native, so the wheel
# runs on any x86-64 machine with AVX2 whatever else its CPU has (a native build on an AVX-512/AMX CPU
# crashed at its first completion). The wheel goes to a per-user cache folder named by version and flags.
#   bash scripts/build_llama.sh          build it unless it is there
#   bash scripts/build_llama.sh --dir    print the folder
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=0.3.36
FLAGS="-DGGML_NATIVE=OFF -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
KEY=$(printf '%s %s' "$VERSION" "$FLAGS" | sha256sum | cut -c1-12)
DIR="${NEWSBOT_WHEEL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/newsbot/wheels}/llama-cpp-python-$VERSION-portable-$KEY"
if [ "${1:-}" = --dir ]; then
    echo "$DIR"
    exit 0
fi
if ls "$DIR"/llama_cpp_python-"$VERSION"-*.whl >/dev/null 2>&1; then
    exit 0
fi
echo "Building llama-cpp-python $VERSION portably (llama.cpp from source: several minutes, once)..." >&2
mkdir -p "$DIR"
TMP=$(mktemp -d "$DIR.tmp-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
CMAKE_ARGS="$FLAGS" FORCE_CMAKE=1 .venv/bin/python -m pip wheel --quiet --disable-pip-version-check \
    --no-cache-dir --no-deps --no-binary llama-cpp-python -w "$TMP" "llama-cpp-python==$VERSION"
mv "$TMP"/llama_cpp_python-*.whl "$DIR"/
