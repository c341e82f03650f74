#!/usr/bin/env python3
"""Writes docs/translation-todo.md: the keys of the shipped Tibetan resource file that still carry
the Chinese text (no attested Tibetan), with their Chinese and English, for a Tibetan-literate
reviewer. Run from the repository's root: python3 scripts/translation_todo.py"""

import tomllib
from pathlib import Path

LOCALES = Path("crates/web/locales")


def load(name: str) -> dict[str, str]:
    with open(LOCALES / f"{name}.toml", "rb") as f:
        return tomllib.load(f)


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> None:
    zh, en, bo = load("zh-Hans"), load("en"), load("bo")
    missing = sorted(key for key in zh if bo.get(key, zh[key]) == zh[key])
    lines = [
        "# Tibetan strings awaiting a translator",
        "",
        "These keys of `crates/web/locales/bo.toml` still carry the Chinese text, because no attested",
        "Tibetan translation was found in `shared/design/TIBETAN.md` (its §2 and §3 list what is sourced).",
        "A Tibetan-literate reviewer in the campaign office should supply them; do not invent them.",
        "",
        "The live list is the product's own translation page (`/translations`, state \"missing\"), where",
        "an admin translates in place or exports the strings as XLSX, PO or XLIFF for a translation tool",
        "and imports them back (decision 0022); this file is a snapshot of the shipped files, "
        f"{len(missing)} of {len(zh)} keys",
        "(made by `scripts/translation_todo.py`).",
        "",
        "| key | Chinese | English |",
        "|---|---|---|",
    ]
    lines += [f"| `{key}` | {cell(zh[key])} | {cell(en.get(key, ''))} |" for key in missing]
    Path("docs/translation-todo.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(missing)} of {len(zh)} keys await a translator; {len(zh) - len(missing)} shipped in Tibetan")


if __name__ == "__main__":
    main()
