#!/usr/bin/env bash
# The test command (README, .ci/run): install the independent validators the tests use,
# then run every test. Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-tools.sh
if [ -d .tools/venv/bin ]; then export PATH="$PWD/.tools/venv/bin:$PATH"; fi
cargo test --locked "$@"
