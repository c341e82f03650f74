#!/usr/bin/env python3
"""What a user's request costs end to end over HTTP, beside the machine's floor (issue 16).

Starts the release server on the demo campaign (a fresh data directory, a free 127.0.0.1 port)
and a bare axum route (`examples/bare_axum.rs`, the same runtime and HTTP stack doing nothing),
then runs `wrk` (Debian) against the bare route and each request below at 1, 8 and 32
connections. For each it prints requests per second, p50 and p99 latency, the server's CPU time
per request (from /proc, user + system) and its resident memory after the run, and the share of
the bare route's rate at the same connections. Bounded: `--seconds` per cell.

    cargo build --release -p pacesetter --example bare_axum
    python3 scripts/http_bench.py --bin target/release/pacesetter --bare target/release/examples/bare_axum
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import Client, PASSWORD, free_port, rss_mib, sign_in, wait_healthy  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def session_cookie(port, username):
    """A browser session for the pages, through the sign-in form."""
    import http.client
    import urllib.parse

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD, "next": "/"})
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Sec-Fetch-Site": "same-origin"},
    )
    response = conn.getresponse()
    response.read()
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("pacesetter_session="):
            return value.split(";", 1)[0]
    raise SystemExit(f"no session for {username}: {response.status}")


def wrk(url, connections, seconds, headers, script=None):
    command = ["wrk", "--latency", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)

    def percentile(p):
        match = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rate, total, percentile(50), percentile(99), int(non_2xx.group(1)) if non_2xx else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--bare", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]

    workdir = tempfile.mkdtemp(prefix="pacesetter-http-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACESETTER_")}
    env["RUST_LOG"] = "warn"
    port, bare_port = free_port(), free_port()
    server = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(workdir, "data")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    bare = subprocess.Popen([args.bare, f"127.0.0.1:{bare_port}"], stdout=subprocess.DEVNULL)
    rows = []
    try:
        wait_healthy(port, server, seconds=300)
        rss_start = rss_mib(server.pid)
        liaison = sign_in(port, "lhasa")
        office = sign_in(port, "office")
        liaison_page = session_cookie(port, "lhasa")
        office_page = session_cookie(port, "office")
        client = Client(port, liaison)
        _, _, body = client.request("GET", "/api/v1/assignments?per_page=1")
        assignment = json.loads(body)["items"][0]["assignment"]["id"]
        _, _, body = Client(port, office).request("GET", "/api/v1/campaigns")
        campaign = json.loads(body)[0]["id"]
        base = f"http://127.0.0.1:{port}"
        bearer = lambda token: [f"Authorization: Bearer {token}"]  # noqa: E731
        cases = [
            ("bare axum hello route", f"http://127.0.0.1:{bare_port}/hello", [], bare.pid),
            ("/api/v1/health", f"{base}/api/v1/health", [], server.pid),
            ("one assignment (liaison, JSON)", f"{base}/api/v1/assignments/{assignment}", bearer(liaison), server.pid),
            ("my tasks (liaison, JSON)", f"{base}/api/v1/assignments", bearer(liaison), server.pid),
            ("my tasks page (liaison, HTML)", f"{base}/assignments", [f"Cookie: {liaison_page}"], server.pid),
            ("assignments, 100 rows (office, JSON)", f"{base}/api/v1/assignments?per_page=100", bearer(office), server.pid),
            ("dashboard page (office, HTML)", f"{base}/campaigns/{campaign}/dashboard", [f"Cookie: {office_page}"], server.pid),
        ]
        floor = {}
        print(f"{'request':40} {'c':>3} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11} {'share':>7} {'non-2xx':>8}")
        for label, url, headers, pid in cases:
            for connections in levels:
                before = cpu_seconds(pid)
                rate, total, p50, p99, bad = wrk(url, connections, args.seconds, headers)
                cpu_us = (cpu_seconds(pid) - before) / max(total, 1) * 1e6
                if pid == bare.pid:
                    floor[connections] = rate
                share = rate / floor[connections] * 100 if floor.get(connections) else 100.0
                rows.append(
                    {"request": label, "connections": connections, "rps": rate, "p50_ms": p50, "p99_ms": p99,
                     "cpu_us": cpu_us, "share_percent": share, "non_2xx": bad}
                )
                print(f"{label:40} {connections:>3} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} {cpu_us:>11.0f} {share:>6.1f}% {bad:>8}", flush=True)
        rss_end = rss_mib(server.pid)
        time.sleep(2)
        print(f"server resident memory: {rss_start:.0f} MiB after start, {rss_end:.0f} MiB after the runs, "
              f"{rss_mib(server.pid):.0f} MiB 2 s later")
        if args.json:
            with open(args.json, "w") as file:
                json.dump({"rows": rows, "rss_start_mib": rss_start, "rss_end_mib": rss_end}, file, indent=1)
    finally:
        for child in (server, bare):
            child.terminate()
            child.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
