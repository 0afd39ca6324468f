#!/bin/bash
# make-lab.sh - the throwaway lab the captures in this folder were taken from (see README.md).
# Three machines, each a holder process with its own network, mount and UTS namespaces: "server" and
# "client" joined by a veth and by WireGuard (wireguard-go through wg-quick), and "bare", which lacks wg,
# nft and the legacy iptables tools. Every address is a documentation range inside the namespaces.
#
#   make-lab.sh up                     build it (root; ~3 s)
#   make-lab.sh fixtures DIR LINE_FILE capture every machine into DIR (LINE_FILE: the capture command line)
#   make-lab.sh down                   end its processes and remove its links and state
set -euo pipefail
STATE=${RBCAP_STATE:-/tmp/rbcap/state}
ex() { local who=$1; shift; nsenter -t "$(cat "$STATE/$who.pid")" -n -m -u -- "$@"; }

up() {
  mkdir -p "$STATE" && chmod 700 "$STATE"
  for who in server client bare; do
    unshare --net --mount --uts --propagation private -- sleep infinity &
    echo $! >"$STATE/$who.pid"
  done
  sleep 0.2
  for who in server client bare; do
    mkdir -p "$STATE/$who/etc-sysctl.d"
    # A private /run (wg's UAPI socket, /run/sysctl.d) and a private /etc/wireguard, /etc/sysctl.d, /etc/hosts.
    ex $who sh -c "mount -t tmpfs rbcap-run /run && mount -t tmpfs -o mode=700 rbcap-wg /etc/wireguard \
      && mount --bind $STATE/$who/etc-sysctl.d /etc/sysctl.d && touch $STATE/$who/hosts && mount --bind $STATE/$who/hosts /etc/hosts \
      && hostname rbcap-$who && ip link set lo up"
  done
  ip link add rbcap-s type veth peer name rbcap-c
  ip link set rbcap-s netns "$(cat "$STATE/server.pid")"
  ip link set rbcap-c netns "$(cat "$STATE/client.pid")"
  ex server ip link set rbcap-s name eth0
  ex client ip link set rbcap-c name eth0
  for who in server client; do
    ex $who sysctl -qw net.ipv6.conf.eth0.accept_dad=0
    ex $who ip link set eth0 up
  done
  ex server ip addr add 198.51.100.1/24 dev eth0
  ex server ip addr add fdaa:0:1::1/64 dev eth0 nodad
  ex client ip addr add 198.51.100.2/24 dev eth0
  ex client ip addr add fdaa:0:1::2/64 dev eth0 nodad

  umask 077
  mkdir -p "$STATE/keys"
  for k in server client absent; do wg genkey >"$STATE/keys/$k"; wg pubkey <"$STATE/keys/$k" >"$STATE/keys/$k.pub"; done
  wg genpsk >"$STATE/keys/psk"
  local spriv cpriv spub cpub apub psk
  spriv=$(cat "$STATE/keys/server"); cpriv=$(cat "$STATE/keys/client"); psk=$(cat "$STATE/keys/psk")
  spub=$(cat "$STATE/keys/server.pub"); cpub=$(cat "$STATE/keys/client.pub"); apub=$(cat "$STATE/keys/absent.pub")

  ex server sh -c "cat >/etc/wireguard/wg0.conf" <<CONF
# rbcap lab: the server side
[Interface]
Address = 203.0.113.1/24
Address = fdaa:0:2::1/64
ListenPort = 51820
PrivateKey = $spriv
mtu = 1420
PostUp = iptables -A INPUT -i %i -p tcp --dport 8080 -j ACCEPT
PostDown = iptables -D INPUT -i %i -p tcp --dport 8080 -j ACCEPT

[Peer]
# the client
PublicKey = $cpub
PresharedKey = $psk
AllowedIPs = 203.0.113.2/32, fdaa:0:2::2/128
AllowedIPs = 192.0.2.200/32   # a second AllowedIPs line adds to the first

[Peer]
# a peer that never connects: no endpoint, so it never handshakes
PublicKey = $apub
AllowedIPs = 203.0.113.3/32
PersistentKeepalive = 25
CONF
  # A config whose interface is not up (DNS would need resolvconf, absent here), in odd spacing and case.
  ex server sh -c "cat >/etc/wireguard/wg1.conf" <<CONF
[interface]
privatekey=$cpriv
  Address=192.0.2.129/25,fdaa:0:5::1/64
DNS = 192.0.2.53, fdaa:0:5::53, lab.internal
Table = off
ListenPort = 51821
PreUp = echo starting %i
[PEER]
publickey = $spub
endpoint = [fdaa:0:1::1]:51820
allowedips = 192.0.2.128/25
CONF
  # Shapes the capture's key filter must handle: a commented-out key, a spaced key name, keys inside hooks and
  # comments, an invalid key, a CRLF line. Never brought up.
  local okey; okey=$(wg genkey)
  ex server sh -c "cat >/etc/wireguard/wg9.conf" <<CONF
# key filter cases
[Interface]
# PrivateKey = $okey
Private Key = $spriv
PostUp = wg set %i private-key <(echo $okey)
PostUp = wg set %i peer $cpub persistent-keepalive 25
ListenPort = 51829
[Peer]
PublicKey = $apub # rotated from $okey
Pre Shared Key = $psk
AllowedIPs = 192.0.2.99/32
[Peer]
PublicKey = $cpub
PrivateKey = not-a-key
CONF
  unset okey
  ex client sh -c "cat >/etc/wireguard/wg0.conf" <<CONF
[Interface]
PrivateKey = $cpriv
Address = 203.0.113.2/24, fdaa:0:2::2/64

[Peer]
PublicKey = $spub
PresharedKey = $psk
Endpoint = [fdaa:0:1::1]:51820
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 15
CONF
  unset spriv cpriv psk

  ex server wg-quick up wg0 >>"$STATE/wg-quick.log" 2>&1 </dev/null
  ex client wg-quick up wg0 >>"$STATE/wg-quick.log" 2>&1 </dev/null

  # server: forwarding, routes, rules, firewall of every kind, a listener, /etc/hosts, sysctl files
  ex server sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 net.ipv4.conf.eth0.rp_filter=2 net.ipv6.icmp.echo_ignore_all=1
  cat >"$STATE/server/etc-sysctl.d/60-rbcap.conf" <<'CONF'
# rbcap lab: forwarding for the tunnel
net.ipv4.ip_forward = 1
net/ipv6/conf/all/forwarding=1
; a semicolon comment
-net.ipv4.conf.eth0.rp_filter = 2
net.ipv6.icmp.echo_ignore_all = 1
CONF
  ln -s ../sysctl.conf "$STATE/server/etc-sysctl.d/99-sysctl.conf"
  ex server sh -c 'mkdir -p /run/sysctl.d && printf "net.ipv4.conf.all.src_valid_mark = 1\n" >/run/sysctl.d/70-rbcap-run.conf'
  cat >"$STATE/server/hosts" <<'CONF'
127.0.0.1	localhost
::1		localhost ip6-localhost ip6-loopback
ff02::1		ip6-allnodes

# the lab
203.0.113.2	rbcap-client client.lab.internal   # over the tunnel
fdaa:0:1::2 rbcap-client-6pn
CONF
  ex server ip route add 192.0.2.0/25 via 198.51.100.2 dev eth0 metric 50
  ex server ip route add 10.96.0.0/16 via 192.0.2.254 dev eth0 onlink
  ex server ip route add 10.95.0.0/16 nexthop via 198.51.100.2 weight 1 nexthop via 198.51.100.3 weight 2
  ex server ip route add unreachable 10.99.0.0/16
  ex server ip route add blackhole 10.98.0.0/16
  ex server ip route add prohibit 10.97.0.0/16
  ex server ip route add default via 198.51.100.2 dev eth0 table 100
  ex server ip route add 192.0.2.64/26 dev wg0 proto static scope link table 100
  ex server ip -6 route add fdaa:0:3::/48 via fdaa:0:1::2 dev eth0
  ex server ip route add 10.90.0.0/16 via inet6 fdaa:0:1::2 dev eth0
  ex server ip route add throw 10.91.0.0/16 table 100
  ex server ip -6 route add blackhole fdaa:0:4::/48
  ex server ip rule add from 192.0.2.128/25 lookup 100 priority 1000
  ex server ip rule add fwmark 0x10/0xff iif wg0 lookup 100 priority 1001
  ex server ip rule add to 10.93.0.0/16 priority 1002 unreachable
  ex server ip rule add not from 198.51.100.0/24 lookup 101 priority 1003
  ex server ip -6 rule add from fdaa:0:5::/64 lookup 100 priority 1000
  ex server ip6tables -I INPUT -s fdaa:0:2::99 -p tcp --dport 8080 -j DROP
  ex server ip6tables-legacy -A INPUT -i eth0 -p tcp --dport 2222 -j DROP
  ex server iptables -N RBCAP-WEB
  ex server iptables -A RBCAP-WEB -s 203.0.113.0/24 -j ACCEPT
  ex server iptables -A RBCAP-WEB -j REJECT --reject-with icmp-port-unreachable
  ex server iptables -A INPUT -p tcp -m multiport --dports 8443,9443 -j RBCAP-WEB
  ex server iptables -A INPUT ! -s 203.0.113.0/24 -i wg0 -m conntrack --ctstate NEW -j DROP
  ex server iptables -t nat -A POSTROUTING -s 203.0.113.0/24 -o eth0 -j MASQUERADE
  ex server nft -f - <<'CONF'
table inet rbcap {
  chain input {
    type filter hook input priority 10; policy accept;
    ct state established,related accept
    iifname "eth0" tcp dport 9090 counter drop
    ip6 saddr fdaa:0:1::/64 udp dport { 5353, 5354 } reject
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    iifname "wg0" oifname "eth0" accept
  }
}
CONF
  ex server sh -c 'cd /tmp && exec /usr/bin/python3 -m http.server 8080 --bind 203.0.113.1' >/dev/null 2>&1 </dev/null &
  # sockets bound to a device, dual-stack and v6-only wildcards, a v4-mapped address: the shapes ss prints
  ex server /usr/bin/python3 -c '
import socket, time
def tcp(family, address, v6only=None, device=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    if device: s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, device)
    s.bind(address); s.listen(); return s
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"eth0"); u.bind(("::", 5000))
keep = [u, tcp(socket.AF_INET, ("0.0.0.0", 5001), device=b"eth0"),
        tcp(socket.AF_INET6, ("fdaa:0:1::1", 5002)),
        tcp(socket.AF_INET6, ("::ffff:127.0.0.1", 5003), v6only=0),
        tcp(socket.AF_INET6, ("::", 5004), v6only=0),
        tcp(socket.AF_INET6, ("::", 5005), v6only=1)]
time.sleep(3600)' >/dev/null 2>&1 </dev/null &
  # bare: a machine without wg, nft and the legacy iptables tools (hidden in its own mount namespace)
  for tool in /usr/bin/wg /usr/sbin/nft /usr/sbin/iptables-legacy-save /usr/sbin/ip6tables-legacy-save; do
    ex bare mount --bind "$STATE/bare/hosts" "$(readlink -f $tool)"
  done
  printf '127.0.0.1\tlocalhost\n' >"$STATE/bare/hosts"
  # client: a legacy v4 rule
  ex client iptables-legacy -A INPUT -p tcp --dport 2223 -j REJECT
  sleep 0.5
  ex client ping -c1 -W2 203.0.113.1 >/dev/null
  ex client curl -s -o /dev/null --max-time 3 -w '%{http_code}\n' http://203.0.113.1:8080/
}

# fixtures DIR LINE_FILE: the whole capture of each machine (LINE_FILE holds NetworkCapture.Command().CommandLine,
# run here the way a host runs it: by bash, inside the machine), then focused outputs for the parser tests.
fixtures() {
  local dir=$1 line
  line=$(cat "$2")
  for who in server client bare; do ex $who bash -c "$line" >"$dir/lab-$who.txt"; done
  ex server ip -j -d addr >"$dir/ip-addr-server.json"
  ex server ip -j -4 route show table all >"$dir/ip-route4-server.json"
  ex server ip -j -6 route show table all >"$dir/ip-route6-server.json"
  ex server ip -j -4 rule >"$dir/ip-rule4-server.json"
  ex client ip -j -4 rule >"$dir/ip-rule4-client.json"
  ex server iptables-save >"$dir/iptables-save-server.txt"
  ex server ip6tables-save >"$dir/ip6tables-save-server-with-warning.txt" 2>&1
  ex server ip6tables-legacy-save >"$dir/ip6tables-legacy-save-server.txt"
  ex client iptables-legacy-save >"$dir/iptables-legacy-save-client.txt"
  ex server nft -j list ruleset >"$dir/nft-ruleset-server.json"
  ex client nft -j list ruleset >"$dir/nft-ruleset-client.json"
  ex server ss -H -lntup >"$dir/ss-server.txt"
  ex server cat /etc/sysctl.d/60-rbcap.conf >"$dir/sysctl-60-rbcap.conf"
  ex server cat /etc/hosts >"$dir/hosts-server.txt"
  # Private keys never leave the machine, so these come from the capture (keys replaced there), not from wg.
  section "$dir/lab-server.txt" wg-dump >"$dir/wg-dump-server.txt"
  section "$dir/lab-client.txt" wg-dump >"$dir/wg-dump-client.txt"
  section "$dir/lab-server.txt" "wg-config /etc/wireguard/wg0.conf" >"$dir/wg0-server.conf"
  section "$dir/lab-server.txt" "wg-config /etc/wireguard/wg1.conf" >"$dir/wg1-server.conf"
  section "$dir/lab-server.txt" "wg-config /etc/wireguard/wg9.conf" >"$dir/wg9-server.conf"
  section "$dir/lab-server.txt" sysctl >"$dir/sysctl-values-server.txt"
  # No private or preshared key of the lab may appear anywhere.
  if grep -rlF -f <(cat "$STATE"/keys/server "$STATE"/keys/client "$STATE"/keys/absent "$STATE"/keys/psk) "$dir"; then
    echo "a lab key leaked into the files above" >&2; return 1
  fi
}

# section FILE NAME: the stdout of one section of a capture (between "TOKEN begin NAME" and "TOKEN stderr NAME").
section() {
  local token; token=$(head -n 1 "$1" | cut -d' ' -f3)
  awk -v b="$token begin $2" -v e="$token stderr $2" '$0 == e { exit } on { print } $0 == b { on = 1 }' "$1" | sed '$ { /^$/d }'
}

down() {
  for who in server client bare; do
    if [ -f "$STATE/$who.pid" ]; then
      local pid; pid=$(cat "$STATE/$who.pid")
      # wireguard-go daemonized inside the namespace: end it by the PID its socket names.
      # wireguard-go daemonized and the web server: end them by the PIDs their sockets name.
      for p in $(ex $who ss -H -lntup 2>/dev/null | grep -Eo '"(wireguard-go|python3)",pid=[0-9]+' | grep -Eo '[0-9]+$' | sort -u); do kill "$p" 2>/dev/null || true; done
      kill "$pid" 2>/dev/null || true
    fi
  done
  sleep 0.3
  ip link del rbcap-s 2>/dev/null || true
  rm -rf "$STATE"
}

"$@"
