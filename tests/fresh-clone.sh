#!/usr/bin/env bash
# The check a new user's machine makes: clone this repository's HEAD into an empty temporary folder
# (nothing beside it: no .venv, no sibling folders), then run the README's test command there.
#   tests/fresh-clone.sh [TARGET...]      default target: test (any make target, e.g. unit lint)
# Commit first: only what is committed is cloned. The clone is removed when it passes; on a failure
# it stays for reading (its logs: <clone>/.build/test-logs/). Run it before calling a change done.
set -euo pipefail
src=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
    echo "fresh-clone: note: uncommitted changes in $src are not part of the clone" >&2
parent=$(mktemp -d /var/tmp/rktnetes-fresh.XXXXXX)
git clone -q "$src" "$parent/rktnetes-cluster"
cd "$parent/rktnetes-cluster"
echo "fresh-clone: $(git log -1 --format='%h %s') in $PWD (beside it: $(find "$parent" -mindepth 1 -maxdepth 1 -printf '%f '))"
[ $# -gt 0 ] || set -- test
start=$SECONDS
if make "$@"; then
    echo "fresh-clone: make $* passed in $((SECONDS - start)) s"
    cd / && rm -rf "$parent"
else
    rc=$?
    echo "fresh-clone: make $* FAILED after $((SECONDS - start)) s; the clone stays in $parent" >&2
    exit $rc
fi
