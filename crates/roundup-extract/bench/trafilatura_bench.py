#!/usr/bin/env python3
"""Time Python trafilatura on a directory of *.html / *.html.gz pages, in one process.

usage: trafilatura_bench.py DIR [PRED.json]

Pages are read and decompressed first; only the trafilatura.extract calls are timed (no
interpreter start-up, no imports, no I/O), single-threaded. Prints pages/s and MB/s; writes
the benchmark prediction format to PRED.json when given, so its F1 can be scored the same way.
Setup: python3 -m venv /work/venv-traf && /work/venv-traf/bin/pip install trafilatura lxml_html_clean
"""
import gzip
import json
import os
import sys
import time

import trafilatura


def main(argv):
    if not argv:
        sys.exit(__doc__)
    d = argv[0]
    pages = []
    for name in sorted(os.listdir(d)):
        if name.endswith(".html.gz"):
            key, raw = name[: -len(".html.gz")], gzip.open(os.path.join(d, name)).read()
        elif name.endswith(".html"):
            key, raw = name[: -len(".html")], open(os.path.join(d, name), "rb").read()
        else:
            continue
        pages.append((key, raw))
    total = sum(len(r) for _, r in pages)
    out = {}
    t0 = time.perf_counter()
    for key, raw in pages:
        text = trafilatura.extract(raw.decode("utf-8", "replace"))
        out[key] = {"articleBody": text or ""}
    dt = time.perf_counter() - t0
    print(f"trafilatura {trafilatura.__version__}: {len(pages)} pages ({total / 1e6:.1f} MB) in {dt:.2f}s: "
          f"{len(pages) / dt:.1f} pages/s, {total / 1e6 / dt:.2f} MB/s")
    if len(argv) > 1:
        json.dump(out, open(argv[1], "w"), ensure_ascii=False)


if __name__ == "__main__":
    main(sys.argv[1:])
