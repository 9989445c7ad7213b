"""``python -m tests.sql.fuzz --n 2000 --seed 1``: run many fuzzed queries, print classified counts."""

from __future__ import annotations

import argparse

from tests.sql.fuzz.runner import Engines, run_seeds, summary


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.sql.fuzz", description=__doc__)
    parser.add_argument("--n", type=int, default=500, help="number of queries")
    parser.add_argument("--seed", type=int, default=1, help="first seed (queries use seed, seed+1, ...)")
    parser.add_argument("--npartitions", type=int, default=3)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--avoid", default="", help="comma-separated constructs to leave out (see generator.KNOWN)")
    parser.add_argument("--examples", type=int, default=3, help="examples printed per failure class")
    args = parser.parse_args()
    avoid = frozenset(a for a in args.avoid.split(",") if a)
    outcomes = run_seeds(range(args.seed, args.seed + args.n), avoid, Engines(args.npartitions, args.scheduler))
    print(summary(outcomes, args.examples))


if __name__ == "__main__":
    main()
