"""The HiGHS model behind the placement planner (`capacity.planner.placement`): integer counts
``x[s, g]`` of units of size s given to group g (a municipality, or a target of
`placement.choose`), with one row per size, one per group and one for the total.

One model serves every stage of a plan: only bounds and costs change between solves.
Pure: no SQL, no I/O.
"""

from __future__ import annotations

import time

import highspy
import numpy as np

# The bare binding: the `Highs` wrapper prints a banner the first time it is built.
_Highs = getattr(highspy, "_Highs", None) or highspy.Highs
INF = highspy.kHighsInf
FOUND = highspy.HighsModelStatus.kOptimal  # for a feasibility problem: a solution found
_INTEGER, _CONTINUOUS = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous


class Counts:
    """One HiGHS model over count columns ``x[s, g]`` (units of size s to group g), with
    one row per size (at most the units there are), one per group (its load, minus
    ``switch_g * z_g`` when switches are given) and one for the total load."""

    def __init__(self, sizes, available, caps, switches=None):
        self.sizes, self.available = np.asarray(sizes), np.asarray(available)
        self.col_caps = np.asarray(caps)
        self.ns, self.ng = ns, ng = len(sizes), len(caps)
        g_of, s_of = np.nonzero(self.col_caps[:, None] >= self.sizes[None, :])
        self.g_of, self.s_of, self.size_of = g_of, s_of, self.sizes[s_of]
        self.n = n = len(g_of)
        self.open = np.ones(n, dtype=bool)  # columns allowed to be nonzero
        rows = np.stack([s_of, ns + g_of, np.full(n, ns + ng)], axis=1).ravel()
        values = np.stack([np.ones(n), self.size_of, self.size_of], axis=1).ravel()
        starts, upper = [np.arange(0, 3 * n, 3)], [self._upper()]
        if switches is not None:  # z_g in {0, 1}: the group's load is switches[g] or 0
            rows = np.concatenate([rows, ns + np.arange(ng)])
            values = np.concatenate([values, -np.asarray(switches, dtype=float)])
            starts.append(3 * n + np.arange(ng))
            upper.append(np.ones(ng))
        # One thread: deterministic, and the machine is shared. Few cuts: the checks want
        # a solution, fast. Feasibility jump finds big models' solutions at once, but its
        # start-up (~10 ms) is more than a small model takes in all.
        self.h = _Highs()
        for option, value in dict(
            output_flag=False, threads=1, random_seed=0, mip_rel_gap=0.0,
            mip_pool_soft_limit=1, mip_heuristic_run_feasibility_jump=n >= 200,
        ).items():  # fmt: skip
            self.h.setOptionValue(option, value)
        bounds = np.concatenate([self.available, self.col_caps, [INF]]).astype(float)
        none = np.array([], dtype=np.int32)
        self.h.addRows(ns + ng + 1, np.full(ns + ng + 1, -INF), bounds, 0, none, none, none)
        self.cols = cols = len(upper := np.concatenate(upper))
        zeros, starts = np.zeros(cols), np.concatenate(starts).astype(np.int32)
        self.h.addCols(cols, zeros, zeros, upper, len(rows), starts, rows.astype(np.int32), values)
        self.costs = zeros
        self.relax(False)

    def _upper(self):
        limit = np.maximum(self.col_caps[self.g_of] // self.size_of, 0) * self.open
        return np.minimum(self.available[self.s_of], limit).astype(float)

    def bound_groups(self, lower, upper, col_caps=None, open=None):
        """Group rows to [lower, upper]; counts to what ``col_caps`` (or upper) let in."""
        idx = self.ns + np.arange(self.ng, dtype=np.int32)
        self.h.changeRowsBounds(self.ng, idx, *(np.asarray(b, float) for b in (lower, upper)))
        self.col_caps = np.asarray(upper if col_caps is None else col_caps, dtype=np.int64)
        self.open = self.open if open is None else open
        self.bound_cols(np.arange(self.n), 0.0, self._upper())

    def bound_cols(self, idx, lower, upper):
        idx = np.asarray(idx, dtype=np.int32)
        lo = np.broadcast_to(np.asarray(lower, dtype=float), idx.shape).copy()
        up = np.broadcast_to(np.asarray(upper, dtype=float), idx.shape).copy()
        self.h.changeColsBounds(len(idx), idx, lo, up)

    def bound_total(self, lower, upper):
        self.h.changeRowBounds(self.ns + self.ng, float(lower), float(upper))

    def objective(self, costs, maximize=True):
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.h.changeObjectiveSense(sense)
        costs = np.concatenate([costs, np.zeros(self.cols - len(costs))])
        self.costs = costs
        self.h.changeColsCost(self.cols, np.arange(self.cols, dtype=np.int32), costs)

    def relax(self, relaxed: bool):
        kind = np.array([_CONTINUOUS if relaxed else _INTEGER] * self.cols)
        self.h.changeColsIntegrality(self.cols, np.arange(self.cols, dtype=np.int32), kind)

    def solve(self, seconds: float, start=None):
        """(status, counts or None): the counts of the best solution found.

        A `start` is handed to HiGHS as a first solution. HiGHS (1.16) may then answer
        with the start's values although it reports, and proved, a better objective; so
        the values are checked against the reported objective, and when they fall short
        the solver is cleared (which also forgets the start) and run again without it."""
        began = time.perf_counter()
        self.h.setOptionValue("time_limit", max(float(seconds), 1e-3))
        if start is not None:
            solution = highspy.HighsSolution()
            solution.col_value = list(np.asarray(start, dtype=float))
            solution.value_valid = True
            self.h.setSolution(solution)
        self.h.run()
        status = self.h.getModelStatus()
        info = self.h.getInfo()
        if info.primal_solution_status != highspy.kSolutionStatusFeasible:
            x = None
        else:
            x = np.rint(np.asarray(self.h.getSolution().col_value)).astype(np.int64)
        if start is not None:
            reported = info.objective_function_value
            if x is None or abs(float(self.costs @ x) - reported) > 1e-6 * max(1.0, abs(reported)):
                self.h.clearSolver()
                again, y = self.solve(seconds - (time.perf_counter() - began))
                if y is not None:
                    return again, y
        return status, x

    def loads(self, x):
        return np.bincount(self.g_of, weights=x[: self.n] * self.size_of, minlength=self.ng)

    def fill_ones(self, x, count: int):
        """Units of one person into what the others leave under the caps, in group order:
        they fit anywhere, so the rest of the model need not carry them."""
        gaps = (self.col_caps - self.loads(x)).astype(np.int64)
        for col in np.nonzero(self.size_of == 1)[0]:
            take = int(min(count, gaps[self.g_of[col]]))
            x[col], count = x[col] + take, count - take
        return x
