"""Merges the result files of one protocol run made in parts.

    python -m benchmarks.anomaly.merge OUT_PREFIX PART.json PART.json ...

A digits protocol can run as several processes side by side, each on
its own core with its own `--digits` (for example 0-4 and 5-9) and the
same seeds, detectors and budgets. This writes `OUT_PREFIX.json` and
`.md` as one run of all of them would: the records of every part,
summarised and labelled (full protocol or screening) by the same rules
as `benchmarks.anomaly.run`. The wall time is the longest part's (they
ran side by side); each part's command is listed (`commands`; `command`
joins them with "; "). Parts must be finished: every seed of every
digit they were given, for the same detectors.
"""

import argparse
import json
import sys

from benchmarks.anomaly import run

#: Settings every part must share.
SHARED = (
    "protocol",
    "backend",
    "keras",
    "threads",
    "seeds",
    "epochs",
    "batch_size",
    "eval_every",
    "width",
)


def merge(parts):
    """One report from the reports `parts` (dicts read from their JSON).

    Args:
        parts: Reports of `benchmarks.anomaly.run` with equal settings
            (`SHARED`) and disjoint digits.

    Returns:
        `(report, markdown_text)`.

    Example:

    ```python
    report, text = merge([json.load(open(p)) for p in paths])
    ```
    """
    if len(parts) < 2:
        raise ValueError(f"Merge needs 2 or more parts. Received: {len(parts)}")
    first = parts[0]
    if not str(first["protocol"]).startswith("digits"):
        raise ValueError(
            "Only digits protocols run in parts (by digit). Received: "
            f"protocol={first['protocol']!r}"
        )
    for part in parts[1:]:
        for key in SHARED:
            if part[key] != first[key]:
                raise ValueError(
                    f"Parts differ in {key!r}: {first[key]!r} and {part[key]!r}"
                )
    digits = [d for part in parts for d in part["digits"]]
    if len(set(digits)) != len(digits):
        raise ValueError(f"Parts share digits: {sorted(digits)}")
    rows = [{r["row"] for r in part["records"]} for part in parts]
    if any(r != rows[0] for r in rows):
        raise ValueError(f"Parts ran different detectors: {rows}")
    for part in parts:
        _check_finished(part)
    args = argparse.Namespace(**{key: first[key] for key in SHARED})
    args.digits = sorted(digits)
    args.screening = run.is_screening(args.protocol, args.seeds, args.digits)
    records = [r for part in parts for r in part["records"]]
    splits = [s for part in parts for s in part["splits"]]
    wall = max(part["wall_seconds"] for part in parts)
    summary = run.summarise(records, args)
    commands = []
    for part in parts:
        commands.extend(part.get("commands", [part["command"]]))
    report = dict(first)
    report.update(
        screening=args.screening,
        command="; ".join(commands),
        commands=commands,
        digits=args.digits,
        wall_seconds=wall,
        splits=splits,
        summary=summary,
        records=records,
    )
    text = run.markdown(summary, args, splits, wall, commands=commands)
    return report, text


def _check_finished(part):
    """Raises unless `part` holds every (seed, digit) of every row."""
    planned = {(s, d) for s in part["seeds"] for d in part["digits"]}
    if len(part["splits"]) != len(planned):
        raise ValueError(
            f"A part is unfinished: {len(part['splits'])} of "
            f"{len(planned)} splits. Received: {part['command']!r}"
        )
    for row in {r["row"] for r in part["records"]}:
        done = {
            (r["seed"], r["digit"]) for r in part["records"] if r["row"] == row
        }
        if done != planned:
            raise ValueError(
                f"A part is unfinished: {row!r} has {len(done)} of "
                f"{len(planned)} (seed, digit) results. Received: "
                f"{part['command']!r}"
            )


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) < 3:
        raise SystemExit(__doc__)
    prefix, paths = argv[0], argv[1:]
    parts = []
    for path in paths:
        with open(path) as f:
            parts.append(json.load(f))
    report, text = merge(parts)
    with open(prefix + ".json", "w") as f:
        json.dump(report, f, indent=1)
    with open(prefix + ".md", "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
