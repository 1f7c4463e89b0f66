"""Best-subset (L0L2) regression: one objective, evaluated on every solver's coefficients."""

import numpy as np
from benchmark_utils import instance_parameters, objective_value
from benchopt import BaseObjective


class Objective(BaseObjective):
    """``F(b) = 0.5 ||y - X b||^2 + l0 ||b||_0 + l2 ||b||^2`` subject to ``|b_i| <= M``.

    ``X`` and ``y`` are centered and scaled to unit norm; ``l0`` and ``M`` are derived from
    the data (see ``benchmark_utils.instance_parameters``) so every solver gets the same
    ``(l0, l2, M)``. Solvers return a coefficient vector; the objective is recomputed here.
    """

    name = "Best-subset L0L2 regression"
    url = "https://github.com/alisaab/l0bnb"
    min_benchopt_version = "1.5"
    requirements = []
    sampling_strategy = "run_once"
    parameters = {"l2": [0.03], "l0_ratio": [0.02]}

    def set_data(self, X, y, support=None):
        self.support = None if support is None else np.asarray(support, dtype=int)
        self.X, self.y, self.l0, self.M = instance_parameters(
            X, y, self.l2, self.support, self.l0_ratio
        )

    def get_objective(self):
        return dict(X=self.X, y=self.y, l0=self.l0, l2=self.l2, M=self.M)

    def evaluate_result(self, beta, gap=np.nan, solver_time=np.nan):
        beta = np.asarray(beta, dtype=float)
        found = np.flatnonzero(beta)
        metrics = dict(
            value=objective_value(self.X, self.y, beta, self.l0, self.l2, self.M),
            n_nonzeros=int(found.size),
            reported_gap=float(gap),
            solve_time=float(solver_time),
        )
        if self.support is not None:
            tp = len(set(found.tolist()) & set(self.support.tolist()))
            metrics.update(true_positives=tp, false_positives=int(found.size - tp))
        return metrics

    def get_one_result(self):
        return dict(beta=np.zeros(self.X.shape[1]))
