"""Mixed writers for the SIGKILL trial (tools/trials/kill.sh): FHIR Patient creates, FHIR
transaction Bundles (a Patient and two Observations each) and HL7 ADT^A04 messages over MLLP,
each on its own thread, until the server stops answering. Every acknowledgement (201, a
transaction's 200, an MLLP AA) is appended to a file as soon as it arrives, so what the writer
was told survives the kill; `check` then holds the store to exactly that.

Usage:
  kill_writers.py write BASE TOKEN MLLP_PORT TRIAL OUT_DIR
  kill_writers.py check OUT_DIR EXPORT_DIR
"""

import json
import os
import socket
import sys
import threading
import urllib.error
import urllib.request


def post(base, token, path, body):
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "content-type": "application/fhir+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read())


def record(out_dir, name, line):
    with open(os.path.join(out_dir, name), "a") as f:
        f.write(line + "\n")
        f.flush()


def patient(family, n):
    return {
        "resourceType": "Patient",
        "name": [{"family": family, "given": ["Kill%d" % n]}],
        "gender": "female",
        "birthDate": "1970-02-03",
    }


def creates(base, token, trial, out_dir, stop):
    n = 0
    while not stop.is_set():
        n += 1
        try:
            status, body = post(base, token, "/fhir/Patient", patient("Create%s" % trial, n))
        except (urllib.error.URLError, OSError, ValueError):
            return
        if status == 201:
            record(out_dir, "creates", body["id"])


def transactions(base, token, trial, out_dir, stop):
    n = 0
    while not stop.is_set():
        n += 1
        family = "Tx%s_%d" % (trial, n)
        observation = lambda code, value: {
            "fullUrl": "urn:uuid:obs-%s-%d-%s" % (trial, n, code),
            "resource": {
                "resourceType": "Observation",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
                "subject": {"reference": "urn:uuid:pat-%s-%d" % (trial, n)},
                "effectiveDateTime": "2026-01-15T10:00:00Z",
                "valueQuantity": {"value": value, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
            },
            "request": {"method": "POST", "url": "Observation"},
        }
        bundle = {
            "resourceType": "Bundle",
            "type": "transaction",
            "entry": [
                {
                    "fullUrl": "urn:uuid:pat-%s-%d" % (trial, n),
                    "resource": patient(family, n),
                    "request": {"method": "POST", "url": "Patient"},
                },
                observation("29463-7", 70 + n % 20),
                observation("3141-9", 71 + n % 20),
            ],
        }
        try:
            status, body = post(base, token, "/fhir", bundle)
        except (urllib.error.URLError, OSError, ValueError):
            return
        if status == 200:
            record(out_dir, "transactions", family)


def mllp(port, trial, out_dir, stop):
    n = 0
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    except OSError:
        return
    while not stop.is_set():
        n += 1
        mrn = "KILL-%s-%d" % (trial, n)
        message = "\r".join(
            [
                "MSH|^~\\&|TRIAL|KILL|CHARTROOM|CR|20260115100000||ADT^A04^ADT_A01|%s|P|2.5.1" % mrn,
                "EVN|A04|20260115100000",
                "PID|1||%s^^^KILL^MR||Mllp%s^Kill%d||19700203|F" % (mrn, trial, n),
                "PV1|1|O",
            ]
        )
        try:
            sock.sendall(b"\x0b" + message.encode() + b"\x1c\r")
            ack = b""
            while not ack.endswith(b"\x1c\r"):
                chunk = sock.recv(65536)
                if not chunk:
                    return
                ack += chunk
        except OSError:
            return
        if "MSA|AA" in ack.decode(errors="replace"):
            record(out_dir, "mllp", mrn)


def write(base, token, port, trial, out_dir):
    stop = threading.Event()
    threads = [
        threading.Thread(target=creates, args=(base, token, trial, out_dir, stop)),
        threading.Thread(target=transactions, args=(base, token, trial, out_dir, stop)),
        threading.Thread(target=mllp, args=(int(port), trial, out_dir, stop)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def lines(path):
    if not os.path.exists(path):
        return []
    return [line.strip() for line in open(path) if line.strip()]


def check(out_dir, export_dir):
    """Prints counts; exits 1 naming what is lost or half there."""
    patients = [json.loads(l) for l in lines(os.path.join(export_dir, "Patient.ndjson"))]
    observations = [json.loads(l) for l in lines(os.path.join(export_dir, "Observation.ndjson"))]
    ids = {p["id"] for p in patients}
    families = {}
    mrns = set()
    for p in patients:
        for name in p.get("name", []):
            families.setdefault(name.get("family", ""), []).append(p["id"])
        for identifier in p.get("identifier", []):
            mrns.add(identifier.get("value", ""))
    per_patient = {}
    for o in observations:
        ref = o.get("subject", {}).get("reference", "")
        per_patient[ref.split("/")[-1]] = per_patient.get(ref.split("/")[-1], 0) + 1
    problems = []
    acked_creates = lines(os.path.join(out_dir, "creates"))
    problems += ["acknowledged Patient %s is missing" % i for i in acked_creates if i not in ids]
    acked_tx = lines(os.path.join(out_dir, "transactions"))
    for family in acked_tx:
        if family not in families:
            problems.append("acknowledged transaction %s is missing" % family)
    # Every transaction that is there at all is there whole: its patient and both observations.
    stored_tx = [f for f in families if f.startswith("Tx")]
    for family in stored_tx:
        for pid in families[family]:
            if per_patient.get(pid, 0) != 2:
                problems.append("transaction %s is half there: %d observations" % (family, per_patient.get(pid, 0)))
    # An ADT^A04 registers the patient and opens the visit in one transaction: both or neither.
    encounters = {}
    for e in lines(os.path.join(export_dir, "Encounter.ndjson")):
        ref = json.loads(e).get("subject", {}).get("reference", "").split("/")[-1]
        encounters[ref] = encounters.get(ref, 0) + 1
    for family, pids in families.items():
        if family.startswith("Mllp"):
            for pid in pids:
                if encounters.get(pid, 0) != 1:
                    problems.append("ADT^A04 patient %s has %d visits" % (pid, encounters.get(pid, 0)))
    acked_mllp = lines(os.path.join(out_dir, "mllp"))
    problems += ["acknowledged ADT^A04 %s is missing" % m for m in acked_mllp if m not in mrns]
    print(
        "%d creates, %d transactions, %d MLLP messages acknowledged; %d transactions stored whole"
        % (len(acked_creates), len(acked_tx), len(acked_mllp), len(stored_tx))
    )
    if problems:
        print("\n".join(problems[:20]), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(*sys.argv[2:7])
    elif sys.argv[1] == "check":
        check(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
