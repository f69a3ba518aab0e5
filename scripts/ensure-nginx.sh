#!/usr/bin/env bash
# The deployment tests check deploy/nginx/outcry.conf with `nginx -t` (Debian's package).
set -euo pipefail
if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "nginx is needed to check deploy/nginx/outcry.conf: sudo apt-get install nginx-light" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Installed to check configurations only: it must not start a server on this machine.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.outcry
if [ ! -e /usr/sbin/policy-rc.d ]; then
  cp /usr/sbin/policy-rc.d.outcry /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
rm -f /usr/sbin/policy-rc.d.outcry
apt-get install -y -qq nginx-light >/dev/null
