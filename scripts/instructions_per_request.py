#!/usr/bin/env python3
"""Instructions the server executes per request, counted by valgrind's callgrind (issue 16).

`http_bench.py` measures CPU time, which moves by up to a third between runs on a shared
virtual machine. Callgrind counts instructions instead: the same binary, data and requests give
the same count whatever else the machine is doing, so two builds can be compared to a percent.
Instructions are not time (a context switch or a cache miss costs more than its instructions),
so this tells which build does less work, not how fast either is.

Loads the demo into a fresh data directory with the binary itself (natively), signs in, then
serves that directory under callgrind and, for each request of `http_bench.py`'s table, zeroes
the counters, sends `--requests` of it one after another on one keep-alive connection and reads
the total. The server's idle work in that window (the translations' poll every five seconds) is
counted with it; it is small beside a few hundred requests.

    python3 scripts/instructions_per_request.py --bin target/release/pacesetter [--bin OTHER ...]

`--keep DIR` keeps each row's profile (`callgrind_annotate DIR/after-1-0.callgrind` names the
functions). Several `--bin`s are measured one after the other on the same requests and printed side by side.
"""

import argparse
import glob
import json
import os
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from http_bench import session_cookie  # noqa: E402
from soak import Client, free_port, sign_in, wait_healthy  # noqa: E402


def prepare(binary, data_dir, env):
    """Loads the demo into `data_dir` and returns what the requests need (tokens, cookies, ids)."""
    port = free_port()
    server = subprocess.Popen([binary, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        wait_healthy(port, server, seconds=300)
        liaison, office = sign_in(port, "lhasa"), sign_in(port, "office")
        liaison_page, office_page = session_cookie(port, "lhasa"), session_cookie(port, "office")
        _, _, body = Client(port, liaison).request("GET", "/api/v1/assignments?per_page=1")
        assignment = json.loads(body)["items"][0]["assignment"]["id"]
        _, _, body = Client(port, office).request("GET", "/api/v1/campaigns")
        campaign = json.loads(body)[0]["id"]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    bearer = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    cookie = lambda value: {"Cookie": value}  # noqa: E731
    return [
        ("/api/v1/health", "/api/v1/health", {}),
        ("one assignment (liaison, JSON)", f"/api/v1/assignments/{assignment}", bearer(liaison)),
        ("my tasks (liaison, JSON)", "/api/v1/assignments", bearer(liaison)),
        ("my tasks page (liaison, HTML)", "/assignments", cookie(liaison_page)),
        ("assignments, 100 rows (office, JSON)", "/api/v1/assignments?per_page=100", bearer(office)),
        ("dashboard page (office, HTML)", f"/campaigns/{campaign}/dashboard", cookie(office_page)),
    ]


def total_instructions(path):
    with open(path) as dump:
        for line in dump:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise SystemExit(f"no total in {path}")


def control(command, pid):
    subprocess.run(["callgrind_control", command, str(pid)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(binary, data_dir, cases, requests, env, workdir, keep):
    """Instructions per request of each case, under callgrind."""
    port = free_port()
    out = os.path.join(workdir, "callgrind.out")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve",
         "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    counts = []
    try:
        wait_healthy(port, server, seconds=600)
        for label, path, headers in cases:
            client = Client(port)
            for _ in range(20):  # caches, prepared statements and pool connections warm
                status, _, _ = client.request("GET", path, headers=headers)
            if status != 200:
                raise SystemExit(f"{label}: {status}")
            control("--zero", server.pid)
            for _ in range(requests):
                client.request("GET", path, headers=headers)
            for stale in glob.glob(out + ".*"):
                os.remove(stale)
            control("--dump", server.pid)
            dumps = sorted(glob.glob(out + ".*"))
            if not dumps:
                raise SystemExit("callgrind wrote no dump")
            counts.append(sum(total_instructions(d) for d in dumps) / requests)
            if keep:
                for n, dump in enumerate(dumps):
                    os.replace(dump, os.path.join(keep, f"{os.path.basename(binary)}-{len(counts)}-{n}.callgrind"))
            print(f"  {label}: {counts[-1]:,.0f}", file=sys.stderr, flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=120)
        except subprocess.TimeoutExpired:
            server.kill()
    return counts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", action="append", required=True, help="a release server binary (repeatable)")
    parser.add_argument("--requests", type=int, default=300, help="requests counted per row")
    parser.add_argument("--keep", metavar="DIR", help="keep each row's profile here, for callgrind_annotate")
    parser.add_argument("--only", help="only the requests whose label matches this regular expression")
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="pacesetter-instructions-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACESETTER_")}
    env["PACESETTER_SECOND_FACTOR"] = "optional"
    data_dir = os.path.join(workdir, "data")
    cases = prepare(args.bin[0], data_dir, env)
    if args.only:
        cases = [case for case in cases if re.search(args.only, case[0])]
    columns = []
    for binary in args.bin:
        print(f"{binary}:", file=sys.stderr, flush=True)
        columns.append(measure(binary, data_dir, cases, args.requests, env, workdir, args.keep))
    header = "".join(f"{os.path.basename(b):>16}" for b in args.bin)
    print(f"{'instructions per request':40}{header}")
    for row, (label, _, _) in enumerate(cases):
        cells = "".join(f"{column[row]:>16,.0f}" for column in columns)
        print(f"{label:40}{cells}")


if __name__ == "__main__":
    main()
