#!/usr/bin/env python3
"""Overload: past capacity the server sheds rather than queues, and recovers.

Starts `pacesetter demo` with a small `max_requests` on a fresh data directory and a free
127.0.0.1 port, then sends a burst of CONNECTIONS simultaneous requests for the dashboard (each
on its own connection), a few rounds. It passes when:

- every answer is 200, or 503 with `Retry-After` (shed); nothing else, and no connection fails;
- some requests were shed (the burst was past capacity) and none waited for seconds;
- afterwards a request is answered 200 at once (recovered), and the health check stayed up.

Bounded in time and count.
    python3 scripts/overload.py --bin target/debug/pacesetter --connections 200
"""

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import Client, free_port, sign_in, wait_healthy  # noqa: E402


def burst(port, token, path, connections, results):
    start = threading.Barrier(connections)

    def one():
        start.wait()
        began = time.time()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            results.append((response.status, response.getheader("retry-after"), time.time() - began))
            conn.close()
        except Exception as error:  # noqa: BLE001 - every failure is counted and named
            results.append((f"{type(error).__name__}: {error}", None, time.time() - began))

    threads = [threading.Thread(target=one) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-requests", type=int, default=4)
    args = parser.parse_args()

    data = tempfile.mkdtemp(prefix="pacesetter-overload-")
    port = free_port()
    env = dict(os.environ, PACESETTER_MAX_REQUESTS=str(args.max_requests))
    env.pop("PACESETTER_DATABASE_URL", None)
    child = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    problems = []
    try:
        wait_healthy(port, child, seconds=120)
        token = sign_in(port, "office")
        _, _, body = Client(port, token).request("GET", "/api/v1/campaigns")
        path = f"/api/v1/campaigns/{json.loads(body)[0]['id']}/dashboard"
        results = []
        health = []
        stop = threading.Event()

        def watch_health():
            client = Client(port)
            while not stop.is_set():
                health.append(client.request("GET", "/api/v1/health")[0])
                time.sleep(0.05)

        watcher = threading.Thread(target=watch_health)
        watcher.start()
        for _ in range(args.rounds):
            burst(port, token, path, args.connections, results)
        stop.set()
        watcher.join()

        statuses = {}
        for status, _, _ in results:
            statuses[status] = statuses.get(status, 0) + 1
        slowest = max(seconds for _, _, seconds in results)
        print(f"{len(results)} requests in bursts of {args.connections}: {statuses}; slowest {slowest:.2f} s")
        odd = [r for r in results if r[0] != 200 and not (r[0] == 503 and r[1] == "1")]
        if odd:
            problems.append(f"answers other than 200 or 503 with Retry-After: {odd[:5]}")
        if statuses.get(503, 0) == 0:
            problems.append("nothing was shed: the burst did not pass capacity")
        if slowest > 5:
            problems.append(f"a request waited {slowest:.1f} s")
        if any(status != 200 for status in health):
            problems.append(f"the health check answered {set(health)}")
        began = time.time()
        status, _, _ = Client(port, token).request("GET", path)
        if status != 200:
            problems.append(f"after the bursts the dashboard answered {status}")
        print(f"after the bursts: {status} in {time.time() - began:.3f} s; health checks {len(health)}, all 200: {not any(s != 200 for s in health)}")
    finally:
        child.terminate()
        child.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)
    if problems:
        for problem in problems:
            print("FAIL:", problem)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
