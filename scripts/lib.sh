# Shared by the scripts in this folder: sourced, not run.
# shellcheck shell=bash

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_ROOT=${ROOST_BUILD_ROOT:-$ROOT/build}
JOBS=${ROOST_JOBS:-$(nproc)}

# step TEXT: a heading, with the seconds since the script started (where the time goes).
step() { printf '\n==> %s (at %d s)\n' "$*" "$SECONDS"; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# configure_and_build NAME [cmake args...]: configures $BUILD_ROOT/NAME with
# Ninja and builds everything in it.
configure_and_build() {
  local name=$1
  shift
  cmake -S "$ROOT" -B "$BUILD_ROOT/$name" -G Ninja "$@" >/dev/null
  cmake --build "$BUILD_ROOT/$name" -j "$JOBS"
}
