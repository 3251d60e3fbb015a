# shellcheck shell=bash disable=SC2034  # sourced: the names are used by the includer
# Image names and versions shared by the image build, molecule and the lab.
DEBIAN_SUITE=${DEBIAN_SUITE:-bookworm}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=localhost/aisec-debian:12
TARGET_IMAGE=localhost/aisec-target:latest
CLIENT_IMAGE=localhost/aisec-client:latest
TARGET_PODMAN_IMAGE=localhost/aisec-target-podman:latest
# Targets with a scenario's distribution packages already installed (tests/images/target-*/).
TARGET_PACKAGES_IMAGE=localhost/aisec-target-packages:latest
TARGET_UFW_IMAGE=localhost/aisec-target-ufw:latest
TARGET_FIREWALLD_IMAGE=localhost/aisec-target-firewalld:latest
# A target running Debian's Docker engine (not built by default: `build.sh target-docker`).
TARGET_DOCKER_IMAGE=localhost/aisec-target-docker:latest
EMULATOR_VERSION=${EMULATOR_VERSION:-0.32.15}
EMULATOR_IMAGE=localhost/ollama-emulator:$EMULATOR_VERSION
# The version an upgrade moves to (the container role's upgrade test): the same image, another
# OLLAMA_EMULATOR_VERSION.
EMULATOR_NEXT_VERSION=${EMULATOR_NEXT_VERSION:-0.33.0}
EMULATOR_NEXT_IMAGE=localhost/ollama-emulator:$EMULATOR_NEXT_VERSION
RELEASE_DIR=${RELEASE_DIR:-$repo/.cache/release}
# Debian 13 (trixie): its own base and target, built the same way; the Debian 12 names above
# and their inputs stay as they are.
DEBIAN13_SUITE=${DEBIAN13_SUITE:-trixie}
BASE13_IMAGE=localhost/aisec-debian:13
TARGET13_IMAGE=localhost/aisec-target-debian13:latest
# Debian 13's Python 3.13 with the unit tests' requirements (scripts/units-py313.sh).
PY313_IMAGE=localhost/aisec-python313:latest
# `make test-all` runs every scenario again on Debian 13: the same image directories built on
# the Debian 13 target, named with this suffix (molecule/shared/create.yml maps the names).
DEBIAN13_SUFFIX=-debian13
