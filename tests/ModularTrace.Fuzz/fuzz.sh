#!/usr/bin/env bash
# fuzz.sh HARNESS SECONDS: build the fuzz app, instrument the ModularTrace assemblies with the
# sharpfuzz tool, run afl-fuzz for SECONDS, print afl's numbers. Exit 0 when afl found no crash, 1 when it did
# (the inputs are listed, and the first five shown with their exception and base64 bytes; copy them to
# crashes/HARNESS/ as regression inputs), 2 on a usage or setup error.
# Needs afl++ (Debian: apt-get install afl++). Work files go to $MTRACE_FUZZ_WORK (default: /tmp/mtrace-fuzz);
# MTRACE_FUZZ_RESUME=1 resumes the last campaign of HARNESS instead of starting over.
set -euo pipefail
if [ $# -ne 2 ] || ! [[ $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 HARNESS SECONDS   (harnesses: mtrace-fuzz --list)" >&2
  exit 2
fi
harness=$1
seconds=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${MTRACE_FUZZ_WORK:-/tmp/mtrace-fuzz}
command -v afl-fuzz >/dev/null || { echo "fuzz.sh: afl-fuzz not found; apt-get install afl++" >&2; exit 2; }
[ -d "$here/corpus/$harness" ] || { echo "fuzz.sh: no corpus/$harness" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
cd "$root"
dotnet tool restore >/dev/null
dotnet build "$here/ModularTrace.Fuzz.csproj" -c Release -nologo -v:q -clp:ErrorsOnly -o "$work/build"

# Instrument a fresh copy: the build's own output must stay plain so incremental builds keep working.
bin="$work/bin-$harness"
rm -rf "$bin"
cp -r "$work/build" "$bin"
for dll in ModularTrace.Hooks.dll ModularTrace.Tracing.dll ModularTrace.Output.dll ModularTrace.Loader.dll ModularTrace.Control.dll ModularTrace.Signing.dll; do
  dotnet sharpfuzz "$bin/$dll" >/dev/null
done

out="$work/out-$harness"
# MTRACE_FUZZ_RESUME=1 continues the previous campaign (AFL_AUTORESUME keeps its queue and execs_done).
if [ "${MTRACE_FUZZ_RESUME:-0}" != 1 ]; then
  rm -rf "$out"
fi
# Shared CI and developer machines: no CPU pinning, no core_pattern or governor demands, plain log output.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 \
  AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1 DOTNET_TieredPGO=0
echo "fuzz.sh: afl-fuzz on '$harness' for ${seconds}s"
afl-fuzz -V "$seconds" -i "$here/corpus/$harness" -o "$out" -t 5000 -m none -- "$bin/ModularTrace.Fuzz" "$harness" >"$out.log" 2>&1 || {
  echo "fuzz.sh: afl-fuzz failed; last lines of $out.log:" >&2
  tail -20 "$out.log" >&2
  exit 2
}

stats="$out/default/fuzzer_stats"
value() { sed -n "s/^$1 *: *//p" "$stats"; }
crashes=$(find "$out/default/crashes" -type f ! -name README.txt 2>/dev/null | wc -l)
echo "fuzz.sh: $harness: execs_done $(value execs_done), execs_per_sec $(value execs_per_sec), corpus_count $(value corpus_count), bitmap_cvg $(value bitmap_cvg), saved_crashes $crashes, saved_hangs $(value saved_hangs), run_time $(value run_time)s"
if [ "$crashes" -gt 0 ]; then
  echo "fuzz.sh: $harness: afl found $crashes crashing input(s):" >&2
  find "$out/default/crashes" -type f ! -name README.txt >&2
  # The uninstrumented build shows each one's exception and bytes, so the log alone reproduces it.
  find "$out/default/crashes" -type f ! -name README.txt -print0 | head -z -n 5 |
    xargs -0 "$work/build/ModularTrace.Fuzz" --show "$harness" >&2 || true
  exit 1
fi
