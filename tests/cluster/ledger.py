"""The cluster run's accounting: which tasks were acknowledged, which ran.

Producers write ``KEY TASK_ID`` for every OK, workers ``KEY TASK_ID`` for
every task their handler ran. A task is the pair: its key is unique to one
submission in the run, and its id says which daemon took it (the high 16 bits
are the daemon's node id). The pair matters because a restarted daemon
starts its ids again at 1, so an id alone can name two tasks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Tally", "node_of", "read_pairs", "tally"]

Pair = tuple[str, int]


def node_of(task_id: int) -> int:
    """The node id of the daemon that handed out ``task_id``."""
    return task_id >> 48


def read_pairs(paths: Iterable[Path]) -> list[Pair]:
    """Every ``KEY TASK_ID`` line of the files, in order."""
    pairs: list[Pair] = []
    for path in paths:
        for line in path.read_text().splitlines():
            key, task_id = line.split()
            pairs.append((key, int(task_id)))
    return pairs


@dataclass(frozen=True, slots=True)
class Tally:
    """How the acknowledged tasks of one set fared."""

    acked: int
    """Tasks acknowledged (OK)."""
    once: int
    """Of those, run exactly once."""
    twice: int
    """Of those, run more than once."""
    never: int
    """Of those, never run."""
    strays: dict[int, int]
    """Runs, per node id, of tasks not in the set that carry one of its keys:
    a SUBMIT left without an answer that a daemon accepted after all."""
    by_node: dict[int, int]
    """Acknowledged tasks per node id."""

    @property
    def exactly_once(self) -> bool:
        """Every task ran once, and no other task on the set's nodes ran."""
        extra = sum(self.strays.get(node, 0) for node in self.by_node)
        return self.once == self.acked and not extra


def tally(acked: Iterable[Pair], runs: Counter[Pair]) -> Tally:
    """Compare acknowledged tasks with the runs the workers recorded."""
    acked = list(acked)
    if len(set(acked)) != len(acked):
        raise ValueError("a task was acknowledged twice")
    counts = Counter(runs[pair] for pair in acked)
    keys = {key for key, _ in acked}
    known = set(acked)
    strays: Counter[int] = Counter()
    for pair, n in runs.items():
        if pair[0] in keys and pair not in known:
            strays[node_of(pair[1])] += n
    return Tally(
        acked=len(acked),
        once=counts[1],
        twice=sum(n for times, n in counts.items() if times > 1),
        never=counts[0],
        strays=dict(sorted(strays.items())),
        by_node=dict(sorted(Counter(node_of(i) for _, i in acked).items())),
    )
