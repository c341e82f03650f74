#!/usr/bin/env bash
# The dependency direction of ARCHITECTURE.md: domain ← store ← app ← export, web ← pacesetter,
# and pdf (typst) ← web.
# Fails when a crate reaches a layer or a library it must not.
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0

# deps CRATE: the crate's normal (non-dev) dependencies, whole tree, one name per line.
deps() { cargo tree -p "$1" -e normal --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u; }
# direct CRATE: its direct normal dependencies.
direct() { cargo tree -p "$1" -e normal --depth 1 --prefix none --format '{p}' 2>/dev/null | tail -n +2 | awk '{print $1}' | sort -u; }

forbid() { # forbid WHAT LIST... : fail if any of LIST appears in WHAT's output
  local label=$1; shift
  local found
  found=$(grep -xF -f <(printf '%s\n' "$@") || true)
  if [ -n "$found" ]; then
    echo "layering: $label depends on: $(echo "$found" | tr '\n' ' ')"
    fail=1
  fi
}

deps pacesetter-domain | forbid "domain (pure: no IO, async or SQL)" sqlx tokio axum pacesetter-store pacesetter-app pacesetter-web
deps pacesetter-store | forbid "store" axum pacesetter-app pacesetter-web pacesetter-export
deps pacesetter-app | forbid "app" axum askama pacesetter-web pacesetter-export
deps pacesetter-export | forbid "export" axum sqlx pacesetter-web
direct pacesetter-web | forbid "web (never sees SQL types)" sqlx pacesetter-store
# typst takes minutes to build: only the PDF crate holds it, and that crate holds nothing of ours,
# so that edits to the other crates never rebuild it.
deps pacesetter-pdf | forbid "pdf (typst only)" pacesetter-domain pacesetter-store pacesetter-app pacesetter-export pacesetter-web
for crate in pacesetter-domain pacesetter-store pacesetter-app pacesetter-export; do
  deps "$crate" | forbid "$crate (typst stays in pacesetter-pdf)" typst pacesetter-pdf
done

if [ "$fail" -ne 0 ]; then exit 1; fi
echo "layering: ok (domain ← store ← app ← export, web ← pacesetter; pdf ← web)"
