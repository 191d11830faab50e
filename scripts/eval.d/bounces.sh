#!/usr/bin/env bash
# Bounce / complaint / auto-reply classification on ../shared/eval/bounces (586 messages).
# Fails when action accuracy or suppress precision drop below floors set a little under the
# measured figures. Needs ROUNDUP_BIN and SHARED (set by scripts/eval).
set -euo pipefail
: "${ROUNDUP_BIN:?set ROUNDUP_BIN}"
SHARED="${SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}"
DATA="$SHARED/eval/bounces"
if [ ! -d "$DATA/messages" ]; then
  echo "skip: $DATA not present"
  exit 0
fi
ACTION_FLOOR="${BOUNCES_ACTION_FLOOR:-0.965}"
PRECISION_FLOOR="${BOUNCES_SUPPRESS_P_FLOOR:-0.99}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$ROUNDUP_BIN" bounces classify --batch "$DATA/messages" --out "$tmp/pred.json"
line="$(python3 "$DATA/score.py" "$DATA/gold.json" "$tmp/pred.json" | tail -1)"
echo "bounces: $line"
python3 - "$line" "$ACTION_FLOOR" "$PRECISION_FLOOR" <<'PY'
import sys
parts = sys.argv[1].split()
vals = dict(zip(parts[0::2], parts[1::2]))
action, prec = float(vals["action"]), float(vals["suppress-P"])
floor_a, floor_p = float(sys.argv[2]), float(sys.argv[3])
bad = []
if action < floor_a:
    bad.append(f"action {action} < {floor_a}")
if prec < floor_p:
    bad.append(f"suppress-P {prec} < {floor_p}")
if bad:
    print("bounces: FAIL: " + "; ".join(bad))
    sys.exit(1)
print(f"bounces: ok (floors action {floor_a}, suppress-P {floor_p})")
PY
