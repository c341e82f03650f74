#!/usr/bin/env python3
"""What a user's request costs end to end over HTTP, beside the machine's floor (issue 16).

Starts the release server on the demo campaign (a fresh data directory, a free 127.0.0.1 port)
and a bare axum route (`examples/bare_axum.rs`, the same runtime and HTTP stack doing nothing),
then runs `wrk` (Debian) against the bare route and each request below at 1, 8 and 32
connections. For each it prints requests per second, p50 and p99 latency, the server's CPU time
per request (from /proc, user + system), its threads' context switches per request, its
resident memory after the run, and the share of the bare route's rate at the same connections.
Bounded: `--seconds` per cell.

    cargo build --release -p pacesetter --example bare_axum
    python3 scripts/http_bench.py --bin target/release/pacesetter --bare target/release/examples/bare_axum

`--only update` runs only the requests whose label matches (and the bare route), e.g. while
`perf record -p` watches the server.
`--database-url postgres://postgres@127.0.0.1:5432/postgres` runs the server on PostgreSQL instead:
a fresh database is made beside the one named (and dropped afterwards). `--idle 70` waits that
long after the runs and prints the memory then (idle connections close after a minute).
`--statements` runs no load: it sends each request twice and prints how many SQL statements the
second one ran (the server logs them at debug level; nothing else runs meanwhile), the count that
sets how often a request crosses between the runtime's threads and a SQLite connection's.
`--national FILE` runs the same requests on a copy of the national dataset (PRODUCT.md, "Scale
the design must hold") instead of the demo, its office coordinator and a county liaison signing
in; the national bench makes the file and prints where it is:

    PACESETTER_BENCH_ITERATIONS=0 cargo bench -p pacesetter --bench national
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import Client, PASSWORD, free_port, rss_mib, sign_in, wait_healthy, writable  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def context_switches(pid):
    """How many times each of the server's threads has given up or been taken off a core, by
    thread id: each SQL statement on SQLite is two hand-overs between a runtime thread and its
    connection's."""
    counts = {}
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as status:
                counts[task] = sum(int(line.split()[1]) for line in status if "ctxt_switches" in line)
        except FileNotFoundError:  # a thread that ended meanwhile
            pass
    return counts


def switches_since(pid, before):
    """Context switches since `before`, over the threads alive now (one started meanwhile counts
    from zero; one that ended meanwhile takes its count with it, so this can only undercount)."""
    return sum(count - before.get(task, 0) for task, count in context_switches(pid).items())


def memory_parts(pid):
    """The server's resident memory by kind of mapping, in MiB: the code and data mapped from
    files, the C heap (`[heap]`, where SQLite's page caches go when glibc has one arena:
    MALLOC_ARENA_MAX=1), and the other anonymous memory (the Rust heap, mimalloc's, and the
    other glibc arenas), with the number of threads."""
    parts = {"files": 0, "c_heap": 0, "anonymous": 0}
    kind = None
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                name = fields[5] if len(fields) > 5 else ""
                kind = "c_heap" if name == "[heap]" else "files" if name.startswith("/") else "anonymous"
            elif fields[0] == "Rss:":
                parts[kind] += int(fields[1]) / 1024
    with open(f"/proc/{pid}/status") as status:
        parts["threads"] = next(int(line.split()[1]) for line in status if line.startswith("Threads:"))
    return parts


def describe_memory(pid):
    parts = memory_parts(pid)
    return (f"{sum(v for k, v in parts.items() if k != 'threads'):.0f} MiB ({parts['files']:.0f} mapped from "
            f"files, {parts['c_heap']:.0f} C heap, {parts['anonymous']:.0f} other anonymous; {parts['threads']} threads)")


def wait_quiet(pid, seconds=600):
    """Waits until the server has finished its work (at start, the first reminder run sends a
    national campaign's reminders for about a minute): a second with almost no CPU."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        time.sleep(1)
        if cpu_seconds(pid) - before < 0.02:
            return
    raise SystemExit(f"the server was still busy {seconds} s after it started")


def statements_of(port, url, headers, log_path):
    """The SQL statements one GET of `url` ran, as the server logged them while it answered: the
    second of two requests, so that what is read once per process is not counted. Nothing else
    runs meanwhile; a statement is logged on the database's own thread, which does not know the
    request, so the lines are those written between the request and its answer."""
    path = url.split(f"127.0.0.1:{port}", 1)[1]
    fields = dict(header.split(": ", 1) for header in headers)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=fields)
    connection.getresponse().read()
    # The log is written line by line; give the last lines a moment to reach the file.
    time.sleep(0.3)
    start = os.path.getsize(log_path)
    connection.request("GET", path, headers=fields)
    response = connection.getresponse()
    response.read()
    connection.close()
    time.sleep(0.3)
    with open(log_path, "rb") as log:
        log.seek(start)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    summaries = [re.search(r'summary="([^"]*)"', line) for line in lines if "sqlx::query" in line]
    return response.status, [summary.group(1) for summary in summaries if summary]


def session_cookie(port, username):
    """A browser session for the pages, through the sign-in form."""
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


def psql(url, statement):
    subprocess.run(["psql", url, "-q", "-c", statement], check=True, capture_output=True)


def fresh_postgres(url):
    """A new, empty database on the server `url` names: (its name, its URL)."""
    name = f"pacesetter_http_bench_{os.getpid()}"
    psql(url, f"DROP DATABASE IF EXISTS {name}")
    psql(url, f"CREATE DATABASE {name}")
    return name, url.rsplit("/", 1)[0] + "/" + name


def drop_postgres(url, name):
    psql(url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def national_copy(dataset, data_dir, binary, env):
    """A data directory holding a copy of the national dataset, where its office coordinator
    and liaisons sign in with the demo's password: the generator gives them no password, so an
    account made by the product's own `user add` lends them its hash."""
    import sqlite3

    os.makedirs(data_dir)
    database = os.path.join(data_dir, "pacesetter.db")
    shutil.copyfile(dataset, database)
    with sqlite3.connect(database) as db:
        (office,) = db.execute(
            "SELECT code FROM units WHERE id = (SELECT unit_id FROM users WHERE username = 'office')"
        ).fetchone()
    subprocess.run(
        [binary, "user", "add", "--data-dir", data_dir, "--username", "http-bench", "--display-name", "基准测试",
         "--unit-code", office, "--role", "viewer"],
        env={**env, "PACESETTER_NEW_PASSWORD": PASSWORD},
        check=True,
        capture_output=True,
    )
    with sqlite3.connect(database) as db:
        db.execute(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'http-bench') "
            "WHERE username = 'office' OR username LIKE '%-liaison-%'"
        )


def wrk(url, connections, seconds, headers, script=None):
    command = ["wrk", "--latency", "-t", str(min(2, connections)), "-c", str(connections), "-d", f"{seconds}s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    run = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    if run.stderr.strip():
        raise SystemExit(f"wrk: {run.stderr.strip()}")
    output = run.stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    # Connections refused, reset or timed out: a cell that answered little says why.
    socket_errors = re.search(r"Socket errors:.*", output)
    if socket_errors:
        print(f"  {url} at c={connections}: {socket_errors.group(0)}", file=sys.stderr)

    def percentile(p):
        match = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", output)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    return rate, total, percentile(50), percentile(99), int(non_2xx.group(1)) if non_2xx else 0


# A progress update per request, each connection taking an assignment that is not in flight and
# posting with the ETag its last answer gave. Every thread gets its own assignments (more than
# its connections, so one refused update does not starve it).
UPDATES_LUA = """
local index = 0
function setup(thread)
  index = index + 1
  thread:set("mine", MINE[index])
end
function init(args)
  free, tokens, etags, bodies = {}, {}, {}, {}
  for entry in string.gmatch(mine, "[^;]+") do
    local id, token, etag, percent = entry:match("([^|]+)|([^|]+)|([^|]+)|([^|]+)")
    table.insert(free, id)
    tokens[id], etags[id] = token, etag
    bodies[id] = '{"percent": ' .. percent .. ', "narrative": "持续推进中（基准测试）"}'
  end
end
function request()
  local id = table.remove(free, 1)
  if id == nil then
    return wrk.format("GET", "/no-assignment-left")
  end
  return wrk.format("POST", "/api/v1/assignments/" .. id .. "/updates",
    {["Authorization"] = "Bearer " .. tokens[id], ["If-Match"] = etags[id], ["Content-Type"] = "application/json"},
    bodies[id])
end
function response(status, headers, body)
  local id = body:match('"id":%s*(%d+)')
  if status == 200 and id and tokens[id] then
    etags[id] = headers["etag"] or headers["ETag"]
    table.insert(free, id)
  elseif os.getenv("HTTP_BENCH_DEBUG") then
    io.write(status, " ", body, "\\n")
  end
end
"""


def versions(port, targets):
    """Each target assignment's version now: how many updates it has taken."""
    total = 0
    for token, ident in targets:
        _, etag, _ = Client(port, token).request("GET", f"/api/v1/assignments/{ident}")
        total += int(etag.strip('W/"'))
    return total


def updates_script(workdir, port, targets, threads):
    """The Lua script for durable progress updates on `targets` (token, assignment id), shared
    out among `threads` wrk threads, each with the ETag and percent the assignment has now (a
    run leaves them changed, so each run needs a script of its own)."""
    shares = [[] for _ in range(threads)]
    for n, (token, ident) in enumerate(targets):
        status, etag, payload = Client(port, token).request("GET", f"/api/v1/assignments/{ident}")
        record = json.loads(payload)
        record = record.get("assignment", record)
        shares[n % threads].append(f"{ident}|{token}|{etag}|{record['percent']}")
    lua = "MINE = {" + ", ".join(json.dumps(";".join(share)) for share in shares) + "}\n" + UPDATES_LUA
    path = os.path.join(workdir, "updates.lua")
    with open(path, "w") as file:
        file.write(lua)
    return path


def commit_ceiling(directory, seconds):
    """SQLite's own rate of durable one-row transactions in `directory` (WAL,
    `synchronous=FULL`, as the server runs it): the ceiling of one commit per update."""
    import sqlite3

    path = os.path.join(directory, "ceiling.db")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("CREATE TABLE t (n INTEGER)")
    count, started = 0, time.monotonic()
    while time.monotonic() - started < seconds:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO t VALUES (?)", (count,))
        db.execute("COMMIT")
        count += 1
    rate = count / (time.monotonic() - started)
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    return rate


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--bare", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", default="1,8,32")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--database-url", help="a PostgreSQL server to run on, instead of SQLite")
    parser.add_argument("--idle", type=int, default=2, help="seconds to wait idle before the last memory reading")
    parser.add_argument("--national", metavar="FILE", help="the national dataset's database file, run on a copy "
                        "instead of the demo (SQLite only)")
    parser.add_argument("--server-log", metavar="FILE", help="keep the server's log here (default: discarded)")
    parser.add_argument("--statements", action="store_true", help="no load: print how many SQL statements each "
                        "request runs")
    parser.add_argument("--only", help="run only the requests whose label matches this regular expression "
                        "(the bare route always runs), e.g. 'update' while a profiler watches the server")
    args = parser.parse_args()
    levels = [int(c) for c in args.connections.split(",")]

    workdir = tempfile.mkdtemp(prefix="pacesetter-http-bench-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACESETTER_")}
    env["RUST_LOG"] = "warn"
    database = fresh_postgres(args.database_url) if args.database_url else None
    if database:
        env["PACESETTER_DATABASE_URL"] = database[1]
    if args.national and database:
        raise SystemExit("--national runs on SQLite only")
    data_dir = os.path.join(workdir, "data")
    if args.national:
        national_copy(args.national, data_dir, args.bin, env)
        # As in the demo: the office coordinator signs in with a password alone.
        env["PACESETTER_SECOND_FACTOR"] = "optional"
        # The office coordinator reads everything; a county liaison their county's tasks.
        office_name, liaison_name = "office", "county-liaison-1"
        others = tuple(f"county-liaison-{n}" for n in range(2, 8))
    else:
        office_name, liaison_name = "office", "lhasa"
        others = ("shigatse", "qamdo", "nyingchi", "shannan", "nagqu", "ngari")
    port, bare_port = free_port(), free_port()
    server_log = args.server_log
    if args.statements:
        env["PACESETTER_LOG"] = "info,sqlx=warn,sqlx::query=debug"
        server_log = server_log or os.path.join(workdir, "server.log")
    server = subprocess.Popen(
        [args.bin, "serve" if args.national else "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data_dir],
        stdout=subprocess.DEVNULL,
        stderr=open(server_log, "w") if server_log else subprocess.DEVNULL,
        env=env,
    )
    bare = subprocess.Popen([args.bare, f"127.0.0.1:{bare_port}"], stdout=subprocess.DEVNULL)
    rows = []
    try:
        wait_healthy(port, server, seconds=300)
        wait_quiet(server.pid)
        rss_start = rss_mib(server.pid)
        memory_start = describe_memory(server.pid)
        liaison = sign_in(port, liaison_name)
        office = sign_in(port, office_name)
        liaison_page = session_cookie(port, liaison_name)
        office_page = session_cookie(port, office_name)
        client = Client(port, liaison)
        _, _, body = client.request("GET", "/api/v1/assignments?per_page=1")
        assignment = json.loads(body)["items"][0]["assignment"]["id"]
        _, _, body = Client(port, office).request("GET", "/api/v1/campaigns")
        campaign = json.loads(body)[0]["id"]
        base = f"http://127.0.0.1:{port}"
        bearer = lambda token: [f"Authorization: Bearer {token}"]  # noqa: E731
        # (label, URL, headers, process, the target share of the bare route, CPU µs target)
        cases = [
            ("bare axum hello route", f"http://127.0.0.1:{bare_port}/hello", [], bare.pid, None, None),
            ("/api/v1/health", f"{base}/api/v1/health", [], server.pid, 60, None),
            ("one assignment (liaison, JSON)", f"{base}/api/v1/assignments/{assignment}", bearer(liaison), server.pid, 20, 100),
            ("my tasks (liaison, JSON)", f"{base}/api/v1/assignments", bearer(liaison), server.pid, 12, None),
            ("my tasks page (liaison, HTML)", f"{base}/assignments", [f"Cookie: {liaison_page}"], server.pid, 12, None),
            ("assignments, 100 rows (office, JSON)", f"{base}/api/v1/assignments?per_page=100", bearer(office), server.pid, 6, 300),
            ("one campaign's, 100 rows (office, JSON)", f"{base}/api/v1/assignments?campaign={campaign}&per_page=100",
             bearer(office), server.pid, 6, 300),
            ("dashboard page (office, HTML)", f"{base}/campaigns/{campaign}/dashboard", [f"Cookie: {office_page}"], server.pid, 6, None),
        ]
        wanted_label = lambda label: not args.only or re.search(args.only, label)  # noqa: E731
        if args.statements:
            print(f"{'request':40} {'status':>6} {'statements':>10}")
            for label, url, headers, pid, _, _ in cases:
                if pid == bare.pid or not wanted_label(label):
                    continue
                status, statements = statements_of(port, url, headers, server_log)
                print(f"{label:40} {status:>6} {len(statements):>10}")
                for summary in statements:
                    print(f"{'':49}{summary}")
            return
        floor = {}
        print(f"{'request':40} {'c':>3} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'CPU µs/req':>11} {'share':>7} {'target':>7} "
              f"{'non-2xx':>8} {'switches/req':>13}")
        for label, url, headers, pid, target_share, target_cpu in cases:
            if pid != bare.pid and not wanted_label(label):
                continue
            for connections in levels:
                # A slow cell's requests go on after wrk has stopped waiting for them.
                wait_quiet(server.pid)
                before, switched = cpu_seconds(pid), context_switches(pid)
                rate, total, p50, p99, bad = wrk(url, connections, args.seconds, headers)
                cpu_us = (cpu_seconds(pid) - before) / max(total, 1) * 1e6
                switches = switches_since(pid, switched) / max(total, 1)
                if pid == bare.pid:
                    floor[connections] = rate
                share = rate / floor[connections] * 100 if floor.get(connections) else 100.0
                rows.append(
                    {"request": label, "connections": connections, "rps": rate, "p50_ms": p50, "p99_ms": p99,
                     "cpu_us": cpu_us, "share_percent": share, "non_2xx": bad, "switches": switches}
                )
                target = f"{target_share}%" if target_share else "—"
                cpu_target = f" (≤{target_cpu})" if target_cpu else ""
                p99_mark = "" if pid == bare.pid or connections != 32 or p99 < 20 else " p99 over 20 ms"
                print(f"{label:40} {connections:>3} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} {cpu_us:>5.0f}{cpu_target:>6} "
                      f"{share:>6.1f}% {target:>7} {bad:>8} {switches:>13.1f}{p99_mark}", flush=True)
        # Durable writes: each update is acknowledged after its commit (synchronous=FULL on SQLite).
        threads = 2
        liaisons = [liaison] + [sign_in(port, name) for name in others]
        # More assignments than connections per thread, so that one refused update starves none.
        wanted = threads * (max(levels) // threads + 2)
        targets = writable(port, liaisons, campaign, wanted)
        ceiling = None if database else commit_ceiling(workdir, args.seconds)
        if len(targets) < wanted:
            print(f"durable progress updates: {len(targets)} assignments take updates, {wanted} wanted")
            targets = []
        for connections in levels if targets and wanted_label("durable progress update (POST)") else []:
            script = updates_script(workdir, port, targets, threads)
            stored_before, before = versions(port, targets), cpu_seconds(server.pid)
            rate, total, p50, p99, bad = wrk(f"{base}/", connections, args.seconds, [], script)
            cpu_us = (cpu_seconds(server.pid) - before) / max(total, 1) * 1e6
            stored = versions(port, targets) - stored_before
            if stored < total - connections:
                raise SystemExit(f"durable progress updates: {total} answered, only {stored} stored")
            times = f"{rate / ceiling:.2f}× the commit ceiling" if ceiling else ""
            rows.append({"request": "durable progress update (POST)", "connections": connections, "rps": rate,
                         "p50_ms": p50, "p99_ms": p99, "cpu_us": cpu_us, "non_2xx": bad})
            print(f"{'durable progress update (POST)':40} {connections:>3} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f} "
                  f"{cpu_us:>5.0f}{'':>6} {times:>16} {bad:>8}", flush=True)
        if ceiling:
            print(f"SQLite's own durable one-row commits in the same directory: {ceiling:.0f} per second "
                  "(target: updates at 2× this)")
        rss_end = rss_mib(server.pid)
        memory_end = describe_memory(server.pid)
        time.sleep(args.idle)
        rss_idle = rss_mib(server.pid)
        print(f"server resident memory: {rss_start:.0f} MiB after start, {rss_end:.0f} MiB after the runs, "
              f"{rss_idle:.0f} MiB {args.idle} s later (targets: under 300 MiB under load, under 60 MiB idle)")
        print(f"  at start: {memory_start}\n  after the runs: {memory_end}\n"
              f"  {args.idle} s later: {describe_memory(server.pid)}")
        if args.json:
            figures = {"rows": rows, "rss_start_mib": rss_start, "rss_end_mib": rss_end, "rss_idle_mib": rss_idle,
                       "commit_ceiling": ceiling}
            with open(args.json, "w") as file:
                json.dump(figures, file, indent=1)
    finally:
        for child in (server, bare):
            child.terminate()
            child.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)
        if database:
            drop_postgres(args.database_url, database[0])


if __name__ == "__main__":
    main()
