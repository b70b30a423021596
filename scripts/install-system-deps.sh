#!/usr/bin/env bash
# System packages golive's tests need on a Debian 12 machine (the nspawn fleet, real
# tools and servers).
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
    git                # release metadata
    podman             # builds real OCI images for infra.images' SBOM and signature tests
    runc               # podman's runtime here: crun fails on hybrid cgroups
    postgresql         # a real server for the KPI SQL source (tests start their own cluster)
    chromium           # headless browser for the HTML report and e2e tests (never a downloaded one)
    wapiti             # DAST scanner (Debian 3.0.x): the AppSec scan of security.zap in the demo and tests
    chrony             # chronyd serving the controller's clock to the sandbox fleet (infra.time_sync)
)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$pkg")
    fi
done

# The demo's Playwright runner needs node and npm; machines of this kind ship them
# (nodesource's nodejs bundles npm, and Debian's npm package would conflict with it).
if ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi

if ((${#missing[@]} == 0)); then
    echo "system deps: all present"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
