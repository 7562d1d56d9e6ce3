#!/usr/bin/env python3
"""Size rules for production C code (issue 10): no function longer than
MAX_FUNC lines, no .c file longer than MAX_FILE lines.

Usage: scripts/size-check.py [--allow FILE:FUNC ...] DIR_OR_FILE...

A function is a definition in the house style: the name and its parameters
at column 0, the opening brace alone at column 0, the closing brace alone at
column 0. Its length counts the lines from the opening to the closing brace.
Exits 1 when a rule is broken, naming each offender; 0 otherwise.
"""
import os
import re
import sys

MAX_FUNC = 100
MAX_FILE = 700
NAME = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def c_files(paths):
    for p in paths:
        if os.path.isfile(p):
            yield p
            continue
        for root, _, files in os.walk(p):
            for f in sorted(files):
                if f.endswith(".c"):
                    yield os.path.join(root, f)


def functions(lines):
    """Yield (name, first line number, length) of each definition."""
    name, start = None, None
    for i, line in enumerate(lines):
        m = NAME.match(line)
        if m and start is None:
            name = m.group(1)
        elif line.rstrip() == "{" and name is not None and start is None:
            start = i
        elif line.rstrip().startswith("}") and line[0] == "}" and start is not None:
            yield name, start + 1, i - start + 1
            name, start = None, None


def main(argv):
    allow = set()
    paths = []
    it = iter(argv)
    for a in it:
        if a == "--allow":
            allow.add(next(it))
        else:
            paths.append(a)
    if not paths:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    bad = 0
    for path in c_files(paths):
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if len(lines) > MAX_FILE:
            print(f"{path}: {len(lines)} lines (at most {MAX_FILE})")
            bad += 1
        for name, first, length in functions(lines):
            if length > MAX_FUNC and f"{path}:{name}" not in allow:
                print(f"{path}:{first}: {name}() is {length} lines (at most {MAX_FUNC})")
                bad += 1
    if bad:
        print(f"size-check: {bad} over the limits")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
