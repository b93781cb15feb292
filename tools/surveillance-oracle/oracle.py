"""Expected values for Chartroom's detection methods from the reference implementations.

Builds several daily series (flat, seasonal, a planted outbreak, mostly zeros, short
history) with a fixed seed, runs CDC's pynssp (PyPI: alert_ewma, alert_regression,
alert_switch) and R's surveillance package (earsC C1/C2, algo.cusum; Debian
r-cran-surveillance) on them; builds longer daily series of the same shapes, sums them by
MMWR week and runs pynssp's alert_serfling and alert_nbinom and R's farringtonFlexible on
those; and writes crates/surveillance/tests/it/oracle.json, which the Rust test compares
within 1e-6.

Usage: python oracle.py OUT.json   (needs pynssp importable and Rscript on PATH)
"""
import json
import math
import os
import subprocess
import sys

import numpy as np
import pandas as pd
from pynssp import alert_ewma, alert_nbinom, alert_regression, alert_serfling, alert_switch

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


# The weekly series: daily counts from a Wednesday (so the first part week is dropped), 320
# complete MMWR weeks after it (Farrington tests from week 264); Serfling and the negative
# binomial model fit the first 156 (three years).
WEEKLY_START = "2019-01-02"
FIRST_SUNDAY = 4
WEEKS = 320
BASELINE_WEEKS = 156


def weekly_series():
    rng = np.random.default_rng(20261207)
    n = FIRST_SUNDAY + 7 * WEEKS + 3
    days = np.arange(n)
    flat = rng.poisson(20, n)
    seasonal = rng.poisson(20 + 15 * np.cos(2 * np.pi * (days - 20) / 365.25) + 5 * (days % 7 < 2))
    outbreak = rng.poisson(8, n)
    for week in (165, 290):
        start = FIRST_SUNDAY + 7 * week
        outbreak[start:start + 14] += rng.poisson(12, 14)
    zeros = rng.poisson(0.3, n)
    zeros[: FIRST_SUNDAY + 7 * 20] = 0
    short = rng.poisson(5, FIRST_SUNDAY + 7 * 100)
    return {
        "flat": flat,
        "seasonal": seasonal,
        "outbreak": outbreak,
        "zeros": zeros,
        "short": short,
    }


def weekly_frame(daily):
    weeks = (len(daily) - FIRST_SUNDAY) // 7
    counts = [int(daily[FIRST_SUNDAY + 7 * w: FIRST_SUNDAY + 7 * w + 7].sum()) for w in range(weeks)]
    dates = pd.date_range(WEEKLY_START, periods=len(daily))[FIRST_SUNDAY::7][:weeks]
    return pd.DataFrame({"date": dates, "count": counts})


def weekly(method, daily):
    df = weekly_frame(daily)
    if len(df) < 104:
        return []
    baseline_end = df["date"][min(BASELINE_WEEKS, len(df)) - 1]
    out = method(df, baseline_end=baseline_end)
    rows = []
    for w, r in out.iterrows():
        rows.append(
            {
                "day": FIRST_SUNDAY + 7 * int(w) + 6,
                "expected": num(r["estimate"]),
                "threshold": num(r["threshold"]),
                "alarm": bool(r["alarm"]),
            }
        )
    return rows


def farrington(daily):
    counts = weekly_frame(daily)["count"]
    text = subprocess.run(
        ["Rscript", os.path.join(HERE, "r_farrington.R"), ",".join(str(int(c)) for c in counts)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = []
    for line in text.splitlines():
        week, expected, upper, score, pvalue, alarm = line.split(",")
        rows.append(
            {
                "day": FIRST_SUNDAY + 7 * int(week) + 6,
                "expected": num(expected),
                "threshold": num(upper),
                "statistic": num(score),
                "p_value": num(pvalue),
                "alarm": alarm == "1",
            }
        )
    return rows


def num(x):
    if x == "NA":
        return None
    x = float(x)
    return None if math.isnan(x) else x


def ewma(counts, method=alert_ewma):
    df = pd.DataFrame(
        {"date": pd.date_range("2024-01-01", periods=len(counts)), "count": counts}
    )
    out = method(df).reset_index(drop=True)
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
        case = {
            "name": name,
            "counts": [int(c) for c in counts],
            "ewma": ewma(counts),
            "regression": ewma(counts, alert_regression),
            "switch": ewma(counts, alert_switch),
        }
        case.update(r_methods(counts))
        cases.append(case)
    weekly_cases = []
    for name, daily in weekly_series().items():
        weekly_cases.append(
            {
                "name": name,
                "first_day": WEEKLY_START,
                "baseline_weeks": BASELINE_WEEKS,
                "counts": [int(c) for c in daily],
                "serfling": weekly(alert_serfling, daily),
                "nbinom": weekly(alert_nbinom, daily),
                "farrington": farrington(daily),
            }
        )
    with open(sys.argv[1], "w") as f:
        json.dump(
            {
                "generated_by": "tools/surveillance-oracle/oracle.py",
                "cases": cases,
                "weekly_cases": weekly_cases,
            },
            f,
            separators=(",", ":"),
        )
        f.write("\n")


if __name__ == "__main__":
    main()
