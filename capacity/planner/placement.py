"""Placement planner: households whole into municipalities' room, proven optimal.

Pure: no SQL, no I/O, no Slack. A batch is a list of *units*: a household, or linked
households (relatives who must live in the same municipality, written ``4+3``) that move
as one, ``Unit = (4, 3)``; a person without a known household is a unit ``(1,)``. Rooms map
a municipality number to the persons it can still take (0 or less: unusable).

`plan` solves integer programs with HiGHS in three stages, each proven optimal and kept
as a constraint by the next: 1. the most persons placed; 2. the lowest highest share of
room used, ``max_m load_m / room_m`` (each municipality receives in proportion to what it
offered); 3. with ``scores``, the highest ``sum_m load_m * score_m``, within a time limit,
with the proven relative gap when it is not closed.

Count variables. Units of equal size are interchangeable for every constraint, so the
model has one integer ``x[s, m]``: how many units of size ``s`` go to municipality ``m``,
not a binary per unit and municipality. 35,000 persons make ~20 sizes x 356 columns,
whatever the number of households, and the search sees no symmetric copies of a
solution. The units are handed out to the counts afterwards, deterministically. Units of
one person fit in any gap, so stages 1-2 leave them out and fill them in afterwards
(exact: the others must place at least ``placed - ones``, and the caps hold ``placed``).

Bisection. Stage 2 as one min-max program is slow (18 s for 700 persons). The optimum is
one of the shares ``k / room_m``, and for a candidate ``t`` the question "do the stage-1
persons fit under ``floor(t * room_m)`` everywhere?" is a feasibility problem on the same
model with other bounds. Candidates run from ``placed / total room`` (nobody can be below
average) to the stage-1 solution's share; a bisection on the LP relaxation (a few ms a
step) discards those whose relaxation fails; integer checks gallop up from there (the
relaxation is nearly always tight, so the first one usually decides), and each check that
fits lowers the upper end to the share it reached. One HiGHS model serves every stage;
only bounds and costs change between solves (`placement_model.Counts`).

`choose` picks units adding up exactly to given totals (``tildel "Moria 2020" Oslo 10``)
with the same count variables, and computes the nearest totals that can be met when not.
`greedy` is the largest-first heuristic the service used before the planner, kept only as
the benchmark's baseline.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from capacity.planner.model import FOUND as _FOUND
from capacity.planner.model import INF as _INF
from capacity.planner.model import Counts as _Counts
from capacity.planner.plans import (
    Choice,
    Line,
    Missing,
    Pick,
    Plan,
    Timings,
    TooLarge,
    Unit,
    Unmet,
)

__all__ = [
    "Choice",
    "Line",
    "Missing",
    "Pick",
    "Plan",
    "Timings",
    "TooLarge",
    "Unit",
    "Unmet",
    "choose",
    "greedy",
    "plan",
]


def _units(units: Sequence[Sequence[int]]) -> tuple[Unit, ...]:
    out = tuple(tuple(int(size) for size in unit) for unit in units)
    if any(not unit or min(unit) < 1 for unit in out):
        raise ValueError("every unit needs households of at least one person")
    return out


def _hand_out(model: _Counts, x, units: tuple[Unit, ...], numbers):
    """Units to the counts, deterministically: for each size the first units in input
    order to the first municipalities in the given order; each keeps input order."""
    pool: dict[int, list[int]] = {}
    for i, unit in enumerate(units):
        pool.setdefault(sum(unit), []).append(i)
    given: dict[str, list[int]] = {number: [] for number in numbers}
    for col in np.nonzero(x[: model.n])[0]:
        size, count = int(model.size_of[col]), int(x[col])
        given[numbers[model.g_of[col]]] += pool[size][:count]
        del pool[size][:count]
    left = sorted(i for rest in pool.values() for i in rest)
    out = {n: [units[i] for i in sorted(got)] for n, got in given.items()}
    return out, tuple(units[i] for i in left)


def plan(
    units: Sequence[Sequence[int]],
    rooms: Mapping[str, int],
    *,
    scores: Mapping[str, float] | None = None,
    time_limit: float = 10.0,
) -> Plan:
    """Place every unit whole, never above a room: the most persons, then the lowest
    highest share of room used, then (with ``scores``) the highest score. ``time_limit``
    bounds each stage's solver time; stage 3 reports its gap when the limit stops it."""
    units = _units(units)
    usable = {n: int(r) for n, r in sorted(rooms.items()) if r > 0}
    if scores is not None and (absent := sorted(set(usable) - set(scores))):
        raise ValueError(f"no score for {', '.join(absent)}")
    numbers, room = list(usable), np.array(list(usable.values()), dtype=np.int64)
    persons, counts = sum(map(sum, units)), Counter(map(sum, units))
    clock = [time.perf_counter()]

    def lap() -> float:
        clock.append(time.perf_counter())
        return clock[-1] - clock[-2]

    model = _Counts(sorted(counts), [counts[s] for s in sorted(counts)], room)
    build, x, placed, optimal, steps = lap(), np.zeros(model.cols, np.int64), 0, True, 0
    if model.n:  # stage 1; units of one person fill in whatever the others leave
        model.bound_groups(np.full(model.ng, -_INF), room, open=model.size_of != 1)
        model.objective(model.size_of)
        status, y = model.solve(time_limit)
        x, optimal = (x if y is None else y), status == _FOUND
        rest = int(model.loads(x).sum())
        placed = min(rest + counts[1], int(room.sum()))
        x = model.fill_ones(x, placed - rest)
    stage1 = lap()
    x, found, steps = _spread(model, room, placed, counts[1], x, time_limit)
    optimal, stage2 = optimal and found, lap()
    score = gap = None
    if scores is not None:
        weights = np.array([scores[n] for n in numbers], dtype=float)
        if placed:
            x, gap = _score(model, placed, counts[1], weights, x, time_limit)
        score, gap = float(model.loads(x) @ weights), gap or 0.0
    stage3 = lap() if scores is not None else 0.0
    given, unplaced = _hand_out(model, x, units, numbers)
    loads = {n: sum(map(sum, got)) for n, got in given.items() if got}
    lines = tuple(
        Line(n, tuple(given[n]), load, usable[n], usable[n] - load, load / usable[n])
        for n, load in loads.items()
    )
    largest, missing = max(usable.values(), default=0), None
    if unplaced:
        too_large = tuple(TooLarge(u, sum(u), largest) for u in unplaced if sum(u) > largest)
        short = max(0, persons - sum(usable.values()))
        missing = Missing(persons - placed, short, unplaced, too_large)
    share = max((line.share for line in lines), default=0.0)
    times = Timings(build, stage1, stage2, stage3, steps)
    return Plan(lines, unplaced, persons, placed, share, score, gap, missing, optimal, times)


def _spread(model: _Counts, room, placed: int, ones: int, x, time_limit: float):
    """Stage 2: the lowest share t such that ``placed`` persons fit under floor(t * room)
    everywhere. Returns (counts, proven, solver runs); the model keeps the best caps."""
    if not placed:
        return x, True, 0
    deadline = time.perf_counter() + time_limit
    loads = model.loads(x)
    j = int(np.argmax(loads / room))
    k_hi = int(loads[j]) * room // room[j]
    k_lo = np.minimum(-(-placed * room // room.sum()), k_hi)  # nobody below the average
    ks = np.concatenate([np.arange(a, b + 1) for a, b in zip(k_lo, k_hi, strict=True)])
    rs = np.repeat(room, k_hi - k_lo + 1)
    share, first = np.unique(ks / rs, return_index=True)  # distinct, in order
    ks, rs = ks[first], rs[first]

    def caps(i: int):
        return ks[i] * room // rs[i]

    def index(x) -> int:
        return int(np.searchsorted(share, float(np.max(model.loads(x) / room))))

    def check(i: int):  # (True, counts) when they fit; (None, None) when undecided
        return _fits(model, caps(i), placed, ones, deadline)

    lo, hi, steps, proven = 0, index(x), 0, True
    model.relax(True)
    top = hi
    while lo < top:  # the LP relaxation: candidates below its threshold are infeasible
        mid = (lo + top) // 2
        fits, _ = check(mid)
        steps += 1
        if fits is None:
            break
        lo, top = (lo, mid) if fits else (mid + 1, top)
    model.relax(False)
    jump = 0
    while lo < hi:  # integer checks, galloping up from the LP bound
        mid = min(lo + jump, (lo + hi) // 2)
        fits, y = check(mid)
        steps += 1
        if fits:
            x, hi = y, min(mid, index(y))
        elif fits is False:
            lo, jump = mid + 1, 2 * jump + 1
        else:
            proven = False
            break
    model.bound_groups(np.full(model.ng, -_INF), caps(hi))
    return x, proven, steps


def _fits(model: _Counts, caps, placed: int, ones: int, deadline: float):
    """Whether ``placed`` persons fit under ``caps`` (one per group): (True, counts with
    the units of one person filled in), (False, None), or (None, None) when the deadline
    stopped the search undecided.

    The units of one person fit in any gap, so the model leaves them out (stage 1 closed
    their columns): ``placed`` persons fit iff the others can fill ``need`` of them, with
    the persons placed as the objective capped there (reaching it closes the search)."""
    if caps.sum() < placed:
        return False, None
    need = max(0, placed - ones)
    model.bound_total(-_INF, need)
    model.bound_groups(np.full(model.ng, -_INF), caps)
    if not need:
        return True, model.fill_ones(np.zeros(model.cols, np.int64), placed)
    status, y = model.solve(deadline - time.perf_counter())
    if y is not None and model.h.getInfo().objective_function_value >= need - 1e-6:
        return True, model.fill_ones(y, placed - int(model.loads(y).sum()))
    return (False if status == _FOUND else None), None


def _pack(model: _Counts, caps, placed: int, ones: int):
    """Counts placing exactly ``caps`` persons in each group (``sum(caps) == placed``),
    found without a solver, or None. The households of two or more persons go in largest
    first, each size into the groups with the least room left that still take it (best
    fit) or, failing that, the most (worst fit); the units of one person then fill the
    gaps, which they can exactly when the others reach ``placed - ones``."""
    need = max(0, placed - ones)
    for fullest_first in (True, False):
        x, left = np.zeros(model.cols, np.int64), caps.astype(np.int64)
        for si in range(model.ns - 1, -1, -1):
            size = int(model.sizes[si])
            if size == 1:
                continue
            cols = np.nonzero((model.s_of == si) & (left[model.g_of] >= size))[0]
            groups = model.g_of[cols]
            order = np.lexsort((groups, left[groups] if fullest_first else -left[groups]))
            cols, groups = cols[order], groups[order]
            fit = left[groups] // size
            before = np.cumsum(fit) - fit
            take = np.clip(int(model.available[si]) - before, 0, fit)
            x[cols] = take
            left[groups] -= take * size
        if int(model.loads(x).sum()) >= need:
            model.bound_groups(np.full(model.ng, -_INF), caps)
            return model.fill_ones(x, placed - int(model.loads(x).sum()))
    return None


def _score(model: _Counts, placed: int, ones: int, weights, x, time_limit: float):
    """Stage 3: the highest score ``sum_g load_g * weight_g`` with ``placed`` persons
    under the stage-2 caps. Returns (counts, proven relative gap: 0.0 when optimal).

    Leaving the households out, the best loads are plain: fill the groups in order of
    score (ties in group order), each to its cap, until ``placed`` persons. That score
    bounds every plan's from above, so when the households fit those loads exactly (one
    feasibility check, as in stage 2) the plan is proven optimal without a search over
    scores. The households are packed largest first (`_pack`); with units of one person
    to fill the gaps, that nearly always succeeds (the 35,000-person year: milliseconds,
    where the integer program could not close its gap in 10 s). When it does not (few
    units of one person, sizes that cannot make up a cap; proving that no packing exists
    can take longer than the search itself), the integer program decides, started from
    stage 2's plan."""
    deadline = time.perf_counter() + time_limit
    caps = model.col_caps.copy()
    order = np.lexsort((np.arange(model.ng), -weights))
    filled = np.minimum(np.cumsum(caps[order]), placed)
    target = np.empty_like(caps)
    target[order] = np.diff(filled, prepend=0)
    y = _pack(model, target, placed, ones)
    if y is not None:
        return y, 0.0
    model.bound_groups(np.full(model.ng, -_INF), caps, open=np.ones(model.n, dtype=bool))
    model.bound_total(placed, placed)
    model.objective(model.size_of * weights[model.g_of])
    status, better = model.solve(deadline - time.perf_counter(), start=x)
    x = x if better is None else better
    return x, (0.0 if status == _FOUND else float(model.h.getInfo().mip_gap))


def choose(
    units: Sequence[Sequence[int]],
    targets: Mapping[str, int],
    rooms: Mapping[str, int] | None = None,
    *,
    time_limit: float = 10.0,
) -> Choice:
    """Disjoint units adding up exactly to each target, linked units whole. When not all
    targets can be met at once, the most are (earlier ones first), and each one left out
    gets the nearest totals reachable beside the met ones. A room given caps a total."""
    units = _units(units)
    numbers, goal = list(targets), [int(t) for t in targets.values()]
    if any(t < 1 for t in goal):
        raise ValueError("targets are persons: at least 1")
    persons, counts = sum(map(sum, units)), Counter(map(sum, units))
    cap = [
        persons if rooms is None else max(0, min(persons, int(rooms.get(n, 0)))) for n in numbers
    ]
    sizes = sorted(counts)
    model = _Counts(sizes, [counts[s] for s in sizes], cap, switches=goal)
    ng, n = len(numbers), model.n
    z = n + np.arange(ng)
    reach = np.minimum(goal, cap)
    model.bound_groups(np.zeros(ng), np.zeros(ng), col_caps=reach)
    model.bound_cols(z, 0.0, (np.array(goal) <= np.array(cap)).astype(float))
    weight = ng * (ng + 1) // 2 + 1  # the count of met targets first, then earlier ones
    model.objective(np.concatenate([np.zeros(n), weight + ng - np.arange(ng)]))
    _, x = model.solve(time_limit)
    met = x[z] == 1 if x is not None else np.zeros(ng, dtype=bool)
    unmet = []
    for g in np.nonzero(~met)[0]:
        near = []
        for low, high, maximize in (
            (1, min(goal[g] - 1, cap[g]), True),
            (goal[g] + 1, cap[g], False),
        ):
            if low > high:
                near.append(None)
                continue
            col_caps = np.where(met, goal, 0)
            col_caps[g] = cap[g]
            lower, upper = np.zeros(ng), np.zeros(ng)
            lower[g], upper[g] = low, high
            model.bound_groups(lower, upper, col_caps=col_caps)
            model.bound_cols(z, met.astype(float), met.astype(float))
            model.objective(np.where(model.g_of == g, model.size_of, 0), maximize)
            status, y = model.solve(time_limit)
            near.append(int(round(model.loads(y)[g])) if status == _FOUND else None)
        unmet.append(Unmet(numbers[g], goal[g], near[0], near[1]))
    if x is None:
        x = np.zeros(model.cols, np.int64)
    x[:n] *= met[model.g_of]
    given, left = _hand_out(model, x, units, numbers)
    picks = tuple(Pick(nm, tuple(given[nm]), goal[g]) for g, nm in enumerate(numbers) if met[g])
    return Choice(picks=picks, unmet=tuple(unmet), left=left)


def greedy(
    units: Sequence[Sequence[int]], rooms: Mapping[str, int]
) -> dict[str, tuple[Unit, ...]] | None:
    """The heuristic the service used before the planner, the benchmark's baseline: units
    largest first, each where the largest share of room is left, or failing that where it
    fits tightest; None when some unit finds no room (although a packing may exist)."""
    order = sorted(_units(units), key=sum, reverse=True)
    room = dict(rooms)
    for proportional in (True, False):
        left = dict(room)
        placed: dict[str, list[Unit]] = {number: [] for number in left}
        for unit in order:
            size = sum(unit)
            fits = [n for n in left if left[n] >= size]
            if not fits:
                break
            if proportional:
                number = max(fits, key=lambda n: (left[n] / room[n], left[n], n))
            else:
                number = min(fits, key=lambda n: (left[n] - size, n))
            placed[number].append(unit)
            left[number] -= size
        else:
            return {number: tuple(got) for number, got in placed.items() if got}
    return None
