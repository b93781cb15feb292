"""Splink (DuckDB) on the same planted records as `cargo bench -p mpi --bench full_match`.

Run: CHARTROOM_MPI_BENCH_CSV=target/mpi.csv cargo bench -p mpi --bench full_match, then
target/splink-venv/bin/python crates/mpi/splink/compare.py target/mpi.csv [P]
With P (as CHARTROOM_MPI_BENCH_CURVE=P for the bench) every pair at match probability P or
more is kept and precision and recall are printed at the bench's row of thresholds.
Settings mirror Chartroom's: the same blocking rules (exact names where Chartroom blocks on
Soundex, which DuckDB lacks), name, date, address and identifier comparisons, u from 2
million random pairs, m by EM per blocking rule, review at 0.8 and auto-link at 0.999.
"""

import sys
import time

import pandas as pd
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

path = sys.argv[1]
curve_from = float(sys.argv[2]) if len(sys.argv) > 2 else None
df = pd.read_csv(path, dtype=str, keep_default_na=False)
truth = dict(zip(df["unique_id"].astype(int), df["person"]))
family_birth = dict(zip(df["unique_id"].astype(int), zip(df["family"], df["birth_date"])))
df = df.drop(columns=["person"]).replace("", None)
df["birth_year"] = df["birth_date"].str[:4]
df["birth_month_day"] = df["birth_date"].str[5:]

started = time.perf_counter()
rules = [
    block_on("birth_date"),
    block_on("family", "birth_year"),
    block_on("given", "birth_month_day"),
    block_on("phone"),
    block_on("street", "zip"),
    block_on("ssn4", "birth_year"),
]
settings = SettingsCreator(
    link_type="dedupe_only",
    blocking_rules_to_generate_predictions=rules,
    comparisons=[
        cl.NameComparison("given"),
        cl.NameComparison("family"),
        cl.DateOfBirthComparison("birth_date", input_is_string=True),
        cl.ExactMatch("sex"),
        cl.JaroWinklerAtThresholds("street", [0.9]),
        cl.ExactMatch("zip"),
        cl.ExactMatch("phone"),
        cl.ExactMatch("ssn4"),
        cl.ExactMatch("other_mrn"),
    ],
    retain_intermediate_calculation_columns=False,
)
# Splink 5 registers the table with the database API first.
linker = Linker(DuckDBAPI().register(df), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("given", "family", "birth_date")], recall=0.7
)
linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
for rule in rules[:5]:
    linker.training.estimate_parameters_using_expectation_maximisation(rule)
pairs = linker.inference.predict(
    threshold_match_probability=min(0.8, curve_from) if curve_from is not None else 0.8
).as_pandas_dataframe()
elapsed = time.perf_counter() - started

by_person = {}
for uid, person in truth.items():
    by_person.setdefault(person, []).append(uid)
n_true = sum(len(v) * (len(v) - 1) // 2 for v in by_person.values())
right = [truth[int(a)] == truth[int(b)] for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"])]
pairs["right"] = right
if curve_from is not None:
    print("threshold     pairs     right  precision  recall")
    for t in [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999]:
        if t < curve_from:
            continue
        kept = pairs[pairs["match_probability"] >= t]
        n, r = len(kept), int(kept["right"].sum())
        print(f"{t:<9} {n:>9} {r:>9}  {r / n if n else 1:.4f}     {r / n_true:.4f}")
    pairs = pairs[pairs["match_probability"] >= 0.8]
auto = pairs[pairs["match_probability"] >= 0.999]
print(f"splink full match of {len(df)} records: {elapsed:.1f} s, {len(pairs)} pairs at or above 0.8")
print(f"true pairs          {n_true}")
print(f"automatic links     {len(auto)} ({int(auto['right'].sum())} right): precision {auto['right'].mean():.4f}, recall {auto['right'].sum() / n_true:.4f}")
print(f"links + review      precision {pairs['right'].mean():.4f}, recall {pairs['right'].sum() / n_true:.4f}")
# Different people of one family name and birth date: the planted twins.
twins = [
    not r and family_birth[int(a)] == family_birth[int(b)]
    for a, b, r in zip(auto["unique_id_l"], auto["unique_id_r"], auto["right"])
]
print(f"twins (different people, same family and birth date) linked automatically: {sum(twins)}")
