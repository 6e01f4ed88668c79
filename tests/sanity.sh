#!/usr/bin/env bash
# ansible-test sanity on a copy of the collection placed where ansible-test wants it
# (.build/sanity/ansible_collections/rktnetes/cluster). Test requirements come from PyPI.
# Every sanity test runs: none needs more network than PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# ansible-test's own --venv bootstraps pip from a host outside PyPI, so the sanity tests get a
# virtualenv of their own here (ansible-core as pinned), into which --requirements installs
# their pinned tools from PyPI without touching .venv.
venv=$root/.build/sanity-venv
if [ ! -x "$venv/bin/ansible-test" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "$(grep '^ansible-core==' requirements/python.txt)"
fi
# ansible-test makes a virtualenv per tool and fills it with pip through a "get-pip" script it
# downloads from its own CI host (unreachable here). This stand-in, in the cache where it looks,
# installs the pip version it asks for from PyPI instead. HOME keeps ansible-test's cache and
# virtualenvs inside .build.
export HOME=$root/.build/sanity-home
cache=$HOME/.ansible/test/cache
mkdir -p "$cache"
pip_version=$(sed -n "s/^ *pip='\([0-9.]*\)',$/\1/p" "$venv"/lib/python3*/site-packages/ansible_test/_internal/python_requirements.py)
cat > "$cache/get_pip_${pip_version//./_}.py" <<PY
"""Stand-in for get-pip.py: install the requested pip from PyPI with the sanity venv's pip."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call(["$venv/bin/pip", "--python", sys.executable, "install", *args])
PY
dest=.build/sanity/ansible_collections/rktnetes/cluster
rm -rf .build/sanity && mkdir -p "$dest"
git ls-files -co --exclude-standard -z | grep -zv '^\.build/' | rsync -a --from0 --files-from=- ./ "$dest/"
cd "$dest"
git init -q && git add -A   # ansible-test lists the files to check through git
"$venv/bin/ansible-test" sanity --local --requirements --python 3.11 "$@"
