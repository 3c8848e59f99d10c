#!/usr/bin/env bash
# Prepares a site's LAN bridge for tapbridge, as root, once per boot: a persistent TAP owned by the
# daemon's user, a bridge holding the LAN NIC and the TAP, and the NIC's addresses and routes moved
# onto the bridge. --down puts everything back as it was recorded before the first change.
#
# Needs: iproute2, jq; bridge-utils (brctl) when present, else `ip link ... type bridge`.
# The .bridge file format (see --config) and the state file are described in usage() below.
set -euo pipefail

PROG=${0##*/}
# For the note a run leaves in the lock file, so that a run kept waiting can say who holds it.
printf -v PROG_ARGS '%q ' "$@"
PROG_ARGS=${PROG_ARGS% }
STATE_VERSION=1
# Same default as the daemon's [switch] mac-aging-seconds: the kernel bridge and the daemon's switch
# then forget a silent host at the same moment, so neither keeps sending frames the other has dropped.
DEFAULT_AGEING_SECONDS=300
# Same limit as the daemon's [site] queues: one data-path loop per queue, each with its own thread.
MAX_QUEUES=16

usage() {
    cat <<EOF
Usage: $PROG --lan-if IF --bridge BR --tap TAP --user USER [--mtu N] [--queues N]
                       [--stp on|off] [--ageing SECONDS] [--state-dir DIR] [--dry-run] [--down]
       $PROG --config FILE [options...]

Creates TAP (persistent, mode tap, owned by USER), creates bridge BR (STP off unless --stp on,
ageing $DEFAULT_AGEING_SECONDS s unless --ageing), enslaves IF and TAP, and moves IF's IPv4/IPv6
addresses and its static routes (main table) to BR. Running it again changes nothing.

  --down        restore what was recorded before the first change, then forget it
  --dry-run     print the commands that would run; change nothing
  --mtu N       set this MTU on IF, TAP and BR (default: TAP takes IF's MTU)
  --queues N    1..$MAX_QUEUES (default 1): above 1 the TAP is created multi_queue, for a daemon whose
                [site] queues = N runs one data-path loop per queue; an existing TAP whose mode
                (single-queue or multi_queue) differs is refused: delete it, then rerun
  --state-dir   where the pre-change state is kept (default /run/tapbridge-setup): a directory
                owned by root, holding no symbolic links; one file per LAN interface, lan@IF.state
                (earlier versions wrote BR.state; such a file is still read, and renamed)
  --config FILE read settings from a .bridge file; later options override it

--down undoes what the state file of IF records, under the bridge and TAP names it records, even
when the settings now name another bridge or TAP.

.bridge file (one KEY=value per line, '#' starts a comment; it is parsed, never sourced):
  LAN_IF=eth1  BRIDGE=br0  TAP=tap0  USER=tapbridge  [MTU=1500] [QUEUES=1] [STP=off] [AGEING=300]
Environment: TAPBRIDGE_NO_BRCTL=1 behaves as if bridge-utils were not installed.
  TAPBRIDGE_LOCK_WAIT_SECONDS=N waits N s (default 30) for another run's lock on the state directory.
EOF
}

die() {
    echo "$PROG: error: $*" >&2
    exit 1
}

say() {
    echo "$PROG: $*"
}

LAN_IF='' BRIDGE='' TAP='' TB_USER='' MTU='' QUEUES=1 STP=off AGEING=$DEFAULT_AGEING_SECONDS
STATE_DIR=/run/tapbridge-setup
DRY_RUN=false
DOWN=false

valid_ifname() {
    # The kernel's limit is 15 bytes; the character set is narrower than the kernel's on purpose so
    # that names are safe inside ip -batch lines and file names.
    [[ $1 =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$ ]]
}

set_value() { # KEY VALUE WHERE
    local key=$1 value=$2 where=$3
    case $key in
        LAN_IF | BRIDGE | TAP)
            valid_ifname "$value" || die "$where: $key='$value' is not an interface name (1-15 of A-Z a-z 0-9 _ . -)"
            printf -v "$key" '%s' "$value" ;;
        USER)
            [[ $value =~ ^[a-z_][a-z0-9_-]{0,31}$ ]] || die "$where: USER='$value' is not a user name"
            TB_USER=$value ;;
        MTU)
            if ! [[ $value =~ ^[0-9]{2,5}$ ]] || ((10#$value < 68 || 10#$value > 65535)); then
                die "$where: MTU=$value is outside 68..65535"
            fi
            MTU=$((10#$value)) ;;
        QUEUES)
            if ! [[ $value =~ ^[0-9]{1,2}$ ]] || ((10#$value < 1 || 10#$value > MAX_QUEUES)); then
                die "$where: QUEUES=$value must be a number 1..$MAX_QUEUES (1: a single-queue TAP; more: a multi_queue TAP, one queue per data-path loop of the daemon)"
            fi
            QUEUES=$((10#$value)) ;;
        STP)
            [[ $value == on || $value == off ]] || die "$where: STP=$value must be on or off"
            STP=$value ;;
        AGEING)
            # 0 makes the bridge a hub (never learns); the upper bound is brctl's.
            if ! [[ $value =~ ^[0-9]{1,7}$ ]] || ((10#$value > 1000000)); then
                die "$where: AGEING=$value must be 0..1000000 seconds"
            fi
            AGEING=$((10#$value)) ;;
        *) die "$where: unknown key '$key' (known: LAN_IF BRIDGE TAP USER MTU QUEUES STP AGEING)" ;;
    esac
}

read_config() { # FILE
    local file=$1 line n=0 key value
    [[ -r $file ]] || die "cannot read config file $file"
    while IFS= read -r line || [[ -n $line ]]; do
        n=$((n + 1))
        line=${line%%#*}
        line=${line#"${line%%[![:space:]]*}"}
        line=${line%"${line##*[![:space:]]}"}
        [[ -z $line ]] && continue
        [[ $line =~ ^([A-Z_]+)=(.*)$ ]] || die "$file:$n: expected KEY=value, got '$line'"
        key=${BASH_REMATCH[1]}
        value=${BASH_REMATCH[2]}
        # One level of matching quotes is accepted because people write them; nothing is expanded.
        if [[ $value =~ ^\"(.*)\"$ || $value =~ ^\'(.*)\'$ ]]; then
            value=${BASH_REMATCH[1]}
        fi
        set_value "$key" "$value" "$file:$n"
    done <"$file"
}

need_arg() {
    [[ $# -ge 2 && -n $2 ]] || die "$1 needs a value (see --help)"
}

while [[ $# -gt 0 ]]; do
    case $1 in
        --lan-if) need_arg "$@"; set_value LAN_IF "$2" "--lan-if"; shift 2 ;;
        --bridge) need_arg "$@"; set_value BRIDGE "$2" "--bridge"; shift 2 ;;
        --tap) need_arg "$@"; set_value TAP "$2" "--tap"; shift 2 ;;
        --user) need_arg "$@"; set_value USER "$2" "--user"; shift 2 ;;
        --mtu) need_arg "$@"; set_value MTU "$2" "--mtu"; shift 2 ;;
        --queues) need_arg "$@"; set_value QUEUES "$2" "--queues"; shift 2 ;;
        --stp) need_arg "$@"; set_value STP "$2" "--stp"; shift 2 ;;
        --ageing) need_arg "$@"; set_value AGEING "$2" "--ageing"; shift 2 ;;
        --config) need_arg "$@"; read_config "$2"; shift 2 ;;
        --state-dir) need_arg "$@"; STATE_DIR=$2; shift 2 ;;
        --dry-run) DRY_RUN=true; shift ;;
        --down) DOWN=true; shift ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown argument '$1'" ;;
    esac
done

for required in LAN_IF BRIDGE TAP; do
    [[ -n ${!required} ]] || die "missing --$(tr '[:upper:]_' '[:lower:]-' <<<"$required") (see --help)"
done
[[ -n $TB_USER || $DOWN == true ]] || die "missing --user (see --help)"
[[ $LAN_IF != "$BRIDGE" && $LAN_IF != "$TAP" && $BRIDGE != "$TAP" ]] \
    || die "--lan-if, --bridge and --tap must be three different interfaces"

[[ $(id -u) -eq 0 ]] || die "must run as root: it creates devices and moves $LAN_IF's addresses (try: sudo $PROG ...)"
command -v ip >/dev/null || die "ip not found: apt-get install iproute2"
command -v jq >/dev/null || die "jq not found: apt-get install jq"
LOCK_WAIT_SECONDS=${TAPBRIDGE_LOCK_WAIT_SECONDS:-30}
[[ $LOCK_WAIT_SECONDS =~ ^[0-9]{1,4}$ ]] || die "TAPBRIDGE_LOCK_WAIT_SECONDS=$LOCK_WAIT_SECONDS must be 0..9999 seconds"

HAVE_BRCTL=false
if [[ ${TAPBRIDGE_NO_BRCTL:-} != 1 ]] && command -v brctl >/dev/null; then
    HAVE_BRCTL=true
fi
LOCK_FILE=$STATE_DIR/.lock
# Set by find_state once the lock is held: the state is keyed by the LAN NIC, the one thing a run
# cannot rename, so that --down still finds it after BRIDGE or TAP changed in the settings.
STATE_FILE=''
PLAN=()

# Queues one command for the plan; nothing runs until the whole plan is known.
plan() {
    local quoted
    printf -v quoted '%q ' "$@"
    PLAN+=("${quoted% }")
}

run_plan() {
    local cmd
    for cmd in "${PLAN[@]}"; do
        if $DRY_RUN; then
            echo "  $cmd"
        else
            eval "$cmd" || die "command failed: $cmd"
        fi
    done
    PLAN=()
}

link_json() { # IF -> one object or nothing
    ip -d -j link show dev "$1" 2>/dev/null | jq -c '.[0] // empty' || true
}

jfield() { # JSON FILTER
    jq -r "$2 // empty" <<<"$1"
}

# ---------------------------------------------------------------------------------------------
# Translating the kernel's JSON back into ip(8) commands. Addresses and routes are compared and
# re-created field by field, because `ip -j` output is what --down promises to restore.

# shellcheck disable=SC2016 # jq programs, not shell
JQ_LIB='
def lifetimes:
  if (.valid_life_time // 4294967295) == 4294967295 and (.preferred_life_time // 4294967295) == 4294967295
  then "" else " valid_lft \(.valid_life_time) preferred_lft \(.preferred_life_time)" end;
def addrflags:
  [ "noprefixroute", "nodad", "home", "mngtmpaddr", "autojoin" ] as $f
  | [ $f[] as $k | select(.[$k] == true) | " " + $k ] | join("");
def ident: "\(.local)\(if .address then " peer \(.address)" else "" end)/\(.prefixlen)";
# $dev: target device; $from/$to: label rename; $extra: flags added on the target.
def addr_add($dev; $from; $to; $extra):
  "address add \(ident) dev \($dev)"
  + (if .broadcast then " broadcast \(.broadcast)" else "" end)
  + (if .scope then " scope \(.scope)" else "" end)
  + (if .family == "inet" and .label and .label != $from
     then " label \($to + .label[($from|length):])" else "" end)
  + (if .metric then " metric \(.metric)" else "" end)
  + lifetimes + addrflags
  + (if $extra != "" and .family == "inet6" and (.nodad != true) then " " + $extra else "" end);
def addr_del($dev): "address del \(ident) dev \($dev)";
# Addresses the script moves: everything but IPv6 link-local, which the kernel makes per device.
def movable: select((.family == "inet6" and .scope == "link") | not);
def movable_route: select((.protocol // "boot") != "kernel" and (.protocol // "boot") != "ra"
  and ((.type // "unicast") == "unicast") and (.nexthops == null));
def route_replace($dev; $fam):
  "route replace \(if .dst == "default" then (if $fam == "inet6" then "::/0" else "0.0.0.0/0" end) else .dst end)"
  + (if .gateway then " via \(.gateway)" else "" end)
  + " dev \($dev)"
  + (if .protocol then " proto \(.protocol)" else "" end)
  + (if .scope then " scope \(.scope)" else "" end)
  + (if .metric != null then " metric \(.metric)" else "" end)
  + (if .prefsrc then " src \(.prefsrc)" else "" end)
  + (if (.flags // []) | index("onlink") then " onlink" else "" end)
  + (if .pref then " pref \(.pref)" else "" end)
  + ([ (.metrics // [])[] | to_entries[] | select(.value | type == "number") | " \(.key) \(.value)" ] | join(""));
# IPv4 keeps insertion order (primaries before secondaries); IPv6 puts each new address before older
# ones of the same scope. Re-adding IPv4 in listed order and IPv6 in reverse order reproduces both.
def add_order: [ .[] | select(.family == "inet") ] + ([ .[] | select(.family == "inet6") ] | reverse);
'

addresses_of() { # IF -> JSON array of addr_info
    ip -j addr show dev "$1" | jq -c '.[0].addr_info // []'
}

routes_of() { # FAMILY(-4|-6) IF -> JSON array of main-table routes through IF
    ip -j "$1" route show table main \
        | jq -c --arg dev "$2" '[ .[] | select(.dev == $dev or ((.nexthops // []) | any(.dev == $dev))) ]'
}

# ---------------------------------------------------------------------------------------------

wait_for_dad() { # IF: an address added without nodad is "tentative" for ~1 s; `ip -j addr` shows it
    local tries
    for ((tries = 0; tries < 50; tries++)); do
        if ! ip -j addr show dev "$1" | jq -e '[.[0].addr_info[]? | select(.tentative == true)] | length > 0' >/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    say "warning: $1 still has tentative IPv6 addresses after 5 s (duplicate address on the LAN?)"
}

tap_mode_args() { # MULTI_QUEUE(true|false) -> the ip tuntap mode words; del needs multi_queue to match
    if [[ $1 == true ]]; then echo "mode tap multi_queue"; else echo "mode tap"; fi
}

check_tap() { # -> sets TAP_EXISTS, TAP_MQ (the TAP is multi_queue) and TAP_QUEUES_OPEN (queues attached or detached)
    local tap_json kind type owner want_uid owner_uid want_mq
    TAP_EXISTS=false TAP_MQ=false TAP_QUEUES_OPEN=0
    tap_json=$(link_json "$TAP")
    [[ -z $tap_json ]] && return 0
    TAP_EXISTS=true
    kind=$(jfield "$tap_json" '.linkinfo.info_kind')
    type=$(jfield "$tap_json" '.linkinfo.info_data.type')
    [[ $kind == tun ]] || die "$TAP exists but is a '${kind:-plain}' device, not a TAP; choose another --tap or delete it"
    [[ $type == tap ]] || die "$TAP exists in $type mode (layer 3); tapbridge needs layer-2 frames: ip tuntap del dev $TAP mode $type, then rerun"
    [[ $(jfield "$tap_json" '.linkinfo.info_data.multi_queue') == true ]] && TAP_MQ=true
    TAP_QUEUES_OPEN=$(jq -r '(.linkinfo.info_data.numqueues // 0) + (.linkinfo.info_data.numdisabled // 0)' <<<"$tap_json")
    if [[ $DOWN == false ]]; then
        # The queue mode is fixed when a TAP is created; like a wrong owner, a wrong mode is not
        # changed behind the back of whatever may hold the TAP.
        want_mq=false
        ((QUEUES > 1)) && want_mq=true
        if [[ $TAP_MQ == false && $want_mq == true ]]; then
            die "$TAP is single-queue, but --queues $QUEUES needs a multi_queue TAP: stop the daemon, ip tuntap del dev $TAP mode tap, then rerun (or use --queues 1 and [site] queues = 1)"
        fi
        if [[ $TAP_MQ == true && $want_mq == false ]]; then
            die "$TAP is multi_queue, but --queues 1 asks for a single-queue TAP: pass --queues N as in the daemon's [site] queues, or stop the daemon, ip tuntap del dev $TAP mode tap multi_queue, then rerun"
        fi
        [[ $(jfield "$tap_json" '.linkinfo.info_data.persist') == true ]] \
            || die "$TAP exists but is not persistent (another process owns it); stop that process or choose another --tap"
        owner=$(jfield "$tap_json" '.linkinfo.info_data.user')
        want_uid=$(id -u "$TB_USER")
        owner_uid=$(id -u "$owner" 2>/dev/null || echo "$owner")
        [[ $owner_uid == "$want_uid" ]] \
            || die "$TAP is owned by '${owner:-nobody in particular (root only)}', not $TB_USER; ip tuntap del dev $TAP $(tap_mode_args "$TAP_MQ"), then rerun"
    fi
}

# ---------------------------------------------------------------------------------------------
# The state directory. Its files drive root's ip commands on --down, and the lock file is opened
# for writing by root: whoever could write there, or plant a symbolic link there, could make root
# restore addresses of their choosing or overwrite any file the link points to.

check_state_dir() {
    local owner links
    if [[ -L $STATE_DIR ]]; then
        die "state directory $STATE_DIR is a symbolic link (to $(readlink "$STATE_DIR")); it must be a real directory owned by root: remove the link (rm $STATE_DIR) or pass --state-dir DIR"
    fi
    if [[ ! -e $STATE_DIR ]]; then
        $DRY_RUN && return 0
        mkdir -p "$STATE_DIR"
    fi
    [[ -d $STATE_DIR ]] || die "state directory $STATE_DIR is not a directory; remove it or pass --state-dir DIR"
    owner=$(stat -c %u "$STATE_DIR")
    if [[ $owner != 0 ]]; then
        die "state directory $STATE_DIR is owned by uid $owner ($(id -nu "$owner" 2>/dev/null || echo unknown)), not root; its owner could rewrite what --down runs as root: check its files, then chown root:root $STATE_DIR, or pass another --state-dir"
    fi
    $DRY_RUN || chmod 0700 "$STATE_DIR"
    links=$(find "$STATE_DIR" -mindepth 1 -maxdepth 1 -type l -printf '%p -> %l; ')
    if [[ -n $links ]]; then
        die "refusing symbolic links in the state directory: ${links%; }. State files and the lock must be plain files there, or root would read or overwrite what the link points to. Remove the link (rm PATH); if it points to a state file you need, copy that file in its place (cp --remove-destination TARGET PATH)"
    fi
}

# Who holds the lock. /proc/locks names the process that called flock(2), here the short-lived
# flock(1), so the holder is found as the process that still has the lock file open, helped by
# the note each run leaves in the file once the lock is its own.
lock_holder() {
    local fd pid last='' holders='' note
    for fd in /proc/[0-9]*/fd/*; do
        [[ $fd -ef $LOCK_FILE ]] || continue
        pid=${fd#/proc/}
        pid=${pid%%/*}
        [[ $pid == "$$" || $pid == "$BASHPID" || $pid == "$last" ]] && continue
        last=$pid
        holders+="pid $pid ($(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | sed 's/ $//')), "
    done
    if [[ -n $holders ]]; then
        printf 'held by %s' "${holders%, }"
    else
        printf 'no process visible here has it open (one in another PID namespace?)'
    fi
    # The note is only worth showing while the run that wrote it is alive: it may be years old.
    note=$(head -n 1 "$LOCK_FILE" 2>/dev/null | cut -c 1-300)
    if [[ $note =~ ^pid\ ([0-9]+)\  && -d /proc/${BASH_REMATCH[1]} ]]; then
        printf '; it wrote "%s"' "$note"
    fi
}

# Two runs at once (a unit and a person) would each record the other's half-done state.
take_lock() {
    # Opened for appending: truncating would erase the holder's note before the lock is ours.
    exec 9>>"$LOCK_FILE"
    if ! command -v flock >/dev/null; then
        say "warning: flock not found (apt-get install util-linux); running without the lock on $LOCK_FILE"
        return 0
    fi
    if ! flock -n 9; then
        say "waiting up to $LOCK_WAIT_SECONDS s for the lock $LOCK_FILE, $(lock_holder)"
        flock -w "$LOCK_WAIT_SECONDS" 9 \
            || die "gave up after $LOCK_WAIT_SECONDS s waiting for the lock $LOCK_FILE, $(lock_holder). Another setup-bridge.sh run (a tapbridge-setup@ unit or a person) is changing links: let it finish; if it is stuck, stop that PID, check $LAN_IF (ip addr), then rerun"
    fi
    printf 'pid %s since %s: %s %s\n' "$$" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$PROG" "$PROG_ARGS" >"$LOCK_FILE"
}

# Points STATE_FILE at the record for LAN_IF. Earlier versions named the file after the bridge
# (BR.state), so the record was lost to --down as soon as the bridge's name changed; such a file is
# found by the NIC it records and renamed. '@' is not allowed in interface names, so the two kinds
# of name never collide.
find_state() {
    local f old=()
    STATE_FILE=$STATE_DIR/lan@$LAN_IF.state
    if [[ -e $STATE_FILE ]]; then
        [[ -f $STATE_FILE ]] || die "$STATE_FILE is not a regular file; move it away, then rerun"
        return 0
    fi
    for f in "$STATE_DIR"/*.state; do
        [[ -f $f && ${f##*/} != lan@* ]] || continue
        [[ $(jq -r '.lan_if? // empty' "$f" 2>/dev/null) == "$LAN_IF" ]] && old+=("$f")
    done
    [[ ${#old[@]} -le 1 ]] \
        || die "several old-format state files record $LAN_IF: ${old[*]}; keep the one whose bridge $LAN_IF is in (ip link show $LAN_IF), move the others out of $STATE_DIR, then rerun"
    [[ ${#old[@]} -eq 1 ]] || return 0
    if $DRY_RUN; then
        STATE_FILE=${old[0]}
    else
        mv -T "${old[0]}" "$STATE_FILE"
        say "moved ${old[0]} (written by an earlier version, named after its bridge) to $STATE_FILE"
    fi
}

# State files of other LAN interfaces that record bridge BR, for an operator who changed LAN_IF.
states_naming_bridge() { # BR
    local f
    for f in "$STATE_DIR"/*.state; do
        [[ -f $f && $f != "$STATE_FILE" ]] || continue
        jq -e --arg br "$1" '.bridge == $br' "$f" >/dev/null 2>&1 && printf '%s (--lan-if %s) ' "$f" "$(jq -r '.lan_if' "$f")"
    done
    true
}

record_state() { # -> writes the state file unless a dry run
    local nic_json=$1 bridge_created=$2 tap_created=$3 tmp what name
    $DRY_RUN && return 0
    # A run that died half-way has already created the bridge or the TAP; they are still ours to
    # delete on --down even though they exist now. Under another name they are no longer this
    # setup's, and only a person can tell whether anything else uses them now.
    if [[ -f $STATE_FILE ]]; then
        for what in bridge tap; do
            [[ $(jq -r --arg k "${what}_created" '.[$k]' "$STATE_FILE" 2>/dev/null) == true ]] || continue
            name=$(jq -r --arg k "$what" '.[$k] // empty' "$STATE_FILE")
            if [[ $what == bridge && $name == "$BRIDGE" ]]; then
                bridge_created=true
            elif [[ $what == tap && $name == "$TAP" ]]; then
                tap_created=true
            elif valid_ifname "$name" && [[ -n $(link_json "$name") ]]; then
                say "warning: $name, made by an earlier run for $LAN_IF that stopped half-way, is still there and is no longer in the settings: delete it by hand (ip link delete $name)"
            fi
        done
    fi
    tmp=$(mktemp "$STATE_DIR/.lan@$LAN_IF.XXXXXX")
    jq -n --argjson v "$STATE_VERSION" --arg br "$BRIDGE" --arg nic "$LAN_IF" --arg tap "$TAP" \
        --argjson link "$nic_json" --argjson bc "$bridge_created" --argjson tc "$tap_created" \
        --argjson addr "$(ip -j addr show dev "$LAN_IF" | jq -c '.[0]')" \
        --argjson r4 "$(routes_of -4 "$LAN_IF")" --argjson r6 "$(routes_of -6 "$LAN_IF")" \
        '{version: $v, bridge: $br, lan_if: $nic, tap: $tap, bridge_created: $bc, tap_created: $tc,
          nic_up: ($link.flags | index("UP") != null), nic_mtu: $link.mtu, nic_master: $link.master,
          addr: $addr, routes4: $r4, routes6: $r6}' >"$tmp"
    mv -T "$tmp" "$STATE_FILE"
}

bridge_cmd_create() {
    if $HAVE_BRCTL; then
        plan brctl addbr "$BRIDGE"
    else
        plan ip link add name "$BRIDGE" type bridge
    fi
}

# Builds the ip -batch text that moves addresses and routes from the NIC to the bridge.
move_batch() { # ENSLAVE(true|false)
    local addrs r4 r6
    addrs=$(addresses_of "$LAN_IF")
    r4=$(routes_of -4 "$LAN_IF")
    r6=$(routes_of -6 "$LAN_IF")
    # SSH-safe order. From the moment the NIC is a bridge port, frames arriving on it go to the bridge
    # and the NIC's own addresses stop answering, so everything happens in one ip process, without a
    # round trip or fork between commands: the gap is milliseconds, and TCP retransmits across it.
    # 1. enslave; 2. add the addresses to the bridge while the NIC still has them (the bridge carries
    # the NIC's MAC, so peers' ARP/ND caches stay right); 3. re-point static routes with `replace`,
    # which swaps the route in place instead of leaving a moment without a default route;
    # 4. only then delete the NIC's addresses, secondaries first, since deleting a primary would
    # take its secondaries along and the later del lines would fail. IPv6 addresses get nodad on
    # the bridge: they were validated on this same link, and DAD would make them unusable (tentative)
    # for a second, long enough to stall a session that runs over IPv6.
    if [[ $1 == true ]]; then
        echo "link set dev $LAN_IF master $BRIDGE"
    fi
    jq -r --arg br "$BRIDGE" --arg nic "$LAN_IF" "$JQ_LIB"'
        [ .[] | movable ] | add_order[] | addr_add($br; $nic; $br; "nodad")' <<<"$addrs"
    jq -r --arg br "$BRIDGE" "$JQ_LIB"'.[] | movable_route | route_replace($br; "inet")' <<<"$r4"
    jq -r --arg br "$BRIDGE" "$JQ_LIB"'.[] | movable_route | route_replace($br; "inet6")' <<<"$r6"
    jq -r --arg nic "$LAN_IF" "$JQ_LIB"'[ .[] | movable ] | reverse[] | addr_del($nic)' <<<"$addrs"
}

run_batch() { # TEXT -> runs it as one ip process (or prints it on a dry run)
    local text=$1 err
    if $DRY_RUN; then
        echo "  ip -batch - <<'EOF'"
        printf '    %s\n' "${text//$'\n'/$'\n'    }"
        echo "  EOF"
        return 0
    fi
    err=$(ip -batch - <<<"$text" 2>&1) || {
        echo "$err" >&2
        return 1
    }
}

warn_unmoved_routes() {
    local fam skipped
    for fam in -4 -6; do
        skipped=$(routes_of "$fam" "$LAN_IF" | jq -r '.[] | select(.nexthops != null or ((.type // "unicast") != "unicast")) | .dst')
        [[ -z $skipped ]] || say "warning: not moving multipath/special routes via $LAN_IF: $skipped (re-add them on $BRIDGE by hand)"
    done
    true
}

# The daemon opens /dev/net/tun as USER before attaching to its TAP. udev makes the node 0666 on a
# normal system (opening it grants nothing by itself); some containers ship it 0600, and then the
# daemon would fail long after this script said all was well.
warn_if_tun_closed_to_user() { # USER
    local mode owner group perms
    [[ -e /dev/net/tun ]] || { say "warning: /dev/net/tun is missing (modprobe tun); the daemon cannot open its TAP"; return 0; }
    read -r mode owner group < <(stat -L -c '%a %u %g' /dev/net/tun)
    perms=$((8#$mode))
    if (((perms & 8#006) == 8#006)); then return 0; fi
    if [[ $owner == "$(id -u "$1")" ]] && (((perms & 8#600) == 8#600)); then return 0; fi
    if id -G "$1" | tr ' ' '\n' | grep -qx "$group" && (((perms & 8#060) == 8#060)); then return 0; fi
    say "warning: user $1 cannot open /dev/net/tun (mode $mode, uid $owner, gid $group); udev normally makes it 0666: check the udev rules, or chmod 0666 /dev/net/tun"
}

do_up() {
    local nic_json br_json master nic_mac nic_mtu bridge_created=false tap_created=false batch
    local uid stp_state ageing_cs want_stp mtu_target
    getent passwd "$TB_USER" >/dev/null || die "user '$TB_USER' does not exist (install.sh creates 'tapbridge')"
    uid=$(id -u "$TB_USER")
    warn_if_tun_closed_to_user "$TB_USER"
    nic_json=$(link_json "$LAN_IF")
    [[ -n $nic_json ]] || die "interface '$LAN_IF' does not exist (see: ip link)"
    [[ $(jfield "$nic_json" '.linkinfo.info_kind') != bridge ]] \
        || die "'$LAN_IF' is itself a bridge; --lan-if must be the physical LAN NIC"
    master=$(jfield "$nic_json" '.master')
    if [[ -n $master && $master != "$BRIDGE" ]]; then
        die "'$LAN_IF' is already a port of '$master'; use --bridge $master, or free it first: ip link set dev $LAN_IF nomaster"
    fi
    br_json=$(link_json "$BRIDGE")
    if [[ -n $br_json && $(jfield "$br_json" '.linkinfo.info_kind') != bridge ]]; then
        die "'$BRIDGE' exists and is not a bridge; choose another --bridge"
    fi
    check_tap
    nic_mac=$(jfield "$nic_json" '.address')
    nic_mtu=$(jfield "$nic_json" '.mtu')

    # The state is the NIC as the operator configured it, so it is recorded only while the NIC is not
    # yet in the bridge; a second run keeps the first run's record.
    if [[ -z $master ]]; then
        [[ -z $br_json ]] && bridge_created=true
        [[ $TAP_EXISTS == false ]] && tap_created=true
        record_state "$nic_json" "$bridge_created" "$tap_created"
    elif [[ ! -f $STATE_FILE ]]; then
        say "warning: $LAN_IF is already in $BRIDGE but $STATE_FILE is missing: --down will not be able to restore it"
    fi

    if [[ $TAP_EXISTS == false ]]; then
        if ((QUEUES > 1)); then
            plan ip tuntap add dev "$TAP" mode tap multi_queue user "$uid"
        else
            plan ip tuntap add dev "$TAP" mode tap user "$uid"
        fi
    fi
    if [[ -z $br_json ]]; then
        $HAVE_BRCTL || say "brctl not found (bridge-utils): falling back to ip link ... type bridge"
        bridge_cmd_create
        stp_state=0 ageing_cs=30000
    else
        stp_state=$(jfield "$br_json" '.linkinfo.info_data.stp_state')
        ageing_cs=$(jfield "$br_json" '.linkinfo.info_data.ageing_time')
    fi
    want_stp=0
    [[ $STP == on ]] && want_stp=1
    # A new bridge is created with STP off, but the command still runs so that every setting is
    # stated once, in the same place, whatever the kernel's default.
    if [[ -z $br_json || $stp_state != "$want_stp" ]]; then
        if $HAVE_BRCTL; then plan brctl stp "$BRIDGE" "$STP"; else plan ip link set dev "$BRIDGE" type bridge stp_state "$want_stp"; fi
        [[ $STP == on ]] && say "warning: with STP on, $LAN_IF spends 2 x forward delay (30 s by default) listening/learning: traffic over it, SSH included, stalls that long"
    fi
    # The kernel keeps ageing in centiseconds; brctl takes seconds.
    if [[ -z $br_json || $ageing_cs != $((AGEING * 100)) ]]; then
        if $HAVE_BRCTL; then plan brctl setageing "$BRIDGE" "$AGEING"; else plan ip link set dev "$BRIDGE" type bridge ageing_time $((AGEING * 100)); fi
    fi
    # The bridge otherwise takes the lowest port MAC, which may be the TAP's random one: then every
    # host on the LAN would hold a stale ARP entry for the gateway the moment addresses move.
    if [[ -z $br_json || $(jfield "$br_json" '.address') != "$nic_mac" ]]; then
        plan ip link set dev "$BRIDGE" address "$nic_mac"
    fi
    # Without --mtu the TAP follows the NIC, because the bridge runs at the smallest port MTU and the
    # moved addresses should keep the MTU they had.
    mtu_target=${MTU:-$nic_mtu}
    if [[ -n $MTU && $nic_mtu != "$MTU" ]]; then
        plan ip link set dev "$LAN_IF" mtu "$MTU"
    fi
    if [[ $TAP_EXISTS == false || $(jfield "$(link_json "$TAP")" '.mtu') != "$mtu_target" ]]; then
        plan ip link set dev "$TAP" mtu "$mtu_target"
    fi
    if [[ -n $MTU && ( -z $br_json || $(jfield "$br_json" '.mtu') != "$MTU" ) ]]; then
        plan ip link set dev "$BRIDGE" mtu "$MTU"
    fi
    # Whatever the host's own IPv6 stack sends out of the TAP (DAD, router solicitations, MLD for
    # its link-local) would be read by the daemon and carried to every peer: the TAP gets no address.
    if [[ $TAP_EXISTS == false || $(jfield "$(link_json "$TAP")" '.inet6_addr_gen_mode') != none ]]; then
        plan ip link set dev "$TAP" addrgenmode none
    fi
    if [[ $TAP_EXISTS == false || $(jfield "$(link_json "$TAP")" '.master') != "$BRIDGE" ]]; then
        plan ip link set dev "$TAP" master "$BRIDGE"
    fi
    if [[ $TAP_EXISTS == false ]] || ! jfield "$(link_json "$TAP")" '.flags[]' | grep -qx UP; then
        plan ip link set dev "$TAP" up
    fi
    if [[ -z $br_json ]] || ! jfield "$br_json" '.flags[]' | grep -qx UP; then
        plan ip link set dev "$BRIDGE" up
    fi
    if ! jfield "$nic_json" '.flags[]' | grep -qx UP; then
        plan ip link set dev "$LAN_IF" up
    fi

    local enslave=false
    [[ -z $master ]] && enslave=true
    batch=$(move_batch "$enslave")

    if [[ ${#PLAN[@]} -eq 0 && -z $batch ]]; then
        say "$BRIDGE: $LAN_IF and $TAP already set up, nothing to change"
        return 0
    fi
    $DRY_RUN && say "dry run: would run"
    run_plan
    warn_unmoved_routes
    if [[ -n $batch ]]; then
        # A hang-up (the SSH session that started this blinking) must not stop the script between
        # the enslave and the address move.
        trap '' HUP
        if ! run_batch "$batch"; then
            say "moving addresses to $BRIDGE failed; restoring $LAN_IF" >&2
            do_down || true
            die "setup of $BRIDGE failed while moving $LAN_IF's addresses; $LAN_IF was restored"
        fi
        trap - HUP
    fi
    if ! $DRY_RUN; then
        # The bridge's own IPv6 link-local stays tentative for a second or two; until it settles the
        # bridge cannot send router/neighbour traffic, and `ip addr` would still change by itself.
        wait_for_dad "$BRIDGE"
    fi
    $DRY_RUN || say "$BRIDGE: up with $LAN_IF and $TAP ($TAP owned by $TB_USER); state in $STATE_FILE"
}

# The NIC's link, addresses and routes, normalised only where the kernel itself changes a value:
# remaining lifetimes of dynamic addresses count down, and a link that had never been up since boot
# shows qdisc "noop", which no command brings back once the link has been up.
snapshot_for_compare() { # ADDR_JSON R4 R6 RECORDED_QDISC
    jq -c -n --argjson a "$1" --argjson r4 "$2" --argjson r6 "$3" --arg q "$4" \
        '{addr: ($a | .addr_info |= map(if .dynamic then del(.valid_life_time, .preferred_life_time) else . end)
                    | if $q == "noop" then del(.qdisc) else . end),
          routes4: $r4, routes6: $r6}'
}

do_down() {
    local state nic_json br_json addrs current r4 r6 batch master others rec_bridge rec_tap
    if [[ ! -f $STATE_FILE ]]; then
        br_json=$(link_json "$BRIDGE")
        master=$(jfield "$(link_json "$LAN_IF")" '.master')
        others=$(states_naming_bridge "$BRIDGE")
        if [[ -n $master ]]; then
            die "$LAN_IF is a port of $master but $STATE_FILE is missing, so its original state is unknown; restore it by hand (ip link set dev $LAN_IF nomaster, then its addresses and routes)${others:+; note: $others record $BRIDGE}"
        fi
        [[ -z $br_json ]] || die "$BRIDGE exists but $STATE_FILE is missing, so its original state is unknown; remove it by hand${others:+; note: $others record $BRIDGE}"
        say "$BRIDGE: no recorded state and no bridge, nothing to change"
        return 0
    fi
    state=$(cat "$STATE_FILE")
    [[ $(jq -r '.version' <<<"$state") == "$STATE_VERSION" && $(jq -r '.lan_if' <<<"$state") == "$LAN_IF" ]] \
        || die "$STATE_FILE records another setup ($(jq -c '{lan_if, tap, version}' <<<"$state")); it is not a record of $LAN_IF by this version: restore $LAN_IF by hand"
    # What was done is undone under the names it was done with: the settings may have been edited
    # since (a renamed bridge), and the NIC is still a port of the recorded bridge.
    rec_bridge=$(jq -r '.bridge // empty' <<<"$state")
    rec_tap=$(jq -r '.tap // empty' <<<"$state")
    if ! valid_ifname "$rec_bridge" || ! valid_ifname "$rec_tap"; then
        die "$STATE_FILE records bridge '$rec_bridge' and TAP '$rec_tap', which are not both interface names; restore $LAN_IF by hand"
    fi
    if [[ $rec_bridge != "$BRIDGE" || $rec_tap != "$TAP" ]]; then
        say "$STATE_FILE records bridge $rec_bridge and TAP $rec_tap (the settings now say $BRIDGE and $TAP): undoing what was recorded"
        BRIDGE=$rec_bridge
        TAP=$rec_tap
    fi
    nic_json=$(link_json "$LAN_IF")
    [[ -n $nic_json ]] || die "interface '$LAN_IF' does not exist any more; cannot restore it (state kept in $STATE_FILE)"
    br_json=$(link_json "$BRIDGE")
    check_tap

    addrs=$(jq -c '.addr.addr_info' <<<"$state")
    current=$(addresses_of "$LAN_IF")
    batch=""
    if [[ $(jfield "$nic_json" '.master') == "$BRIDGE" && $(jq -r '.nic_master // empty' <<<"$state") != "$BRIDGE" ]]; then
        batch+="link set dev $LAN_IF nomaster"$'\n'
    fi
    if [[ $(jfield "$nic_json" '.mtu') != "$(jq -r '.nic_mtu' <<<"$state")" ]]; then
        batch+="link set dev $LAN_IF mtu $(jq -r '.nic_mtu' <<<"$state")"$'\n'
    fi
    # A NIC that was down goes down before its addresses return: taking a link down flushes its
    # IPv6 addresses, and the original ones had been kept (tentative) on the down link.
    local nic_was_up
    nic_was_up=$(jq -r '.nic_up' <<<"$state")
    if [[ $nic_was_up == false ]] && jfield "$nic_json" '.flags[]' | grep -qx UP; then
        batch+="link set dev $LAN_IF down"$'\n'
    fi
    # The same SSH-safe order as on the way up, mirrored: the NIC leaves the bridge, gets its
    # addresses and routes back in one ip process, and only then does the bridge go.
    batch+=$(jq -r --arg nic "$LAN_IF" --arg br "$BRIDGE" --argjson cur "$current" "$JQ_LIB"'
        [ .[] | movable | select(. as $a | $cur | map(select(.local == $a.local and .prefixlen == $a.prefixlen)) | length == 0) ]
        | add_order[] | addr_add($nic; $nic; $nic; "")' <<<"$addrs")$'\n'
    batch+=$(jq -r --arg nic "$LAN_IF" "$JQ_LIB"'.routes4[] | movable_route | route_replace($nic; "inet")' <<<"$state")$'\n'
    batch+=$(jq -r --arg nic "$LAN_IF" "$JQ_LIB"'.routes6[] | movable_route | route_replace($nic; "inet6")' <<<"$state")$'\n'
    if [[ -n $br_json ]]; then
        if [[ $(jq -r '.bridge_created' <<<"$state") == true ]]; then
            batch+="link delete dev $BRIDGE"$'\n'
        else
            # Someone else's bridge: take back only what this script put there.
            batch+=$(jq -r --arg br "$BRIDGE" "$JQ_LIB"'[ .[] | movable ] | reverse[] | addr_del($br)' <<<"$addrs")$'\n'
            if [[ $TAP_EXISTS == true && $(jfield "$(link_json "$TAP")" '.master') == "$BRIDGE" ]]; then
                batch+="link set dev $TAP nomaster"$'\n'
            fi
        fi
    fi
    batch=$(sed '/^$/d' <<<"$batch")

    $DRY_RUN && say "dry run: would run"
    # The TAP goes first and on its own: while the daemon holds it open the kernel refuses
    # (EBUSY), and then nothing else should have changed yet.
    # A multi_queue TAP does not refuse: ip would attach as one more queue and the TAP would outlive
    # the daemon's queues, so the queues the kernel counts are asked first.
    if [[ $TAP_EXISTS == true && $(jq -r '.tap_created' <<<"$state") == true ]]; then
        local tap_mode
        read -ra tap_mode <<<"$(tap_mode_args "$TAP_MQ")"
        if $DRY_RUN; then
            echo "  ip tuntap del dev $TAP ${tap_mode[*]}"
        elif ((TAP_QUEUES_OPEN > 0)) || ! ip tuntap del dev "$TAP" "${tap_mode[@]}" 2>/dev/null; then
            die "cannot delete $TAP: a process still has it open (the daemon? systemctl stop tapbridge@<site>); nothing was changed"
        fi
    fi
    trap '' HUP
    run_batch "$batch" || die "restoring $LAN_IF failed; the recorded state is kept in $STATE_FILE"
    trap - HUP
    $DRY_RUN && return 0
    # On a down link DAD waits for the link; the recorded addresses were tentative then too.
    [[ $nic_was_up == true ]] && wait_for_dad "$LAN_IF"

    r4=$(routes_of -4 "$LAN_IF")
    r6=$(routes_of -6 "$LAN_IF")
    local want got
    local qdisc
    qdisc=$(jq -r '.addr.qdisc' <<<"$state")
    want=$(snapshot_for_compare "$(jq -c '.addr' <<<"$state")" "$(jq -c '.routes4' <<<"$state")" "$(jq -c '.routes6' <<<"$state")" "$qdisc")
    got=$(snapshot_for_compare "$(ip -j addr show dev "$LAN_IF" | jq -c '.[0]')" "$r4" "$r6" "$qdisc")
    if [[ $want != "$got" ]]; then
        echo "$PROG: recorded: $want" >&2
        echo "$PROG: now:      $got" >&2
        die "$LAN_IF differs from the state recorded before setup (see above); $STATE_FILE is kept"
    fi
    rm -f "$STATE_FILE"
    say "$BRIDGE: removed; $LAN_IF restored to its recorded state"
}

check_state_dir
$DRY_RUN || take_lock
find_state

if $DOWN; then
    do_down
else
    do_up
fi
