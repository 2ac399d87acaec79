#!/usr/bin/env bash
# Prints the consensus patch: the diff of every vendored crate under agave/ against the crate
# published on crates.io at the same version (downloaded into cargo's registry if missing).
#   bash agave/diff.sh            # every vendored crate
#   bash agave/diff.sh --stat     # only the changed files
# Moving to a newer Agave: vendor the new version's crate, re-apply this diff, update PATCHES.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
registry="${CARGO_HOME:-$HOME/.cargo}/registry/src"
status=0
for crate_dir in "$here"/*/; do
  name="$(basename "$crate_dir")"
  version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$crate_dir/Cargo.toml" | head -1)"
  published="$(ls -d "$registry"/*/"$name-$version" 2>/dev/null | head -1 || true)"
  if [ -z "$published" ]; then
    # Not in cargo's registry (the patch replaces it there): download the published crate and
    # check it against the sha256 PATCHES.md records.
    cache="${XDG_CACHE_HOME:-$HOME/.cache}/ambient/crates"
    published="$cache/$name-$version"
    if [ ! -d "$published" ]; then
      mkdir -p "$cache"
      curl -sSfL "https://static.crates.io/crates/$name/$name-$version.crate" -o "$cache/$name.crate"
      want="$(sed -n "s/^| \`$name\` | $version | \`\([0-9a-f]*\)\`.*/\1/p" "$here/PATCHES.md")"
      got="$(sha256sum "$cache/$name.crate" | cut -d' ' -f1)"
      if [ -z "$want" ] || [ "$got" != "$want" ]; then
        echo "agave/diff.sh: $name-$version.crate has sha256 $got, PATCHES.md says '$want'" >&2
        exit 2
      fi
      tar -xzf "$cache/$name.crate" -C "$cache" && rm "$cache/$name.crate"
    fi
  fi
  echo "### $name $version (vendored) against crates.io"
  if [ "${1:-}" = "--stat" ]; then
    diff -rq --exclude=.cargo-ok "$published" "$crate_dir" || status=$?
  else
    diff -ruN --exclude=.cargo-ok "$published" "$crate_dir" || status=$?
  fi
done
# diff exits 1 when the trees differ, which is the point; 2 is an error.
[ "$status" -le 1 ]
