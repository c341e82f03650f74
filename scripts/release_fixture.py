#!/usr/bin/env python3
"""Makes the upgrade fixture of a release: the demo campaign's SQLite database as that release
writes it, as SQL text (every table, row, index and trigger, and the migration ledger), with
the audit anchor, zipped. The test `upgrade::every_release_fixture_upgrades_with_its_data` opens
each fixture with the current build. Uploaded files are left out (they only take room).

Run it with the release's own binary when a release is made:
    python3 scripts/release_fixture.py --bin path/to/old/pacesetter \\
        --out crates/pacesetter/tests/fixtures/releases/0.1.0-migration-23.zip
"""

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import free_port, wait_healthy  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="pacesetter-fixture-")
    data = os.path.join(workdir, "data")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACESETTER_")}
    server = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
        stdout=subprocess.DEVNULL,
        env=env,
    )
    try:
        wait_healthy(port, server, seconds=300)
    finally:
        server.terminate()
        server.wait(timeout=60)
    database = sqlite3.connect(os.path.join(data, "pacesetter.db"))
    dump = "\n".join(database.iterdump()) + "\n"
    database.close()
    with zipfile.ZipFile(args.out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("pacesetter.sql", dump)
        archive.write(os.path.join(data, "audit-anchor"), "audit-anchor")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"{args.out}: {os.path.getsize(args.out)} bytes ({len(dump)} bytes of SQL)")


if __name__ == "__main__":
    main()
