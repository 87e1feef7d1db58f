#!/usr/bin/env bash
# Fuzz/run.sh [SECONDS] [TARGET...]: builds the libFuzzer targets (Fuzz/Package.swift) with the fuzzer
# and AddressSanitizer, then runs each target for SECONDS (default 60) on its seeds in Fuzz/corpus/TARGET,
# one after another (each keeps one core busy). Inputs found along the way go to .build/corpus/TARGET,
# not into the repository. A crash, a leak, a hang of 10 s or a property broken stops the run (exit 1)
# and leaves the input in Fuzz/crashes/; make it a test in the normal suite, fix it, delete the file.
set -euo pipefail
cd "$(dirname "$0")"
export PATH="/opt/swift/usr/bin:$PATH"

seconds=${1:-60}
shift || true
case "$seconds" in ''|*[!0-9]*) echo "usage: Fuzz/run.sh [SECONDS] [TARGET...]; SECONDS is a whole number" >&2; exit 2 ;; esac
all=(FuzzBinaryWire FuzzSyncJSON FuzzPushChecks FuzzCSV FuzzPO FuzzForms FuzzScanXLSX FuzzScanDOCX FuzzScanMIME FuzzScanJSON FuzzScanZip FuzzScanGzip)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all[@]}"); fi

# FUZZ_CONFIGURATION=debug builds in half the time, for short runs (CI); release finds more in a long one.
configuration=${FUZZ_CONFIGURATION:-release}
echo "building the fuzz targets ($configuration, -sanitize=fuzzer,address)..."
build=(swift build -c "$configuration" -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
log=.build/fuzz-build.log
mkdir -p .build crashes
if ! "${build[@]}" >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "the fuzz build failed (whole log: Fuzz/$log)" >&2
  exit 1
fi
bin=$("${build[@]}" --show-bin-path)

# A small leak in Foundation's XML parser (not ours, see the file) is not counted.
export SWIFT_BACKTRACE=enable=no  # let ASan report a crash, not the runtime's backtracer
export LSAN_OPTIONS="suppressions=$PWD/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
failed=0
for target in "${targets[@]}"; do
  work=.build/corpus/$target
  mkdir -p "$work" "corpus/$target"
  out=.build/$target.log
  started=$(date +%s)
  # Found inputs go to the first folder; the committed seeds are only read.
  if "$bin/$target" "$work" "corpus/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="crashes/$target-" >"$out" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
    echo "$target: $(( $(date +%s) - started )) s, ${runs:-?} inputs, no crash"
  else
    leak=$(sed -n 's/^artifact_prefix=.*; Test unit written to \(crashes\/.*leak-.*\)$/\1/p' "$out" | tail -n 1)
    if [ -n "$leak" ] && [ -f "$leak" ] && "$bin/$target" "$leak" >"$out.again" 2>&1; then
      # A leak counts when its input, run alone, leaks again. One that does not come back (seen once in CI on
      # FuzzForms, never again in 30 fresh local runs) is reported with its input kept, and not counted.
      echo "$target: $(( $(date +%s) - started )) s; a leak reported during the run did not come back when its input"
      echo "  ran alone, so it is not counted (report: Fuzz/$out, input: Fuzz/$leak)"
      continue
    fi
    failed=1
    echo "$target: FAILED after $(( $(date +%s) - started )) s; the input is in Fuzz/crashes/, the report:" >&2
    if grep -q "LeakSanitizer" "$out"; then
      # The leak's first allocation stacks say whose code it is.
      sed -n '/ERROR: LeakSanitizer/,/^SUMMARY/p' "$out" | grep -E "ERROR|leak of|#[0-9]+ " | head -n 30 >&2 || true
    else
      grep -m 1 -E "ERROR: |fuzz property broken|Fatal error|deadly signal|timeout" "$out" >&2 || tail -n 20 "$out" >&2
    fi
    echo "(whole report: Fuzz/$out)" >&2
  fi
done
exit "$failed"
