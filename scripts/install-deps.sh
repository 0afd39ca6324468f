#!/usr/bin/env bash
# install-deps.sh - the ONE list of Debian (12, bookworm) packages that the runbooks and the
# project need, and the one list of files the build fetches from the npm registry. Used by the
# README set-up commands, by CI on a fresh machine and by .devcontainer/Dockerfile. Installs only
# what is missing; with everything present it does not touch apt or npm at all and needs no root.
#
#   scripts/install-deps.sh [GROUP...]      GROUP: tools (default), bench, npm, parity, all
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

# jupyter: the real Jupyter clients the runbook Jupyter kernel's tests drive (tests/Runbooks.Tests/Jupyter/),
# and the browser that steps through a runbook in Jupyter Notebook (with playwright-core from npm, below).
JUPYTER_PACKAGES=(
  python3-jupyter-client  # jupyter_client: kernel_info, execute, complete, inspect, interrupt, shutdown
  python3-nbclient        # executes whole notebooks
  jupyter-console         # jupyter console --kernel runbook-csharp
  jupyter-notebook        # the Notebook server of the browser test
  chromium                # headless, driven by playwright-core (no browser download)
)

# npm: files from the npm registry that lib/Runbooks embeds, fetched with `npm pack` into
# ${RUNBOOK_NPM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/runbook/npm}/NAME/VERSION/, which
# lib/Runbooks/Runbooks.csproj reads (the build stops with a message naming this script if a file is
# missing). Kept out of git: the bundle is 1.2 MB of minified code. The integrity is the registry's
# (`npm view NAME@VERSION dist.integrity`), checked here so a changed tarball is refused. Part of
# `tools` and `all` because the build needs it; `npm` alone fetches it and installs no Debian package.
# plotly.js-basic-dist-min 4.1.1, MIT license: the growth plot's interactive HTML (plotly-basic.min.js).
# Bump PlotlyVersion in lib/Runbooks/Runbooks.csproj together with this line.
# playwright-core 1.65.2, Apache-2.0 (Microsoft): drives Debian's chromium in the Jupyter browser test
# (tests/Runbooks.Tests/Jupyter/Clients/notebook_browser.js); it downloads no browser of its own.
NPM_FILES=(
  "playwright-core 1.65.2 sha512-aHu9F46Mx5ha9iiB+VLZMUUtex3PBw4am9MHptc0IXaJhz++6YXsH96eEyThwCwMkIUiB8TdZcwXqnb3xKDzmA=="
  "plotly.js-basic-dist-min 4.1.1 sha512-1oNF8PeQx2hv/y7tqEVWKD3JGwn/MGEMQ8mL9HUwsaqG9FGy/OU5FHUHvzqbqxN4mnwZGI9abTiE775C4kkjMQ=="
)

# parity: .NET tools the parity tests run (tests/Runbooks.Parity.Tests), installed with `dotnet tool install
# --tool-path` into ${XDG_CACHE_HOME:-~/.cache}/runbook/tools/COMMAND/VERSION/ from the NuGet source dotnet is set up for.
# "PACKAGE VERSION COMMAND". Microsoft.dotnet-interactive: the kernel VS Code's Polyglot Notebooks extension starts,
# the other side of every parity comparison (never the engine of the product). Bump DotnetInteractive.Version with it.
DOTNET_TOOLS=(
  "Microsoft.dotnet-interactive 1.0.712001 dotnet-interactive"
)

readonly GROUPS_KNOWN="tools bench jupyter npm parity all"

usage() {
  cat <<USAGE
usage: ${0##*/} [--list] [GROUP...]
       ${0##*/} --help
Installs the Debian packages of each GROUP that are not installed yet (default group: tools).
Groups: tools (runbook tools: ssh, wg, wireguard-go, ip, iptables, nft, ping, curl, lvm, ...,
               and the npm files the build embeds),
        bench (python3 Jupyter baseline: nbclient, ipykernel, nbformat),
        jupyter (the Jupyter kernel's test clients: jupyter_client, nbclient, jupyter console,
                 Jupyter Notebook, chromium; and playwright-core from npm),
        npm (only the npm files the build embeds: plotly.js, into ~/.cache/runbook/npm),
        parity (the .NET tools of the parity tests: dotnet-interactive, into ~/.cache/runbook/tools),
        all (everything).
--list prints the Debian packages of the groups, one a line, and installs nothing.
Needs root or sudo only when a Debian package is missing.
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
    tools|bench|jupyter|npm|parity|all) groups+=("$arg") ;;
    *)
      printf "install-deps: unknown group '%s' (known: %s)\n" "$arg" "$GROUPS_KNOWN" >&2
      usage >&2
      exit 2
      ;;
  esac
done
[[ ${#groups[@]} -gt 0 ]] || groups=(tools)

# The packages of the chosen groups, in order, without duplicates; and whether the npm files are wanted.
wanted=()
want_npm=0
want_tools=0
declare -A seen=()
add() { local p; for p in "$@"; do [[ -n ${seen[$p]:-} ]] || { seen[$p]=1; wanted+=("$p"); }; done; }
for g in "${groups[@]}"; do
  case "$g" in
    tools) add "${TOOLS_PACKAGES[@]}"; want_npm=1 ;;
    bench) add "${BENCH_PACKAGES[@]}" ;;
    jupyter) add "${JUPYTER_PACKAGES[@]}"; want_npm=1 ;;
    npm)   want_npm=1 ;;
    parity) want_tools=1 ;;
    all)   add "${TOOLS_PACKAGES[@]}" "${BENCH_PACKAGES[@]}" "${JUPYTER_PACKAGES[@]}"; want_npm=1; want_tools=1 ;;
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

npm_cache="${RUNBOOK_NPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/runbook/npm}"

# Prints "NAME VERSION INTEGRITY" for each npm file not in the cache yet.
npm_missing() {
  [[ $want_npm -eq 1 ]] || return 0
  local entry name version integrity
  for entry in "${NPM_FILES[@]}"; do
    read -r name version integrity <<<"$entry"
    [[ -f $npm_cache/$name/$version/package.json ]] || printf '%s\n' "$entry"
  done
}

# Fetches one package with `npm pack` (the registry npm is set up for), checks the tarball against the
# pinned integrity, and unpacks it as NAME/VERSION/ in the cache; the rename makes a half-done fetch invisible.
npm_fetch() {
  local name=$1 version=$2 integrity=$3 work tarball actual
  mkdir -p "$npm_cache"
  work=$(mktemp -d "$npm_cache/.fetch.XXXXXX")
  tarball=$(cd "$work" && npm pack --silent "$name@$version" 2>"$work/npm.log" | tail -n 1) \
    || { cat "$work/npm.log" >&2; rm -rf "$work"; die "npm pack $name@$version failed"; }
  actual=$(node -e 'const c = require("crypto"), fs = require("fs");
    process.stdout.write("sha512-" + c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"));' "$work/$tarball")
  if [[ $actual != "$integrity" ]]; then
    rm -rf "$work"
    die "$name@$version from the npm registry has integrity $actual, not the pinned $integrity: refusing it"
  fi
  tar -xzf "$work/$tarball" -C "$work"
  mkdir -p "$npm_cache/$name"
  rm -rf "${npm_cache:?}/$name/$version"
  mv "$work/package" "$npm_cache/$name/$version"
  rm -rf "$work"
}

start=$SECONDS
missing=()
[[ ${#wanted[@]} -eq 0 ]] || mapfile -t missing < <(missing_of "${wanted[@]}")
mapfile -t npm_wanted < <(npm_missing)
# npm itself: the machines of this project come with Node.js and npm; a bare Debian (the dev container's
# image) gets Debian's. Only asked for when npm is absent, so Debian's never replaces another install.
if [[ ${#npm_wanted[@]} -gt 0 ]] && ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  [[ ${#wanted[@]} -eq 0 ]] || log "nothing to install: all ${#wanted[@]} packages of '$label' are present"
else
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
fi

if [[ ${#npm_wanted[@]} -gt 0 ]]; then
  npm_start=$SECONDS
  fetched=()
  for entry in "${npm_wanted[@]}"; do
    read -r name version integrity <<<"$entry"
    npm_fetch "$name" "$version" "$integrity"
    fetched+=("$name@$version")
  done
  log "fetched ${#fetched[@]} npm package(s) into $npm_cache in $((SECONDS - npm_start))s: ${fetched[*]}"
elif [[ $want_npm -eq 1 ]]; then
  log "nothing to fetch: all ${#NPM_FILES[@]} npm package(s) are in $npm_cache"
fi

if [[ $want_tools -eq 1 ]]; then
  tools_root="${XDG_CACHE_HOME:-$HOME/.cache}/runbook/tools"
  installed=()
  for entry in "${DOTNET_TOOLS[@]}"; do
    read -r name version command <<<"$entry"
    dir="$tools_root/$command/$version"
    [[ -x $dir/$command ]] && continue
    command -v dotnet >/dev/null 2>&1 || die "dotnet not found: the .NET SDK installs $name"
    toollog=$(mktemp "${TMPDIR:-/tmp}/install-deps.XXXXXX")
    dotnet tool install "$name" --version "$version" --tool-path "$dir" >"$toollog" 2>&1 \
      || { cat "$toollog" >&2; rm -f "$toollog"; die "dotnet tool install $name $version failed"; }
    rm -f "$toollog"
    installed+=("$name@$version")
  done
  if [[ ${#installed[@]} -gt 0 ]]; then
    log "installed ${#installed[@]} .NET tool(s) into $tools_root: ${installed[*]}"
  else
    log "nothing to install: all ${#DOTNET_TOOLS[@]} .NET tool(s) are in $tools_root"
  fi
fi
