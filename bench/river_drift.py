"""River's ADWIN and Page-Hinkley on the stream bench/drift.bench.ts wrote (one float per line).

Prints one JSON object: updates per second and the indices flagged, per detector. Run by the
bench with .venv-fixtures/bin/python (river 0.26.1) or .venv-bench.
"""
import json
import sys
import time

import river
from river import drift


def measure(make, xs):
    best = 0.0
    flagged = []
    for _ in range(5):
        d = make()
        hits = []
        t0 = time.perf_counter()
        for i, x in enumerate(xs):
            d.update(x)
            if d.drift_detected:
                hits.append(i)
        dt = time.perf_counter() - t0
        best = max(best, len(xs) / dt)
        flagged = hits
    return {"updatesPerSec": best, "detections": flagged}


def main():
    with open(sys.argv[1]) as f:
        xs = [float(line) for line in f if line.strip()]
    out = {
        "river": river.__version__,
        "python": sys.version.split()[0],
        "adwin": measure(drift.ADWIN, xs),
        "page-hinkley": measure(drift.PageHinkley, xs),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
