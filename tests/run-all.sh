#!/usr/bin/env bash
# Runs every test of the project and ends with a summary of what ran, passed, failed, skipped.
#   tests/run-all.sh                 everything
#   tests/run-all.sh lint unit ...   only these groups: lint sanity unit lab molecule
#   MOLECULE_SCENARIOS="lab etcd"    only these scenarios in the molecule group
# Expects the virtualenv on PATH (`make test` does that). Logs: .build/test-logs/<step>.log
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
root=$PWD
logs=$root/.build/test-logs
rm -rf "$logs" && mkdir -p "$logs"
export ANSIBLE_CONFIG=$root/ansible.cfg ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_NOCOLOR=1
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(lint sanity unit lab molecule)

results=() failures=()
passed=0 failed=0 skipped=0
# The lines of a step's log that say why it failed (Ansible, pytest, molecule).
error_lines='^(fatal|failed):|^E  |^FAILED|^CRITICAL|^ERROR'

# step NAME COMMAND...: run it, log it, record the outcome. Exit code 77 means "skipped"; the
# reason is the last line the step printed.
step() {
    local name=$1 start rc reason
    shift
    start=$SECONDS
    printf '=== %s\n' "$name"
    "$@" > "$logs/$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1)); results+=("PASS  $name ($((SECONDS - start)) s)")
    elif [ $rc -eq 77 ]; then
        reason=$(tail -n 1 "$logs/$name.log")
        skipped=$((skipped + 1)); results+=("SKIP  $name: $reason")
    else
        failed=$((failed + 1)); results+=("FAIL  $name ($((SECONDS - start)) s), log: $logs/$name.log")
        failures+=("$name")
        # The first errors, then the end: a scenario's end is its destroy, far from the cause.
        grep -n -m 8 -A 15 -E "$error_lines" "$logs/$name.log" |
            head -n 120 | sed 's/^/    /'
        printf '    ...\n'
        tail -n 40 "$logs/$name.log" | sed 's/^/    /'
    fi
}


lint() {
    step ruff ruff check .
    step ruff-format ruff format --check .
    step shellcheck shellcheck tests/*.sh tests/flags/*.sh roles/*/files/*.sh roles/kubelet/files/rktnetes-api-watchdog tests/lab/labctl tests/lab/base/build-base.sh \
        tests/lab/base/files/lab-sysctl-shield tests/lab/mirror/build-mirror.sh .ci/run
    step ansible-lint ansible-lint --profile production
}

sanity() { step ansible-test-sanity tests/sanity.sh; }

unit() { step pytest-unit pytest -q -p no:cacheprovider tests/unit; }

lab() { step lab-tests pytest -q -p no:cacheprovider tests/lab; }

molecule_all() {
    local dir name wanted=${MOLECULE_SCENARIOS:-}
    for dir in molecule/*/; do
        name=$(basename "$dir")
        [ -f "$dir/molecule.yml" ] || continue
        [ -z "$wanted" ] || [[ " $wanted " == *" $name "* ]] || continue
        step "molecule-$name" tests/molecule-scenario.sh "$name"
    done
}

# A missing command fails here once, naming its package (tests/host-deps.txt), not in a traceback.
step host-tools tests/host-deps.sh --check

for g in "${groups[@]}"; do
    case $g in
        lint) lint ;;
        sanity) sanity ;;
        unit) unit ;;
        lab) lab ;;
        molecule) molecule_all ;;
        *) echo "run-all: unknown group '$g' (lint sanity unit lab molecule)" >&2; exit 2 ;;
    esac
done

echo
echo "=== what ran"
printf '  %s\n' "${results[@]}"
# Again at the very end, where a CI excerpt (the output's tail) still shows it: why each step failed.
for name in "${failures[@]}"; do
    echo
    echo "=== why $name failed (first lines; the whole log is named above)"
    grep -m 10 -E "$error_lines" "$logs/$name.log" | cut -c 1-400 | sed 's/^/  /'
done
echo
echo "summary: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
