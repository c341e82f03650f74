"""Loaded by schemathesis's interpreter when `scripts/contract.py` starts it (on `PYTHONPATH`).

schemathesis runs two worker threads, and hypothesis parses source files with `ast.parse` to
describe its lambdas. CPython before 3.11.8 and 3.12.2 kept the parser's recursion depth in
state shared by every thread (gh-106905), so two parses at once could fail with
"AST constructor recursion depth mismatch" — reported as an error of the operation under test,
though the server had done nothing wrong. One parse at a time costs nothing measurable here.
"""

import ast
import threading

_parse = ast.parse
_one_at_a_time = threading.Lock()


def _parse_alone(*args, **kwargs):
    with _one_at_a_time:
        return _parse(*args, **kwargs)


ast.parse = _parse_alone
