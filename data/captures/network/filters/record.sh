#!/usr/bin/env bash
# Records the fixtures of this folder (see README.md). Root; changes nothing outside the namespaces it makes.
set -euo pipefail
cd "$(dirname "$0")"
rec() { # NAME SAVE-COMMAND SETUP
  unshare -n bash -c "$3 && $2" > "$1"
}
rec output-udp-drop.v6.txt ip6tables-save 'ip6tables -A OUTPUT -p udp --dport 51820 -j DROP'
rec raw-prerouting-udp-drop.v6.txt ip6tables-save 'ip6tables -t raw -A PREROUTING -p udp --dport 51820 -j DROP'
rec icmp-drop-established-first.v4.txt iptables-save 'iptables -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT && iptables -A INPUT -i wg0 -p icmp -j DROP && iptables -A OUTPUT -o wg0 -p tcp --sport 8080 -j DROP'
rec input-policy-drop.v4.txt iptables-save 'iptables -P INPUT DROP && iptables -A INPUT -i lo -j ACCEPT'
rec nft-guard.json 'nft -j list ruleset' "nft add table inet guard && nft add chain inet guard in '{ type filter hook input priority 10; policy drop; }' && nft add rule inet guard in iifname != wg0 accept && nft add chain inet guard out '{ type filter hook output priority -5; policy accept; }' && nft add chain inet guard tunnel && nft add rule inet guard out jump tunnel && nft add rule inet guard tunnel udp dport 51820 drop && nft add rule inet guard out oifname wg0 tcp sport 8080 drop"
