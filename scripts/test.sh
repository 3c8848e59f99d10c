#!/usr/bin/env bash
# The whole test suite: unit tests, and the namespace/TAP integration tests (which need root).
# Installs the Debian packages the tests use (openssl brings libcrypto.so.3, which the AEAD tests need
# under CI=true), then runs Maven. Extra arguments go to Maven. Under CI=true it then fuzzes every decoder
# for a bounded time (scripts/fuzz.sh, FUZZ_SECONDS per target, default 4: about a minute in all for the
# nine targets, so that the whole suite stays under 15 minutes; longer runs: scripts/fuzz.sh --seconds 60).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/lib/ensure-packages.sh
if [ "$(id -u)" = 0 ]; then
    ensure_packages mvn:maven java:default-jdk-headless ip:iproute2 ping:iputils-ping brctl:bridge-utils tcpdump:tcpdump \
        nc:netcat-openbsd nft:nftables python3:python3 setpriv:util-linux systemd-analyze:systemd jq:jq sha256sum:coreutils shellcheck:shellcheck \
        openssl:openssl dpkg-deb:dpkg useradd:passwd unshare:util-linux arping:iputils-arping promtool:prometheus
fi
mvn -B -ntp verify "$@"
if [ "${CI:-}" = "true" ]; then
    scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-4}"
fi
