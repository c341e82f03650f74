#!/usr/bin/env python3
"""Every dependency's licence, source and version requirement against deny.toml.

The same policy `cargo deny check licenses bans sources` applies, read from the same file, for
the parts deny.toml uses: the licences allowed (an SPDX expression is allowed when some choice
of its alternatives uses allowed licences only), the registries allowed (no git sources), and
no wildcard requirement outside the workspace's own path dependencies. It needs nothing but
cargo and Python, so CI does not build cargo-deny on every fresh machine (several minutes).

    scripts/check-deps.py            # exit status 1 and one line per problem when any
"""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def tokens(expression):
    """The SPDX expression's tokens; the old `A/B` form reads as `A OR B`."""
    return re.findall(r"\(|\)|[^\s()/]+|/", expression)


def allowed(expression, allow):
    """Whether the SPDX licence expression can be satisfied by licences in `allow`."""
    items = ["OR" if token == "/" else token for token in tokens(expression)]
    position = 0

    def peek():
        return items[position] if position < len(items) else None

    def take():
        nonlocal position
        token = peek()
        position += 1
        return token

    # or := and ("OR" and)*; and := with ("AND" with)*; with := "(" or ")" | id ["WITH" id]
    def disjunction():
        result = conjunction()
        while peek() == "OR":
            take()
            result = conjunction() or result
        return result

    def conjunction():
        result = term()
        while peek() == "AND":
            take()
            result = term() and result
        return result

    def term():
        token = take()
        if token == "(":
            result = disjunction()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expression!r}")
            return result
        if token is None or token in ("AND", "OR", "WITH", ")"):
            raise ValueError(f"cannot read the licence expression {expression!r}")
        if peek() == "WITH":
            take()
            token = f"{token} WITH {take()}"
        return token in allow

    result = disjunction()
    if position != len(items):
        raise ValueError(f"cannot read the licence expression {expression!r}")
    return result


def problems(metadata, policy):
    allow = set(policy["licenses"]["allow"])
    registries = {f"registry+{url}" for url in policy["sources"]["allow-registry"]}
    members = set(metadata["workspace_members"])
    found = []
    for package in metadata["packages"]:
        name = f"{package['name']} {package['version']}"
        if package["id"] in members:
            for dependency in package["dependencies"]:
                if dependency["req"] == "*" and not dependency.get("path"):
                    found.append(f"{name}: wildcard requirement on {dependency['name']}")
            continue
        if package["source"] not in registries:
            found.append(f"{name}: from {package['source']}, not an allowed registry")
        licence = package.get("license")
        if not licence:
            found.append(f"{name}: no SPDX licence expression in its manifest")
            continue
        try:
            if not allowed(licence, allow):
                found.append(f"{name}: licence {licence} is not allowed by deny.toml")
        except ValueError as error:
            found.append(f"{name}: {error}")
    return found


def self_test():
    allow = {"MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "Unicode-3.0"}
    cases = {
        "MIT": True,
        "GPL-3.0": False,
        "MIT OR GPL-3.0": True,
        "MIT AND GPL-3.0": False,
        "(MIT OR Apache-2.0) AND Unicode-3.0": True,
        "(MIT OR GPL-3.0) AND LGPL-2.1": False,
        "Apache-2.0 WITH LLVM-exception OR GPL-3.0": True,
        "GPL-2.0 WITH Classpath-exception-2.0": False,
        "MIT/Apache-2.0": True,
        "GPL-3.0 / LGPL-3.0": False,
    }
    for expression, expected in cases.items():
        assert allowed(expression, allow) == expected, expression
    for broken in ["MIT OR", "(MIT", "AND MIT", ""]:
        try:
            allowed(broken, allow)
        except ValueError:
            continue
        raise AssertionError(f"{broken!r} was read")


def main():
    self_test()
    policy = tomllib.loads((ROOT / "deny.toml").read_text())
    output = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--locked"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout
    metadata = json.loads(output)
    found = problems(metadata, policy)
    for problem in found:
        print(problem)
    count = len(metadata["packages"]) - len(metadata["workspace_members"])
    print(f"{count} dependencies checked; problems: {len(found)}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
