#!/usr/bin/env bash
# storage-lab.sh - the local twin of the storage challenge's machine: a Debian 12 guest under qemu (TCG) with
# real LVM on loop devices, broken as planted (faults S1-S6 of the fault catalogue; docs/labs.md).
#
#   storage-lab.sh recipe                       prints the recipe hash and the image folder it names
#   storage-lab.sh image                        builds the image unless cached; prints its folder
#   storage-lab.sh up KEYFILE [REMOUNT_DELAY [IMAGE]]  image (unless given), then boots a pristine copy; writes lab.json
#   storage-lab.sh down [PID...]                stops the guest, removes the overlay and the state folder
#
# Run as root. Everything the guest runs is in this file (heredocs), so the hash of this text is the recipe:
# change a line and the next `image` builds a new image by itself.
set -euo pipefail

readonly LAB=storage
readonly STATE=/run/runbook-lab/storage
readonly CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/runbook/lab/storage"
readonly RUN_FOLDER="$CACHE_ROOT/run"
readonly SSH_PORT=10022
readonly HTTP_PORT=18000
# qemu's command line carries this (-name), so `down` finds a guest after a crash lost lab.json.
readonly MARKER="runbook-lab-vm:storage"
readonly SUITE=bookworm
readonly KERNEL_META=linux-image-cloud-amd64
readonly PACKAGES="lvm2,e2fsprogs,xfsprogs,openssh-server,python3,iproute2,kmod,procps,psmisc,util-linux,busybox-static,lsof,coreutils,findutils,grep,sed,gawk"
readonly MIRRORS=(
    "deb http://deb.debian.org/debian $SUITE main"
    "deb http://deb.debian.org/debian $SUITE-updates main"
    "deb http://deb.debian.org/debian-security $SUITE-security main"
)
readonly ROOT_SIZE=12G
# The disk images and root file system sizes that fault S5 and test-storage.sh depend on.
readonly DISK_SIZE=1800M

log() { printf 'storage-lab: %s\n' "$*" >&2; }
die() { printf 'storage-lab: error: %s\n' "$*" >&2; exit 1; }

script_text() {
    # Run through `bash -c` (as the lab library does) the text is in BASH_EXECUTION_STRING; by hand, in $0.
    # $(...) drops trailing newlines, so both ways hash the same text.
    local text
    if [[ -n ${BASH_EXECUTION_STRING:-} ]]; then text=$BASH_EXECUTION_STRING; else text=$(cat "$0"); fi
    printf '%s' "$(printf '%s' "$text")"
}

# The kernel package the meta-package points at now, and its version: part of the recipe, so a kernel update
# (after apt-get update) builds a new image. One apt-cache call (~1 s: it loads apt's whole cache), kept.
KERNEL_INFO=
kernel_info() {
    if [[ -z $KERNEL_INFO ]]; then
        KERNEL_INFO=$(apt-cache show --no-all-versions "$KERNEL_META" 2>/dev/null \
            | awk '/^Depends:/ {for (i = 2; i <= NF; i++) if ($i ~ /^linux-image-/) {sub(",", "", $i); p = $i}} /^Version:/ {v = $2} END {if (p != "") print p, v}')
        [[ -n $KERNEL_INFO ]] || die "apt does not know $KERNEL_META; run \`apt-get update\` (the guest's kernel comes from Debian's archive)"
    fi
    printf '%s\n' "$KERNEL_INFO"
}

kernel_package() { kernel_info | cut -d' ' -f1; }

recipe_hash() {
    local info
    info=$(kernel_info)
    { script_text; printf '\n%s\n%s\n' "$PACKAGES" "$info"; } | sha256sum | cut -c1-16
}

cmd_recipe() {
    local hash
    hash=$(recipe_hash)
    printf '%s %s\n' "$hash" "$CACHE_ROOT/$hash"
}

# ---------------------------------------------------------------------------------------------------------------
# The guest's own files. Written into the root file system by write_guest_files.

guest_inittab() {
    cat <<'EOF'
::sysinit:/etc/init.d/rcS
ttyS0::respawn:-/bin/bash
::ctrlaltdel:/bin/busybox poweroff -f
::shutdown:/etc/init.d/storage stop
::shutdown:/bin/sync
EOF
}

# Boot: what a small machine without systemd does, plus what the lab injects through qemu's fw_cfg (the login
# key, this boot's host key, options) so that one cached image serves every key and every boot.
guest_rcS() {
    cat <<'EOF'
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /dev/pts /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=755 tmpfs /run
mount -t tmpfs tmpfs /tmp
mkdir -p /run/lock /run/sshd /var/log /run/lvm
hostname -F /etc/hostname
modprobe -a virtio_net loop dm_mod qemu_fw_cfg 2>/dev/null

fw=/sys/firmware/qemu_fw_cfg/by_name/opt/runbook
if [ -r $fw/authorized_keys/raw ]; then
    mkdir -p -m 700 /root/.ssh
    cat $fw/authorized_keys/raw > /root/.ssh/authorized_keys
    chmod 600 /root/.ssh/authorized_keys
fi
if [ -r $fw/host_key/raw ]; then
    (umask 077; cat $fw/host_key/raw > /etc/ssh/ssh_host_ed25519_key)
    ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
fi
[ -r $fw/lab.env/raw ] && cat $fw/lab.env/raw > /run/lab.env
modprobe -r qemu_fw_cfg 2>/dev/null
[ -s /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key

ip link set lo up
nic=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
ip link set "$nic" up
ip addr add 10.0.2.15/24 dev "$nic"
ip route add default via 10.0.2.2
/usr/sbin/sshd
echo "rcS: sshd started at $(cut -d' ' -f1 /proc/uptime) s" > /dev/console

if grep -qw runbook.build /proc/cmdline; then
    /usr/local/sbin/lab-build-disks > /dev/console 2>&1
    sync
    mount -o remount,ro /
    echo o > /proc/sysrq-trigger
    exit 0
fi
/etc/init.d/storage > /var/log/storage-boot.log 2>&1
EOF
}

# At every boot: attach the disks, activate vg0, mount per fstab (read-only: S1), start the services. The faults
# that live in processes (S1's remounter, S5's deleted file held open) can only be made here.
guest_storage_init() {
    cat <<'EOF'
#!/bin/sh
# storage: attach the data disks and start the object service; `storage stop` puts them away at shutdown.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
if [ "$1" = stop ]; then
    pkill -f /usr/local/bin/run.sh; pkill -f 'http.server 8000'
    sync
    umount /data
    vgchange -an vg0
    losetup -D
    exit 0
fi
echo "storage: start at $(cut -d' ' -f1 /proc/uptime) s"
for i in 0 1 2 3; do
    [ -e /media/disk$i.img ] && losetup /dev/loop$i /media/disk$i.img
done
vgchange -ay vg0
mount -a

# Fault S5, at the first boot only (a reboot frees a deleted file): the object service holds a large deleted file
# open, sized to leave the root file system ~97% full. fallocate: unwritten extents, so the host pays nothing for it.
if [ ! -e /var/lib/lab/s5-planted ]; then
    mkdir -p /var/lib/lab && touch /var/lib/lab/s5-planted
    read -r size used <<USE
$(df -P -k / | awk 'NR == 2 {print $3 + $4, $3}')
USE
    want=$(( (size * 97 + 99) / 100 - used - 1024 ))
    [ "$want" -gt 0 ] && fallocate -l "${want}K" /.tempfile
    cd /data/objects && (exec 3</.tempfile; setsid python3 -m http.server 8000 >> /var/log/objects.log 2>&1 < /dev/null &)
    rm -f /.tempfile
fi
setsid /usr/local/bin/run.sh >> /var/log/objects.log 2>&1 < /dev/null &

# Fault S1: an innocuous-looking daemon that remounts /data read-only.
. /run/lab.env 2>/dev/null
setsid /usr/local/sbin/logrotated "${REMOUNT_DELAY:-48}" > /dev/null 2>&1 < /dev/null &
echo "storage: done at $(cut -d' ' -f1 /proc/uptime) s"
EOF
}

guest_run_sh() {
    cat <<'EOF'
#!/bin/bash
# run.sh: keeps the object service (port 8000, /data/objects) running; restarts it within a second of it dying.
while true; do
    if ! pgrep -f 'http.server 8000' > /dev/null; then
        (cd /data/objects && setsid python3 -m http.server 8000 >> /var/log/objects.log 2>&1 < /dev/null &)
    fi
    sleep 1
done
EOF
}

# Fault S1, the hidden half: waits a while after boot, then keeps /data read-only.
guest_remounter() {
    cat <<'EOF'
#!/bin/sh
# logrotated: rotates the service logs
sleep "${1:-48}"
while true; do
    if grep -q ' /data ext4 rw' /proc/mounts; then
        mount -o remount,ro /data
    fi
    sleep 2
done
EOF
}

# Runs once, in the guest, while the image is built: the disks, vg0 and data0 with the faults S2, S3, S4, S6
# planted, and the objects. Doing it here instead of at every boot saves ~15 s of emulated LVM per boot.
guest_build_disks() {
    cat <<'EOF'
#!/bin/sh
set -eux
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /media /data
for i in 0 1 2; do
    fallocate -l 1800M /media/disk$i.img
    losetup /dev/loop$i /media/disk$i.img
done
pvcreate /dev/loop0
pvcreate --dataalignment 1g /dev/loop1                    # S3: data starts 1 GiB in
pvcreate -y --setphysicalvolumesize 1020M /dev/loop2     # S4: PV smaller than its device
vgcreate vg0 /dev/loop0 /dev/loop1 /dev/loop2
# S6: 2.80 GiB (717 extents), some of them on loop1 (S3).
lvcreate -y -n data0 -l 717 vg0 /dev/loop0 /dev/loop1:0-99 /dev/loop2
mkfs.ext4 -q -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 /dev/vg0/data0
pvchange -x n /dev/loop0                                  # S2
mount /dev/vg0/data0 /data
mkdir -p /data/objects /usr/local/share/objects
python3 - <<'PY'
import hashlib, os, random
rng = random.Random(20240601)
with open("/usr/local/share/objects/manifest.sha256", "w") as manifest:
    for i in range(300):
        name = "obj-%04d-%08x" % (i, rng.getrandbits(32))
        data = rng.randbytes(rng.randint(512, 48 * 1024))
        with open(os.path.join("/data/objects", name), "wb") as f:
            f.write(data)
        manifest.write("%s  %s\n" % (hashlib.sha256(data).hexdigest(), name))
PY
sync
umount /data
vgchange -an vg0
for i in 0 1 2; do losetup -d /dev/loop$i; done
echo '/dev/vg0/data0 /data ext4 defaults,ro 0 2' >> /etc/fstab    # S1, the visible half
rm -f /usr/local/sbin/lab-build-disks
rm -f /etc/ssh/ssh_host_*
sync
echo RUNBOOK-BUILD-OK
EOF
}

guest_test_storage() {
    cat <<'EOF'
#!/bin/bash
# test-storage.sh [--no-fill]: checks the storage of this machine. Exit 0 only if every check passes.
#   --no-fill  skip the long write phase (100M files until /data holds at least 6 GB); it needs a grower.
fill=1
[[ ${1:-} == --no-fill ]] && fill=0
failed=0
pass() { echo "OK: $*"; }
fail() { echo "FAILED: $*"; failed=1; }

echo "Checking that /data is writable"
if error=$(touch /data/.write-test 2>&1) && rm -f /data/.write-test && mkdir -p /data/test; then
    pass "wrote to /data"
else
    fail "cannot write to /data (${error#touch: })"
fi

echo "Checking the physical volumes of vg0"
pvcount=$(pvs --noheadings -o pv_name -S vg_name=vg0 2>/dev/null | wc -l)
if [[ $pvcount -eq 4 ]]; then pass "vg0 has 4 physical volumes"; else fail "vg0 has $pvcount physical volumes, expected 4"; fi
while read -r pv size; do
    [[ -n $pv ]] || continue
    if (( ${size%.*} >= 1796 )); then pass "$pv is ${size}M"; else fail "$pv is ${size}M, expected 1.8G"; fi
done < <(pvs --noheadings --units m --nosuffix -o pv_name,pv_size -S vg_name=vg0 2>/dev/null)

echo "Checking the size of data0"
lvsize=$(lvs --noheadings --units m --nosuffix -o lv_size vg0/data0 2>/dev/null | tr -d ' ')
if [[ $lvsize == 4096.00 ]]; then pass "data0 is 4096 MiB"; else fail "data0 is ${lvsize:-missing} MiB, expected 4096"; fi

echo "Checking the objects"
if (cd /data/objects && sha256sum --quiet -c /usr/local/share/objects/manifest.sha256); then
    pass "all $(wc -l < /usr/local/share/objects/manifest.sha256) objects match their checksums"
else
    fail "objects are missing or corrupt"
fi

if [[ $fill -eq 1 ]]; then
    # Until the volume holds 6 GB (about 58 files): more than the 4 GiB volume can take, so a grower must keep up.
    echo "Filling /data with 100M files until it holds at least 6 GB"
    n=0
    while (( $(df -P -B1 /data | awk 'NR == 2 {print $3}') < 6000000000 && n < 80 )); do
        if ! dd if=/dev/zero of=/data/test/$n bs=1M count=100 conv=fsync status=none; then
            fail "could not write /data/test/$n"
            break
        fi
        echo "wrote /data/test/$n: $(df -P /data | awk 'NR == 2 {print $5}') used"
        n=$((n + 1))
    done
    size=$(df -P -B1 /data | awk 'NR == 2 {print $2}')
    if (( size >= 6000000000 )); then pass "/data is $size bytes"; else fail "/data is $size bytes, expected at least 6 GB"; fi
else
    echo "Skipping the fill phase (--no-fill)"
fi

pvdisplay
vgdisplay
lvdisplay -m
if [[ $failed -eq 0 ]]; then echo "All tests passed"; else echo "Some tests FAILED"; fi
exit $failed
EOF
}

# A tiny initramfs: busybox and the virtio modules, loaded in dependency order, then switch_root onto /dev/vda.
initramfs_init() {
    cat <<'EOF'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /newroot
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t devtmpfs devtmpfs /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio virtio_blk; do
    [ -e /lib/$m.ko ] && /bin/busybox insmod /lib/$m.ko
done
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [ -b /dev/vda ] && break
    /bin/busybox sleep 0.1
done
/bin/busybox mount -t ext4 -o rw /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda"; /bin/busybox sh; }
/bin/busybox umount /proc
/bin/busybox mount --move /dev /newroot/dev 2>/dev/null || /bin/busybox umount /dev
# init's standard streams must be the new root's console: the initramfs's node is deleted by switch_root, and
# `lsof +L1` on the guest would list it next to the planted deleted file.
exec /bin/busybox switch_root /newroot /sbin/init < /newroot/dev/console > /newroot/dev/console 2>&1
EOF
}

write_guest_files() {
    local root=$1
    guest_inittab > "$root/etc/inittab"
    mkdir -p "$root/etc/init.d" "$root/usr/local/sbin" "$root/usr/local/bin" "$root/etc/lvm" "$root/media" "$root/data"
    guest_rcS > "$root/etc/init.d/rcS"
    guest_storage_init > "$root/etc/init.d/storage"
    guest_run_sh > "$root/usr/local/bin/run.sh"
    guest_remounter > "$root/usr/local/sbin/logrotated"
    guest_build_disks > "$root/usr/local/sbin/lab-build-disks"
    guest_test_storage > "$root/usr/local/bin/test-storage.sh"
    chmod 755 "$root/etc/init.d/rcS" "$root/etc/init.d/storage" "$root/usr/local/bin/run.sh" \
        "$root/usr/local/sbin/logrotated" "$root/usr/local/sbin/lab-build-disks" "$root/usr/local/bin/test-storage.sh"
    ln -sf /bin/busybox "$root/sbin/init"
    # Without udev LVM must make its own device nodes, or lvcreate fails "device not cleared".
    cat > "$root/etc/lvm/lvmlocal.conf" <<'EOF'
activation {
    udev_sync = 0
    udev_rules = 0
}
EOF
    echo storage > "$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tstorage\n' > "$root/etc/hosts"
    echo '/dev/vda / ext4 defaults 0 1' > "$root/etc/fstab"
    cat > "$root/etc/ssh/sshd_config.d/lab.conf" <<'EOF'
PermitRootLogin prohibit-password
UsePAM no
UseDNS no
HostKey /etc/ssh/ssh_host_ed25519_key
EOF
    # Host keys made by openssh-server's install would be the same in every boot: each boot gets its own.
    rm -f "$root"/etc/ssh/ssh_host_*
    # No password works for root, so the lab's key (injected at boot) is the only way in. `passwd -l` would be
    # wrong: with UsePAM no, sshd refuses every login to a locked ("!") account, keys included.
    chroot "$root" usermod -p '*' root
}

build_initramfs() {
    local root=$1 kver=$2 out=$3 dir
    dir=$(mktemp -d)
    mkdir -p "$dir/bin" "$dir/lib"
    cp "$root/bin/busybox" "$dir/bin/busybox"
    local m path
    for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_mmio virtio_blk; do
        path=$(find "$root/lib/modules/$kver" -name "$m.ko" | head -n 1)
        [[ -n $path ]] && cp "$path" "$dir/lib/"
    done
    initramfs_init > "$dir/init"
    chmod 755 "$dir/init"
    (cd "$dir" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
    rm -rf "$dir"
}

# The guest as qemu runs it; extra arguments (drive, network, fw_cfg, daemonize) per use. A reboot inside the
# running guest resets it onto the same overlay, as a real machine reboots; only the build boot adds -no-reboot.
qemu_base() {
    local image=$1
    QEMU=(qemu-system-x86_64 -name "$MARKER" -accel tcg,thread=multi,tb-size=256 -cpu max -smp 2 -m 512M -M pc
        -nodefaults -display none
        -kernel "$image/vmlinuz" -initrd "$image/initrd.gz")
}

cmd_image() {
    local hash image
    # Outside $(...), so the apt-cache answer is kept for the rest of this run.
    kernel_info > /dev/null
    hash=$(recipe_hash)
    image="$CACHE_ROOT/$hash"
    if [[ -f $image/recipe.txt && -f $image/root.ext4 ]]; then
        printf '%s\n' "$image"
        return 0
    fi
    mkdir -p "$CACHE_ROOT"
    # Built beside its final place and renamed at the end: a half-built image never has the final name.
    local tmp start=$SECONDS
    tmp=$(mktemp -d "$CACHE_ROOT/.build-$hash.XXXXXX")
    trap 'rm -rf "$tmp"' EXIT
    log "building the guest image $hash in $tmp (a few minutes)"
    local pkg kver
    pkg=$(kernel_package)
    kver=${pkg#linux-image-}
    (cd "$tmp" && apt-get download -q "$pkg" > /dev/null 2>&1) || die "could not download $pkg (apt-get download)"
    log "debootstrapping ($PACKAGES)"
    mmdebstrap --quiet --variant=minbase --mode=root --include="$PACKAGES" "$SUITE" "$tmp/rootfs" "${MIRRORS[@]}" \
        > "$tmp/mmdebstrap.log" 2>&1 || { tail -n 20 "$tmp/mmdebstrap.log" >&2; die "mmdebstrap failed"; }
    mkdir -p "$tmp/kernel"
    dpkg-deb -x "$tmp"/"$pkg"_*.deb "$tmp/kernel"
    mkdir -p "$tmp/rootfs/lib/modules"
    cp -a "$tmp/kernel/lib/modules/$kver" "$tmp/rootfs/lib/modules/"
    depmod -b "$tmp/rootfs" "$kver"
    cp "$tmp/kernel/boot/vmlinuz-$kver" "$tmp/vmlinuz"
    write_guest_files "$tmp/rootfs"
    rm -rf "$tmp/rootfs/var/cache/apt/archives/"*.deb "$tmp/rootfs/var/lib/apt/lists/"* 
    build_initramfs "$tmp/rootfs" "$kver" "$tmp/initrd.gz"
    truncate -s "$ROOT_SIZE" "$tmp/root.ext4"
    mkfs.ext4 -q -F -L root -E nodiscard -d "$tmp/rootfs" "$tmp/root.ext4"
    rm -rf "$tmp/rootfs" "$tmp/kernel" "$tmp"/*.deb

    log "booting the image once to create the disks and vg0"
    qemu_base "$tmp"
    timeout 900 "${QEMU[@]}" -no-reboot -append "console=ttyS0 root=/dev/vda panic=-1 quiet runbook.build" \
        -drive file="$tmp/root.ext4",if=virtio,format=raw,cache=writeback \
        -nic user,model=virtio-net-pci,restrict=on -serial file:"$tmp/build-console.log" \
        || die "the build boot failed or timed out; its console: $tmp/build-console.log"
    grep -q RUNBOOK-BUILD-OK "$tmp/build-console.log" \
        || { tail -n 30 "$tmp/build-console.log" >&2; die "the build boot did not finish creating the disks"; }
    e2fsck -fy "$tmp/root.ext4" > /dev/null 2>&1 || true
    {
        echo "hash $hash"
        echo "kernel $(kernel_info)"
        echo "packages $PACKAGES"
        echo "builtAt $(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "buildSeconds $((SECONDS - start))"
    } > "$tmp/recipe.txt"
    mv -T "$tmp" "$image"
    trap - EXIT
    # Older images (other recipes) are no longer reachable; keep the cache to the one in use.
    find "$CACHE_ROOT" -mindepth 1 -maxdepth 1 -type d -regextype posix-extended -regex '.*/(\.build-)?[0-9a-f]{16}(\.[A-Za-z0-9]{6})?' \
        ! -name "$hash" -exec rm -rf {} +
    log "image built in $((SECONDS - start)) s"
    printf '%s\n' "$image"
}

qemu_pids() {
    local f
    for f in /proc/[0-9]*/cmdline; do
        tr '\0' '\n' < "$f" 2>/dev/null | grep -qx "$MARKER" && { f=${f#/proc/}; printf '%s\n' "${f%/cmdline}"; }
    done
    return 0
}

seconds_between() {
    local ms=$(( ($2 - $1) / 1000000 ))
    printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

port_busy() { ss -Hltn "sport = :$1" | grep -q .; }

wait_banner() {
    local deadline=$((SECONDS + $1)) line
    while (( SECONDS < deadline )); do
        # qemu's user network accepts every connection to a forwarded port, guest listening or not: only
        # the banner says sshd is there.
        line=$(timeout 3 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SSH_PORT && read -r -t 2 l <&3 && printf '%s' \"\$l\"" 2>/dev/null) || true
        [[ $line == SSH-* ]] && return 0
        sleep 0.2
    done
    return 1
}

wait_http() {
    local deadline=$((SECONDS + $1))
    while (( SECONDS < deadline )); do
        curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$HTTP_PORT/" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

cmd_up() {
    local keyfile=$1 delay=${2:-48} image=${3:-}
    [[ -f $keyfile.pub ]] || die "no public key $keyfile.pub"
    [[ $delay =~ ^[0-9]+$ ]] || die "the remount delay must be a whole number of seconds, not '$delay'"
    # The caller may pass the image folder `image` just printed, sparing a second look at the recipe.
    if [[ -z $image || ! -f $image/recipe.txt ]]; then
        image=$(cmd_image)
    fi
    local p
    for p in $SSH_PORT $HTTP_PORT; do
        port_busy "$p" && die "port 127.0.0.1:$p is taken by another program (ss -ltnp 'sport = :$p'); the storage lab needs it"
    done
    local start=$SECONDS started_ns
    started_ns=$(date +%s%N)
    mkdir -p "$STATE" "$RUN_FOLDER"
    chmod 700 "$STATE"
    # This boot's host key: made here, so known_hosts is written before the guest even starts.
    rm -f "$STATE"/ssh_host_ed25519_key "$STATE"/ssh_host_ed25519_key.pub
    ssh-keygen -q -t ed25519 -N '' -C "storage-lab-host" -f "$STATE/ssh_host_ed25519_key"
    printf '[127.0.0.1]:%s %s\n' "$SSH_PORT" "$(cut -d' ' -f1,2 "$STATE/ssh_host_ed25519_key.pub")" > "$STATE/known_hosts"
    echo "REMOUNT_DELAY=$delay" > "$STATE/lab.env"
    rm -f "$RUN_FOLDER/overlay.qcow2"
    qemu-img create -q -f qcow2 -F raw -b "$image/root.ext4" "$RUN_FOLDER/overlay.qcow2"
    qemu_base "$image"
    "${QEMU[@]}" -append "console=ttyS0 root=/dev/vda panic=-1 quiet" \
        -drive file="$RUN_FOLDER/overlay.qcow2",if=virtio,format=qcow2,cache=unsafe \
        -nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:$SSH_PORT-:22,hostfwd=tcp:127.0.0.1:$HTTP_PORT-:8000" \
        -fw_cfg name=opt/runbook/authorized_keys,file="$keyfile.pub" \
        -fw_cfg name=opt/runbook/host_key,file="$STATE/ssh_host_ed25519_key" \
        -fw_cfg name=opt/runbook/lab.env,file="$STATE/lab.env" \
        -qmp unix:"$STATE/qmp.sock",server=on,wait=off \
        -chardev socket,id=console,path="$STATE/console.sock",server=on,wait=off,logfile="$STATE/console.log" \
        -serial chardev:console \
        -daemonize -pidfile "$STATE/qemu.pid" \
        || die "qemu did not start"
    local pid
    pid=$(cat "$STATE/qemu.pid")
    wait_banner 90 || die "the guest's sshd did not answer on 127.0.0.1:$SSH_PORT within 90 s; its console: $STATE/console.log"
    local ssh_ns
    ssh_ns=$(date +%s%N)
    wait_http 60 || die "the guest's object service did not answer on 127.0.0.1:$HTTP_PORT within 60 s; its console: $STATE/console.log"
    local ready_ns
    ready_ns=$(date +%s%N)
    local built_at
    built_at=$(awk '/^builtAt/ {print $2}' "$image/recipe.txt")
    cat > "$STATE/lab.json.tmp" <<JSON
{
  "lab": "$LAB",
  "builtAt": "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)",
  "imageBuiltAt": "$built_at",
  "imageFolder": "$image",
  "overlay": "$RUN_FOLDER/overlay.qcow2",
  "sshPort": $SSH_PORT,
  "httpPort": $HTTP_PORT,
  "qemuPid": $pid,
  "qmpSocket": "$STATE/qmp.sock",
  "consoleLog": "$STATE/console.log",
  "identityFile": "$keyfile",
  "knownHostsFile": "$STATE/known_hosts",
  "remountDelaySeconds": $delay,
  "bootToSshSeconds": $(seconds_between "$started_ns" "$ssh_ns"),
  "bootToReadySeconds": $(seconds_between "$started_ns" "$ready_ns")
}
JSON
    mv "$STATE/lab.json.tmp" "$STATE/lab.json"
    log "up in $((SECONDS - start)) s (qemu pid $pid)"
}

qmp_quit() {
    /usr/bin/python3 - "$1" <<'PY' 2>/dev/null
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(3)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "quit"):
    f.write(json.dumps({"execute": cmd}) + "\n"); f.flush()
    f.readline()
PY
}

cmd_down() {
    local pids=() p
    # A recorded PID counts only while it still carries the marker: it may have been reused since.
    for p in "$@"; do
        [[ $p =~ ^[0-9]+$ ]] && tr '\0' '\n' < /proc/$p/cmdline 2>/dev/null | grep -qx "$MARKER" && pids+=("$p")
    done
    mapfile -t -O ${#pids[@]} pids < <(qemu_pids)
    if [[ ${#pids[@]} -gt 0 ]]; then
        # The overlay is thrown away, so nothing in the guest needs syncing: quit at once.
        [[ -S $STATE/qmp.sock ]] && qmp_quit "$STATE/qmp.sock" || true
        local deadline=$((SECONDS + 5))
        while (( SECONDS < deadline )); do
            local alive=0
            for p in "${pids[@]}"; do [[ -e /proc/$p ]] && alive=1; done
            [[ $alive -eq 0 ]] && break
            sleep 0.1
        done
        for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
        for p in "${pids[@]}"; do
            while [[ -e /proc/$p && $(awk '{print $3}' /proc/$p/stat 2>/dev/null) != Z ]]; do sleep 0.05; done
        done
    fi
    rm -rf "$STATE" "$RUN_FOLDER"
}

main() {
    [[ $(id -u) -eq 0 ]] || die "run as root"
    local cmd=${1:-}
    shift || true
    case "$cmd" in
        recipe) cmd_recipe ;;
        image) cmd_image ;;
        up) [[ $# -ge 1 ]] || die "usage: storage-lab.sh up KEYFILE [REMOUNT_DELAY]"; cmd_up "$@" ;;
        down) cmd_down "$@" ;;
        *) die "usage: storage-lab.sh recipe|image|up KEYFILE [REMOUNT_DELAY]|down [PID...]" ;;
    esac
}

main "$@"
