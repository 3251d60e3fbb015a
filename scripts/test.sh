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
# Molecule scenarios in two lanes at once (each scenario has its own containers and network):
# most of a scenario's time is spent waiting on podman exec and systemd, so two lanes on two
# cores take about 0.6 of one. Longest first, so the lanes end together; each lane's output goes
# to .cache/test-logs/<scenario>.log and is printed when the scenario ends.
lanes=${AISEC_TEST_LANES:-2}
scenario_order=(firewall container harden container-debian13 monitoring proxy server audit firewall-backends harden-debian13 demo exposed)
scenarios=()
for scenario in "${scenario_order[@]}"; do [[ -f molecule/$scenario/molecule.yml ]] && scenarios+=("$scenario"); done
for scenario_dir in molecule/*/; do
  scenario=$(basename "$scenario_dir")
  [[ -f $scenario_dir/molecule.yml && " ${scenarios[*]} " != *" $scenario "* ]] && scenarios+=("$scenario")
done
mkdir -p .cache/test-logs
rm -f .cache/test-logs/*.result
run_scenario() {
  local scenario=$1 start=$SECONDS log=.cache/test-logs/$1.log
  local status=FAIL
  if scripts/molecule.sh test "$scenario" >"$log" 2>&1; then status=PASS; fi
  printf '%s  %-28s %ss\n' "$status" "molecule $scenario" "$((SECONDS - start))" >".cache/test-logs/$scenario.result"
  printf '\n\033[1m=== molecule %s (%s, %ss) ===\033[0m\n' "$scenario" "$status" "$((SECONDS - start))"
  cat "$log"
}
export -f run_scenario
printf '\n\033[1m=== molecule: %s scenarios in %s lanes ===\033[0m\n' "${#scenarios[@]}" "$lanes"
# shellcheck disable=SC2016 # $1 is expanded by the inner bash, not here
printf '%s\n' "${scenarios[@]}" | xargs -P "$lanes" -I{} bash -c 'run_scenario "$1"' _ {}
for scenario in "${scenarios[@]}"; do
  result=$(cat ".cache/test-logs/$scenario.result" 2>/dev/null || echo "FAIL  molecule $scenario (no result)")
  results+=("$result")
  if [[ $result == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# Debian 13: make test runs molecule/harden-debian13 and container-debian13 (above); make test-all every other scenario too.
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
