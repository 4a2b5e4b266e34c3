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

# podman_env: podman and buildah as root on this kind of machine: runc (crun
# cannot run with hybrid cgroups), cgroupfs, fixed ulimits (no
# CAP_SYS_RESOURCE), overlay storage, all under $BUILD_ROOT/containers.
podman_env() {
  store=$BUILD_ROOT/containers
  mkdir -p "$store/conf"
  cat >"$store/conf/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "runc"
CONF
  cat >"$store/conf/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$store/root"
runroot = "$store/run"
CONF
  export CONTAINERS_CONF=$store/conf/containers.conf CONTAINERS_STORAGE_CONF=$store/conf/storage.conf
}

# debian_mirror: the Debian mirror this machine's apt uses.
debian_mirror() {
  local mirror
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [[ -n "$mirror" ]] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list)
  echo "$mirror"
}

# debian_image: prints the name of a minimal Debian 12 image (debootstrap
# --variant=minbase from this machine's own mirror), made once and kept in
# podman's store. Needs podman_env.
debian_image() {
  local debian=localhost/roost-debian-min:bookworm mirror
  if ! podman image exists "$debian"; then
    mirror=$(debian_mirror)
    echo "debootstrap --variant=minbase bookworm from $mirror" >&2
    rm -rf "$store/debian-root"
    debootstrap --variant=minbase bookworm "$store/debian-root" "$mirror" >"$store/debootstrap.log" 2>&1 ||
      { tail -n 20 "$store/debootstrap.log" >&2; die "debootstrap failed"; }
    tar -C "$store/debian-root" -c . | podman import -q - "$debian" >/dev/null
    rm -rf "$store/debian-root"
  fi
  echo "$debian"
}
