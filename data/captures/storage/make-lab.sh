#!/bin/bash
# make-lab.sh - the throwaway storage lab the captures in this folder were taken from (see README.md).
# Loop devices over fallocated files under $STATE, LVM metadata written with a private LVM_SYSTEM_DIR whose filter
# admits only this lab's loop devices (this machine's kernel has no device-mapper, so nothing is ever activated),
# a small ext4 image mounted read-only, a loop device whose backing file is deleted, and a process holding a
# deleted file open. It mirrors the storage challenge's faults: an unallocatable PV, a PV with a ~1 GiB data
# offset, a PV smaller than its device, a 2.8 GiB LV spread over all three.
#
#   make-lab.sh up                  build it (root; ~2 s)
#   make-lab.sh capture CMD...      run CMD in private mount and PID namespaces where /etc/fstab is the lab's, a
#                                   process holds a deleted file and another has a telling command line, with the
#                                   lab's LVM_SYSTEM_DIR: e.g. the capture through LocalHost (capture-local.cs)
#   make-lab.sh fixtures DIR        the focused outputs of single commands, for the parser tests (after the
#                                   capture into DIR/lab.txt, whose sections some of them are)
#   make-lab.sh down                wipe its PVs, unmount, detach its loop devices, remove its files (its processes
#                                   live only as long as a capture's PID namespace)
set -euo pipefail
STATE=${RBSTO_STATE:-/tmp/rbsto}
export LVM_SYSTEM_DIR=$STATE/lvm LVM_SUPPRESS_FD_WARNINGS=1

up() {
  mkdir -p "$STATE"/{lvm,img,mnt/data,seed/objects}
  chmod 700 "$STATE"
  for i in 0 1 2; do
    fallocate -l 1800M "$STATE/img/disk$i.img"
    losetup -f --show "$STATE/img/disk$i.img" >"$STATE/loop$i"
  done
  # A sparse image (apparent 64 MiB, nothing allocated) for a PV in no VG yet, like a disk still to be added.
  truncate -s 64M "$STATE/img/spare.img"
  losetup -f --show "$STATE/img/spare.img" >"$STATE/loop-spare"
  local l0 l1 l2 l3; l0=$(cat "$STATE/loop0"); l1=$(cat "$STATE/loop1"); l2=$(cat "$STATE/loop2"); l3=$(cat "$STATE/loop-spare")
  # Only this lab's devices, no devices file, no udev: LVM never looks at anything else on the machine.
  cat >"$LVM_SYSTEM_DIR/lvm.conf" <<CONF
devices {
  filter = [ "a|^$l0\$|", "a|^$l1\$|", "a|^$l2\$|", "a|^$l3\$|", "r|.*|" ]
  use_devicesfile = 0
  obtain_device_list_from_udev = 0
}
activation {
  udev_sync = 0
  udev_rules = 0
}
backup {
  backup = 0
  archive = 0
}
CONF
  pvcreate -q "$l0"
  pvcreate -q --dataalignment 1g "$l1"
  pvcreate -q --setphysicalvolumesize 1020M -y "$l2"
  pvcreate -q "$l3"
  vgcreate -q vg0 "$l0" "$l1" "$l2"
  # Without device-mapper lvcreate refuses ("striped: Required device-mapper target(s) not detected"); told the
  # driver is not loaded, it only writes metadata. -Zn: nothing to zero, since nothing is activated.
  lvcreate -q --driverloaded n -an -Zn -L 2.8G -n data0 vg0
  pvchange -q -x n "$l0"

  # A small ext4 with a file in it, mounted read-only through a loop device that mount sets up (autoclear).
  printf 'object one\n' >"$STATE/seed/objects/one"
  fallocate -l 64M "$STATE/img/data.img"
  mkfs.ext4 -q -F -L rbsto-data -d "$STATE/seed" "$STATE/img/data.img"
  mount -o loop,ro "$STATE/img/data.img" "$STATE/mnt/data"

  # A loop device whose backing file is gone.
  fallocate -l 8M "$STATE/img/gone.img"
  losetup -f --show "$STATE/img/gone.img" >"$STATE/loop-gone"
  rm "$STATE/img/gone.img"

  # What the machine's /etc/fstab is replaced with during a capture (a bind mount in a private namespace).
  cat >"$STATE/fstab" <<CONF
# /etc/fstab: static file system information.
#
# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
UUID=0a1b2c3d-0000-4000-8000-000000000001	/	ext4	errors=remount-ro	0	1
/dev/vg0/data0  /data   ext4    defaults,ro     0       2
$STATE/img/data.img $STATE/mnt/data ext4 loop,ro 0 0
/media/disk\0403.img /media/spare ext4 noauto
tmpfs /tmp tmpfs defaults
CONF
  sleep 0.2
}

# capture CMD...: CMD in private mount and PID namespaces (so ps shows the lab's processes, not this machine's),
# where /etc/fstab is the lab's and the lab's processes run.
capture() {
  unshare --mount --pid --fork --mount-proc --propagation private -- "$0" inside "$@"
}

# inside CMD...: PID 1 of the capture's namespace.
inside() {
  mount --bind "$STATE/fstab" /etc/fstab
  # RBSTO_BARE=1: a machine without lvm2 (pvs, vgs and lvs are links to lvm; a non-executable file hides it).
  if [ "${RBSTO_BARE:-}" = 1 ]; then mount --bind "$STATE/fstab" "$(readlink -f "$(command -v lvm)")"; fi
  # A process holding a deleted file open: 40 MiB apparent, 5 MiB written (allocated).
  truncate -s 40M "$STATE/.tempfile"
  dd if=/dev/urandom of="$STATE/.tempfile" bs=1M count=5 conv=notrunc status=none
  sh -c 'exec 7<"$1"; rm -f "$1"; exec sleep 3600' rbsto-holder "$STATE/.tempfile" </dev/null >/dev/null 2>&1 &
  # A process with a telling command line, as the challenge's remounter would have (it only sleeps).
  sh -c 'while sleep 3600; do mount -o remount,ro "$1"; done' rbsto-remounter "$STATE/mnt/data" </dev/null >/dev/null 2>&1 &
  sleep 0.2
  "$@"
  # Leaving PID 1 ends every process of the namespace.
}

fixtures() {
  local dir=$1 lvm_opts=(--reportformat json --units b --nosuffix)
  pvs "${lvm_opts[@]}" -o pv_name,vg_name,pv_fmt,pv_attr,pv_size,pv_free,dev_size,pe_start,pv_pe_count,pv_pe_alloc_count,pv_uuid >"$dir/pvs.json"
  pvs "${lvm_opts[@]}" --segments -o pv_name,vg_name,pvseg_start,pvseg_size,lv_name,seg_start_pe,seg_size_pe >"$dir/pvs-segments.json"
  vgs "${lvm_opts[@]}" -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count,vg_uuid >"$dir/vgs.json"
  lvs "${lvm_opts[@]}" -a --segments -o lv_name,vg_name,lv_attr,lv_size,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges >"$dir/lvs-segments.json"
  pvs "${lvm_opts[@]}" >"$dir/pvs-default-columns.json"
  lvm fullreport "${lvm_opts[@]}" --configreport vg -o vg_name,vg_attr,vg_size,vg_free,vg_extent_size,vg_extent_count,vg_free_count,pv_count,lv_count \
    --configreport pv -o pv_name,vg_name,pv_attr,pv_size,pv_free,dev_size,pe_start,pv_pe_count,pv_pe_alloc_count \
    --configreport lv -o lv_name,vg_name,lv_attr,lv_size --configreport pvseg -o pv_name,pvseg_start,pvseg_size,lv_name,seg_start_pe \
    --configreport seg -o lv_name,segtype,seg_start_pe,seg_size_pe,seg_pe_ranges >"$dir/lvm-fullreport.json" 2>/dev/null
  losetup -J -O NAME,BACK-FILE,SIZELIMIT,OFFSET,AUTOCLEAR,RO >"$dir/losetup.json"
  local loops; loops=$(cat "$STATE"/loop0 "$STATE"/loop1 "$STATE"/loop2 "$STATE"/loop-gone "$STATE"/loop-spare | tr '\n' ' ')
  # shellcheck disable=SC2086
  lsblk -J -b -o NAME,KNAME,TYPE,SIZE,FSTYPE,MOUNTPOINTS,RO,PKNAME $loops "$(findmnt -n -o SOURCE "$STATE/mnt/data")" >"$dir/lsblk.json"
  findmnt -J -l -b -o ID,PARENT,TARGET,SOURCE,FSTYPE,OPTIONS,VFS-OPTIONS,FS-OPTIONS >"$dir/findmnt.json"
  df -B1 --output=source,fstype,size,used,avail,pcent,itotal,iused,iavail,ipcent,target >"$dir/df.txt"
  cp "$STATE/fstab" "$dir/fstab.txt"
  # What the script itself prints: from the whole capture.
  section "$dir/lab.txt" images >"$dir/images.txt"
  section "$dir/lab.txt" deleted >"$dir/deleted.txt"
  section "$dir/lab.txt" dmesg >"$dir/dmesg.txt"
  section "$dir/lab.txt" ps >"$dir/ps.txt"
}

# section FILE NAME: the stdout of one section of a capture (between "TOKEN begin NAME" and "TOKEN stderr NAME").
section() {
  local token; token=$(head -n 1 "$1" | cut -d' ' -f3)
  awk -v b="$token begin $2" -v e="$token stderr $2" '$0 == e { exit } on { print } $0 == b { on = 1 }' "$1" | sed '$ { /^$/d }'
}

down() {
  if [ -f "$LVM_SYSTEM_DIR/lvm.conf" ]; then
    vgremove -q -f vg0 2>/dev/null || true
    for f in loop0 loop1 loop2 loop-spare; do [ -f "$STATE/$f" ] && pvremove -q -ff -y "$(cat "$STATE/$f")" 2>/dev/null || true; done
  fi
  mountpoint -q "$STATE/mnt/data" 2>/dev/null && umount "$STATE/mnt/data"
  for f in loop0 loop1 loop2 loop-gone loop-spare; do
    [ -f "$STATE/$f" ] && losetup -d "$(cat "$STATE/$f")" 2>/dev/null || true
  done
  rm -rf "$STATE"
}

"$@"
