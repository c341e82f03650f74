#!/usr/bin/env python3
"""Crash durability: SIGKILL the server while units post progress, many times; nothing it
acknowledged may be lost, and the audit chain must stay intact.

Starts `pacesetter demo` on a fresh data directory (SQLite) or a fresh PostgreSQL database, then
for each of KILLS rounds: several liaisons post progress updates, each with a narrative no other
update has, and the server is killed with SIGKILL at a random moment; it is started again on the
same data. At the end every update the server answered 200 to must be in its assignment's
history, and `pacesetter audit verify` must find the chain intact. A heavy run, not part of CI:
run it before each release.

    python3 scripts/crash.py --bin target/release/pacesetter --kills 20
    python3 scripts/crash.py --bin target/release/pacesetter --kills 20 \\
        --postgres postgres://postgres@127.0.0.1:5432/postgres
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import Client, discover, free_port, sign_in, wait_healthy, writable  # noqa: E402


def start(args, port, data_dir, database):
    command = [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir]
    if database:
        command += ["--database", database]
    env = {k: v for k, v in os.environ.items() if k != "PACESETTER_DATABASE_URL"}
    log = open(os.path.join(data_dir, "server.log"), "ab")
    return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)


def writer(port, token, assignment, marker, stop, acknowledged, lock):
    client = Client(port, token)
    path = f"/api/v1/assignments/{assignment}"
    n = 0
    while not stop.is_set():
        try:
            status, etag, payload = client.request("GET", path)
            if status != 200:
                continue
            record = json.loads(payload)["assignment"]
            n += 1
            narrative = f"{marker}-{n}"
            body = {"percent": record["percent"], "narrative": narrative}
            status, _, _ = client.request("POST", f"{path}/updates", body, {"If-Match": etag})
            if status == 200:
                with lock:
                    acknowledged.append((assignment, token, narrative))
        except Exception:  # noqa: BLE001 - the server is being killed; only acknowledgements count
            client.conn = None
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/debug/pacesetter")
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--postgres", help="an admin URL: a fresh database is made on that server and dropped after")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="pacesetter-crash-")
    database = None
    if args.postgres:
        name = f"pacesetter_crash_{random.randrange(1 << 30)}"
        subprocess.run(["psql", args.postgres, "-qc", f"CREATE DATABASE {name}"], check=True)
        database = args.postgres.rsplit("/", 1)[0] + "/" + name
    port = free_port()
    acknowledged, lock = [], threading.Lock()
    problems = []
    child = start(args, port, data_dir, database)
    try:
        wait_healthy(port, child, seconds=180)
        office = sign_in(port, "office")
        campaign, _ = discover(port, office)
        liaisons = [sign_in(port, name) for name in ("lhasa", "shigatse", "qamdo", "nyingchi", "shannan")]
        targets = writable(port, liaisons, campaign, args.writers)
        rng = random.Random(7)
        for round_ in range(args.kills):
            stop = threading.Event()
            threads = [
                threading.Thread(target=writer, args=(port, token, assignment, f"crash{round_}w{i}", stop, acknowledged, lock))
                for i, (token, assignment) in enumerate(targets)
            ]
            for thread in threads:
                thread.start()
            time.sleep(rng.uniform(0.3, 2.0))
            child.kill()
            child.wait()
            stop.set()
            for thread in threads:
                thread.join(timeout=30)
            child = start(args, port, data_dir, database)
            wait_healthy(port, child, seconds=180)
        # Every acknowledged update is in its assignment's history.
        histories = {}
        missing = []
        for assignment, token, narrative in acknowledged:
            if assignment not in histories:
                _, _, payload = Client(port, token).request("GET", f"/api/v1/assignments/{assignment}")
                histories[assignment] = {event.get("comment") for event in json.loads(payload)["history"]}
            if narrative not in histories[assignment]:
                missing.append(narrative)
        print(f"crash: {args.kills} SIGKILLs during progress updates by {len(targets)} liaisons "
              f"({'PostgreSQL' if database else 'SQLite'}); {len(acknowledged)} updates acknowledged, {len(missing)} lost")
        if missing:
            problems.append(f"acknowledged updates lost: {missing[:10]}")
        if len(acknowledged) < args.kills:
            problems.append("too few updates were acknowledged to mean anything")
    finally:
        child.terminate()
        child.wait(timeout=30)
    verify = [args.bin, "audit", "verify", "--data-dir", data_dir] + (["--database", database] if database else [])
    result = subprocess.run(verify, capture_output=True, text=True,
                            env={k: v for k, v in os.environ.items() if k != "PACESETTER_DATABASE_URL"})
    print(f"crash: {result.stdout.strip()}")
    if result.returncode != 0:
        problems.append(f"audit verify: {result.stdout.strip()} {result.stderr.strip()}")
    if database:
        subprocess.run(["psql", args.postgres, "-qc", f"DROP DATABASE IF EXISTS {database.rsplit('/', 1)[1]} WITH (FORCE)"])
    shutil.rmtree(data_dir, ignore_errors=True)
    if problems:
        for problem in problems:
            print(f"crash: FAILED: {problem}")
        return 1
    print("crash: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
