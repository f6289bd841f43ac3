#!/usr/bin/env bash
# fuzz.sh HARNESS SECONDS: build the fuzz app, instrument the ModularTrace assemblies with the
# sharpfuzz tool, run afl-fuzz for SECONDS, print afl's numbers. HARNESS "all" runs every harness for SECONDS each,
# $MTRACE_FUZZ_JOBS at a time (default: the number of CPUs; afl-fuzz keeps one core busy), building and
# instrumenting once. Exit 0 when afl found no crash, 1 when it did (the inputs are listed, and the first five shown
# with their exception and base64 bytes; copy them to crashes/HARNESS/ as regression inputs), 2 on a usage or setup
# error.
# Needs afl++ (Debian: apt-get install afl++). Work files go to $MTRACE_FUZZ_WORK (default: /tmp/mtrace-fuzz);
# MTRACE_FUZZ_RESUME=1 resumes the last campaign of HARNESS instead of starting over.
set -euo pipefail
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 HARNESS|all SECONDS   (harnesses: mtrace-fuzz --list)" >&2
  exit 2
fi
harness=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${MTRACE_FUZZ_WORK:-/tmp/mtrace-fuzz}
command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found; apt-get install afl++" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
dotnet tool restore >/dev/null
dotnet build "$here/ModularTrace.Fuzz.csproj" -c Release -nologo -v:q -clp:ErrorsOnly -o "$work/build"
if [ "$harness" = all ]; then
  mapfile -t harnesses < <("$work/build/ModularTrace.Fuzz" --list)
else
  harnesses=("$harness")
fi
for h in "${harnesses[@]}"; do
  [ -d "$here/corpus/$h" ] || { echo "fuzz.sh: no corpus/$h" >&2; exit 2; }
done

# Instrument a fresh copy once: the build's own output must stay plain so incremental builds keep working, and
# every harness runs the same instrumented assemblies.
bin="$work/bin"
rm -rf "$bin"
cp -r "$work/build" "$bin"
for dll in ModularTrace.Hooks.dll ModularTrace.Tracing.dll ModularTrace.Output.dll ModularTrace.Loader.dll ModularTrace.Control.dll ModularTrace.Signing.dll; do
  dotnet sharpfuzz "$bin/$dll" >/dev/null
done

# Shared CI and developer machines: no CPU pinning, no core_pattern or governor demands, plain log output. afl ends a
# target with SIGKILL, so the runtime's diagnostic socket is never opened (it would stay in /tmp) and the control
# harness puts its sockets under the campaign's own directory, removed below.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1 DOTNET_TieredPGO=0 DOTNET_EnableDiagnostics=0

# campaign HARNESS: one afl-fuzz run; its report goes to $work/out-HARNESS.report, its verdict is the exit status.
campaign() {
  local h=$1 out="$work/out-$1"
  local report="$out.report"
  # MTRACE_FUZZ_RESUME=1 continues the previous campaign (AFL_AUTORESUME keeps its queue and execs_done).
  if [ "${MTRACE_FUZZ_RESUME:-0}" != 1 ]; then
    rm -rf "$out"
  fi
  mkdir -p "$out/sockets"
  {
    echo "fuzz.sh: afl-fuzz on '$h' for ${seconds}s"
    local status=0
    MTRACE_FUZZ_SOCKETS="$out/sockets" afl-fuzz -V "$seconds" -i "$here/corpus/$h" -o "$out" -t 5000 -m none -- \
      "$bin/ModularTrace.Fuzz" "$h" >"$out.log" 2>&1 || status=$?
    rm -rf "$out/sockets"
    if [ "$status" -ne 0 ]; then
      echo "fuzz.sh: afl-fuzz on '$h' failed; last lines of $out.log:"
      tail -20 "$out.log"
      return 2
    fi

    local stats="$out/default/fuzzer_stats" crashes
    value() { sed -n "s/^$1 *: *//p" "$stats"; }
    crashes=$(find "$out/default/crashes" -type f ! -name README.txt 2>/dev/null | wc -l)
    echo "fuzz.sh: $h: execs_done $(value execs_done), execs_per_sec $(value execs_per_sec), corpus_count $(value corpus_count), bitmap_cvg $(value bitmap_cvg), saved_crashes $crashes, saved_hangs $(value saved_hangs), run_time $(value run_time)s"
    if [ "$crashes" -gt 0 ]; then
      echo "fuzz.sh: $h: afl found $crashes crashing input(s):"
      find "$out/default/crashes" -type f ! -name README.txt
      # The uninstrumented build shows each one's exception and bytes, so the log alone reproduces it.
      find "$out/default/crashes" -type f ! -name README.txt -print0 | head -z -n 5 |
        xargs -0 "$work/build/ModularTrace.Fuzz" --show "$h" || true
      return 1
    fi
  } >"$report" 2>&1
}

jobs=${MTRACE_FUZZ_JOBS:-$(nproc)}
((jobs >= 1)) || jobs=1
status=0
declare -A pids=()
# finish PID: print the campaign's report once it is done and fold its verdict into the status (worst wins).
finish() {
  local pid=$1 h=${pids[$1]} rc=0
  wait "$pid" || rc=$?
  cat "$work/out-$h.report"
  ((rc > status)) && status=$rc
  unset "pids[$pid]"
}
for h in "${harnesses[@]}"; do
  while ((${#pids[@]} >= jobs)); do
    wait -n -p done_pid "${!pids[@]}" || true
    finish "$done_pid"
  done
  campaign "$h" &
  pids[$!]=$h
done
for pid in "${!pids[@]}"; do
  finish "$pid"
done
exit "$status"
