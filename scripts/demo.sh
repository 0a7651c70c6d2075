#!/usr/bin/env bash
# Set up, index the fictional demo corpus into .newsbot-demo/, and ask it a question.
# Usage: bash scripts/demo.sh ["Your question?"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
INDEX=.newsbot-demo/index
# update, not build: the first run builds, later runs find nothing changed in a second or two, and an
# index left by an older newsbot is rebuilt.
.venv/bin/newsbot index update corpus/demo --index "$INDEX"
QUESTION="${1:-How much will the Harbour Line tram cost?}"
echo "\$ newsbot ask \"$QUESTION\""
.venv/bin/newsbot ask "$QUESTION" --index "$INDEX"
echo
echo "\$ newsbot ask \"Who won the 2022 World Cup?\"   (not in the demo articles)"
.venv/bin/newsbot ask "Who won the 2022 World Cup?" --index "$INDEX"
