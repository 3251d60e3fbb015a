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

# Setup and images are prerequisites: without them nothing else can run.
scripts/setup.sh || { echo "setup failed"; exit 1; }
tests/images/build.sh || { echo "image build failed"; exit 1; }
# The lab itself (podman --init, names between containers, published ports): a missing host
# package would otherwise show up as dozens of unrelated molecule failures.
scripts/lab-check.sh || { echo "lab self-check failed (see above)"; exit 1; }

step "ruff + ansible-lint" scripts/lint.sh
step "ansible-test sanity" scripts/sanity.sh
step "collection build" scripts/build-check.sh
step "unit tests (pytest)" scripts/units.sh
for scenario_dir in molecule/*/; do
  scenario=$(basename "$scenario_dir")
  [[ -f $scenario_dir/molecule.yml ]] || continue
  step "molecule $scenario" scripts/molecule.sh test "$scenario"
done

printf '\n\033[1m=== summary ===\033[0m\n'
printf '%s\n' "${results[@]}"
echo "summary: $passed passed, $failed failed"
((failed == 0))
