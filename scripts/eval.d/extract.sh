#!/usr/bin/env bash
# Article-extraction quality: batch-extract the scrapinghub benchmark pages with the release
# binary and score them; fails when F1 drops below the floor (measured 0.977, floor a little under).
set -euo pipefail
: "${ROUNDUP_BIN:?set ROUNDUP_BIN to the roundup binary}"
SHARED="${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
BENCH="$SHARED/eval/extraction/scrapinghub"
FLOOR="${EXTRACT_F1_FLOOR:-0.970}"
if [ ! -d "$BENCH/html" ]; then
  echo "extract: $BENCH not present, skipping"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$ROUNDUP_BIN" extract --batch "$BENCH/html" --out "$tmp/pred.json" --quiet
line="$(python3 "$SHARED/eval/extraction/score.py" "$BENCH/ground-truth.json" "$tmp/pred.json" | tail -n 1)"
echo "extract: $line (floor F1 $FLOOR)"
f1="$(echo "$line" | awk '{print $2}')"
python3 -c "import sys; sys.exit(0 if float('$f1') >= float('$FLOOR') else 1)" || {
  echo "extract: F1 $f1 below floor $FLOOR"
  exit 1
}
