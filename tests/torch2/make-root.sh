#!/bin/sh
# make-root.sh DIR: a Debian 13 (trixie) root in DIR with PyTorch 2.6
# (python3-torch), python3-safetensors, python3-numpy and what building
# nninit needs, so that nninit can be built and checked there against the
# PyTorch release Debian 13 ships, on Debian 13's C library.
#
# Needs root, debootstrap and Debian's package archive (nothing else is
# downloaded). A finished root records its package list in
# DIR/.nninit-root-ready and is reused; a changed list installs what is new;
# delete DIR to start over. Every mount made inside DIR is undone on exit,
# also when a step fails.
set -eu

dir=${1:?usage: make-root.sh DIR}
dir=${dir%/}
mirror=${NNINIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# What building nninit needs (the list ./run installs on the host) and the
# Python side of the torch-exact suite.
build_pkgs=$(sed -n 's/^BUILD_PKGS="\(.*\)"$/\1/p' "$top/run")
[ -n "$build_pkgs" ] || { echo "make-root: no BUILD_PKGS in $top/run" >&2; exit 1; }
py_pkgs="python3 python3-numpy python3-torch python3-safetensors"

want="$build_pkgs $py_pkgs"
[ -f "$dir/.nninit-root-ready" ] && [ "$(cat "$dir/.nninit-root-ready")" = "$want" ] &&
    exit 0
[ "$(id -u)" -eq 0 ] || { echo "make-root: must run as root" >&2; exit 1; }

. "$here/mounts.sh"
trap 'root_umount "$dir"' EXIT
trap 'exit 1' INT TERM HUP

if [ ! -x "$dir/usr/bin/apt-get" ]; then
    root_umount "$dir" # never delete through a mount left behind
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "make-root: debootstrap --variant=minbase trixie $dir" >&2
    debootstrap --variant=minbase trixie "$dir" "$mirror" >"$dir.log" 2>&1 || {
        tail -n 20 "$dir.log" >&2
        exit 1
    }
fi

root_mount "$dir"
cp /etc/resolv.conf "$dir/etc/resolv.conf"
# shellcheck disable=SC2086
chroot "$dir" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
    sh -c "apt-get update -qq &&
           apt-get install -y -qq --no-install-recommends $want >/dev/null &&
           apt-get clean"
echo "$want" >"$dir/.nninit-root-ready"
