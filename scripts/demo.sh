#!/usr/bin/env bash
# Set up, index the fictional demo corpus into .newsbot-demo/ (once), and ask it a question.
# Usage: bash scripts/demo.sh ["Your question?"]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
INDEX=.newsbot-demo/index
if [ ! -d "$INDEX" ]; then
    .venv/bin/newsbot index build corpus/demo --index "$INDEX"
fi
QUESTION="${1:-How much will the Harbour Line tram cost?}"
echo "\$ newsbot ask \"$QUESTION\""
.venv/bin/newsbot ask "$QUESTION" --index "$INDEX"
echo
echo "\$ newsbot ask \"Who won the 2022 World Cup?\"   (not in the demo articles)"
.venv/bin/newsbot ask "Who won the 2022 World Cup?" --index "$INDEX"
