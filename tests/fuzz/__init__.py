"""The fuzz suite (issue 18): hypothesis generators of hostile files and options for every
command of `balancer`, each run held to the same rules by `check.check_run` (exit code 0, 2,
3 or 4 with one `error:` line and no traceback; no input changed; nothing written outside
the outputs; nothing at all written on exit 2; no raw control characters printed).

Budget. In the default `pytest` run (CI) every fuzz test runs a small fixed number of
examples (`budget.fuzz(n)`, n from 4 to 25), derandomized under the `ci` profile of
tests/conftest.py, so the whole package stays within about 90 s on 2 cores. For a release
check, run many more examples per test:

    FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest tests/fuzz -p no:randomly

(`FUZZ_EXAMPLES` replaces every test's count; add `HYPOTHESIS_PROFILE=dev` for a random,
not derandomized, exploration.) A failure prints the command, the broken rules and the
output, then the example and its reproduction blob. The default run does not shrink a
failing example (a red run stays within its budget); long runs do, and `FUZZ_SHRINK=1` asks
for it. `FUZZ_SURVEY=FILE` records every failing example as a JSON line instead of failing
at the first of each test; `python -m tests.fuzz.survey FILE` groups them into families.

Modules: `sandbox` (a folder per example and its snapshot), `check` (the rules),
`values` (hostile scalars: text, numbers, dates, statuses, crons), `files` (hostile CSV,
JSON, Parquet and event exports from the examples), `plans` (hand-edited plan.json),
`paths` (hostile path options), then one test module per command.
"""
