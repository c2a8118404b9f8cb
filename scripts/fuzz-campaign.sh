#!/usr/bin/env bash
# A longer fuzzing campaign than 'mvn verify' runs (docs/fuzzing.md): every fuzz target (or the ones named) for
# SECONDS each, PARALLEL at a time, through Jazzer's own command-line driver on the test classpath built once here.
# Logs and a summary (executions, coverage, findings per target) go to target/fuzz-campaign/.
#
#   scripts/fuzz-campaign.sh [-s SECONDS] [-j PARALLEL] [ClassName ...]
#   scripts/fuzz-campaign.sh -s 600 -j 2                       # 10 minutes per target, two at once
#   scripts/fuzz-campaign.sh -s 120 MappedIdIndexFuzzTest      # one target
#
# New corpus entries go to <module>/.cifuzz-corpus/<class>/<method> (kept between runs, ignored by git, replayed by
# later fuzzing); crashing inputs to <module>/src/test/resources/<package>/<Class>Inputs/<method>/crash-*, where
# the ordinary tests replay them.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds=600
parallel=2
while getopts "s:j:" opt; do
  case "$opt" in
    s) seconds="$OPTARG" ;;
    j) parallel="$OPTARG" ;;
    *) echo "usage: $0 [-s SECONDS] [-j PARALLEL] [ClassName ...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
out="$here/target/fuzz-campaign"
mkdir -p "$out"

echo "fuzz-campaign: compiling and resolving the test classpath..." >&2
(cd "$here" && mvn -B -q -pl runtime,cli -am test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/fuzz.classpath -Dmdep.includeScope=test) >&2
flags="$(cat "$here/features/target/classes/dev/pollen/jvm.flags")"
# A snapshot of the classes, so that building in the work tree meanwhile cannot change them under a running target.
for module in runtime cli; do
  rm -rf "$out/$module" && mkdir -p "$out/$module"
  cp -r "$here/$module/target/classes" "$here/$module/target/test-classes" "$out/$module/"
  cp "$here/$module/target/fuzz.classpath" "$out/$module/"
done

# module:fully.qualified.Class:method, one per @FuzzTest
mapfile -t all < <(cd "$here" && grep -rl --include='*FuzzTest.java' '@FuzzTest' runtime/src/test cli/src/test | sort |
  while read -r f; do
    module="${f%%/*}"
    class="$(echo "${f#*/src/test/java/}" | sed 's#/#.#g; s#\.java$##')"
    method="$(grep -A2 '@FuzzTest' "$f" | grep -oE 'void [a-zA-Z0-9_]+' | head -1 | cut -d' ' -f2)"
    echo "$module:$class:$method"
  done)

targets=()
for t in "${all[@]}"; do
  if [ $# -eq 0 ]; then targets+=("$t"); continue; fi
  for want in "$@"; do [[ "$t" == *".$want:"* ]] && targets+=("$t"); done
done
[ ${#targets[@]} -gt 0 ] || { echo "fuzz-campaign: no target matches: $*" >&2; exit 2; }

run_one() {
  local module="${1%%:*}" rest="${1#*:}"
  local class="${rest%%:*}" method="${rest#*:}"
  local simple="${class##*.}" pkg="${class%.*}"
  local dir="$here/$module"
  local corpus="$dir/.cifuzz-corpus/$class/$method"
  local seeds="$dir/src/test/resources/${pkg//.//}/${simple}Inputs/$method"
  mkdir -p "$corpus" "$seeds"
  echo "fuzz-campaign: $simple for ${seconds}s" >&2
  # JUnit's timeouts are off (the whole run is one invocation); each target's @Timeout becomes libFuzzer's -timeout.
  (cd "$dir" && exec java $flags -Xmx1g -Djunit.jupiter.execution.timeout.mode=disabled \
    -cp "$out/$module/test-classes:$out/$module/classes:$(cat "$out/$module/fuzz.classpath" | sed "s#$here/runtime/target/classes#$out/runtime/classes#g")" \
    com.code_intelligence.jazzer.Jazzer --target_class="$class" --target_method="$method" \
    -max_total_time="$seconds" "$corpus" "$seeds") > "$out/$simple.log" 2>&1
  echo "$simple exit $?" >> "$out/exit-codes"
}
export -f run_one
export here out seconds flags

: > "$out/exit-codes"
printf '%s\n' "${targets[@]}" | xargs -P "$parallel" -I{} bash -c 'run_one "$@" || true' _ {}

{
  printf '%-30s %12s %8s %8s %10s %s\n' target executions cov ft exec/s findings
  for t in "${targets[@]}"; do
    rest="${t#*:}"; class="${rest%%:*}"; simple="${class##*.}"; log="$out/$simple.log"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1 || true)"
    execs="$(grep -oE '^Done [0-9]+ runs' "$log" | grep -oE '[0-9]+' || echo "${last%% *}")"
    cov="$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)"
    ft="$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)"
    rate="$(echo "$last" | grep -oE 'exec/s: [0-9]+' | grep -oE '[0-9]+' || true)"
    found="$(grep -cE '^== Java Exception|artifact_prefix|Test unit written to' "$log" || true)"
    printf '%-30s %12s %8s %8s %10s %s\n' "$simple" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${rate:-?}" "$found"
  done
} | tee "$out/summary.txt"
