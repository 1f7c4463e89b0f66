"""Harvest every node of a fitted tree ensemble as a candidate rule.

A :class:`TreePool` holds the split structure of all trees in one flat node numbering (per
tree, children always get larger indices than their parent, so reverse index order is a
post-order). Routing follows each library's own semantics, recorded in the pool:

- scikit-learn trees (forests, extra trees, gradient boosting): left iff
  ``float32(x) <= threshold`` (scikit-learn casts X to float32), NaN to the side stored in
  ``missing_go_to_left``;
- scikit-learn histogram gradient boosting: left iff ``x <= num_threshold`` in float64, NaN
  to ``missing_go_to_left``; categorical splits are refused;
- LightGBM: left iff ``x <= threshold`` (float64), NaN to the default side;
- XGBoost: left iff ``float32(x) < split_condition``, NaN to the ``missing`` child.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class TreePool:
    """Split structure of an ensemble, flattened over trees.

    Attributes
    ----------
    feature, threshold, left, right, missing_left : ndarray of shape (n_nodes,)
        Split feature (-1 at leaves), threshold, child indices (-1 at leaves) and NaN
        routing of every node.
    tree_start : ndarray of shape (n_trees + 1,)
        Nodes of tree ``t`` are ``tree_start[t]:tree_start[t + 1]``; the first is its root.
    cast32 : bool
        Compare ``float32(x)`` with the threshold (else ``x`` in float64).
    strict : bool
        Left iff ``x < threshold`` (else ``x <= threshold``).
    source : str
        The library the ensemble came from.
    """

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    missing_left: np.ndarray
    tree_start: np.ndarray
    cast32: bool
    strict: bool
    source: str
    parent: np.ndarray = field(init=False)
    tree: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        m = self.feature.size
        self.parent = np.full(m, -1, dtype=np.int64)
        internal = np.flatnonzero(self.left >= 0)
        if np.any(self.left[internal] <= internal) or np.any(self.right[internal] <= internal):
            raise ValueError("tree nodes must be numbered so that children follow parents")
        self.parent[self.left[internal]] = internal
        self.parent[self.right[internal]] = internal
        self.tree = np.repeat(np.arange(self.n_trees), np.diff(self.tree_start))

    @property
    def n_nodes(self) -> int:
        return int(self.feature.size)

    @property
    def n_trees(self) -> int:
        return int(self.tree_start.size - 1)

    def path(self, v: int) -> list[tuple[int, bool]]:
        """Splits on the root-to-``v`` path: ``(ancestor, went_left)`` from the root down."""
        steps = []
        while self.parent[v] >= 0:
            a = int(self.parent[v])
            steps.append((a, bool(self.left[a] == v)))
            v = a
        return steps[::-1]

    def depths(self, measure: str = "path") -> np.ndarray:
        """Conditions on each node's path (``"path"``) or distinct features (``"features"``)."""
        out = np.zeros(self.n_nodes, dtype=np.int64)
        for v in range(self.n_nodes):
            steps = self.path(v)
            if measure == "path":
                out[v] = len(steps)
            else:
                out[v] = len({int(self.feature[a]) for a, _ in steps})
        return out

    def goes_left(self, v: int, column: np.ndarray) -> np.ndarray:
        """Routing of the values ``column`` of feature ``feature[v]`` at node ``v``."""
        x = column.astype(np.float32) if self.cast32 else column
        t = self.threshold[v]
        with np.errstate(invalid="ignore"):
            left = x < t if self.strict else x <= t
        nan = np.isnan(column)
        if nan.any():
            left = np.where(nan, bool(self.missing_left[v]), left)
        return left

    def membership(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows reaching each node, as a CSC 0/1 matrix ``(indptr, indices)``."""
        X = np.asarray(X, dtype=np.float64)
        n = X.shape[0]
        rows: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * self.n_nodes
        for t in range(self.n_trees):
            rows[self.tree_start[t]] = np.arange(n, dtype=np.int64)
        for v in range(self.n_nodes):
            if self.left[v] < 0:
                continue
            here = rows[v]
            go = self.goes_left(v, X[here, self.feature[v]])
            rows[self.left[v]] = here[go]
            rows[self.right[v]] = here[~go]
        counts = np.array([r.size for r in rows], dtype=np.int64)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        indices = np.concatenate(rows).astype(np.int64) if rows else np.empty(0, np.int64)
        return indptr, indices


def _concat(trees, cast32, strict, source) -> TreePool:
    """Flatten per-tree ``(feature, threshold, left, right, missing_left)`` arrays."""
    feats, thrs, lefts, rights, miss, starts = [], [], [], [], [], [0]
    for feature, threshold, left, right, missing in trees:
        off = starts[-1]
        feats.append(np.asarray(feature, dtype=np.int64))
        thrs.append(np.asarray(threshold, dtype=np.float64))
        left = np.asarray(left, dtype=np.int64)
        right = np.asarray(right, dtype=np.int64)
        lefts.append(np.where(left >= 0, left + off, -1))
        rights.append(np.where(right >= 0, right + off, -1))
        miss.append(np.asarray(missing, dtype=np.bool_))
        starts.append(off + len(feature))
    return TreePool(
        feature=np.concatenate(feats),
        threshold=np.concatenate(thrs),
        left=np.concatenate(lefts),
        right=np.concatenate(rights),
        missing_left=np.concatenate(miss),
        tree_start=np.asarray(starts, dtype=np.int64),
        cast32=cast32,
        strict=strict,
        source=source,
    )


def _sklearn_tree(tree) -> tuple:
    t = tree.tree_
    leaf = t.children_left < 0
    feature = np.where(leaf, -1, t.feature)
    missing = getattr(t, "missing_go_to_left", np.zeros(t.node_count, dtype=np.uint8))
    return feature, t.threshold, t.children_left, t.children_right, missing


def _hist_tree(predictor) -> tuple:
    nodes = predictor.nodes
    if np.any(nodes["is_categorical"]):
        raise ValueError(
            "HistGradientBoostingRegressor with categorical splits is not supported: a rule "
            "would need set conditions. Fit it without categorical_features."
        )
    leaf = nodes["is_leaf"].astype(bool)
    feature = np.where(leaf, -1, nodes["feature_idx"])
    left = np.where(leaf, -1, nodes["left"].astype(np.int64))
    right = np.where(leaf, -1, nodes["right"].astype(np.int64))
    return feature, nodes["num_threshold"], left, right, nodes["missing_go_to_left"]


def _flatten(root, split) -> tuple:
    """Number a nested tree in preorder. ``split(node)`` returns ``None`` at a leaf, else
    ``(feature, threshold, nan_goes_left, left_node, right_node)``."""
    feature, threshold, left, right, missing = [], [], [], [], []
    stack = [(root, -1, False)]
    while stack:
        node, parent, is_left = stack.pop()
        i = len(feature)
        if parent >= 0:
            (left if is_left else right)[parent] = i
        info = split(node)
        feature.append(-1 if info is None else info[0])
        threshold.append(0.0 if info is None else info[1])
        missing.append(False if info is None else info[2])
        left.append(-1)
        right.append(-1)
        if info is not None:
            stack.append((info[4], i, False))
            stack.append((info[3], i, True))
    return feature, threshold, left, right, missing


def _lightgbm_split(node):
    if "split_index" not in node:
        return None
    if node.get("decision_type", "<=") != "<=":
        raise ValueError("LightGBM categorical splits are not supported.")
    threshold = float(node["threshold"])
    mtype = node.get("missing_type", "None")
    if mtype == "Zero":
        # Zeros themselves would follow the default side: not an interval rule.
        raise ValueError("LightGBM splits with missing_type 'Zero' are not supported.")
    # Missing type "None" routes NaN like zero; "NaN" uses the default side.
    nan_left = bool(node["default_left"]) if mtype == "NaN" else 0.0 <= threshold
    return (
        int(node["split_feature"]),
        threshold,
        nan_left,
        node["left_child"],
        node["right_child"],
    )


def _lightgbm_trees(model) -> list:
    dump = model.booster_.dump_model()
    return [_flatten(info["tree_structure"], _lightgbm_split) for info in dump["tree_info"]]


def _xgboost_trees(model) -> list:
    import json

    booster = model.get_booster()
    names = list(booster.feature_names or [])

    def split(node):
        if "children" not in node:
            return None
        name = node["split"]
        feature = names.index(name) if name in names else int(str(name).lstrip("f"))
        kids = {c["nodeid"]: c for c in node["children"]}
        nan_left = node["missing"] == node["yes"]
        return (
            feature,
            # The dump prints float32 thresholds in a decimal form that rounds back to them.
            float(np.float32(node["split_condition"])),
            nan_left,
            kids[node["yes"]],
            kids[node["no"]],
        )

    return [_flatten(json.loads(text), split) for text in booster.get_dump(dump_format="json")]


def harvest(model) -> TreePool:
    """Extract the :class:`TreePool` of a fitted regression ensemble.

    Raises
    ------
    TypeError
        For classifiers, multi-output models and unsupported model types.
    ValueError
        For unfitted models and categorical splits.
    """
    from sklearn.base import is_classifier
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    name = type(model).__name__
    if is_classifier(model) or "Classifier" in name:
        raise TypeError(
            f"{name} is a classifier; RuleExtractor harvests regression ensembles only."
        )
    module = type(model).__module__
    try:
        check_is_fitted(model)
    except NotFittedError as exc:
        raise ValueError(f"{name} is not fitted: fit it first or use prefit=False.") from exc
    except TypeError:
        pass
    if getattr(model, "n_outputs_", 1) != 1:
        raise TypeError(f"{name} was fitted on several outputs; only one output is supported.")
    if module.startswith("sklearn.ensemble") and hasattr(model, "_predictors"):
        if getattr(model, "n_trees_per_iteration_", 1) != 1:
            raise TypeError(f"{name} with several trees per iteration is not supported.")
        trees = [_hist_tree(p[0]) for p in model._predictors]
        return _concat(trees, cast32=False, strict=False, source="sklearn-hist")
    if module.startswith("sklearn.ensemble") and hasattr(model, "estimators_"):
        est = model.estimators_
        est = list(est[:, 0]) if isinstance(est, np.ndarray) and est.ndim == 2 else list(est)
        return _concat([_sklearn_tree(e) for e in est], True, False, "sklearn")
    if module.startswith("sklearn.tree") and hasattr(model, "tree_"):
        return _concat([_sklearn_tree(model)], True, False, "sklearn")
    if module.startswith("lightgbm"):
        return _concat(_lightgbm_trees(model), False, False, "lightgbm")
    if module.startswith("xgboost"):
        return _concat(_xgboost_trees(model), True, True, "xgboost")
    raise TypeError(
        f"{name} is not a supported tree ensemble: use a scikit-learn RandomForestRegressor, "
        "ExtraTreesRegressor, GradientBoostingRegressor, HistGradientBoostingRegressor, "
        "DecisionTreeRegressor, or a LightGBM/XGBoost regressor."
    )
