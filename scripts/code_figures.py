#!/usr/bin/env python3
"""Prints the figures that say how easy the code is to see: lines per layer, the length of the
page handlers (every top-level `async fn` in crates/web/src/ui), and the page plumbing that
should not be written by hand (token checks, error-page branches, dropped errors).

Usage: scripts/code_figures.py [checkout]   (default: the current directory)
"""

import pathlib
import re
import statistics
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")


def rust_files(folder):
    return sorted((root / folder).rglob("*.rs"))


def line_count(folder):
    return sum(len(f.read_text().splitlines()) for f in rust_files(folder))


def text_of(folder):
    return "\n".join(f.read_text() for f in rust_files(folder))


print("lines per layer")
for layer in ["domain", "store", "app", "export", "web", "web/src/api", "web/src/ui", "pacesetter"]:
    print(f"  {layer:15} {line_count('crates/' + layer):6}")

handlers = []
for path in rust_files("crates/web/src/ui"):
    lines = path.read_text().splitlines()
    for start, line in enumerate(lines):
        found = re.match(r"^(?:pub(?:\([a-z]+\))? )?async fn (\w+)", line)
        if not found:
            continue
        end = start
        while lines[end] != "}":
            end += 1
        handlers.append((end - start + 1, f"{path.relative_to(root)}:{start + 1} {found.group(1)}"))
handlers.sort()
sizes = [size for size, _ in handlers]
print(f"page handlers: {len(sizes)}, median {statistics.median(sizes)} lines, max {sizes[-1]}, "
      f"over 60: {sum(1 for s in sizes if s > 60)}")
for size, name in [h for h in handlers if h[0] > 60] or handlers[-5:]:
    print(f"  {size:4} {name}")

ui = text_of("crates/web/src/ui")
print("in crates/web/src/ui:")
print(f"  hand-written token checks   {len(re.findall(r'check_csrf[(]&', ui))}")
print(f"  error-page branches         {len(re.findall(r'return error_page[(]|=> error_page[(]', ui))}")
dropped = r"[.]await\s*(?:[.]map[(][^;]*?[)]\s*)?[.](?:unwrap_or_default[(][)]|unwrap_or[(]|ok[(][)]|is_ok(?:_and)?[(])"
print(f"  dropped app errors          {len(re.findall(dropped, ui))}")
app = text_of("crates/app")
print("in crates/app:")
print(f"  sqlx / AnyConnection names  {len(re.findall(r'sqlx|Sqlx|AnyConnection', app))}")
print(f"  store.backend() passed      {len(re.findall(r'store[.]backend[(][)]', app))}")
