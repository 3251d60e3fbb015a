#!/usr/bin/env bash
# Build the test images without a registry: debootstrap -> podman import -> podman build.
# Every image carries a label with the hash of its build inputs; an image whose label
# matches is reused, so a second run builds nothing.
#
#   tests/images/build.sh            build (or reuse) every image
#   tests/images/build.sh target     only some: base target client target-podman target-packages
#                                    target-ufw target-firewalld ollama-emulator
#                                    ollama-emulator-next (the same emulator as version 0.33.0, for upgrades)
#                                    target-debian13 (Debian 13 trixie: its own base and target)
#                                    target-podman-debian13 (podman 5 with Quadlet on Debian 13)
#                                    python313 (Debian 13's Python with the unit tests' requirements)
#                                    debian13-variants (target-packages, -ufw, -firewalld, -podman on
#                                    Debian 13, for make test-all; not built by default)
#                                    target-docker (Debian's docker.io, molecule/container's Docker host)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache="$repo/.cache/images"
mkdir -p "$cache"
scratch=$(mktemp -d "$cache/tmp.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# shellcheck source=tests/images/names.sh
source "$here/names.sh"
LABEL=aisec.inputs

say() { printf '==> images: %s\n' "$*"; }
hash_of() { sha256sum | cut -c1-16; }
label_of() { podman image inspect --format "{{ index .Labels \"$LABEL\" }}" "$1" 2>/dev/null || true; }
image_id() { podman image inspect --format '{{.Id}}' "$1"; }

build_base() {
  local inputs
  inputs=$(printf 'debootstrap --variant=minbase %s %s\n' "$DEBIAN_SUITE" "$DEBIAN_MIRROR" | hash_of)
  if [[ $(label_of "$BASE_IMAGE") == "$inputs" ]]; then say "$BASE_IMAGE is current"; return; fi
  say "building $BASE_IMAGE (debootstrap $DEBIAN_SUITE, about a minute)"
  local root=$scratch/rootfs-$DEBIAN_SUITE
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log"; exit 1; }
  tar -C "$root" -c . | podman import -q --change "LABEL $LABEL=$inputs" --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
}

# build_image TAG CONTEXT_DIR [--build-arg ...]
# With PREPARE_CONTEXT set to a function name, the build runs from a scratch copy of
# CONTEXT_DIR that the function completes (e.g. with downloads); the hash covers only
# CONTEXT_DIR itself, so a current image needs no download.
build_image() {
  local tag=$1 context=$2; shift 2
  local inputs
  inputs=$( { image_id "$BASE_IMAGE"; printf '%s\n' "$@"; (cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum); } | hash_of)
  if [[ $(label_of "$tag") == "$inputs" ]]; then say "$tag is current"; return; fi
  say "building $tag"
  if [[ -n ${PREPARE_CONTEXT:-} ]]; then
    local copy="$scratch/context-${tag##*/}"
    rm -rf "$copy" && cp -r "$context" "$copy"
    "$PREPARE_CONTEXT" "$copy"
    context=$copy
  fi
  podman build -q --label "$LABEL=$inputs" --build-arg "BASE=$BASE_IMAGE" "$@" -t "$tag" "$context" >/dev/null
}

build_target() { build_image "$TARGET_IMAGE" "$here/target"; }
# Debian 13: the same steps and the same Containerfile from a trixie debootstrap (base aisec-debian:13).
build_target_debian13() {
  DEBIAN_SUITE=$DEBIAN13_SUITE BASE_IMAGE=$BASE13_IMAGE build_base
  BASE_IMAGE=$BASE13_IMAGE build_image "$TARGET13_IMAGE" "$here/target"
}
# The podman target on Debian 13 (podman 5, Quadlet) for molecule/container-debian13 (make test);
# the same image debian13-variants builds (same inputs), so either reuses the other's.
build_target_podman_debian13() {
  build_target_debian13
  BASE_IMAGE=$TARGET13_IMAGE build_image "localhost/aisec-target-podman$DEBIAN13_SUFFIX:latest" "$here/target-podman"
}
# The Debian 12 targets' directories built again on the Debian 13 target (make test-all).
build_debian13_variants() {
  build_target_debian13
  local name tag
  for name in target-packages target-ufw target-firewalld target-podman; do
    tag=localhost/aisec-$name$DEBIAN13_SUFFIX:latest
    BASE_IMAGE=$TARGET13_IMAGE build_image "$tag" "$here/$name"
  done
}
# Debian 13's Python 3.13 for the unit tests; wheels fetched here (no PyPI inside containers).
download_py313_wheels() {
  "$repo/.venv/bin/pip" download -q --dest "$1/wheels" --only-binary=:all: --python-version 3.13 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    -r "$1/requirements.txt" 2> >(grep -v 'WARNING: Location' >&2)
}
build_python313() {
  DEBIAN_SUITE=$DEBIAN13_SUITE BASE_IMAGE=$BASE13_IMAGE build_base
  BASE_IMAGE=$BASE13_IMAGE PREPARE_CONTEXT=download_py313_wheels build_image "$PY313_IMAGE" "$here/python313"
}
# The client's Python SDKs come as wheels fetched here: containers cannot reach PyPI.
download_sdk_wheels() {
  "$repo/.venv/bin/pip" download -q --dest "$1/wheels" --only-binary=:all: --python-version 3.11 \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux_2_28_x86_64 \
    -r "$1/sdk-requirements.txt" 2> >(grep -v 'WARNING: Location' >&2)
}
build_client() { PREPARE_CONTEXT=download_sdk_wheels build_image "$CLIENT_IMAGE" "$here/client"; }

build_target_podman() {
  build_target
  # This image builds on the target image, not on the base.
  BASE_IMAGE=$TARGET_IMAGE build_image "$TARGET_PODMAN_IMAGE" "$here/target-podman"
}

# Targets built on the target image from their own directory. target-packages, -ufw and -firewalld
# hold distribution packages a scenario would otherwise install in every run (scenario harden keeps
# the bare target, so the install path stays tested); target-docker runs Debian's Docker engine.
build_target_with() {
  local name=$1 tag
  case $name in
    target-packages) tag=$TARGET_PACKAGES_IMAGE ;;
    target-ufw) tag=$TARGET_UFW_IMAGE ;;
    target-firewalld) tag=$TARGET_FIREWALLD_IMAGE ;;
    target-docker) tag=$TARGET_DOCKER_IMAGE ;;
  esac
  build_target
  BASE_IMAGE=$TARGET_IMAGE build_image "$tag" "$here/$name"
}

# The emulator release archive (bin/ollama) and an image made from it, like the official one.
build_release() {
  "$repo/.venv/bin/python" "$repo/tests/emulator/package.py" --out "$RELEASE_DIR" >/dev/null
}

# build_ollama_emulator IMAGE VERSION NAME: the emulator image claiming VERSION, and a saved copy
# for hosts that run containers themselves (loaded there, no registry): .cache/images/NAME.tar
# with NAME.tar.sha256 (sha256sum format, checked by the container role), NAME.tar.id (the image
# saved, so an unchanged image is not saved again) and NAME.image (its name, for the lab playbooks).
build_ollama_emulator() {
  local image=$1 version=$2 name=$3
  build_release
  local context=$scratch/$name
  mkdir -p "$context"
  cp "$here/ollama-emulator/Containerfile" "$context/"
  tar -xzf "$RELEASE_DIR/ollama-linux-amd64.tgz" -C "$context" --strip-components=2 ./bin/ollama 2>/dev/null \
    || tar -xzf "$RELEASE_DIR/ollama-linux-amd64.tgz" -C "$context" --strip-components=1 bin/ollama
  build_image "$image" "$context" --build-arg "OLLAMA_VERSION=$version"
  local archive="$cache/$name.tar"
  echo "$image" >"$cache/$name.image"
  local id
  id=$(image_id "$image")
  if [[ ! -f $archive.id || $(cat "$archive.id") != "$id" || ! -f $archive ]]; then
    say "saving $image to $archive"
    rm -f "$archive" "$archive.id" "$archive.sha256"
    podman save -q -o "$archive" "$image"
    echo "$id" >"$archive.id"
  fi
  # Also for an archive an earlier version of this script saved without one.
  if [[ ! -f $archive.sha256 || $archive -nt $archive.sha256 ]]; then
    (cd "$cache" && sha256sum "$name.tar" >"$name.tar.sha256")
  fi
}

main() {
  local wanted=("$@")
  ((${#wanted[@]})) || wanted=(target client target-podman target-packages target-ufw target-firewalld target-docker
    ollama-emulator ollama-emulator-next target-debian13 target-podman-debian13 python313)
  build_base
  for name in "${wanted[@]}"; do
    case $name in
      base) ;;
      target) build_target ;;
      client) build_client ;;
      target-podman) build_target_podman ;;
      target-packages | target-ufw | target-firewalld | target-docker) build_target_with "$name" ;;
      ollama-emulator) build_ollama_emulator "$EMULATOR_IMAGE" "$EMULATOR_VERSION" ollama-emulator ;;
      ollama-emulator-next) build_ollama_emulator "$EMULATOR_NEXT_IMAGE" "$EMULATOR_NEXT_VERSION" ollama-emulator-next ;;
      target-debian13) build_target_debian13 ;;
      target-podman-debian13) build_target_podman_debian13 ;;
      python313) build_python313 ;;
      debian13-variants) build_debian13_variants ;;
      release) build_release ;;
      *) echo "unknown image: $name" >&2; exit 2 ;;
    esac
  done
}
main "$@"
