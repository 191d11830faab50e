#!/usr/bin/env bash
# Story clustering on the sample world (fictional stories written with known labels), through
# the same `roundup cluster` command as the public sets. Fails below the floor.
set -euo pipefail
: "${ROUNDUP_BIN:?ROUNDUP_BIN must point at the roundup binary}"
: "${SHARED:?SHARED must point at the shared folder}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$ROUNDUP_BIN" demo --export-stories "$tmp/sample.jsonl" >/dev/null
"$ROUNDUP_BIN" cluster --jsonl "$tmp/sample.jsonl" --out "$tmp/sample.out"
line="$(python3 "$SHARED/eval/clustering/score.py" "$tmp/sample.jsonl" "$tmp/sample.out" | tail -1)"
echo "sample world: $line"
python3 - "$line" <<'PY'
import sys
tok = sys.argv[1].split()
vals = {tok[i]: float(tok[i + 1]) for i in range(0, len(tok) - 1, 2) if tok[i].startswith(("B3", "pair"))}
ok = vals["B3-F1"] >= 0.88 and vals["B3-P"] >= 0.95
print(f"sample world: B3-F1 {vals['B3-F1']:.4f} (floor 0.88) B3-P {vals['B3-P']:.4f} (floor 0.95) -> {'ok' if ok else 'BELOW FLOOR'}")
sys.exit(0 if ok else 1)
PY
