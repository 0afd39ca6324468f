#!/usr/bin/env bash
# network-lab.sh - builds and removes the local twin of the Fly.io "network challenge": two
# machines, wg-server and wg-client, on a private IPv6 fabric ("6pn"), each with the faults N1-N7
# of the fault catalogue planted (docs/labs.md lists them and how each one shows).
#
#   network-lab.sh up IDENTITY_FILE    build a fresh, broken twin (run `down` first)
#   network-lab.sh down [PID...]       remove everything `up` made; PIDs are the holders and sshds
#                                      lab.json recorded, and are only killed if still the lab's
#
# Runbooks.Labs.Network.NetworkLab runs this (embedded in the assembly) and holds the lock that
# keeps two of them apart; running it by hand works too (as root).
#
# A machine is a long-lived "holder" process in its own network, mount, UTS and PID namespaces.
# Everything of that machine (mounts, addresses, daemons) is set up by entering the holder's
# namespaces with nsenter; killing the holder, the init of its PID namespace, kills everything
# inside and frees the namespaces with their mounts and interfaces. `ip netns exec` is not used:
# it makes a new mount namespace per call, so the private /run that wireguard-go needs (its UAPI
# socket path is fixed) would not survive from one command to the next.
#
# Output: nothing on success (`up` writes lab.json); on failure, one line naming the step on stderr.
set -Eeuo pipefail

# ---- the twin's fixed facts (other code and nbconfig.json depend on them) -------------------
readonly STATE=/run/runbook-lab/network
readonly BRIDGE=rb-6pn
readonly FABRIC_MTU=1420
readonly HOST_ADDRESS=fdaa:0:1:a7b::1
readonly NFT_TABLE=runbook_lab_6pn
readonly WG_PORT=51820
readonly HTTP_PORT=8080
readonly MACHINES=(wg-server wg-client)
declare -rA ROLE=([wg-server]=server [wg-client]=client)
declare -rA ADDRESS_6PN=([wg-server]=fdaa:0:1:a7b::2 [wg-client]=fdaa:0:1:a7b::3)
declare -rA ADDRESS_ETH0_V4=([wg-server]=198.51.100.2 [wg-client]=198.51.100.3)
# The host end of each machine's veth; the inner end is renamed eth0.
declare -rA VETH=([wg-server]=rb-wg-server [wg-client]=rb-wg-client)
# The tunnel addresses of the real challenge (192.168.0.x, 10.0.0.x) are replaced by documentation
# ranges: nothing of the twin may look like an address that exists outside it.
readonly SERVER_TUNNEL_IP=192.0.2.1

# A holder is recognised by this exact argument in its command line (after a crash lab.json may be
# gone, and a recorded PID may by now belong to some other process).
readonly MARKER_PREFIX=runbook-lab-holder:network:
# What a command inside a machine sees: the PATH sshd gives root, and nothing of the caller's env.
readonly MACHINE_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb)

declare -A HOLDER=()
STEP=starting

fail() {
  printf 'network lab: %s: %s\n' "$STEP" "$*" >&2
  exit 1
}

# Any other failing command: name the step and the command (its first line), then stop.
trap 'printf "network lab: %s failed (exit %s at line %s: %s)\n" "$STEP" "$?" "$LINENO" "${BASH_COMMAND%%$'"'"'\n'"'"'*}" >&2' ERR

# Runs a command inside machine $1, as sshd would run it there.
in_machine() {
  local machine=$1
  shift
  nsenter -t "${HOLDER[$machine]}" -n -m -u -p -- env -i "${MACHINE_ENV[@]}" "$@"
}

# ---- down ------------------------------------------------------------------------------------

# True if process $1 carries a holder marker of this lab as one whole argument.
is_holder() {
  local arg
  [[ -r /proc/$1/cmdline ]] || return 1
  while IFS= read -r -d '' arg; do
    [[ $arg == "$MARKER_PREFIX"* ]] && return 0
  done 2>/dev/null </proc/"$1"/cmdline
  return 1
}

# Every process whose command line carries a holder marker: the ns-init bash and its unshare parent.
find_holders() {
  local dir pid
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    [[ $pid != "$$" ]] && is_holder "$pid" && printf '%s\n' "$pid"
  done
  return 0
}

# True if $1 is an sshd running in the PID namespace of one of this lab's holders.
is_lab_sshd() {
  local pid=$1 comm ns holder
  comm=$(cat /proc/"$pid"/comm 2>/dev/null) || return 1
  [[ $comm == sshd ]] || return 1
  ns=$(readlink /proc/"$pid"/ns/pid 2>/dev/null) || return 1
  for holder in $(find_holders); do
    [[ $(readlink /proc/"$holder"/ns/pid 2>/dev/null) == "$ns" ]] && return 0
  done
  return 1
}

# True if process $1 runs in a PID namespace other than this script's: a holder's namespace init,
# as opposed to the unshare that started it.
is_namespace_init() {
  [[ $(readlink /proc/"$1"/ns/pid 2>/dev/null) != "$(readlink /proc/$$/ns/pid)" ]]
}

# Waits until process $1 is gone, or is a zombie whose parent is this host's init (which reaps when it
# will; a zombie holds nothing of the lab).
wait_for_death() {
  local pid=$1 deadline=$((SECONDS + 5)) state parent
  while read -r _ _ state parent _ 2>/dev/null <"/proc/$pid/stat"; do
    [[ $state == Z && $parent == 1 ]] && return 0
    ((SECONDS < deadline)) || fail "process $pid did not die within 5 s of SIGKILL"
    sleep 0.01
  done
  return 0
}

stop_processes() {
  STEP="stopping the machines"
  local pid victims=() inits=() rest=()
  # PIDs from lab.json first, but only those still of this lab.
  for pid in "$@"; do
    [[ $pid =~ ^[0-9]+$ ]] || fail "not a PID: '$pid'"
    if is_holder "$pid" || is_lab_sshd "$pid"; then victims+=("$pid"); fi
  done
  # Then whatever a crash left behind without a lab.json.
  mapfile -t -O "${#victims[@]}" victims < <(find_holders)
  [[ ${#victims[@]} -gt 0 ]] || return 0
  for pid in "${victims[@]}"; do
    if is_namespace_init "$pid"; then inits+=("$pid"); else rest+=("$pid"); fi
  done
  # SIGKILL on the init of a PID namespace kills every process in it (sshd, wireguard-go, python), and
  # its unshare, still alive, reaps it at once and exits: killing unshare too would leave the init a
  # zombie for the host's PID 1 to reap, holding the namespace until then.
  if [[ ${#inits[@]} -gt 0 ]]; then
    kill -KILL "${inits[@]}" 2>/dev/null || true
    for pid in "${inits[@]}"; do wait_for_death "$pid"; done
  fi
  # What is left is an unshare whose init died already (a crash, or killed just above). It reaps its
  # init and exits by itself; killed before that, it would leave the init a zombie of the host's PID 1,
  # holding the namespace until PID 1 reaps it. So it gets a second to do so first.
  local deadline=$((SECONDS + 1))
  for pid in "${rest[@]}"; do
    while [[ -e /proc/$pid ]] && ! is_zombie "$pid" && ((SECONDS <= deadline)); do sleep 0.005; done
    if [[ -e /proc/$pid ]] && ! is_zombie "$pid" && { is_holder "$pid" || is_lab_sshd "$pid"; }; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for pid in "${rest[@]}"; do wait_for_death "$pid"; done
}

is_zombie() {
  local state
  read -r _ _ state _ 2>/dev/null <"/proc/$1/stat" && [[ $state == Z ]]
}

remove_fabric() {
  STEP="removing the fabric"
  local machine
  # A veth goes away with its namespace, but the namespace is freed asynchronously: delete the host
  # ends explicitly so nothing is left when this returns.
  for machine in "${MACHINES[@]}"; do
    ip link delete "${VETH[$machine]}" 2>/dev/null || true
  done
  ip link delete "$BRIDGE" 2>/dev/null || true
  nft delete table bridge "$NFT_TABLE" 2>/dev/null || true
}

remove_state() {
  STEP="removing the state folder"
  rm -rf "$STATE"
}

down() {
  stop_processes "$@"
  remove_fabric
  remove_state
}

# ---- up: files of the "image" ----------------------------------------------------------------

# The login key of the engineer's laptop: made once, reused by every lab up.
ensure_identity() {
  STEP="creating the login key $IDENTITY"
  if [[ ! -s $IDENTITY ]]; then
    mkdir -p -m 0700 "$(dirname "$IDENTITY")"
    rm -f "$IDENTITY" "$IDENTITY.pub"
    ssh-keygen -q -t ed25519 -N '' -C runbook-lab-network -f "$IDENTITY" </dev/null
  fi
  [[ -s $IDENTITY.pub ]] || ssh-keygen -y -f "$IDENTITY" >"$IDENTITY.pub"
}

declare -A WG_PRIVATE=() WG_PUBLIC=()

# The keys are generated per lab up, like keys baked into the machines' image; they are right:
# keys are not one of the planted faults.
make_wireguard_keys() {
  STEP="generating WireGuard keys"
  local machine
  for machine in "${MACHINES[@]}"; do
    WG_PRIVATE[$machine]=$(wg genkey)
    WG_PUBLIC[$machine]=$(wg pubkey <<<"${WG_PRIVATE[$machine]}")
  done
}

# N1 (tunnel subnets disagree), N2 (no Endpoint) and N3 (MTU 1280 vs 1800 on a 1420 fabric)
# are in these files, as they were in the challenge's image.
write_wg0_conf() {
  local machine=$1 file=$2
  if [[ $machine == wg-server ]]; then
    cat >"$file" <<EOF
# wg0 of wg-server
[Interface]
PrivateKey = ${WG_PRIVATE[wg-server]}
Address = 192.0.2.1/24
ListenPort = $WG_PORT
MTU = 1280

[Peer]
# wg-client
PublicKey = ${WG_PUBLIC[wg-client]}
AllowedIPs = 192.0.2.2/32
EOF
  else
    cat >"$file" <<EOF
# wg0 of wg-client
[Interface]
PrivateKey = ${WG_PRIVATE[wg-client]}
Address = 203.0.113.2/24
ListenPort = $WG_PORT
MTU = 1800

[Peer]
# wg-server
PublicKey = ${WG_PUBLIC[wg-server]}
AllowedIPs = 203.0.113.1/32
EOF
  fi
  chmod 0600 "$file"
}

write_hosts() {
  local machine=$1 file=$2 other
  {
    printf '127.0.0.1\tlocalhost\n'
    printf '::1\tlocalhost ip6-localhost ip6-loopback\n'
    printf 'ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n'
    # The peer's .internal name is how test-connection.sh reaches the server over 6pn.
    for other in "${MACHINES[@]}"; do
      printf '%s\t%s.internal %s\n' "${ADDRESS_6PN[$other]}" "$other" "$other"
    done
  } >"$file"
}

write_sshd_config() {
  local machine=$1 file=$2
  cat >"$file" <<EOF
# sshd of $machine (runbook network lab). It listens on the 6pn address only, like a Fly machine's
# hallpass; keys only, no PAM (no systemd/logind here).
ListenAddress ${ADDRESS_6PN[$machine]}
Port 22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile .ssh/authorized_keys
AcceptEnv LANG LC_*
PrintMotd no
Subsystem sftp /usr/lib/openssh/sftp-server
EOF
}

# The real test script's steps and messages; it passes only when the web server is reachable over
# WireGuard and NOT over 6pn.
write_test_connection() {
  local file=$1
  cat >"$file" <<EOF
#!/bin/bash
# test-connection.sh - checks the WireGuard tunnel from this machine to wg-server.
# Passes only if the web server answers over WireGuard and does NOT answer over 6pn.
failed=0

echo "Resetting wireguard interface"
wg-quick down wg0
wg-quick up wg0

echo "Checking that http://wg-server.internal:$HTTP_PORT (6pn) is NOT reachable"
if curl --silent --show-error --connect-timeout 1 --output /dev/null http://wg-server.internal:$HTTP_PORT; then
  echo "FAILED: connected to the web server over 6pn; it must only be reachable over wireguard"
  failed=1
else
  echo "Could not connect over 6pn, as it should be"
fi

if ping -c 5 $SERVER_TUNNEL_IP; then
  echo "Could ping wireguard"
else
  echo "FAILED: could not ping $SERVER_TUNNEL_IP over wireguard"
  failed=1
fi

if curl --silent --show-error --connect-timeout 1 http://$SERVER_TUNNEL_IP:$HTTP_PORT; then
  echo "Connected to remote over wireguard"
else
  echo "FAILED: could not connect to http://$SERVER_TUNNEL_IP:$HTTP_PORT over wireguard"
  failed=1
fi

if [ "\$failed" -eq 0 ]; then echo "All tests passed"; else echo "Some tests FAILED"; fi
exit "\$failed"
EOF
  chmod 0755 "$file"
}

# Lays out machine $1's private copies of /etc/wireguard, /etc/hosts, /etc/hostname,
# /etc/sysctl.d, /etc/iptables, /etc/ssh, /usr/local/bin and /srv under the state folder.
make_machine_files() {
  local machine=$1 dir=$STATE/$1
  STEP="writing the files of $machine"
  mkdir -p "$dir"/etc/{wireguard,sysctl.d,iptables,ssh} "$dir"/usr-local-bin "$dir"/srv/www "$dir"/etc-overlay/{upper,work}
  chmod 0700 "$dir"/etc/wireguard
  write_wg0_conf "$machine" "$dir"/etc/wireguard/wg0.conf
  write_hosts "$machine" "$dir"/etc/hosts
  printf '%s\n' "$machine" >"$dir"/etc/hostname
  cp -a /etc/sysctl.d/. "$dir"/etc/sysctl.d/
  # Everything of the host's /etc/ssh but its host keys and server config.
  cp -a /etc/ssh/. "$dir"/etc/ssh/
  rm -f "$dir"/etc/ssh/ssh_host_* "$dir"/etc/ssh/sshd_config
  rm -rf "$dir"/etc/ssh/sshd_config.d
  write_sshd_config "$machine" "$dir"/etc/ssh/sshd_config
  ssh-keygen -q -t ed25519 -N '' -C "root@$machine" -f "$dir"/etc/ssh/ssh_host_ed25519_key </dev/null
  if [[ ${ROLE[$machine]} == client ]]; then
    write_test_connection "$dir"/usr-local-bin/test-connection.sh
  else
    printf 'Hello! This is the Fly.io network work sample.\n' >"$dir"/srv/www/index.html
  fi
}

# ---- up: the fabric --------------------------------------------------------------------------

make_fabric() {
  STEP="creating bridge $BRIDGE"
  ip link add "$BRIDGE" mtu "$FABRIC_MTU" type bridge
  # DAD would hold the first packet for ~2 s; nothing else can claim these addresses.
  sysctl -qw "net.ipv6.conf.$BRIDGE.accept_dad=0"
  ip address add "$HOST_ADDRESS/64" dev "$BRIDGE" nodad
  ip link set "$BRIDGE" up

  STEP="loading nft table bridge $NFT_TABLE"
  nft -f - <<EOF
table bridge $NFT_TABLE {
  comment "runbook network lab: the 6pn fabric's rules"
  chain forward {
    type filter hook forward priority filter; policy accept;
    # 6pn is IPv6-only, as on Fly, where a machine's eth0 IPv4 only reaches its own host. Without
    # this, IPv4 and ARP would cross the bridge: with N7's routes the client ARPs for 192.0.2.1 on
    # eth0 and the server answers (192.0.2.1 is on its wg0), so HTTP "over wireguard" would work
    # around the tunnel.
    iifname "rb-wg-*" ether type != ip6 counter drop
    # Real clouds drop IPv6 fragments between machines. Without this an oversized wg0 MTU (N3)
    # would work here, because the sender fragments the outer UDP.
    iifname "rb-wg-*" ip6 nexthdr ipv6-frag counter drop
  }
  chain input {
    type filter hook input priority filter; policy accept;
    # The host only talks IPv6 with the machines (ssh, neighbour discovery): nothing of the lab may
    # reach the host's own stack, and from there be routed anywhere else.
    iifname "rb-wg-*" ip6 daddr { $HOST_ADDRESS, fe80::/10, ff02::/16 } accept
    iifname "rb-wg-*" counter drop
  }
}
EOF
}

# ---- up: the machines ------------------------------------------------------------------------

# Starts machine $1's holder: PID 1 of fresh namespaces, which only reaps orphans (daemons inside
# reparent to it) and waits to be killed.
start_holder() {
  local machine=$1 parent child="" tries
  STEP="starting the holder of $machine"
  setsid unshare --net --mount --uts --pid --fork --mount-proc --propagation private \
    bash -c 'trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done' "$MARKER_PREFIX$machine" \
    </dev/null >"$STATE/$machine/holder.log" 2>&1 &
  parent=$!
  # The namespaces' PID 1 is unshare's child; nsenter needs that one (unshare itself stays in the
  # host's PID namespace).
  for tries in $(seq 500); do
    read -r child _ 2>/dev/null <"/proc/$parent/task/$parent/children" || true
    [[ -n $child ]] && break
    sleep 0.002
  done
  [[ -n $child ]] || fail "the holder of $machine did not start: $(cat "$STATE/$machine/holder.log")"
  HOLDER[$machine]=$child
}

connect_machine() {
  local machine=$1 pid=${HOLDER[$1]} veth=${VETH[$1]}
  STEP="connecting $machine to $BRIDGE"
  # Set before eth0 exists, so that it inherits "no DAD" and its link-local address is usable at once.
  nsenter -t "$pid" -n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip link add "$veth" mtu "$FABRIC_MTU" type veth peer name eth0 mtu "$FABRIC_MTU" netns "$pid"
  # A bridge port needs no address of its own.
  sysctl -qw "net.ipv6.conf.$veth.disable_ipv6=1"
  ip link set "$veth" master "$BRIDGE" up
  nsenter -t "$pid" -n sh -ec "
    ip link set lo up
    ip address add ${ADDRESS_6PN[$machine]}/64 dev eth0 nodad
    ip address add ${ADDRESS_ETH0_V4[$machine]}/24 dev eth0
    ip link set eth0 up"
  nsenter -t "$pid" -u hostname "$machine"
}

# Mounts machine $1's private filesystems. The bind sources live under /run/runbook-lab, so they
# are mounted before the machine's own /run hides that folder.
mount_private_filesystems() {
  local machine=$1 dir=$STATE/$1
  STEP="mounting the private filesystems of $machine"
  nsenter -t "${HOLDER[$machine]}" -m -n -p -- bash -euc '
    dir=$1
    # /etc is copy-on-write, so nothing done on the machine (e.g. creating /etc/iptables, which the
    # host may not have) reaches the host; the upper layer lives in the state folder.
    mount -t overlay overlay -o "lowerdir=/etc,upperdir=$dir/etc-overlay/upper,workdir=$dir/etc-overlay/work" /etc
    for d in wireguard sysctl.d iptables ssh; do
      mkdir -p "/etc/$d"
      mount --bind "$dir/etc/$d" "/etc/$d"
    done
    mount --bind "$dir/etc/hosts" /etc/hosts
    mount --bind "$dir/etc/hostname" /etc/hostname
    mount --bind "$dir/usr-local-bin" /usr/local/bin
    mount --bind "$dir/srv" /srv
    # sysfs mounted from inside the network namespace shows its own interfaces.
    mount -t sysfs sysfs /sys
    mount -t tmpfs -o mode=0755,size=64m tmpfs /run
    mount -t tmpfs -o mode=0700,size=64m tmpfs /root
    mount -t tmpfs -o mode=1777,size=256m tmpfs /tmp
    mkdir -p /run/sshd /run/log /root/.ssh
    chmod 0700 /root/.ssh
  ' mount-private "$dir"
  in_machine "$machine" sh -c 'cat >/root/.ssh/authorized_keys && chmod 0600 /root/.ssh/authorized_keys' <"$IDENTITY.pub"
}

# ---- up: the planted faults, before any packet crosses the tunnel -----------------------------
# WireGuard roaming and conntrack would heal some of them if traffic flowed first.

plant_faults() {
  STEP="planting the faults"
  # N4: both drop WireGuard's UDP. The server's rule is in the legacy xtables, which the
  # nft-backed `ip6tables -S` does not list (it only warns that legacy tables exist).
  in_machine wg-client ip6tables -A INPUT -p udp --dport "$WG_PORT" -j DROP
  in_machine wg-server ip6tables-legacy -A INPUT -p udp --dport "$WG_PORT" -j DROP
  # N5: HTTP over the tunnel is dropped on the server.
  in_machine wg-server iptables -A INPUT -i wg0 -p tcp --dport "$HTTP_PORT" -j DROP
  # N6: the server ignores pings.
  in_machine wg-server sysctl -qw net.ipv4.icmp_echo_ignore_all=1
  # N7: the client sends both tunnel subnets out of eth0, via its own address. (The kernel accepts
  # a local address as gateway without `onlink`, once lo is up.)
  in_machine wg-client ip route add 192.0.2.0/24 via "${ADDRESS_ETH0_V4[wg-client]}" dev eth0
  in_machine wg-client ip route add 203.0.113.0/24 via "${ADDRESS_ETH0_V4[wg-client]}" dev eth0
}

# ---- up: the daemons -------------------------------------------------------------------------

declare -A SSHD_PID=()

start_sshd() {
  local machine=$1 tries pid=""
  STEP="starting sshd on $machine"
  in_machine "$machine" /usr/sbin/sshd -E /run/log/sshd.log
  # sshd listens before it daemonizes; its PID (as the host sees it) is looked up in the machine's
  # PID namespace.
  for tries in $(seq 500); do
    pid=$(pgrep --ns "${HOLDER[$machine]}" --nslist pid -x sshd | head -n 1 || true)
    [[ -n $pid ]] && break
    sleep 0.002
  done
  [[ -n $pid ]] || fail "sshd did not start on $machine"
  SSHD_PID[$machine]=$pid
}

wireguard_up() {
  local machine=$1 log=$STATE/$1/wg-quick-up.log
  STEP="wg-quick up wg0 on $machine"
  # wg-quick falls back to wireguard-go by itself (no kernel module here); wireguard-go daemonizes.
  in_machine "$machine" wg-quick up wg0 >"$log" 2>&1 || fail "$(tail -n 5 "$log")"
}

start_web_server() {
  STEP="starting the web server on wg-server"
  # Debian's python3 (not whatever python3 comes first on the caller's PATH), dual-stack on :::8080,
  # restarted when it dies, like the real machine's.
  # setsid -f: the loop reparents to the holder at once, so no nsenter stays behind as its parent.
  in_machine wg-server setsid -f bash -c \
    "exec >>/run/log/http-server.log 2>&1; cd /srv/www; while :; do /usr/bin/python3 -m http.server $HTTP_PORT --bind ::; sleep 1; done" \
    </dev/null >/dev/null 2>&1
}

wait_for_web_server() {
  local tries
  STEP="waiting for the web server on wg-server"
  for tries in $(seq 1000); do
    in_machine wg-server ss -Hltn "sport = :$HTTP_PORT" | grep -q LISTEN && return 0
    sleep 0.005
  done
  fail "nothing listens on port $HTTP_PORT after 5 s"
}

# ---- up: what the host keeps ------------------------------------------------------------------

write_known_hosts() {
  STEP="writing known_hosts"
  local machine
  for machine in "${MACHINES[@]}"; do
    printf '%s %s\n' "${ADDRESS_6PN[$machine]}" "$(cut -d' ' -f1-2 "$STATE/$machine/etc/ssh/ssh_host_ed25519_key.pub")"
  done >"$STATE/known_hosts"
}

write_lab_json() {
  STEP="writing lab.json"
  local machine first=1
  {
    printf '{\n'
    printf '  "lab": "network",\n'
    printf '  "builtAt": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)"
    printf '  "bridge": "%s",\n' "$BRIDGE"
    printf '  "hostAddress": "%s",\n' "$HOST_ADDRESS"
    printf '  "identityFile": "%s",\n' "$IDENTITY"
    printf '  "knownHostsFile": "%s",\n' "$STATE/known_hosts"
    printf '  "machines": [\n'
    for machine in "${MACHINES[@]}"; do
      ((first)) || printf ',\n'
      first=0
      printf '    { "name": "%s", "role": "%s", "address6pn": "%s", "eth0Ipv4": "%s", "holderPid": %s, "sshdPid": %s }' \
        "$machine" "${ROLE[$machine]}" "${ADDRESS_6PN[$machine]}" "${ADDRESS_ETH0_V4[$machine]}" "${HOLDER[$machine]}" "${SSHD_PID[$machine]}"
    done
    printf '\n  ]\n}\n'
  } >"$STATE/lab.json.tmp"
  mv "$STATE/lab.json.tmp" "$STATE/lab.json"
}

up() {
  IDENTITY=$1
  [[ $IDENTITY == /* ]] || fail "the identity file must be an absolute path, got '$IDENTITY'"
  [[ ! -e $STATE ]] || fail "$STATE exists: run \`$0 down\` first"
  local machine
  mkdir -p -m 0755 "$STATE"
  ensure_identity
  make_wireguard_keys
  for machine in "${MACHINES[@]}"; do make_machine_files "$machine"; done
  make_fabric
  for machine in "${MACHINES[@]}"; do start_holder "$machine"; done
  for machine in "${MACHINES[@]}"; do
    connect_machine "$machine"
    mount_private_filesystems "$machine"
  done
  plant_faults
  for machine in "${MACHINES[@]}"; do
    start_sshd "$machine"
    wireguard_up "$machine"
  done
  start_web_server
  wait_for_web_server
  write_known_hosts
  write_lab_json
}

[[ $(id -u) -eq 0 ]] || fail "the network lab needs root (namespaces, a bridge, nft)"
case "${1:-}" in
  up) shift; [[ $# -eq 1 ]] || fail "usage: $0 up IDENTITY_FILE"; up "$1" ;;
  down) shift; down "$@" ;;
  *) printf 'usage: %s up IDENTITY_FILE | down [PID...]\n' "$0" >&2; exit 2 ;;
esac
