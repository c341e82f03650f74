#!/usr/bin/env python3
"""Full disk: writes refused with a clear 503 while the data directory's disk is full, nothing
half-written, and the server carries on when space returns.

Mounts a small tmpfs (needs root) as the data directory, starts `pacesetter demo` on it, fills
the disk with a file, then posts progress updates and uploads evidence: every answer must be
200 or 503 `storage_full` (never another 5xx), and the server must stay up. The file is then
removed: writes succeed again, every update answered 200 is in its history, and the audit chain
is intact. A heavy run, not part of CI: run it before each release.

    sudo python3 scripts/full_disk.py --bin target/release/pacesetter
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import Client, discover, free_port, sign_in, wait_healthy, writable  # noqa: E402


def upload(client, unit, n):
    """Evidence upload: a small PDF as raw bytes."""
    body = f"%PDF-1.4\n% 满盘测试 {n}\n%%EOF\n".encode()
    path = f"/api/v1/evidence?unit={unit}&filename=full-{n}.pdf"
    conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=30)
    conn.request("POST", path, body=body, headers={"Authorization": f"Bearer {client.token}",
                                                   "Content-Type": "application/pdf"})
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, payload


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="target/debug/pacesetter")
    parser.add_argument("--size-mib", type=int, default=48)
    parser.add_argument("--writes", type=int, default=1500)
    args = parser.parse_args()

    mount = tempfile.mkdtemp(prefix="pacesetter-full-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={args.size_mib}m", "tmpfs", mount], check=True)
    data_dir = os.path.join(mount, "data")
    log_path = os.path.join(tempfile.gettempdir(), f"pacesetter-full-{os.getpid()}.log")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PACESETTER_DATABASE_URL"}
    problems = []
    acknowledged = []
    statuses = {}
    with open(log_path, "wb") as log:
        child = subprocess.Popen([args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
                                 stdout=log, stderr=subprocess.STDOUT, env=env)
    filler = os.path.join(mount, "filler")
    try:
        wait_healthy(port, child, seconds=180)
        office = sign_in(port, "office")
        lhasa = sign_in(port, "lhasa")
        campaign, _ = discover(port, office)
        targets = writable(port, [lhasa], campaign, 3)
        me = json.loads(Client(port, lhasa).request("GET", "/api/v1/me")[2])
        unit = me["unit_id"]
        # Fill the disk.
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * (1 << 20))
                    f.flush()
            except OSError:
                pass
        client = Client(port, lhasa)
        for n in range(args.writes):
            _, assignment = targets[n % len(targets)]
            path = f"/api/v1/assignments/{assignment}"
            status, etag, payload = client.request("GET", path)
            if status != 200:
                statuses[f"read {status}"] = statuses.get(f"read {status}", 0) + 1
                continue
            narrative = f"full-disk-{n}"
            record = json.loads(payload)["assignment"]
            status, _, body = client.request("POST", f"{path}/updates",
                                             {"percent": record["percent"], "narrative": narrative}, {"If-Match": etag})
            code = json.loads(body)["error"]["code"] if status >= 400 else ""
            statuses[f"{status} {code}".strip()] = statuses.get(f"{status} {code}".strip(), 0) + 1
            if status == 200:
                acknowledged.append((assignment, narrative))
            if n % 10 == 0:
                status, body = upload(client, unit, n)
                code = json.loads(body)["error"]["code"] if status >= 400 else ""
                key = f"upload {status} {code}".strip()
                statuses[key] = statuses.get(key, 0) + 1
        print(f"full disk: answers while full: {statuses}")
        bad = {k: v for k, v in statuses.items()
               if not (k.startswith("200") or k.startswith("201") or "storage_full" in k or k.startswith("upload 201"))}
        if bad:
            problems.append(f"answers other than success or 503 storage_full: {bad}")
        if not any("storage_full" in k for k in statuses):
            problems.append("no write was refused: the disk was not full")
        if child.poll() is not None:
            problems.append("the server died")
        # Space returns.
        os.remove(filler)
        _, assignment = targets[0]
        path = f"/api/v1/assignments/{assignment}"
        status, etag, payload = client.request("GET", path)
        record = json.loads(payload)["assignment"]
        status, _, _ = client.request("POST", f"{path}/updates", {"percent": record["percent"], "narrative": "space-back"},
                                      {"If-Match": etag})
        print(f"full disk: after space returned, an update answered {status}")
        if status != 200:
            problems.append(f"after space returned an update answered {status}")
        else:
            acknowledged.append((assignment, "space-back"))
        missing = []
        for assignment, narrative in acknowledged:
            history = json.loads(client.request("GET", f"/api/v1/assignments/{assignment}")[2])["history"]
            if narrative not in {event.get("comment") for event in history}:
                missing.append(narrative)
        print(f"full disk: {len(acknowledged)} updates acknowledged, {len(missing)} lost")
        if missing:
            problems.append(f"acknowledged updates lost: {missing[:10]}")
    finally:
        child.terminate()
        child.wait(timeout=30)
    result = subprocess.run([args.bin, "audit", "verify", "--data-dir", data_dir], capture_output=True, text=True, env=env)
    print(f"full disk: {result.stdout.strip()}")
    if result.returncode != 0:
        problems.append(f"audit verify: {result.stdout.strip()}")
    with open(log_path, encoding="utf-8", errors="replace") as log:
        if "panicked" in log.read():
            problems.append(f"the log holds a panic ({log_path})")
    subprocess.run(["umount", mount])
    os.rmdir(mount)
    if problems:
        for problem in problems:
            print(f"full disk: FAILED: {problem}")
        return 1
    print("full disk: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
