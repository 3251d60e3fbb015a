#!/usr/bin/env bash
# make test: every check and every molecule scenario, then one summary. A failing job does not
# stop the others (so one run shows everything that is wrong); the exit code is non-zero if any
# job failed.
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

# Every check and every molecule scenario is a job; jobs run in lanes at once (AISEC_TEST_LANES,
# default 3). A scenario spends most of its time waiting on podman exec and systemd, the checks
# (sanity, unit tests) on the CPU, so the checks share the lanes with the scenarios instead of
# running before them. Longest first, so the lanes end together; each job's output goes to
# .cache/test-logs/<job>.log and is printed when the job ends. AISEC_TEST_JOBS="lint exposed"
# runs only the jobs named (lint, sanity, build-check, units, units-py313, or a scenario's name).
lanes=${AISEC_TEST_LANES:-3}
# job_name JOB / job_run JOB: what the summary calls a job, and the job itself. The checks are the
# jobs job_name knows by name; any other job is a molecule scenario.
job_name() {
  case $1 in
    lint) echo "ruff + ansible-lint" ;;
    sanity) echo "ansible-test sanity" ;;
    build-check) echo "collection build" ;;
    units) echo "unit tests (pytest)" ;;
    units-py313) echo "unit tests (Python 3.13)" ;;
    *) echo "molecule $1" ;;
  esac
}
is_check() { [[ $(job_name "$1") != "molecule $1" ]]; }
job_run() {
  if is_check "$1"; then "scripts/$1.sh"; else scripts/molecule.sh test "$1"; fi
}
job_order=(container firewall units harden fleet container-debian13 monitoring sanity proxy server lint
  units-py313 firewall-backends harden-debian13 audit build-check demo exposed)
jobs=()
for job in "${job_order[@]}"; do
  if is_check "$job" || [[ -f molecule/$job/molecule.yml ]]; then jobs+=("$job"); fi
done
for scenario_dir in molecule/*/; do
  scenario=$(basename "$scenario_dir")
  [[ -f $scenario_dir/molecule.yml && " ${jobs[*]} " != *" $scenario "* ]] && jobs+=("$scenario")
done
if [[ -n ${AISEC_TEST_JOBS:-} ]]; then
  wanted=()
  for job in ${AISEC_TEST_JOBS}; do
    [[ " ${jobs[*]} " == *" $job "* ]] || { echo "AISEC_TEST_JOBS: no such job: $job (jobs: ${jobs[*]})" >&2; exit 2; }
    wanted+=("$job")
  done
  jobs=("${wanted[@]}")
fi

# Setup and images are prerequisites: without them nothing else can run.
scripts/setup.sh || { echo "setup failed"; exit 1; }
tests/images/build.sh || { echo "image build failed"; exit 1; }
if [[ $test_all == 1 ]]; then tests/images/build.sh debian13-variants || { echo "image build failed"; exit 1; }; fi
# The lab itself (podman --init, names between containers, published ports): a missing host
# package would otherwise show up as dozens of unrelated molecule failures.
scripts/lab-check.sh || { echo "lab self-check failed (see above)"; exit 1; }

mkdir -p .cache/test-logs
rm -f .cache/test-logs/*.result
run_job() {
  local job=$1 start=$SECONDS log=.cache/test-logs/$1.log status=FAIL
  if job_run "$job" >"$log" 2>&1; then status=PASS; fi
  printf '%s  %-28s %ss\n' "$status" "$(job_name "$job")" "$((SECONDS - start))" >".cache/test-logs/$job.result"
  printf '\n\033[1m=== %s (%s, %ss) ===\033[0m\n' "$(job_name "$job")" "$status" "$((SECONDS - start))"
  cat "$log"
}
export -f run_job job_name job_run is_check
printf '\n\033[1m=== %s jobs in %s lanes ===\033[0m\n' "${#jobs[@]}" "$lanes"
# shellcheck disable=SC2016 # $1 is expanded by the inner bash, not here
printf '%s\n' "${jobs[@]}" | xargs -P "$lanes" -I{} bash -c 'run_job "$1"' _ {}
for job in "${jobs[@]}"; do
  result=$(cat ".cache/test-logs/$job.result" 2>/dev/null || echo "FAIL  $(job_name "$job") (no result)")
  results+=("$result")
  if [[ $result == PASS* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
# Debian 13: make test runs molecule/harden-debian13 and container-debian13 (above); make test-all every other scenario too.
if [[ $test_all == 1 ]]; then
  for scenario_dir in molecule/*/; do
    scenario=$(basename "$scenario_dir")
    [[ -f $scenario_dir/molecule.yml && $scenario != *-debian13 ]] || continue
    # Not on Debian 13: molecule/container has a Docker host and the Docker target exists for Debian
    # 12 only (its Debian 13 run is molecule/container-debian13, Quadlet, in make test). Every other
    # scenario, monitoring included, runs on the targets' Debian 13 twins.
    case $scenario in
      container) echo "molecule container (Debian 13): skipped, see container-debian13"; continue ;;
    esac
    step "molecule $scenario (Debian 13)" env AISEC_DEBIAN=13 scripts/molecule.sh test "$scenario"
  done
fi

printf '\n\033[1m=== summary ===\033[0m\n'
printf '%s\n' "${results[@]}"
echo "summary: $passed passed, $failed failed"
((failed == 0))
