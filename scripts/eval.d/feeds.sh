#!/usr/bin/env bash
# Feed-parsing conformance: runs feedparser's test suite (../shared/eval/feeds/conformance.py)
# against `roundup parse-feed --json`. Fails when the pass rate over every suite except
# wellformed/sanitize drops below FEEDS_FLOOR, when any illformed/ case crashes or times out,
# or when the sanitize suite drops below FEEDS_SANITIZE_FLOOR. Needs ROUNDUP_BIN and SHARED
# (set by scripts/eval). Takes a few seconds.
set -euo pipefail
: "${ROUNDUP_BIN:?set ROUNDUP_BIN}"
SHARED="${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
DATA="$SHARED/eval/feeds"
if [ ! -f "$DATA/conformance.py" ] || [ ! -d "$DATA/feedparser" ]; then
  echo "skip: $DATA not present"
  exit 0
fi
FLOOR="${FEEDS_FLOOR:-0.99}"
SANITIZE_FLOOR="${FEEDS_SANITIZE_FLOOR:-0.975}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
timeout 110 python3 "$DATA/conformance.py" --parser "$ROUNDUP_BIN parse-feed --json" --json --jobs 4 > "$tmp/out.txt"
python3 - "$tmp/out.txt" "$FLOOR" "$SANITIZE_FLOOR" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
floor, sfloor = float(sys.argv[2]), float(sys.argv[3])
doc = next(json.loads(l) for l in reversed(lines) if l.startswith("{"))
suites = doc["suites"]
def rate(groups):
    p = sum(suites[g]["passed"] for g in groups)
    n = sum(suites[g]["passed"] + suites[g]["failed"] + suites[g]["errored"] for g in groups)
    return p, n, (p / n if n else 1.0)
main = [g for g in suites if g != "wellformed/sanitize"]
for g in sorted(suites):
    c = suites[g]
    print(f"feeds: {g:<28} {c['passed']:>4} passed {c['failed']:>3} failed {c['errored']:>3} errored {c['skipped']:>3} skipped")
p, n, r = rate(main)
sp, sn, sr = rate([g for g in suites if g == "wellformed/sanitize"])
crashes = sum(suites[g]["errored"] for g in suites if g.startswith("illformed"))
print(f"feeds: non-sanitize {p}/{n} = {r:.4f} (floor {floor}); sanitize {sp}/{sn} = {sr:.4f} (floor {sfloor}); illformed crashes/timeouts {crashes}")
bad = []
if r < floor:
    bad.append(f"non-sanitize pass rate {r:.4f} < {floor}")
if sn and sr < sfloor:
    bad.append(f"sanitize pass rate {sr:.4f} < {sfloor}")
if crashes:
    bad.append(f"{crashes} illformed cases crashed or timed out")
if bad:
    print("feeds: FAIL: " + "; ".join(bad))
    for f in doc["failures"]:
        if not f["case"].startswith("wellformed/sanitize"):
            print(f"  {f['outcome']} {f['case']}: {f['why'][:200]}")
    sys.exit(1)
print("feeds: ok")
PY
