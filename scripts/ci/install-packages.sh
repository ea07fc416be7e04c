#!/usr/bin/env bash
# System packages mizan and the local model need on Debian 12 / Ubuntu (root or sudo).
set -euo pipefail
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
need=()
for pkg in libcurl4-openssl-dev libsqlite3-dev libjemalloc-dev libsentencepiece-dev curl python3 python3-pip python3-venv git; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "system packages ready"
