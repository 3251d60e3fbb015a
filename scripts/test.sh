#!/usr/bin/env bash
# make test: every check, in order, then one summary. A failing step does not stop
# the later ones (so one run shows everything that is wrong); the exit code is
# non-zero if any step failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

results=()
failed=0
passed=0

step() {
  local name=$1; shift
  printf '\n\033[1m=== %s ===\033[0m\n' "$name"
  local start=$SECONDS
  if "$@"; then
    results+=("PASS  $(printf '%-28s' "$name") $((SECONDS - start))s")
    passed=$((passed + 1))
  else
    results+=("FAIL  $(printf '%-28s' "$name") $((SECONDS - start))s")
    failed=$((failed + 1))
  fi
}

# make test-all (AISEC_TEST_ALL=1): also every scenario again on Debian 13 targets (below).
test_all=${AISEC_TEST_ALL:-0}

# Setup and images are prerequisites: without them nothing else can run.
scripts/setup.sh || { echo "setup failed"; exit 1; }
tests/images/build.sh || { echo "image build failed"; exit 1; }
if [[ $test_all == 1 ]]; then tests/images/build.sh debian13-variants || { echo "image build failed"; exit 1; }; fi
# The lab itself (podman --init, names between containers, published ports): a missing host
# package would otherwise show up as dozens of unrelated molecule failures.
scripts/lab-check.sh || { echo "lab self-check failed (see above)"; exit 1; }

step "ruff + ansible-lint" scripts/lint.sh
step "ansible-test sanity" scripts/sanity.sh
step "collection build" scripts/build-check.sh
step "unit tests (pytest)" scripts/units.sh
step "unit tests (Python 3.13)" scripts/units-py313.sh
for scenario_dir in molecule/*/; do
  scenario=$(basename "$scenario_dir")
  [[ -f $scenario_dir/molecule.yml ]] || continue
  step "molecule $scenario" scripts/molecule.sh test "$scenario"
done
# Debian 13: make test runs molecule/harden-debian13 (above); make test-all every other scenario too.
if [[ $test_all == 1 ]]; then
  for scenario_dir in molecule/*/; do
    scenario=$(basename "$scenario_dir")
    [[ -f $scenario_dir/molecule.yml && $scenario != *-debian13 ]] || continue
    step "molecule $scenario (Debian 13)" env AISEC_DEBIAN=13 scripts/molecule.sh test "$scenario"
  done
fi

printf '\n\033[1m=== summary ===\033[0m\n'
printf '%s\n' "${results[@]}"
echo "summary: $passed passed, $failed failed"
((failed == 0))
