#!/usr/bin/env bash
# Installs tapbridge on a Debian/Ubuntu gateway: jar and launcher under /usr/local, the systemd
# units, the tapbridge system user, and /etc/tapbridge with commented examples. Running it again
# changes only what differs; --uninstall removes what it installed and leaves the operator's files.
set -euo pipefail

PROG=${0##*/}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=/
JAR=$REPO/bridge/target/tapbridge.jar
LAUNCHER=$REPO/scripts/tapbridge
UNINSTALL=false
SERVICE_USER=tapbridge

usage() {
    cat <<EOF
Usage: $PROG [--root DIR] [--jar FILE] [--launcher FILE] [--uninstall]

  --root DIR       install under DIR instead of / (packaging, tests); the user is then not
                   created and systemd is not told
  --jar FILE       the daemon jar (default: bridge/target/tapbridge.jar; build it with
                   mvn -B -pl bridge -am package)
  --launcher FILE  the launcher script (default: scripts/tapbridge)
  --uninstall      remove what this script installed; configs the operator wrote are kept
EOF
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

say() {
    echo "$PROG: $*"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --root) [[ $# -ge 2 ]] || die "--root needs a directory"; ROOT=$2; shift 2 ;;
        --jar) [[ $# -ge 2 ]] || die "--jar needs a file"; JAR=$2; shift 2 ;;
        --launcher) [[ $# -ge 2 ]] || die "--launcher needs a file"; LAUNCHER=$2; shift 2 ;;
        --uninstall) UNINSTALL=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

[[ -d $ROOT ]] || die "--root $ROOT is not a directory"
ROOT=$(cd "$ROOT" && pwd)
REAL_ROOT=false
[[ $ROOT == / ]] && REAL_ROOT=true
[[ $(id -u) -eq 0 ]] || die "must run as root: it writes under /usr/local and /etc and creates a user (try: sudo $PROG)"

# Paths are relative to ROOT. Units go to /usr/local/lib/systemd/system, systemd's place for
# locally installed software, so that /etc/systemd/system stays free for the operator's overrides.
LIB=usr/local/lib/tapbridge
BIN=usr/local/bin/tapbridge
UNITS=usr/local/lib/systemd/system
CONF=etc/tapbridge
# The marker remembers that this script (not the operator) created the user, so --uninstall knows
# whether removing it is its business.
USER_MARKER=$LIB/.created-user-$SERVICE_USER

CHANGED=0

at() {
    printf '%s' "${ROOT%/}/$1"
}

# Copies SRC to ROOT/DEST with MODE unless identical; never replaces a config the operator edited.
put() { # SRC DEST MODE [keep-if-different]
    local src=$1 dest=$2 mode=$3 keep=${4:-}
    local target
    target=$(at "$dest")
    if [[ -f $target ]] && cmp -s "$src" "$target"; then
        if [[ $(stat -c %a "$target") != "${mode#0}" ]]; then
            chmod "$mode" "$target"
            say "fixed mode of /$dest"
            CHANGED=$((CHANGED + 1))
        fi
        return 0
    fi
    if [[ -f $target && -n $keep ]]; then
        say "kept /$dest: it differs from the packaged example (edited by hand?)"
        return 0
    fi
    mkdir -p "$(dirname "$target")"
    install -m "$mode" "$src" "$target.tmp.$$"
    mv -f "$target.tmp.$$" "$target"
    say "installed /$dest"
    CHANGED=$((CHANGED + 1))
}

# Removes ROOT/DEST if it is a copy of SRC (or unconditionally without SRC).
remove() { # DEST [SRC]
    local target
    target=$(at "$1")
    [[ -e $target ]] || return 0
    if [[ -n ${2:-} ]] && ! cmp -s "$2" "$target"; then
        say "kept /$1: it differs from the packaged example (edited by hand?)"
        return 0
    fi
    rm -f "$target"
    say "removed /$1"
    CHANGED=$((CHANGED + 1))
}

systemd_running() {
    $REAL_ROOT && [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null
}

install_all() {
    [[ -f $JAR ]] || die "$JAR not found: build it first (mvn -B -pl bridge -am package) or pass --jar"
    [[ -f $LAUNCHER ]] || die "$LAUNCHER not found: pass --launcher"
    command -v jq >/dev/null || say "warning: jq is missing; setup-bridge.sh needs it (apt-get install jq)"
    command -v java >/dev/null || say "warning: java is missing; the daemon needs Java 17 (apt-get install openjdk-17-jre-headless)"

    put "$JAR" "$LIB/tapbridge.jar" 0644
    put "$LAUNCHER" "$BIN" 0755
    put "$REPO/scripts/setup-bridge.sh" "$LIB/setup-bridge.sh" 0755
    put "$REPO/systemd/tapbridge@.service" "$UNITS/tapbridge@.service" 0644
    put "$REPO/systemd/tapbridge-setup@.service" "$UNITS/tapbridge-setup@.service" 0644

    if $REAL_ROOT; then
        if ! getent passwd "$SERVICE_USER" >/dev/null; then
            useradd --system --user-group --no-create-home --home-dir /nonexistent \
                --shell /usr/sbin/nologin --comment "tapbridge daemon" "$SERVICE_USER"
            : >"$(at "$USER_MARKER")"
            say "created system user $SERVICE_USER"
            CHANGED=$((CHANGED + 1))
        fi
    else
        say "not creating user $SERVICE_USER: --root is $ROOT, not /"
    fi

    local conf
    conf=$(at "$CONF")
    if [[ ! -d $conf ]]; then
        mkdir -p "$conf"
        say "created /$CONF"
        CHANGED=$((CHANGED + 1))
    fi
    # 0750 root:tapbridge: the daemon reads its config and key, nobody else on the box does.
    if [[ $(stat -c %a "$conf") != 750 ]]; then
        chmod 0750 "$conf"
        CHANGED=$((CHANGED + 1))
    fi
    if $REAL_ROOT && [[ $(stat -c %G "$conf") != "$SERVICE_USER" ]]; then
        chgrp "$SERVICE_USER" "$conf"
        CHANGED=$((CHANGED + 1))
    fi
    put "$REPO/packaging/example.toml" "$CONF/example.toml" 0640 keep
    put "$REPO/packaging/example.bridge" "$CONF/example.bridge" 0640 keep
    if $REAL_ROOT; then
        chgrp "$SERVICE_USER" "$conf/example.toml" "$conf/example.bridge" 2>/dev/null || true
    fi

    if [[ $CHANGED -eq 0 ]]; then
        say "already installed under $ROOT, nothing to change"
        return 0
    fi
    if systemd_running; then
        systemctl daemon-reload
        say "systemd reloaded; next: write /$CONF/<site>.toml and <site>.bridge, then systemctl enable --now tapbridge@<site>"
    fi
}

uninstall_all() {
    local active
    if systemd_running; then
        active=$(systemctl list-units --plain --no-legend --state=active 'tapbridge@*' 'tapbridge-setup@*' | awk '{print $1}')
        [[ -z $active ]] || die "stop these first, then rerun: systemctl disable --now $(echo "$active" | tr '\n' ' ')"
    fi
    remove "$LIB/tapbridge.jar"
    remove "$LIB/setup-bridge.sh"
    remove "$BIN"
    remove "$UNITS/tapbridge@.service"
    remove "$UNITS/tapbridge-setup@.service"
    remove "$CONF/example.toml" "$REPO/packaging/example.toml"
    remove "$CONF/example.bridge" "$REPO/packaging/example.bridge"
    if [[ -f $(at "$USER_MARKER") ]]; then
        if $REAL_ROOT && getent passwd "$SERVICE_USER" >/dev/null; then
            userdel "$SERVICE_USER"
            say "removed system user $SERVICE_USER"
        fi
        rm -f "$(at "$USER_MARKER")"
        CHANGED=$((CHANGED + 1))
    fi
    local dir
    for dir in "$LIB" "$CONF"; do
        if [[ -d $(at "$dir") ]]; then
            if rmdir "$(at "$dir")" 2>/dev/null; then
                say "removed /$dir"
                CHANGED=$((CHANGED + 1))
            else
                say "kept /$dir: it holds files this script did not install"
            fi
        fi
    done
    if [[ $CHANGED -eq 0 ]]; then
        say "nothing installed under $ROOT, nothing to change"
    elif systemd_running; then
        systemctl daemon-reload
    fi
}

if $UNINSTALL; then
    uninstall_all
else
    install_all
fi
