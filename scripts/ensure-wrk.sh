#!/usr/bin/env bash
# The benchmarks load the server from a second process with wrk (Debian's package).
set -euo pipefail
if command -v wrk >/dev/null; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "wrk is needed for the benchmarks: sudo apt-get install wrk" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq wrk >/dev/null
