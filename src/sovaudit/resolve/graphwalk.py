"""Linear-time walks over a lineage graph that may hold cycles (a hostile tree or Hub can make
any model name any other as its base).

``components`` finds the strongly connected components iteratively (Tarjan), sinks first, so a
caller can compute a value per model from its parents' values once each: O(nodes + edges), no
recursion, no walk of every path. A component with more than one member (or a self-loop) is a
lineage cycle.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def components(nodes: Iterable[N], succ: Callable[[N], Sequence[N]]) -> list[list[N]]:
    """Strongly connected components of the graph reachable from ``nodes``, in reverse
    topological order: every component comes after each component it reaches. Iterative."""
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[N, int]] = [(start, 0)]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            v, i = work[-1]
            nbrs = succ(v)
            if i < len(nbrs):
                work[-1] = (v, i + 1)
                w = nbrs[i]
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, 0))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                u = work[-1][0]
                low[u] = min(low[u], low[v])
            if low[v] == index[v]:
                comp: list[N] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))  # type: ignore[type-var]
    return out


def shortest_cycle(start: N, succ: Callable[[N], Sequence[N]], within: set[N]) -> list[N]:
    """The shortest cycle from ``start`` back to it through ``within`` (its component), as the
    list of nodes with ``start`` at both ends; [] when there is none. Breadth-first."""
    prev: dict[N, N] = {}
    queue: deque[N] = deque([start])
    seen = {start}
    while queue:
        v = queue.popleft()
        for w in succ(v):
            if w not in within:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(prev[path[-1]])
                return [start] + path[::-1][1:] + [start] if len(path) > 1 else [start, start]
            if w not in seen:
                seen.add(w)
                prev[w] = v
                queue.append(w)
    return []


__all__ = ["components", "shortest_cycle"]
