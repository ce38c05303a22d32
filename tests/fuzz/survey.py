"""Summarize a survey (`FUZZ_SURVEY=FILE`): the distinct failure families, most frequent
first, each with its count and its shortest example.

    .venv/bin/python -m tests.fuzz.survey FILE
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from typing import Any


def family(record: dict[str, Any], problem: str) -> str:
    """A problem without its particulars: paths, hashes, numbers and quoted values."""
    words = record["args"].split()
    command = " ".join(words[:2] if words[0] == "history" else words[:1])
    text = re.sub(r"Entry\(kind='(\w+)'.*?\)", r"\1", problem)
    text = re.sub(r"'[^']*'|\"[^\"]*\"|/\S+|\b[0-9a-f]{16,}\b|\d+", "_", text)
    text = re.sub(r"\[_(, _)*\]", "[_]", text)
    return f"{record['test'].split('::')[-1].split(' ')[0]} | {command} | {text[:140]}"


def summarize(lines: list[str]) -> list[tuple[str, int, dict[str, Any]]]:
    """(family, number of runs, the run with the shortest command line), most runs first."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        record = json.loads(line)
        seen: set[str] = set()
        found = record["problems"]
        if any(p.startswith("the command raised") for p in found):
            found = [p for p in found if p.startswith("the command raised")]
        for problem in found:
            key = family(record, problem)
            if key not in seen:  # a family counts runs, not the files of one run
                seen.add(key)
                groups[key].append(record)
    out = []
    for key, records in groups.items():
        shortest = min(records, key=lambda r: len(r["args"]))
        out.append((key, len(records), shortest))
    return sorted(out, key=lambda g: -g[1])


def main(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        groups = summarize(fh.readlines())
    for key, count, example in groups:
        print(f"{count:5d}  {key}\n       e.g. balancer {example['args'][:300]}")
        print("       -> " + example["output"][:300].replace("\n", " | "))


if __name__ == "__main__":
    main(sys.argv[1])
