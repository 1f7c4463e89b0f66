"""Solver-style progress table: nodes, open nodes, incumbent, bound, gap, time."""

from __future__ import annotations

import sys


class SearchLog:
    """Collects progress records and prints them as a MIP-solver table when verbose.

    A line is printed (and recorded) when a new incumbent is found (marked ``*``), at the
    root, every ``every_nodes`` nodes, every ``every_seconds`` seconds and at the end.
    """

    header = (
        f"{'':1} {'Nodes':>9} {'Open':>8} {'Depth':>5} {'Incumbent':>15} "
        f"{'BestBound':>15} {'Gap':>8} {'Time':>8}"
    )

    def __init__(self, verbose: bool, every_nodes: int = 100, every_seconds: float = 5.0):
        self.verbose = bool(verbose)
        self.every_nodes = every_nodes
        self.every_seconds = every_seconds
        self.records: list[dict] = []
        self._last_time = -float("inf")
        self._stream = sys.stdout

    def banner(self, lines: list[str]) -> None:
        if self.verbose:
            for line in lines:
                print(line, file=self._stream)
            print(self.header, file=self._stream)

    def due(self, n_nodes: int, elapsed: float) -> bool:
        return n_nodes % self.every_nodes == 0 or elapsed - self._last_time >= self.every_seconds

    def line(
        self,
        marker: str,
        n_nodes: int,
        n_open: int,
        depth: int,
        incumbent: float,
        bound: float,
        gap: float,
        elapsed: float,
    ) -> None:
        self._last_time = elapsed
        self.records.append(
            {
                "marker": marker,
                "nodes": n_nodes,
                "open": n_open,
                "depth": depth,
                "incumbent": incumbent,
                "bound": bound,
                "gap": gap,
                "time": elapsed,
            }
        )
        if self.verbose:
            gap_text = f"{100 * gap:7.3f}%" if gap != float("inf") else "      - "
            print(
                f"{marker:1} {n_nodes:>9d} {n_open:>8d} {depth:>5d} {incumbent:>15.8g} "
                f"{bound:>15.8g} {gap_text:>8} {elapsed:>7.2f}s",
                file=self._stream,
            )

    def footer(self, lines: list[str]) -> None:
        if self.verbose:
            print("", file=self._stream)
            for line in lines:
                print(line, file=self._stream)
