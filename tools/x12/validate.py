#!/usr/bin/env python3
"""Validates every X12 file Chartroom's tests kept with pyx12, an independent validator.

Usage: validate.py X12VALID DIR

DIR holds the files the claims tests wrote (CHARTROOM_X12_SAMPLES). Each must be accepted:
pyx12 prints "FILE: OK" on stderr and writes a 999 acknowledgment next to the file whose
IK5 is "A". The exit status of x12valid is not used: it is 1 for a valid file too.
A 999 Chartroom wrote as a payer passes on the OK line (pyx12 does not acknowledge an
acknowledgment). As a control, a copy of the first 837 with its billing provider name removed must be
rejected, so a validator that accepts everything cannot pass this check.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile


def validate(x12valid, path):
    """(accepted, pyx12's report) for one file."""
    out = subprocess.run([x12valid, path], capture_output=True, timeout=1800, text=True)
    report = out.stdout + out.stderr
    ok_line = f"{os.path.basename(path)}: OK" in report
    ack_path = next(
        (path + ext for ext in (".999", ".997") if os.path.exists(path + ext)), None
    )
    ack = open(ack_path).read() if ack_path else ""
    statuses = re.findall(r"IK5\*(\w)", ack)
    # pyx12 acknowledges no acknowledgment: a 999 Chartroom wrote (GS01 FA) is judged by
    # the OK line alone, which pyx12 prints only when the file passed its 999 map.
    text = open(path).read()
    if text[106:].startswith(f"GS{text[3]}FA{text[3]}"):
        return ok_line, report
    accepted = ok_line and statuses and all(s == "A" for s in statuses)
    return accepted, report


def main():
    x12valid, directory = sys.argv[1], sys.argv[2]
    files = sorted(
        os.path.join(directory, f)
        for f in os.listdir(directory)
        if f.endswith(".x12")
    )
    if not files:
        sys.exit(f"no .x12 files in {directory}: did the claims tests run with CHARTROOM_X12_SAMPLES?")
    failed = []
    for path in files:
        accepted, report = validate(x12valid, path)
        print(f"pyx12 {'accepted' if accepted else 'REJECTED'}: {os.path.basename(path)}")
        if not accepted:
            failed.append((path, report))
    with tempfile.TemporaryDirectory() as tmp:
        broken = os.path.join(tmp, "broken.x12")
        # The control is an 837 (a 999 names no billing provider).
        claims = [f for f in files if re.search(r"NM1.85.2.", open(f).read())]
        if not claims:
            sys.exit(f"no 837 among the files in {directory}: the control needs one")
        text = open(claims[0]).read()
        # The element separator is the ISA's fourth character (a file may choose its own).
        e = re.escape(text[3])
        text = re.sub(
            rf"NM1{e}85{e}2{e}[^{e}]*{e}", f"NM1{text[3]}85{text[3]}2{text[3]}{text[3]}", text, count=1
        )
        open(broken, "w").write(text)
        accepted, _ = validate(x12valid, broken)
        if accepted:
            failed.append((broken, "pyx12 accepted a file with no billing provider name"))
    for path, report in failed:
        print(f"--- {path}\n{report[-4000:]}", file=sys.stderr)
    if failed:
        sys.exit(f"{len(failed)} X12 file(s) failed the pyx12 check")
    print(f"pyx12: all {len(files)} X12 file(s) Chartroom wrote are valid")


if __name__ == "__main__":
    main()
