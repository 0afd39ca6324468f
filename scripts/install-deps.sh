#!/usr/bin/env bash
# install-deps.sh - the ONE list of Debian (12, bookworm) packages that the runbooks and the
# project need. Used by the README set-up commands, by CI on a fresh machine and by
# .devcontainer/Dockerfile. Installs only what is missing; with everything present it does not
# touch apt at all and needs no root.
#
#   scripts/install-deps.sh [GROUP...]      GROUP: tools (default), bench, all
#   scripts/install-deps.sh --list [GROUP...]   print the group's packages, one a line
#   scripts/install-deps.sh --help
#
# Keep each group a plain bash array, one package per line (a trailing "# comment" is fine):
# tests/Runbooks.Tests/Devcontainer/DevcontainerTests.cs parses these arrays to check that every
# tool the runbooks call is provided by a package of the `tools` group.
set -euo pipefail

# tools: what the runbooks and the lab twins call (ssh, sshd, wg, wireguard-go, ip, iptables, nft, ping,
# curl, python3, lvm/lvs, qemu and the storage lab's image builders, ...)
TOOLS_PACKAGES=(
  openssh-client   # ssh, scp, ssh-keygen
  openssh-server   # sshd for the lab twin's hosts
  wireguard-tools  # wg, wg-quick
  wireguard-go     # userspace WireGuard (no kernel module in containers)
  iproute2         # ip (incl. ip netns), ss
  iptables         # iptables, ip6tables
  nftables         # nft
  iputils-ping     # ping (IPv4 and IPv6)
  curl             # curl
  python3          # /usr/bin/python3: the network lab twin's web server (http.server)
  lvm2             # lvm, lvs, vgs, pvs, lvcreate, ...
  procps           # ps, pgrep, pkill, sysctl
  psmisc           # killall, fuser, pstree
  util-linux       # losetup, lsblk, unshare, nsenter, mount
  ca-certificates  # TLS roots for curl
  qemu-system-x86  # qemu-system-x86_64: the storage lab's guest (TCG; no KVM here)
  qemu-utils       # qemu-img: the storage lab's throwaway overlay per boot
  mmdebstrap       # the storage lab's guest root file system (Debian 12 minbase)
  busybox-static   # the storage lab's initramfs (the guest's own copy comes from its image)
  cpio             # packs the storage lab's initramfs
  e2fsprogs        # mkfs.ext4 -d, e2fsck: the storage lab's root image
  kmod             # depmod for the storage lab's guest kernel modules
)

# bench: the Jupyter baseline the runbook CLI is benchmarked against.
BENCH_PACKAGES=(
  python3-nbclient
  python3-ipykernel
  python3-nbformat
)

readonly GROUPS_KNOWN="tools bench all"

usage() {
  cat <<USAGE
usage: ${0##*/} [--list] [GROUP...]
       ${0##*/} --help
Installs the Debian packages of each GROUP that are not installed yet (default group: tools).
Groups: tools (runbook tools: ssh, wg, wireguard-go, ip, iptables, nft, ping, curl, lvm, ...),
        bench (python3 Jupyter baseline: nbclient, ipykernel, nbformat), all (both).
--list prints the packages of the groups, one a line, and installs nothing.
Needs root or sudo only when something is missing.
USAGE
}

log() { printf 'install-deps: %s\n' "$*"; }
die() { printf 'install-deps: error: %s\n' "$*" >&2; exit 1; }

list_only=0
groups=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --list) list_only=1 ;;
    tools|bench|all) groups+=("$arg") ;;
    *)
      printf "install-deps: unknown group '%s' (known: %s)\n" "$arg" "$GROUPS_KNOWN" >&2
      usage >&2
      exit 2
      ;;
  esac
done
[[ ${#groups[@]} -gt 0 ]] || groups=(tools)

# The packages of the chosen groups, in order, without duplicates.
wanted=()
declare -A seen=()
add() { local p; for p in "$@"; do [[ -n ${seen[$p]:-} ]] || { seen[$p]=1; wanted+=("$p"); }; done; }
for g in "${groups[@]}"; do
  case "$g" in
    tools) add "${TOOLS_PACKAGES[@]}" ;;
    bench) add "${BENCH_PACKAGES[@]}" ;;
    all)   add "${TOOLS_PACKAGES[@]}" "${BENCH_PACKAGES[@]}" ;;
  esac
done
label="${groups[*]}"

if [[ $list_only -eq 1 ]]; then
  printf '%s\n' "${wanted[@]}"
  exit 0
fi

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script is for Debian 12 (bookworm) and its derivatives"

# Prints the packages among "$@" that are not fully installed. One dpkg-query for all of them;
# packages dpkg has never heard of print nothing and so count as missing too.
missing_of() {
  declare -A ok=()
  local name status
  while IFS=$'\t' read -r name status; do
    [[ $status == *" ok installed" ]] && ok[$name]=1
  done < <(dpkg-query -W -f='${Package}\t${Status}\n' "$@" 2>/dev/null || true)
  local p
  for p in "$@"; do [[ -n ${ok[$p]:-} ]] || printf '%s\n' "$p"; done
}

start=$SECONDS
mapfile -t missing < <(missing_of "${wanted[@]}")
if [[ ${#missing[@]} -eq 0 ]]; then
  log "nothing to install: all ${#wanted[@]} packages of '$label' are present"
  exit 0
fi

# Root, or sudo (e.g. as the dev container's `vscode` user). Without a terminal sudo must not
# wait for a password: -n makes it fail at once instead.
as_root=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 \
    || die "missing packages (${missing[*]}) and not root, and sudo is not installed: run this script as root"
  as_root=(sudo)
  [[ -t 0 ]] || as_root+=(-n)
fi

# apt's output goes to a log that is shown only if apt fails, so a good run prints one line.
aptlog=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
trap 'rm -f "$aptlog"' EXIT

# Runs apt-get non-interactively. Another apt/dpkg run (unattended upgrades, a parallel CI step)
# holding a lock is waited for: dpkg's lock by DPkg::Lock::Timeout, the lists/archives locks
# (which that option does not cover in apt 2.6) by retrying for up to ~5 minutes.
apt_get() {
  local try
  for try in $(seq 1 30); do
    if "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get -q -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 "$@" >"$aptlog" 2>&1; then
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock' "$aptlog" && [[ $try -lt 30 ]]; then
      sleep 10
      continue
    fi
    cat "$aptlog" >&2
    die "apt-get $* failed"
  done
}

apt_get update
apt_get install -y --no-install-recommends "${missing[@]}"

mapfile -t still < <(missing_of "${missing[@]}")
[[ ${#still[@]} -eq 0 ]] || die "still not installed after apt-get install: ${still[*]}"

log "installed ${#missing[@]} package(s) for '$label' in $((SECONDS - start))s: ${missing[*]}"
