"""Shared by the suite generators (scripts/make-*-suites.py): writes the generated files, or with --check only says
which are out of date."""
import os
import sys


def write_or_check(files, root, argv=None):
    """Writes each path -> text of `files` that differs on disk (or lists them with --check); returns the exit status:
    1 when --check finds a file out of date, else 0."""
    check = "--check" in (sys.argv if argv is None else argv)
    changed = []
    for path, text in sorted(files.items()):
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            changed.append(os.path.relpath(path, root))
            if not check:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
    for c in changed:
        print(("out of date: " if check else "wrote ") + c)
    if not changed:
        print("all suites up to date")
    return 1 if (check and changed) else 0
