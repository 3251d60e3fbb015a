# aisec.ollama: the commands users and CI run. Each target calls a script in
# scripts/ that can also be run on its own.
SHELL := /bin/bash
SCENARIO ?=

.PHONY: help setup images test test-all test-clients lint sanity units build-check molecule demo clean

help:
	@echo "make demo                    a lab of exposed Ollama servers: discover, audit, harden, audit again (~6-11 min)"
	@echo "make test                    every check: ruff, ansible-lint, sanity, unit tests, molecule"
	@echo "make test-all                make test, then every molecule scenario again on Debian 13 targets"
	@echo "make molecule SCENARIO=NAME  one molecule scenario (molecule/NAME)"
	@echo "make test-clients            opt-in, not in make test: Open WebUI (several GB) through the proxy lab"
	@echo "make clean                   remove the lab's containers and networks"
	@echo "make setup                   apt packages, podman settings, .venv (run by the others)"

setup:
	@scripts/setup.sh

images: setup
	@tests/images/build.sh

test:
	@scripts/test.sh

# make test runs every scenario on Debian 12 and harden-debian13 on Debian 13; this adds every
# other scenario on Debian 13 targets (README "Platforms"; about twice make test's time).
test-all:
	@AISEC_TEST_ALL=1 scripts/test.sh

# Opt-in, not part of `make test`: installs Open WebUI 0.12.4 (several GB) in .cache/open-webui.
test-clients: images
	@scripts/test-clients.sh

lint: setup
	@scripts/lint.sh

sanity: setup
	@scripts/sanity.sh

units: setup
	@scripts/units.sh

build-check: setup
	@scripts/build-check.sh

molecule: images
	@test -n "$(SCENARIO)" || { echo "usage: make molecule SCENARIO=<name>"; exit 2; }
	@scripts/molecule.sh test "$(SCENARIO)"

demo:
	@scripts/demo.sh

clean:
	@scripts/clean.sh
