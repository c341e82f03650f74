#!/usr/bin/env python3
"""Soak test: the real server under sustained concurrent reads and writes, on loopback only.

Starts `pacesetter demo` on a fresh data directory and a free 127.0.0.1 port, then keeps
CONNECTIONS keep-alive connections busy for DURATION seconds with a mix of API reads (lists,
records, searches, the dashboard, the findings ledger, the meetings with their decisions and
roll call, a page) and progress updates posted with If-Match by several writers at once, while
the office checks units in at an open meeting's venues and changes the campaign's light
thresholds every two seconds (each change recounts the roll-ups a step at a time between the
updates). It passes when:

- no answer is a 5xx and no connection fails;
- the server's log holds no panic;
- the process is alive at the end;
- its resident memory stays under --max-rss-mib.

Bounded in time (--duration) and in count (--max-requests); it stops by itself.
    python3 scripts/soak.py --bin target/debug/pacesetter --duration 60 --connections 32
"""

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PASSWORD = "pacesetter-demo"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Client:
    """One keep-alive connection; reconnects after the server closes it."""

    def __init__(self, port, token=None):
        self.port = port
        self.token = token
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                payload = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                return response.status, response.getheader("etag"), payload
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A keep-alive connection the server closed between requests: once more on a
                # new one; a second failure is a real one.
                self.conn = None
                if attempt == 1:
                    raise
        raise RuntimeError("unreachable")


def sign_in(port, username):
    client = Client(port)
    status, _, body = client.request("POST", "/api/v1/auth/token", {"username": username, "password": PASSWORD})
    if status != 201 and status != 200:
        raise SystemExit(f"cannot sign in as {username}: {status} {body[:200]!r}")
    return json.loads(body)["token"]


def wait_healthy(port, child, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if child.poll() is not None:
            raise SystemExit(f"pacesetter exited with {child.returncode} before it was healthy")
        try:
            status, _, _ = Client(port).request("GET", "/api/v1/health")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("pacesetter did not become healthy")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = {}
        self.failures = []
        self.writes_ok = 0
        self.thresholds_changed = 0
        self.total = 0

    def add(self, label, status, write_ok=False):
        with self.lock:
            self.total += 1
            self.by_status[status] = self.by_status.get(status, 0) + 1
            if write_ok:
                self.writes_ok += 1
            if status >= 500 and len(self.failures) < 20:
                self.failures.append(f"{label} -> {status}")

    def fail(self, label, error):
        with self.lock:
            self.total += 1
            self.by_status["error"] = self.by_status.get("error", 0) + 1
            if len(self.failures) < 20:
                self.failures.append(f"{label} -> {type(error).__name__}: {error}")


def discover(port, office_token):
    office = Client(port, office_token)
    _, _, body = office.request("GET", "/api/v1/campaigns")
    campaign = json.loads(body)[0]["id"]
    ids = []
    page = 1
    while len(ids) < 400:
        _, _, body = office.request("GET", f"/api/v1/assignments?campaign={campaign}&per_page=200&page={page}")
        items = json.loads(body)["items"]
        if not items:
            break
        ids += [item["id"] if "id" in item else item["assignment"]["id"] for item in items]
        page += 1
    return campaign, ids


def report_progress(client, path, count):
    """Reads an assignment and posts its progress again with the ETag read (the write a
    liaison makes); each answer goes to `count`. Returns the update's status, or the read's."""
    status, etag, payload = client.request("GET", path)
    count(f"GET {path}", status)
    if status != 200:
        return status
    record = json.loads(payload)
    record = record.get("assignment", record)
    body = {"percent": record["percent"], "narrative": "持续推进中（压力测试）"}
    status, _, _ = client.request("POST", f"{path}/updates", body, {"If-Match": etag})
    count(f"POST {path}/updates", status, write_ok=status == 200)
    return status


def writable(port, liaisons, campaign, count):
    """Assignments that take a progress update now, with the token of the liaison who may post
    it: one per writer, spread over the prefectures."""
    found = []
    for token in liaisons:
        client = Client(port, token)
        _, _, body = client.request("GET", f"/api/v1/assignments?campaign={campaign}&per_page=200&open=true")
        for item in json.loads(body)["items"]:
            ident = item["id"] if "id" in item else item["assignment"]["id"]
            if report_progress(client, f"/api/v1/assignments/{ident}", lambda *_, **__: None) == 200:
                found.append((token, ident))
            if len(found) == count:
                return found
    return found


def reader(port, token, campaign, ids, meetings, stop, tally, seed):
    rng = random.Random(seed)
    client = Client(port, token)
    search = urllib.parse.quote("拉萨")
    paths = [
        lambda: f"/api/v1/assignments/{rng.choice(ids)}",
        lambda: f"/api/v1/assignments?campaign={campaign}&per_page=20&page={rng.randint(1, 5)}",
        lambda: f"/api/v1/units?q={search}",
        lambda: f"/api/v1/campaigns/{campaign}/dashboard",
        lambda: f"/api/v1/campaigns/{campaign}/findings",
        lambda: "/api/v1/me",
        lambda: "/login",
        lambda: f"/api/v1/campaigns/{campaign}/meetings",
        lambda: f"/api/v1/meetings/{rng.choice(meetings)}",
        lambda: f"/api/v1/meetings/{rng.choice(meetings)}/decisions",
        lambda: f"/api/v1/meetings/{rng.choice(meetings)}/roll-call",
    ]
    while not stop.is_set():
        path = rng.choice(paths)()
        try:
            status, _, _ = client.request("GET", path)
            tally.add(f"GET {path}", status)
        except Exception as error:  # noqa: BLE001 - every failure is counted and named
            tally.fail(f"GET {path}", error)


def writer(port, token, assignment, stop, tally):
    client = Client(port, token)
    path = f"/api/v1/assignments/{assignment}"
    while not stop.is_set():
        try:
            report_progress(client, path, tally.add)
        except Exception as error:  # noqa: BLE001
            tally.fail(f"POST {path}/updates", error)


def meeting_lines(port, token, campaign):
    """The meetings of the campaign, and (venue, unit) lines of the roll call of the first one
    still open, to check in."""
    client = Client(port, token)
    _, _, body = client.request("GET", f"/api/v1/campaigns/{campaign}/meetings")
    meetings = json.loads(body)
    lines = []
    for meeting in meetings:
        if meeting["closed_at"] is None:
            _, _, body = client.request("GET", f"/api/v1/meetings/{meeting['id']}")
            for venue in json.loads(body)["venues"]:
                lines += [(venue["id"], unit["id"]) for unit in venue["expected_units"]]
            break
    return [m["id"] for m in meetings], lines


def roll_caller(port, token, lines, stop, tally, seed):
    """The office checking units in at an open meeting's venues, present or on leave in turn."""
    rng = random.Random(seed)
    client = Client(port, token)
    while not stop.is_set():
        venue, unit = rng.choice(lines)
        path = f"/api/v1/meeting-venues/{venue}/attendance/{unit}"
        body = rng.choice([{"attendance": "present"}, {"attendance": "leave", "reason": "外出学习（压力测试）"}])
        try:
            status, _, _ = client.request("PUT", path, body)
            tally.add(f"PUT {path}", status)
        except Exception as error:  # noqa: BLE001
            tally.fail(f"PUT {path}", error)


def settings(port, token, campaign, stop, tally, every=2.0):
    """The office changing the campaign's light thresholds every `every` seconds while the
    others read and write: each change counts the turning days again, a step at a time,
    between the writers' updates."""
    client = Client(port, token)
    path = f"/api/v1/campaigns/{campaign}"
    fields = ("name", "name_bo", "year", "starts_on", "ends_on", "as_of", "approval_required", "public_page",
              "keep_photo_location")
    turn = 0
    while not stop.wait(every):
        try:
            status, etag, payload = client.request("GET", path)
            tally.add(f"GET {path}", status)
            if status != 200:
                continue
            current = json.loads(payload)
            turn += 1
            body = {name: current[name] for name in fields if name in current}
            body |= {"yellow_at": 10 + turn % 2 * 5, "red_at": 30}
            status, _, _ = client.request("PUT", path, body, {"If-Match": etag})
            tally.add(f"PUT {path}", status)
            if status == 200:
                with tally.lock:
                    tally.thresholds_changed += 1
        except Exception as error:  # noqa: BLE001
            tally.fail(f"PUT {path}", error)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/debug/pacesetter")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--max-requests", type=int, default=5_000_000)
    parser.add_argument("--max-rss-mib", type=float, default=768)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="pacesetter-soak-")
    log_path = os.path.join(data_dir, "server.log")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PACESETTER_DATABASE_URL"}
    # The default log filter, as deployed: the request spans must be live for their handling to be
    # tested (a filter that disables them hides a span bug).
    env.pop("PACESETTER_LOG", None)
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    problems = []
    try:
        wait_healthy(port, child)
        office, lhasa = sign_in(port, "office"), sign_in(port, "lhasa")
        viewer, inspector = sign_in(port, "viewer"), sign_in(port, "inspector")
        campaign, ids = discover(port, office)
        if not ids:
            raise SystemExit("the demo has no assignments to read")
        liaisons = [lhasa] + [sign_in(port, name) for name in ("shigatse", "qamdo", "nyingchi", "shannan")]
        targets = writable(port, liaisons, campaign, args.writers)
        if len(targets) < min(2, args.writers):
            raise SystemExit(f"found only {len(targets)} assignments that take updates")
        stop, tally = threading.Event(), Tally()
        threads = []
        for token, assignment in targets:
            threads.append(threading.Thread(target=writer, args=(port, token, assignment, stop, tally)))
        threads.append(threading.Thread(target=settings, args=(port, office, campaign, stop, tally)))
        meetings, lines = meeting_lines(port, office, campaign)
        if not meetings or not lines:
            raise SystemExit("the demo has no open meeting to check units in at")
        threads.append(threading.Thread(target=roll_caller, args=(port, office, lines, stop, tally, 0)))
        tokens = [office, lhasa, viewer, inspector]
        for n in range(args.connections - len(targets) - 2):
            token = tokens[n % len(tokens)]
            args_ = (port, token, campaign, ids, meetings, stop, tally, n)
            threads.append(threading.Thread(target=reader, args=args_))
        started = time.time()
        rss_start = rss_mib(child.pid)
        for thread in threads:
            thread.start()
        peak = rss_start
        while time.time() - started < args.duration and tally.total < args.max_requests:
            time.sleep(1)
            if child.poll() is not None:
                break
            peak = max(peak, rss_mib(child.pid))
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.time() - started
        alive = child.poll() is None
        rss_end = rss_mib(child.pid) if alive else 0.0

        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(tally.by_status.items(), key=lambda kv: str(kv[0])))
        print(f"soak: {tally.total} requests in {elapsed:.0f} s ({tally.total / elapsed:.0f}/s) over "
              f"{args.connections} connections, {len(targets)} writers; {tally.writes_ok} progress updates stored, "
              f"the thresholds changed {tally.thresholds_changed} times")
        print(f"soak: statuses {statuses}")
        print(f"soak: resident memory {rss_start:.0f} MiB at the start, {peak:.0f} MiB at the peak, {rss_end:.0f} MiB at the end")
        if not alive:
            problems.append(f"the server died (exit {child.returncode})")
        server_errors = sum(v for k, v in tally.by_status.items() if k == "error" or k >= 500)
        if server_errors:
            problems.append(f"{server_errors} requests failed: " + "; ".join(tally.failures))
        if tally.writes_ok == 0:
            problems.append("no progress update was stored")
        if tally.thresholds_changed == 0:
            problems.append("the thresholds were never changed")
        if peak > args.max_rss_mib:
            problems.append(f"resident memory reached {peak:.0f} MiB (limit {args.max_rss_mib:.0f})")
    finally:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        with open(log_path, encoding="utf-8", errors="replace") as log:
            text = log.read()
        for marker in ("panicked", "stack overflow", "fatal runtime error"):
            if marker in text:
                lines = [line for line in text.splitlines() if marker in line][:5]
                problems.append(f"the log holds '{marker}': " + " | ".join(lines))
        shutil.rmtree(data_dir, ignore_errors=True)
    if problems:
        for problem in problems:
            print(f"soak: FAILED: {problem}")
        return 1
    print("soak: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
