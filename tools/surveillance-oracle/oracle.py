"""Expected values for Chartroom's detection methods from the reference implementations.

Builds several daily series (flat, seasonal, a planted outbreak, mostly zeros, short
history) with a fixed seed, runs CDC's pynssp (PyPI, alert_ewma) and R's surveillance
package (earsC C1/C2, algo.cusum; Debian r-cran-surveillance) on them, and writes
crates/surveillance/tests/it/oracle.json, which the Rust test compares within 1e-6.

Usage: python oracle.py OUT.json   (needs pynssp importable and Rscript on PATH)
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from pynssp import alert_ewma

HERE = os.path.dirname(os.path.abspath(__file__))


def series():
    rng = np.random.default_rng(20261205)
    days = np.arange(400)
    flat = rng.poisson(20, 120)
    seasonal = rng.poisson(20 + 15 * np.sin(2 * np.pi * days / 365) + 5 * (days % 7 < 2))
    outbreak = rng.poisson(8, 100)
    outbreak[70:77] += np.array([6, 12, 20, 25, 18, 10, 5])
    zeros = rng.poisson(0.3, 90)
    zeros[:20] = 0
    short = rng.poisson(5, 16)
    return {
        "flat": flat,
        "seasonal": seasonal,
        "outbreak": outbreak,
        "zeros": zeros,
        "short": short,
    }


def num(x):
    x = float(x)
    return None if math.isnan(x) else x


def ewma(counts):
    df = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=len(counts)), "count": counts}
    )
    out = alert_ewma(df)
    rows = []
    for i, r in out.iterrows():
        if math.isnan(r["p_value"]):
            continue
        rows.append(
            {
                "day": int(i),
                "expected": num(r["baseline_expected"]),
                "statistic": num(r["test_statistic"]),
                "p_value": num(r["p_value"]),
                "level": {"red": "red", "yellow": "yellow", "blue": "none"}[r["alert"]],
            }
        )
    return rows


def r_methods(counts):
    text = subprocess.run(
        ["Rscript", os.path.join(HERE, "r_methods.R"), ",".join(str(int(c)) for c in counts)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    out = {"c1": [], "c2": [], "cusum": []}
    for line in text.splitlines():
        method, day, a, b, c = line.split(",")
        if method in ("C1", "C2"):
            out[method.lower()].append(
                {"day": int(day), "threshold": num(a), "alarm": b == "1"}
            )
        else:
            out["cusum"].append(
                {"day": int(day), "statistic": num(a), "threshold": num(b), "alarm": c == "1"}
            )
    return out


def main():
    cases = []
    for name, counts in series().items():
        case = {"name": name, "counts": [int(c) for c in counts], "ewma": ewma(counts)}
        case.update(r_methods(counts))
        cases.append(case)
    with open(sys.argv[1], "w") as f:
        json.dump({"generated_by": "tools/surveillance-oracle/oracle.py", "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
