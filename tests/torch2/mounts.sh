# mounts.sh: sourced by make-root.sh and run.sh. root_mount DIR bind-mounts
# /proc, /sys and /dev into the root DIR; root_umount DIR undoes every mount
# under DIR (deepest first), so a failed step never leaves one behind.

root_mount() {
    for m in proc sys dev; do
        mkdir -p "$1/$m"
        mountpoint -q "$1/$m" || mount --rbind "/$m" "$1/$m"
        mount --make-rslave "$1/$m"
    done
}

# Extra bind mount: root_bind SRC DIR/PATH (read-only when $3 is "ro").
root_bind() {
    mkdir -p "$2"
    mountpoint -q "$2" || mount --bind "$1" "$2"
    [ "${3:-}" = ro ] && mount -o remount,bind,ro "$2"
    return 0
}

root_umount() {
    r=$(cd "$1" 2>/dev/null && pwd -P) || return 0
    # every mount point under the root, deepest first
    awk -v r="$r" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts |
        sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null || true
    done
}
