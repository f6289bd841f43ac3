#!/usr/bin/env bash
# Live readers at full rate (docs/reliability.md, "Live readers"): for each reader count, a fresh
# `mtrace host --rate 0 --pack default` with every event enabled, read by N concurrent
# `mtrace trace-pipe --attach` clients for a fixed time; prints events/s delivered (summed over readers),
# the host's books (written = delivered + reader_lost + overrun + entries + in_flight; dropped beside them),
# losses reported to readers as LOST lines against the host's count, and the host's RSS.
#
#   bench/live-readers.sh [SECONDS] [READERS...]        default: 30 s, readers 1 4 15
#
# Needs the CLI and the sample modules built in the same configuration (MTRACE_CONFIG, default Release):
#   dotnet build cli/ModularTrace.Cli -c Release -m:1 && dotnet build modules/Modules.proj -c Release -m:1
# and jq. Everything it writes goes to one temporary directory, removed at exit.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
config=${MTRACE_CONFIG:-Release}
mtrace=$root/cli/ModularTrace.Cli/bin/$config/net10.0/mtrace   # by path: /usr/bin/mtrace is glibc's
seconds=${1:-30}
shift || true
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1 4 15)
warmup=${MTRACE_WARMUP:-5}

[ -x "$mtrace" ] || { echo "live-readers: $mtrace not built" >&2; echo "  hint: dotnet build cli/ModularTrace.Cli -c $config -m:1 && dotnet build modules/Modules.proj -c $config -m:1" >&2; exit 1; }
command -v jq > /dev/null || { echo "live-readers: jq not found" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/mtrace-live-readers.XXXXXX")
host_pid=
reader_pids=()
cleanup() {
    for pid in "${reader_pids[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    [ -z "$host_pid" ] || kill -TERM "$host_pid" 2> /dev/null || true
    wait 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Sums one field over every buffer of a `stat --json` answer.
sum() { jq "[.buffers[].$1] | add // 0" "$2"; }
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$host_pid/status"; }

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $config build, ${seconds} s per run after ${warmup} s warm-up"
printf '%-7s %12s %12s %12s %10s %10s %9s %10s %12s %12s %12s %8s %10s %10s\n' \
    readers delivered/s written/s dropped/s delivered written rd_lost overrun dropped held unaccounted reported LOST_lines VmRSS/HWM_KiB
for n in "${counts[@]}"; do
    run=$work/run-$n
    mkdir -p "$run"
    "$mtrace" host --rate 0 --pack default --socket "$run/socket" > "$run/host.log" 2>&1 &
    host_pid=$!
    for _ in $(seq 1 600); do grep -q 'modules loaded' "$run/host.log" && break; sleep 0.2; done
    grep -q '6 modules loaded' "$run/host.log" || { echo "live-readers: host did not load the default pack" >&2; cat "$run/host.log" >&2; exit 1; }
    "$mtrace" enable all --attach "$run/socket" > /dev/null

    reader_pids=()
    for i in $(seq 1 "$n"); do
        # Only the LOST lines are kept: they are the losses the reader was told of.
        "$mtrace" trace-pipe --attach "$run/socket" > >(grep -F '[LOST ' > "$run/lost-$i") &
        reader_pids+=($!)
    done

    sleep "$warmup"
    "$mtrace" stat --json --attach "$run/socket" > "$run/t0.json"
    t0=$(date +%s.%N)
    sleep "$seconds"
    "$mtrace" stat --json --attach "$run/socket" > "$run/t1.json"
    t1=$(date +%s.%N)
    rss=$(kib VmRSS)

    # Readers stop as Ctrl-C stops them (SIGTERM takes the same path): they write out what was on its way.
    for pid in "${reader_pids[@]}"; do kill -TERM "$pid"; done
    for pid in "${reader_pids[@]}"; do wait "$pid" || true; done
    reader_pids=()
    "$mtrace" stat --json --attach "$run/socket" > "$run/end.json"
    hwm=$(kib VmHWM)
    kill -TERM "$host_pid"
    wait "$host_pid" || true
    host_pid=

    dt=$(echo "$t1 - $t0" | bc -l)
    rate() { echo "($(sum "$1" "$run/t1.json") - $(sum "$1" "$run/t0.json")) / $dt" | bc -l | xargs printf '%.0f'; }
    e=$run/end.json
    written=$(sum written "$e"); delivered=$(sum delivered "$e"); rd_lost=$(sum reader_lost "$e")
    overrun=$(sum overrun "$e"); dropped=$(sum dropped "$e"); held=$(( $(sum entries "$e") + $(sum in_flight "$e") ))
    unreported=$(sum lost_unreported "$e")
    unaccounted=$(( written - delivered - rd_lost - overrun - held ))
    reported=$(( rd_lost + overrun + dropped - unreported ))
    lost_lines=$(cat "$run"/lost-* | sed -n 's/.*\[LOST \([0-9]*\) EVENTS\].*/\1/p' | awk '{ s += $1 } END { print s + 0 }')
    printf '%-7s %12s %12s %12s %10s %10s %9s %10s %12s %12s %12s %8s %10s %10s\n' \
        "$n" "$(rate delivered)" "$(rate written)" "$(rate dropped)" "$delivered" "$written" "$rd_lost" "$overrun" "$dropped" \
        "$held" "$unaccounted" "$reported" "$lost_lines" "$rss/$hwm"
    echo "        not yet reported at exit (lost_unreported, shown by stat): $unreported; host: $(grep 'records written' "$run/host.log" | sed 's/^mtrace host: //')"
done
