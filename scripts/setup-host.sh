#!/usr/bin/env bash
# The one script that installs software on this machine: Debian packages, through apt-get. Every
# other script asks it for what it needs; only what is missing is installed, so a warm call does
# nothing and takes a few milliseconds.
#
#   scripts/setup-host.sh NEED...    install the packages of each NEED that is missing
#   scripts/setup-host.sh --list     print each NEED, what it checks and its packages
#
#   NEED        missing when                  packages                                  asked by
#   docker      no dockerd                    docker.io iptables ca-certificates        docker-engine.sh
#   maven       no mvn                        maven                                     images.sh
#   mmdebstrap  no mmdebstrap                 mmdebstrap                                images.sh
#   pip         python3 -m pip fails          python3-pip                               images.sh
#   envsubst    no envsubst                   gettext-base                              images.sh
#   cluster     any of them missing           containerd runc containernetworking-      k8s/up.sh
#                                             plugins conntrack iptables
#   chromium    no /usr/bin/chromium          chromium fonts-dejavu-core fonts-liberation  browser.sh
#
# Go (>= 1.24, newer than Debian's) and gcc are not installed here: the builds check for them.
# Needs root, or sudo.
set -euo pipefail

LOG_TAG=setup-host
# shellcheck source=scripts/lib/log.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/log.sh"

NEEDS=(docker maven mmdebstrap pip envsubst cluster chromium)

has() { command -v "$1" >/dev/null 2>&1; }

# missing_packages NEED: the Debian packages NEED still lacks (none when it is satisfied).
missing_packages() {
  case "$1" in
    docker) has dockerd || echo docker.io iptables ca-certificates ;;
    maven) has mvn || echo maven ;;
    mmdebstrap) has mmdebstrap || echo mmdebstrap ;;
    pip) python3 -m pip --version >/dev/null 2>&1 || echo python3-pip ;;
    envsubst) has envsubst || echo gettext-base ;;
    cluster)
      has containerd || echo containerd
      has runc || echo runc
      [[ -x /usr/lib/cni/bridge ]] || echo containernetworking-plugins
      has conntrack || echo conntrack
      has iptables || echo iptables
      ;;
    chromium) [[ -x /usr/bin/chromium ]] || echo chromium fonts-dejavu-core fonts-liberation ;;
    *) die "unknown need '$1' (known: ${NEEDS[*]})" ;;
  esac
}

if [[ "${1:-}" == --list ]]; then
  sed -n '/^#   NEED/,/^#$/p' "${BASH_SOURCE[0]}" | sed 's/^#   //; /^#$/d'
  exit 0
fi
(($#)) || die "usage: scripts/setup-host.sh NEED... (known: ${NEEDS[*]}) or --list"

packages=()
for need in "$@"; do
  lacking="$(missing_packages "$need")"
  read -r -a lacking <<<"$lacking"
  packages+=("${lacking[@]}")
done
((${#packages[@]})) || exit 0

sudo=()
if [[ "$(id -u)" != 0 ]]; then
  has sudo || die "not root and no sudo: install ${packages[*]} yourself (apt-get install)"
  sudo=(sudo)
fi
log "installing from Debian (for $*): ${packages[*]}"
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
