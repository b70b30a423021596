#!/usr/bin/env bash
# System packages the nspawn sandbox fleet (golive/sandbox) needs on the VM.
# Idempotent: packages already installed are skipped without touching apt.
set -euo pipefail

packages=(
    debootstrap        # builds the fleet's bookworm rootfs
    systemd-container  # systemd-nspawn
    openssh-client     # ssh, ssh-keygen for the fleet key
    iproute2           # ip netns / link / neigh
    tar
    zstd               # compresses the cached rootfs tarball
    procps             # ps, for the integration tests' teardown assertions
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "sandbox system deps: all present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
