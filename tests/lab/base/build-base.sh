#!/usr/bin/env bash
# Build the lab's base rootfs: Debian 12 minbase with systemd, D-Bus, sshd and what the roles need.
# Usage: build-base.sh TARGET_DIR   (called by `labctl base`; TARGET_DIR must not exist)
# The Debian mirror is the one this machine's apt is configured with, read at build time.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
target=${1:?usage: build-base.sh TARGET_DIR}
[ -e "$target" ] && { echo "build-base: $target exists; remove it first" >&2; exit 1; }

mirror() {
    local uri
    uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -m1 debian || true)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $0 ~ /debian/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || { echo "build-base: no Debian mirror found in /etc/apt/sources.list{,.d}" >&2; exit 1; }
    echo "$uri"
}

packages=$(grep -v -e '^#' -e '^$' "$here/packages.txt" | paste -sd, -)
debootstrap --variant=minbase --include="$packages" bookworm "$target" "$(mirror)"

# A login user with passwordless sudo; keys are put in by `labctl up` (not baked in).
chroot "$target" useradd -m -s /bin/bash -G sudo ansible
echo 'ansible ALL=(ALL) NOPASSWD:ALL' > "$target/etc/sudoers.d/ansible"
chmod 0440 "$target/etc/sudoers.d/ansible"
chroot "$target" passwd -l root >/dev/null

# Per-host identity: SSH host keys and machine-id are made on first boot.
rm -f "$target"/etc/ssh/ssh_host_*
install -D -m 0644 "$here/files/ssh-keygen.conf" "$target/etc/systemd/system/ssh.service.d/keygen.conf"
: > "$target/etc/machine-id"
rm -f "$target/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$target/var/lib/dbus/machine-id"
: > "$target/etc/hostname"

# Lab-only units: writable cgroups, and the sysctl shield that protects the shared kernel.
install -m 0644 "$here/files/cgroup-rw.service" "$here/files/lab-sysctl-shield.service" "$target/etc/systemd/system/"
install -m 0755 "$here/files/lab-sysctl-shield" "$target/usr/local/sbin/"
install -m 0644 "$here/files/lab-sysctl-shield.conf" "$target/etc/"
chroot "$target" systemctl enable systemd-networkd ssh cgroup-rw lab-sysctl-shield
# Units that would write the shared kernel's global state (sysctls, binfmt) or look for a network
# the hosts don't have.
chroot "$target" systemctl mask getty@tty1.service systemd-remount-fs.service systemd-sysctl.service \
    systemd-binfmt.service proc-sys-fs-binfmt_misc.automount apt-daily.timer apt-daily-upgrade.timer
chroot "$target" apt-get clean
rm -rf "$target"/var/lib/apt/lists/*
du -sh "$target"
