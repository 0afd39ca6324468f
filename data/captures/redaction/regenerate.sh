#!/usr/bin/env bash
# Rebuilds the redaction fixtures with fresh throw-away keys.
#
# The machines these runbooks run on have WireGuard interfaces; the build machine does not (no
# kernel module, no wireguard-go), so the `wg show*` captures are laid out by hand here in exactly
# the format wireguard-tools prints, around keys made by the real `wg genkey`/`wg pubkey`/`wg genpsk`.
# The keys are used nowhere else; they exist so the tests can check real-looking secrets disappear.
#
# Needs: wg (apt-get install wireguard-tools), ssh-keygen, openssl.
set -euo pipefail
cd "$(dirname "$0")"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

priv() { wg genkey; }
pub() { printf '%s\n' "$1" | wg pubkey; }
psk() { wg genpsk; }

# hub: wg0 on the bastion, three road-warrior/site peers; wg1: a site-to-site link.
HUB_PRIV=$(priv); HUB_PUB=$(pub "$HUB_PRIV")
LAPTOP_PRIV=$(priv); LAPTOP_PUB=$(pub "$LAPTOP_PRIV"); LAPTOP_PSK=$(psk)
PHONE_PRIV=$(priv); PHONE_PUB=$(pub "$PHONE_PRIV")
OFFICE_PRIV=$(priv); OFFICE_PUB=$(pub "$OFFICE_PRIV"); OFFICE_PSK=$(psk)
SITE_PRIV=$(priv); SITE_PUB=$(pub "$SITE_PRIV")
DC_PRIV=$(priv); DC_PUB=$(pub "$DC_PRIV"); DC_PSK=$(psk)
unset LAPTOP_PRIV PHONE_PRIV OFFICE_PRIV DC_PRIV   # only their public halves appear on the hub

PG_PASSWORD="Xq7-pg_r0tate!2024"
MYSQL_PASSWORD="m4ria-db#secret"
URL_PASSWORD="Wh1sper-in-url"
BEARER="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.$(openssl rand -base64 48 | tr '+/' '-_' | tr -d '=\n').$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '=\n')"
FLY_MACAROON="fm2_$(openssl rand -base64 180 | tr -d '\n'),fm2_$(openssl rand -base64 120 | tr -d '\n')"
FLY_OAUTH="fo1_$(openssl rand -base64 30 | tr '+/' '-_' | tr -d '=\n')"
HCLOUD_TOKEN_VALUE="$(openssl rand -base64 48 | tr -dc 'A-Za-z0-9' | head -c 64)"

cat > wg0.conf <<EOF
# /etc/wireguard/wg0.conf on bastion-1 (managed by hand, see runbook wg-hub)
[Interface]
Address = 10.8.0.1/24, fd42:8::1/64
ListenPort = 51820
PrivateKey = $HUB_PRIV
PostUp = iptables -A FORWARD -i %i -j ACCEPT; iptables -t nat -A POSTROUTING -o eth0 -j MASQUERADE
PostDown = iptables -D FORWARD -i %i -j ACCEPT; iptables -t nat -D POSTROUTING -o eth0 -j MASQUERADE

[Peer]
# alice-laptop
PublicKey = $LAPTOP_PUB
PresharedKey = $LAPTOP_PSK
AllowedIPs = 10.8.0.2/32, fd42:8::2/128

[Peer]
# alice-phone
PublicKey = $PHONE_PUB
AllowedIPs = 10.8.0.3/32

[Peer]
# office-gw
PublicKey = $OFFICE_PUB
presharedkey=$OFFICE_PSK
Endpoint = office.example.net:51820
AllowedIPs = 10.8.0.4/32, 192.168.50.0/24
PersistentKeepalive = 25
EOF

cat > wg-showconf-wg0.txt <<EOF
[Interface]
ListenPort = 51820
FwMark = 0xca6c
PrivateKey = $HUB_PRIV

[Peer]
PublicKey = $LAPTOP_PUB
PresharedKey = $LAPTOP_PSK
AllowedIPs = 10.8.0.2/32, fd42:8::2/128
Endpoint = 198.51.100.23:41952

[Peer]
PublicKey = $PHONE_PUB
AllowedIPs = 10.8.0.3/32
Endpoint = [2001:db8:3c4d:15::1a2f]:51820

[Peer]
PublicKey = $OFFICE_PUB
PresharedKey = $OFFICE_PSK
AllowedIPs = 10.8.0.4/32, 192.168.50.0/24
Endpoint = 203.0.113.77:51820
PersistentKeepalive = 25
EOF

# WG_HIDE_KEYS=never wg show (not a terminal, so no colour codes)
cat > wg-show-keys-shown.txt <<EOF
interface: wg0
  public key: $HUB_PUB
  private key: $HUB_PRIV
  listening port: 51820
  fwmark: 0xca6c

peer: $OFFICE_PUB
  preshared key: $OFFICE_PSK
  endpoint: 203.0.113.77:51820
  allowed ips: 10.8.0.4/32, 192.168.50.0/24
  latest handshake: 38 seconds ago
  transfer: 1.21 GiB received, 310.47 MiB sent
  persistent keepalive: every 25 seconds

peer: $LAPTOP_PUB
  preshared key: $LAPTOP_PSK
  endpoint: 198.51.100.23:41952
  allowed ips: 10.8.0.2/32, fd42:8::2/128
  latest handshake: 1 minute, 52 seconds ago
  transfer: 48.90 MiB received, 1.02 GiB sent

peer: $PHONE_PUB
  endpoint: [2001:db8:3c4d:15::1a2f]:51820
  allowed ips: 10.8.0.3/32
  latest handshake: 3 hours, 4 minutes, 11 seconds ago
  transfer: 2.35 MiB received, 17.88 MiB sent

interface: wg1
  public key: $SITE_PUB
  private key: $SITE_PRIV
  listening port: 51821

peer: $DC_PUB
  preshared key: $DC_PSK
  endpoint: 192.0.2.10:51821
  allowed ips: 10.99.0.0/16
  latest handshake: 12 seconds ago
  transfer: 7.03 GiB received, 6.88 GiB sent
  persistent keepalive: every 15 seconds
EOF

{
  printf 'wg0\t%s\t%s\t51820\t0xca6c\n' "$HUB_PRIV" "$HUB_PUB"
  printf 'wg0\t%s\t%s\t203.0.113.77:51820\t10.8.0.4/32,192.168.50.0/24\t1718035162\t1299754516\t325553930\t25\n' "$OFFICE_PUB" "$OFFICE_PSK"
  printf 'wg0\t%s\t%s\t198.51.100.23:41952\t10.8.0.2/32,fd42:8::2/128\t1718035088\t51275366\t1095216660\toff\n' "$LAPTOP_PUB" "$LAPTOP_PSK"
  printf 'wg0\t%s\t(none)\t[2001:db8:3c4d:15::1a2f]:51820\t10.8.0.3/32\t1718024089\t2464153\t18748538\toff\n' "$PHONE_PUB"
  printf 'wg0\t%s\t(none)\t(none)\t10.8.0.9/32\t0\t0\t0\toff\n' "$(pub "$(priv)")"
  printf 'wg1\t%s\t%s\t51821\toff\n' "$SITE_PRIV" "$SITE_PUB"
  printf 'wg1\t%s\t%s\t192.0.2.10:51821\t10.99.0.0/16\t1718035188\t7548534374\t7387399209\t15\n' "$DC_PUB" "$DC_PSK"
} > wg-show-all-dump.txt

rm -f id_ed25519 id_ed25519.pub
ssh-keygen -q -t ed25519 -N '' -C 'runbooks@bastion-1' -f id_ed25519
openssl genrsa -traditional -out rsa-private-key.pem 2048 2>/dev/null

# A runbook session as the CLI would log it: commands, wg output with keys hidden (public keys and
# endpoints are the evidence), a config dump, credentials on command lines, and public SSH material.
{
  cat <<EOF
$ sudo wg show wg0
interface: wg0
  public key: $HUB_PUB
  private key: (hidden)
  listening port: 51820
  fwmark: 0xca6c

peer: $OFFICE_PUB
  preshared key: (hidden)
  endpoint: 203.0.113.77:51820
  allowed ips: 10.8.0.4/32, 192.168.50.0/24
  latest handshake: 38 seconds ago
  transfer: 1.21 GiB received, 310.47 MiB sent
  persistent keepalive: every 25 seconds

$ sudo wg show wg0 public-key
$HUB_PUB
$ sudo wg show all preshared-keys
wg0	$OFFICE_PUB	$OFFICE_PSK
wg0	$PHONE_PUB	(none)
$ sudo wg show wg0 endpoints
$OFFICE_PUB	203.0.113.77:51820
$PHONE_PUB	[2001:db8:3c4d:15::1a2f]:51820
$ sudo cat /etc/wireguard/wg1.conf
[Interface]
Address = 10.99.255.1/16
ListenPort = 51821
Private Key = $SITE_PRIV   # rotated 2024-05

[Peer]
PublicKey = $DC_PUB
PresharedKey	=	$DC_PSK
Endpoint = 192.0.2.10:51821
AllowedIPs = 10.99.0.0/16
PersistentKeepalive = 15
$ PGPASSWORD='$PG_PASSWORD' psql -h 10.8.0.1 -U runbook -d inventory -c 'select count(*) from peers'
 count
-------
     4
(1 row)

$ mysql -h 10.8.0.4 -u monitor --password="$MYSQL_PASSWORD" -e 'show replica status\\G' | grep Running
             Replica_IO_Running: Yes
            Replica_SQL_Running: Yes
$ curl -fsS -H "Authorization: Bearer $BEARER" https://api.example.net/v1/tunnels/wg0
{"interface":"wg0","public_key":"$HUB_PUB","peers":3,"healthy":true}
$ curl -fsS https://metrics:$URL_PASSWORD@prometheus.example.net/api/v1/query?query=up
{"status":"success","data":{"resultType":"vector","result":[]}}
$ env | grep -E 'FLY|HCLOUD'
FLY_API_TOKEN=FlyV1 $FLY_MACAROON
FLY_APP=wg-hub
HCLOUD_TOKEN=$HCLOUD_TOKEN_VALUE
$ fly auth token
$FLY_OAUTH
$ cat ~/.ssh/id_ed25519.pub
EOF
  cat id_ed25519.pub
  echo '$ ssh-keygen -lf ~/.ssh/id_ed25519.pub'
  ssh-keygen -lf id_ed25519.pub
  echo '$ cat ~/.ssh/id_ed25519'
  cat id_ed25519
  echo '$ sudo cat /etc/ssl/private/legacy-vpn.key'
  cat rsa-private-key.pem
  echo '$ sudo lvs --noheadings -o lv_name,vg_name,lv_size'
  echo '  root  vg0 <40.00g'
  echo '  srv   vg0 120.00g'
} > mixed-session.log

# The CLI caps a cell's output; a cap that falls inside a key block must not leave its head behind.
{
  echo '$ sudo cat /root/.ssh/id_rsa_backup'
  head -c 900 rsa-private-key.pem
  echo
  echo "[output truncated: 900 of $(wc -c < rsa-private-key.pem) bytes shown]"
} > truncated-pem.log

# What the tests check: every `secret` value is gone from every redacted fixture, every `keep` value
# survives. Key-file bodies are checked line by line from the key files themselves.
{
  for s in "$HUB_PRIV" "$LAPTOP_PSK" "$OFFICE_PSK" "$SITE_PRIV" "$DC_PSK" \
           "$PG_PASSWORD" "$MYSQL_PASSWORD" "$URL_PASSWORD" "$BEARER" "$FLY_MACAROON" \
           "${FLY_MACAROON%%,*}" "${FLY_MACAROON#*,}" "$FLY_OAUTH" "$HCLOUD_TOKEN_VALUE"; do
    printf 'secret\t%s\n' "$s"
  done
  for k in "$HUB_PUB" "$LAPTOP_PUB" "$PHONE_PUB" "$OFFICE_PUB" "$SITE_PUB" "$DC_PUB" \
           198.51.100.23:41952 '[2001:db8:3c4d:15::1a2f]:51820' 203.0.113.77:51820 192.0.2.10:51821 \
           office.example.net:51820 "$(cut -d' ' -f2 id_ed25519.pub)" \
           "$(ssh-keygen -lf id_ed25519.pub | cut -d' ' -f2)"; do
    printf 'keep\t%s\n' "$k"
  done
} > manifest.tsv
