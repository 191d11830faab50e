#!/usr/bin/env bash
# Story clustering quality: runs both clustering dev sets through `roundup cluster` and the
# shared scorer; fails when B-cubed F1 or precision drops below the floors (set a little under
# the measured figures, see crates/roundup-cluster docs / the commit that set them).
set -euo pipefail
: "${ROUNDUP_BIN:?ROUNDUP_BIN must point at the roundup binary}"
: "${SHARED:?SHARED must point at the shared folder}"
dir="$SHARED/eval/clustering"
if [ ! -d "$dir" ]; then echo "cluster eval: $dir not found, skipping"; exit 0; fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name min_f1 min_p
  local name="$1" min_f1="$2" min_p="$3"
  "$ROUNDUP_BIN" cluster --jsonl "$dir/$name.jsonl" --out "$tmp/$name.out"
  local line
  line="$(python3 "$dir/score.py" "$dir/$name.jsonl" "$tmp/$name.out" | tail -1)"
  echo "$name: $line"
  python3 - "$line" "$min_f1" "$min_p" "$name" <<'PY' || fail=1
import sys
line, min_f1, min_p, name = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
tok = line.split()
vals = {tok[i]: float(tok[i + 1]) for i in range(0, len(tok) - 1, 2) if tok[i].startswith(("B3", "pair"))}
ok = vals["B3-F1"] >= min_f1 and vals["B3-P"] >= min_p
print(f"{name}: B3-F1 {vals['B3-F1']:.4f} (floor {min_f1}) B3-P {vals['B3-P']:.4f} (floor {min_p}) -> {'ok' if ok else 'BELOW FLOOR'}")
sys.exit(0 if ok else 1)
PY
}
check uci-headlines-dev 0.89 0.91
check ecbplus-dev 0.89 0.95
exit $fail
