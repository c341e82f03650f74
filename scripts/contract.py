#!/usr/bin/env python3
"""Contract fuzzing from outside: schemathesis against the served `/api/v1/openapi.json`.

Starts `pacesetter demo` on a fresh data directory and a free 127.0.0.1 port, then runs
schemathesis (from PyPI; `--schemathesis` names its executable) with four identities signing in
through `POST /api/v1/auth/token` (a Web Fuzzing Commons auth file): the campaign office, the
Lhasa and Shigatse liaisons (two prefectures, the peers of the object-level authorization
check: what one reads of its own is replayed as the other) and a viewer. It passes when
schemathesis finds nothing:

- no 5xx (`not_a_server_error`);
- every answer is one the document declares, with its content type, headers and schema;
- nothing one prefecture reads of its own is readable by the other
  (`object_level_authorization`), nothing ignores its credentials (`ignored_auth`), and what is
  deleted stays gone (`use_after_free`, `ensure_resource_availability`).

The operations that end the run's own credentials (revoking the token in use, a password reset,
disabling or signing out an account, resetting a second factor) run last, in a second pass,
so that they are fuzzed too without locking the first pass out.

Bounded in time: `--seconds` per pass.
    python3 scripts/contract.py --bin target/debug/pacesetter --schemathesis /tmp/st-venv/bin/schemathesis
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from soak import PASSWORD, free_port, sign_in, wait_healthy  # noqa: E402

IDENTITIES = ["office", "lhasa", "shigatse", "viewer"]
PEERS = ["lhasa", "shigatse"]

# Operations after which the run's own sign-ins may no longer work.
CREDENTIAL_ENDING = [
    r"^DELETE /api/v1/auth/token$",
    r"^POST /api/v1/users/\{id\}/(password|disable|sign-out-everywhere)$",
    r"^DELETE /api/v1/users/\{id\}/second-factor$",
    r"^POST /api/v1/me/second-factor/(confirm|disable)$",
]

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "use_after_free",
        "ensure_resource_availability",
        "ignored_auth",
        "object_level_authorization",
    ]
)


def auth_document():
    """Each identity signs in with the demo password (again whenever its token stops working);
    the token goes in `Authorization`."""
    return {
        "schemaVersion": "1.0.0",
        "authTemplate": {
            "loginEndpointAuth": {
                "endpoint": "/api/v1/auth/token",
                "verb": "POST",
                "contentType": "application/json",
                "token": {
                    "extractFrom": "body",
                    "extractSelector": "/token",
                    "sendIn": "header",
                    "sendName": "Authorization",
                    "sendTemplate": "Bearer {token}",
                },
            }
        },
        "auth": [
            {
                "name": name,
                "loginEndpointAuth": {
                    "payloadRaw": json.dumps({"username": name, "password": PASSWORD}),
                },
            }
            for name in IDENTITIES
        ],
    }


def fixed_tokens_document(port):
    """Each identity with a token taken now and never renewed: once a fuzzed request ends it
    (or the account's password), the identity's later requests are answered 401."""
    return {
        "schemaVersion": "1.0.0",
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {sign_in(port, name)}"}]}
            for name in IDENTITIES
        ],
    }


def run_pass(args, port, workdir, label, auth, operations_regex, exclude):
    auth_file = os.path.join(workdir, f"auth-{int(exclude)}.json")
    with open(auth_file, "w") as file:
        json.dump(auth, file)
    config = os.path.join(workdir, "schemathesis.toml")
    with open(config, "w") as file:
        file.write(f'[auth.wfc]\npath = "{auth_file}"\npeers = {json.dumps(PEERS)}\n')
    command = [
        args.schemathesis,
        "--config-file",
        config,
        "run",
        f"http://127.0.0.1:{port}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-time",
        str(args.seconds),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--max-examples",
        str(args.max_examples),
        "--seed",
        str(args.seed),
        "--no-color",
        "--continue-on-failure",
    ]
    filter_flag = "--exclude-name-regex" if exclude else "--include-name-regex"
    command += [filter_flag, "|".join(operations_regex)]
    print(f"=== {label}: {' '.join(command[3:])}", flush=True)
    # One `ast.parse` at a time in schemathesis's threads (see contract_site/sitecustomize.py).
    site = os.path.join(os.path.dirname(os.path.abspath(__file__)), "contract_site")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [site, os.environ.get("PYTHONPATH")])))
    return subprocess.run(command, cwd=workdir, env=env).returncode


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--schemathesis", default="schemathesis")
    parser.add_argument("--seconds", type=int, default=120, help="time budget of each pass")
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the working directory and server log")
    args = parser.parse_args()
    # schemathesis runs in the working directory: a relative path to it would not be found there.
    if os.sep in args.schemathesis:
        args.schemathesis = os.path.abspath(args.schemathesis)

    workdir = tempfile.mkdtemp(prefix="pacesetter-contract-")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PACESETTER_")}
    server = subprocess.Popen(
        [args.bin, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", os.path.join(workdir, "data")],
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(workdir, "server.log"), "w"),
        env=env,
    )
    failed = False
    try:
        wait_healthy(port, server, seconds=120)
        first = "everything but the credential-ending operations"
        failed |= run_pass(args, port, workdir, first, auth_document(), CREDENTIAL_ENDING, True) != 0
        last = "the credential-ending operations, last, with tokens that may end"
        failed |= run_pass(args, port, workdir, last, fixed_tokens_document(port), CREDENTIAL_ENDING, False) != 0
        if server.poll() is not None:
            print(f"the server exited with {server.returncode}")
            failed = True
    finally:
        server.terminate()
        server.wait(timeout=30)
        with open(os.path.join(workdir, "server.log")) as log:
            panics = [line for line in log if "panicked" in line]
        if panics:
            print("the server panicked:\n" + "".join(panics[:10]))
            failed = True
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        raise SystemExit("contract: schemathesis found failures (above)")
    print("contract: no failures")


if __name__ == "__main__":
    main()
