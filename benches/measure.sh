# Sourced by the benchmark scripts: `measure NAME CMD...` runs CMD `$runs` times under GNU
# time, leaving its output in `$work/NAME.out`, and prints the best wall time (seconds) and that
# run's peak RSS (KB). Needs `$work` (a scratch directory) and `$runs` set by the caller.
measure() {
  local name=$1; shift
  local best_wall="" best_rss=""
  for _ in $(seq 1 "$runs"); do
    /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$work/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/$name.time")
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then best_wall=$wall; best_rss=$rss; fi
  done
  echo "$best_wall $best_rss"
}
