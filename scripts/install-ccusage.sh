#!/usr/bin/env bash
# Installs ccusage, the peer the usage oracle test (tests/usage_oracle.rs) compares `stats`
# with, into a cache outside the work tree (CCUSAGE_DIR, default ~/.cache/codex-threads/ccusage).
# Pinned: its Codex reports are what the test compares with. Skipped when already installed.
#
# Layout: $DIR/bin/ccusage is a launcher for the pinned release.
set -euo pipefail

VERSION=20.0.24
DIR="${CCUSAGE_DIR:-$HOME/.cache/codex-threads/ccusage}"

if [ -x "$DIR/bin/ccusage" ] && [ "$(cat "$DIR/VERSION" 2>/dev/null)" = "$VERSION" ]; then
  printf 'ccusage %s: already installed in %s\n' "$VERSION" "$DIR"
  exit 0
fi
rm -rf "$DIR.tmp"
mkdir -p "$DIR.tmp"
npm install --silent --no-audit --no-fund --prefix "$DIR.tmp" "ccusage@$VERSION" >/dev/null
mkdir -p "$DIR.tmp/bin"
ln -s ../node_modules/.bin/ccusage "$DIR.tmp/bin/ccusage"
echo "$VERSION" >"$DIR.tmp/VERSION"
rm -rf "$DIR"
mv "$DIR.tmp" "$DIR"
printf 'ccusage %s: %s\n' "$VERSION" "$("$DIR/bin/ccusage" --version 2>&1 | head -n 1)"
