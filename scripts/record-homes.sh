#!/usr/bin/env bash
# Re-records testdata/homes/<version>/ from each supported Codex release, offline against the
# mock model: installs the releases (cached), then runs the recorder. Review the diff before
# committing it; the tests read these homes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-codex-releases.sh
cargo run --quiet --example record_homes -- testdata/homes "$@"
