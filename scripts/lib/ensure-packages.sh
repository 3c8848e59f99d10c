# shellcheck shell=bash
# ensure_packages CMD:PACKAGE ... — installs the Debian package of each missing command (needs root).
# Sourced by the scripts that need external tools, so that a fresh machine sets itself up.
ensure_packages() {
    local missing=() pair cmd pkg
    for pair in "$@"; do
        cmd=${pair%%:*} pkg=${pair#*:}
        if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/sbin/$cmd" ]; then
            missing+=("$pkg")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || { echo "apt-get update failed" >&2; return 1; }
    # Tools only: a package's service (prometheus brings promtool and a server) must not start here.
    # policy-rc.d answering 101 is Debian's way to say so, for this install only.
    local policy=/usr/sbin/policy-rc.d own_policy="" rc=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && own_policy=1
    fi
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 || rc=$?
    [ -z "$own_policy" ] || rm -f "$policy"
    if [ "$rc" != 0 ]; then
        echo "apt-get install ${missing[*]} failed" >&2
        return 1
    fi
}
