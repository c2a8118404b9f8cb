#!/usr/bin/env bash
# Paired JMH runs for ratios on a noisy shared host: alternates one-fork JMH runs of benchmark A and benchmark B
# (same parameters, -prof gc), ROUNDS times, then prints each pair's time ratio A/B and allocation difference A-B,
# and their medians. Drift of the host over minutes hits both members of a pair alike.
#
#   benchmarks/paired.sh ROUNDS A B [JMH options...]
#   benchmarks/paired.sh 5 'PaymentsBenchmark.fraudDecision$' 'PaymentsBenchmark.fraudBareOnnxRuntime$' -p batch=1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="$here/target/benchmarks.jar"
rounds="$1"; a="$2"; b="$3"; shift 3
out="$(mktemp -d)"
run() { # name pattern round [JMH options...]
  local name="$1" pattern="$2" round="$3"
  shift 3
  java -jar "$jar" "$pattern" -f 1 -wi 3 -i 3 -prof gc -rf csv -rff "$out/$name-$round.csv" "$@" >/dev/null 2>&1 || {
    echo "paired.sh: JMH failed for $pattern" >&2; exit 1; }
}
score() { # file metric-suffix ("" for time, ":gc.alloc.rate.norm" for bytes)
  awk -F, -v m="$2" 'NR>1 { name=$1; gsub(/"/,"",name); if ((m=="" && name !~ /:/) || (m!="" && index(name, m))) print $5 }' "$1" | head -1
}
printf '%-6s %12s %12s %8s %10s %10s %10s\n' round "A time/op" "B time/op" "A/B" "A B/op" "B B/op" "A-B B/op"
for r in $(seq 1 "$rounds"); do
  run A "$a" "$r" "$@"
  run B "$b" "$r" "$@"
  ta=$(score "$out/A-$r.csv" ""); tb=$(score "$out/B-$r.csv" "")
  ga=$(score "$out/A-$r.csv" ":gc.alloc.rate.norm"); gb=$(score "$out/B-$r.csv" ":gc.alloc.rate.norm")
  awk -v r="$r" -v ta="$ta" -v tb="$tb" -v ga="$ga" -v gb="$gb" \
    'BEGIN { printf "%-6s %12.1f %12.1f %8.3f %10.2f %10.2f %10.2f\n", r, ta, tb, ta/tb, ga, gb, ga-gb }' \
    | tee -a "$out/pairs.txt"
done
sort -k4 -n "$out/pairs.txt" | awk '{ r[NR]=$4; d[NR]=$7 } END {
  n=NR; m=(n%2) ? r[(n+1)/2] : (r[n/2]+r[n/2+1])/2; printf "median A/B time ratio: %.3f (min %.3f, max %.3f)\n", m, r[1], r[n] }'
sort -k7 -n "$out/pairs.txt" | awk '{ d[NR]=$7 } END { n=NR; m=(n%2) ? d[(n+1)/2] : (d[n/2]+d[n/2+1])/2;
  printf "median A-B allocation: %.2f B/op\n", m }'
echo "raw JMH results: $out"
