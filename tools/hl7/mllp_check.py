#!/usr/bin/env python3
"""Runs python-hl7's mllp_send against `chartroom mllp` and checks every ACK.

Usage: mllp_check.py CHARTROOM_BINARY MLLP_SEND [PYTHON_WITH_HL7]

Starts the listener on a free loopback port with a temporary data directory, sends
good.hl7 (every ACK must be AA) and bad.hl7 (AE with ERR segments), checks that
`chartroom hl7 vxu` prints a VXU^V04 python-hl7 can parse, sends case.hl7 (a positive
pertussis PCR, a reportable-condition trigger) and checks that `chartroom report case send
--oru -` prints an ORU^R01 python-hl7 can parse, sends unlink.hl7 (two registrations, an
ADT^A40 merging them and an ADT^A37 undoing it: every ACK AA) and checks that `chartroom hl7
a37 1` prints an ADT^A37 with two PID segments python-hl7 can parse, that `chartroom report syndromic` writes a
batch of the visits the listener stored today that python-hl7 reads as one file of one
batch, and stops the listener.
"""
import datetime
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def acks(raw):
    """The ACK messages in mllp_send's output (raw MLLP frames, one a line)."""
    frames = re.findall(rb"\x0b(.*?)\x1c", raw, re.S)
    return [f.decode("utf-8") for f in frames]


def msa(ack):
    for seg in ack.split("\r"):
        if seg.startswith("MSA|"):
            return seg.split("|")[1]
    return None


def send(mllp_send, port, name):
    path = os.path.join(HERE, name)
    out = subprocess.run(
        [mllp_send, "--loose", "-p", str(port), "-f", path, "127.0.0.1"],
        capture_output=True,
        timeout=60,
    )
    if out.returncode != 0:
        sys.exit(f"mllp_send {name} failed: {out.stderr.decode(errors='replace')}")
    with open(path, "rb") as f:
        sent = f.read().count(b"MSH|^~\\&|")
    got = acks(out.stdout)
    if len(got) != sent:
        sys.exit(f"{name}: sent {sent} messages, got {len(got)} ACKs")
    return got


def check_oru(chartroom, mllp_send, port, env, python):
    """A positive pertussis PCR makes a case; its ORU^R01 must parse with python-hl7."""
    if [msa(a) for a in send(mllp_send, port, "case.hl7")] != ["AA"]:
        sys.exit("case.hl7: expected AA")
    added = subprocess.run(
        [chartroom, "user", "add", "phcheck", "--role", "public-health", "--password-stdin"],
        input=b"Correct-Horse-42\n", capture_output=True, env=env, timeout=120,
    )
    if added.returncode != 0:
        sys.exit(f"chartroom user add failed: {added.stderr.decode(errors='replace')}")
    listed = subprocess.run(
        [chartroom, "--json", "report", "case", "list", "--as", "phcheck"],
        capture_output=True, env=env, timeout=60,
    )
    if listed.returncode != 0:
        sys.exit(f"chartroom report case list failed: {listed.stderr.decode(errors='replace')}")
    import json
    cases = [c for c in json.loads(listed.stdout)["cases"] if c["condition"] == "pertussis"]
    if len(cases) != 1:
        sys.exit(f"expected one pertussis case, got: {listed.stdout.decode()}")
    sent = subprocess.run(
        [chartroom, "report", "case", "send", str(cases[0]["id"]), "--oru", "-", "--as", "phcheck"],
        capture_output=True, env=env, timeout=60,
    )
    if sent.returncode != 0:
        sys.exit(f"chartroom report case send failed: {sent.stderr.decode(errors='replace')}")
    text = sent.stdout.decode().strip().replace("\n", "\r")
    check = subprocess.run(
        [python, "-c",
         "import hl7,sys; m=hl7.parse(sys.stdin.read()); "
         "assert str(m.segment('MSH')[9]) == 'ORU^R01^ORU_R01', m.segment('MSH')[9]; "
         "assert str(m.segment('OBX')[3][0][0]) == '43913-3', m.segment('OBX')[3]; "
         "print(len(m.segments('OBX')))"],
        input=text.encode(), capture_output=True, timeout=60,
    )
    if check.returncode != 0 or check.stdout.strip() != b"1":
        sys.exit(f"python-hl7 could not read the ORU: {check.stderr.decode()}\n{text}")


def check_unlink(chartroom, mllp_send, port, env, python):
    """A merge and its undoing arrive (A40, A37); the A37 of that unmerge must parse."""
    codes = [msa(a) for a in send(mllp_send, port, "unlink.hl7")]
    if codes != ["AA"] * 4:
        sys.exit(f"unlink.hl7: expected 4 AA, got {codes}")
    out = subprocess.run(
        [chartroom, "hl7", "a37", "1"], capture_output=True, env=env, timeout=60
    )
    if out.returncode != 0:
        sys.exit(f"chartroom hl7 a37 failed: {out.stderr.decode(errors='replace')}")
    text = out.stdout.decode().strip().replace("\n", "\r")
    check = subprocess.run(
        [python, "-c",
         "import hl7,sys; m=hl7.parse(sys.stdin.read()); "
         "assert str(m.segment('MSH')[9]) == 'ADT^A37^ADT_A37', m.segment('MSH')[9]; "
         "p=m.segments('PID'); "
         "assert [str(x[3][0][0]) for x in p] == ['LNK-1', 'LNK-2'], [str(x[3]) for x in p]; "
         "print(len(p))"],
        input=text.encode(), capture_output=True, timeout=60,
    )
    if check.returncode != 0 or check.stdout.strip() != b"2":
        sys.exit(f"python-hl7 could not read the A37: {check.stderr.decode()}\n{text}")


def main():
    chartroom, mllp_send = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, CHARTROOM_DATA_DIR=data)
        env.pop("CHARTROOM_DATABASE_URL", None)
        listener = subprocess.Popen(
            [chartroom, "mllp", "--listen", "127.0.0.1:0", "--quiet"],
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            line = listener.stdout.readline().decode()
            m = re.search(r"127\.0\.0\.1:(\d+)", line)
            if not m:
                sys.exit(f"chartroom mllp did not say where it listens: {line!r}")
            port = int(m.group(1))
            good = send(mllp_send, port, "good.hl7")
            codes = [msa(a) for a in good]
            if codes != ["AA"] * len(good):
                sys.exit("good.hl7: expected every ACK AA, got:\n" + "\n\n".join(good))
            bad = send(mllp_send, port, "bad.hl7")
            if [msa(a) for a in bad] != ["AE"] or bad[0].count("\rERR|") != 3:
                sys.exit("bad.hl7: expected AE with 3 ERR segments, got:\n" + "\n".join(bad))
            vxu = subprocess.run(
                [chartroom, "hl7", "vxu", "432155"], capture_output=True, env=env, timeout=60
            )
            if vxu.returncode != 0:
                sys.exit(f"chartroom hl7 vxu failed: {vxu.stderr.decode(errors='replace')}")
            text = vxu.stdout.decode().strip().replace("\n", "\r")
            if len(sys.argv) > 3:
                check = subprocess.run(
                    [sys.argv[3], "-c",
                     "import hl7,sys; m=hl7.parse(sys.stdin.read()); "
                     "assert str(m.segment('MSH')[9]) == 'VXU^V04^VXU_V04', m.segment('MSH')[9]; "
                     "print(len(m.segments('RXA')))"],
                    input=text.encode(), capture_output=True, timeout=60,
                )
                if check.returncode != 0 or check.stdout.strip() != b"2":
                    sys.exit(f"python-hl7 could not read the VXU: {check.stderr.decode()}\n{text}")
            if len(sys.argv) > 3:
                check_oru(chartroom, mllp_send, port, env, sys.argv[3])
                check_unlink(chartroom, mllp_send, port, env, sys.argv[3])
                day = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
                out = os.path.join(data, "syndromic.hl7")
                batch = subprocess.run(
                    [chartroom, "report", "syndromic", "--day", day, "--out", out],
                    capture_output=True, env=env, timeout=60,
                )
                if batch.returncode != 0:
                    sys.exit(f"chartroom report syndromic failed: {batch.stderr.decode(errors='replace')}")
                check = subprocess.run(
                    [sys.argv[3], "-c",
                     "import hl7,sys; f=hl7.parse_file(open(sys.argv[1], 'rb').read()); "
                     "assert len(f) == 1, len(f); b=f[0]; "
                     "assert all(str(m.segment('MSH')[9][0][0]) == 'ADT' for m in b); "
                     "assert all(str(m.segment('PID')[5]).endswith('S') for m in b); "
                     "assert int(str(b.trailer[1])) == len(b), (str(b.trailer), len(b)); "
                     "print(len(b))", out],
                    capture_output=True, timeout=60,
                )
                if check.returncode != 0 or int(check.stdout.strip() or b"0") < 1:
                    sys.exit(f"python-hl7 could not read the syndromic batch: {check.stderr.decode()}{check.stdout.decode()}")
            print(f"mllp_send: {len(good)} messages AA, 1 bad message AE; hl7 vxu, the case's ORU^R01, hl7 a37 and the syndromic batch re-parsed by python-hl7")
        finally:
            listener.terminate()
            listener.wait(timeout=10)


if __name__ == "__main__":
    main()
