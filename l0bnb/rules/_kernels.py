"""Numba kernels of rule selection: tree antichain DPs, block coordinate descent, relaxation CD.

Nodes of all trees share one numbering; per tree they occupy ``tree_start[t]:tree_start[t+1]``
with children after parents, so a reverse scan is a post-order. Node membership is a CSC
0/1 matrix ``(indptr, indices)`` (rows reaching each node). Node states: ``FREE`` (-1),
``ZERO`` (0, excluded), ``ONE`` (1, forced in). Kernels that call each other live here.
"""

from __future__ import annotations

import numpy as np
from numba import njit

FREE = -1
ZERO = 0
ONE = 1


@njit(cache=True, nogil=True)
def node_sums(indptr, indices, r, lo, hi, out):
    """``out[v] = sum of r over the rows of node v`` for ``lo <= v < hi``."""
    for v in range(lo, hi):
        s = 0.0
        for k in range(indptr[v], indptr[v + 1]):
            s += r[indices[k]]
        out[v] = s


@njit(cache=True, nogil=True)
def add_node(indptr, indices, r, v, value):
    """``r[rows of v] += value``."""
    for k in range(indptr[v], indptr[v + 1]):
        r[indices[k]] += value


@njit(cache=True, nogil=True)
def tree_best(left, right, lo, hi, g, allowed, f):
    """Maximum-weight antichain of one tree: ``f[v]`` = best value in the subtree of ``v``.

    A node can be taken when ``allowed`` and only with positive weight ``g``:
    ``f(leaf) = max(g, 0)``, ``f(v) = max(g_v, f(left) + f(right))``.
    """
    for v in range(hi - 1, lo - 1, -1):
        split = 0.0
        if left[v] >= 0:
            split = f[left[v]] + f[right[v]]
        if allowed[v] and g[v] > split:
            f[v] = g[v]
        else:
            f[v] = split


@njit(cache=True, nogil=True)
def tree_select(left, right, lo, hi, g, allowed, f, sel):
    """Mark in ``sel`` the antichain attaining ``f[lo]`` (ties go to the ancestor)."""
    stack = np.empty(hi - lo + 1, dtype=np.int64)
    top = 0
    stack[0] = lo
    top = 1
    while top > 0:
        top -= 1
        v = stack[top]
        split = 0.0
        if left[v] >= 0:
            split = f[left[v]] + f[right[v]]
        if allowed[v] and g[v] > 0.0 and g[v] >= split:
            sel[v] = True
        elif left[v] >= 0:
            stack[top] = left[v]
            stack[top + 1] = right[v]
            top += 2


@njit(cache=True, nogil=True)
def tree_table(left, right, lo, hi, g, allowed, K):
    """Budgeted DP: ``F[v - lo, j]`` = best antichain value in the subtree of v with <= j nodes."""
    F = np.zeros((hi - lo, K + 1))
    for v in range(hi - 1, lo - 1, -1):
        i = v - lo
        if left[v] >= 0:
            a = left[v] - lo
            b = right[v] - lo
            for j in range(K + 1):
                best = -np.inf
                for j1 in range(j + 1):
                    val = F[a, j1] + F[b, j - j1]
                    if val > best:
                        best = val
                F[i, j] = best
        if allowed[v] and g[v] > 0.0:
            for j in range(1, K + 1):
                if g[v] > F[i, j]:
                    F[i, j] = g[v]
    return F


@njit(cache=True, nogil=True)
def table_select(left, right, lo, g, allowed, F, K, sel):
    """Mark the antichain attaining ``F[0, K]`` (root ``lo``) in ``sel``."""
    size = F.shape[0] + 1
    stack_v = np.empty(size, dtype=np.int64)
    stack_j = np.empty(size, dtype=np.int64)
    stack_v[0] = lo
    stack_j[0] = K
    top = 1
    while top > 0:
        top -= 1
        v = stack_v[top]
        j = stack_j[top]
        if j == 0:
            continue
        split = 0.0
        best_j1 = 0
        if left[v] >= 0:
            a = left[v] - lo
            b = right[v] - lo
            split = -np.inf
            for j1 in range(j + 1):
                val = F[a, j1] + F[b, j - j1]
                if val > split:
                    split = val
                    best_j1 = j1
        if allowed[v] and g[v] > 0.0 and g[v] >= split:
            sel[v] = True
        elif left[v] >= 0:
            stack_v[top] = left[v]
            stack_j[top] = best_j1
            stack_v[top + 1] = right[v]
            stack_j[top + 1] = j - best_j1
            top += 2


@njit(cache=True, nogil=True)
def antichain(left, right, tree_start, g, allowed, K, sel):
    """Best antichain over all trees (one per tree, at most ``K`` nodes overall if ``K >= 0``).

    Weights ``g`` (taken only when positive and allowed). Returns the value; the nodes are
    marked in ``sel``. The budgeted form merges per-tree tables by max-plus convolution.
    """
    T = tree_start.size - 1
    m = left.size
    if K < 0:
        f = np.zeros(m)
        total = 0.0
        for t in range(T):
            lo = tree_start[t]
            hi = tree_start[t + 1]
            tree_best(left, right, lo, hi, g, allowed, f)
            total += f[lo]
            tree_select(left, right, lo, hi, g, allowed, f, sel)
        return total
    roots = np.zeros((T, K + 1))
    tables = []
    for t in range(T):
        F = tree_table(left, right, tree_start[t], tree_start[t + 1], g, allowed, K)
        # Element loops, not slice assignment: the broadcasting checks of a slice
        # assignment cost seconds of compilation (error-message string code) for nothing.
        for j in range(K + 1):
            roots[t, j] = F[0, j]
        tables.append(F)
    G = np.zeros(K + 1)
    arg = np.zeros((T, K + 1), dtype=np.int64)
    for t in range(T):
        H = np.empty(K + 1)
        for j in range(K + 1):
            best = -np.inf
            bj = 0
            for j1 in range(j + 1):
                val = G[j - j1] + roots[t, j1]
                if val > best:
                    best = val
                    bj = j1
            H[j] = best
            arg[t, j] = bj
        G = H
    j = K
    for t in range(T - 1, -1, -1):
        jt = arg[t, j]
        table_select(left, right, tree_start[t], g, allowed, tables[t], jt, sel)
        j -= jt
    return G[K]


@njit(cache=True, nogil=True)
def _center(r):
    """Subtract the mean of ``r`` in place and return it (a loop compiles much faster than
    the in-place array operator)."""
    shift = 0.0
    for i in range(r.size):
        shift += r[i]
    shift /= r.size
    for i in range(r.size):
        r[i] -= shift
    return shift


@njit(cache=True, nogil=True)
def residual(indptr, indices, y, w, mu):
    """``y - mu - M w``."""
    r = np.empty(y.size)
    for i in range(y.size):
        r[i] = y[i] - mu
    for v in range(w.size):
        if w[v] != 0.0:
            add_node(indptr, indices, r, v, -w[v])
    return r


@njit(cache=True, nogil=True)
def objective_value(r, w, c, l2):
    """``(1/2n)||r||^2 + l2 ||w||^2 + sum of c over the support``."""
    n = r.size
    val = 0.5 * np.dot(r, r) / n
    for v in range(w.size):
        if w[v] != 0.0:
            val += l2 * w[v] * w[v] + c[v]
    return val


@njit(cache=True, nogil=True)
def bcd(
    indptr,
    indices,
    left,
    right,
    tree_start,
    allowed,
    c,
    l2,
    K,
    fit_intercept,
    r,
    w,
    mu,
    max_sweeps,
    tol,
):
    """Block coordinate descent over trees with exact antichain blocks, in place.

    ``r = y - mu - M w`` on entry and exit. Each block replaces tree t's rules by the best
    antichain for the partial residual (budget ``K`` minus rules of other trees when
    ``K >= 0``); the intercept is then refit. Returns ``(mu, objective, sweeps)``.
    """
    n = r.size
    m = w.size
    T = tree_start.size - 1
    S = np.zeros(m)
    g = np.full(m, -np.inf)
    count = 0
    for v in range(m):
        if w[v] != 0.0:
            count += 1
    old = objective_value(r, w, c, l2)
    sweeps = 0
    for sweep in range(1, max_sweeps + 1):
        sweeps = sweep
        for t in range(T):
            lo = tree_start[t]
            hi = tree_start[t + 1]
            for v in range(lo, hi):
                if w[v] != 0.0:
                    add_node(indptr, indices, r, v, w[v])
                    w[v] = 0.0
                    count -= 1
            node_sums(indptr, indices, r, lo, hi, S)
            for v in range(lo, hi):
                nv = indptr[v + 1] - indptr[v]
                g[v] = S[v] * S[v] / (2.0 * n * (nv + 2.0 * n * l2)) - c[v]
            sel = np.zeros(m, dtype=np.bool_)
            if K >= 0:
                budget = max(K - count, 0)
                F = tree_table(left, right, lo, hi, g, allowed, budget)
                table_select(left, right, lo, g, allowed, F, budget, sel)
            else:
                f = np.zeros(m)
                tree_best(left, right, lo, hi, g, allowed, f)
                tree_select(left, right, lo, hi, g, allowed, f, sel)
            for v in range(lo, hi):
                if sel[v]:
                    nv = indptr[v + 1] - indptr[v]
                    w[v] = S[v] / (nv + 2.0 * n * l2)
                    if w[v] != 0.0:
                        add_node(indptr, indices, r, v, -w[v])
                        count += 1
            if fit_intercept:
                shift = _center(r)
                mu += shift
        new = objective_value(r, w, c, l2)
        if old - new <= tol * abs(old):
            old = new
            break
        old = new
    return mu, old, sweeps


@njit(cache=True, nogil=True)
def _relax_coordinate(indptr, indices, state, c, tau, l2, r, w, v):
    """Exact minimisation over ``w_v`` of the relaxation; returns ``a * dw^2``."""
    n = r.size
    nv = indptr[v + 1] - indptr[v]
    if nv == 0:
        return 0.0
    s = 0.0
    for k in range(indptr[v], indptr[v + 1]):
        s += r[indices[k]]
    a = nv / n
    b = (s + nv * w[v]) / n
    cp = c[v] + tau
    if state[v] == ONE or cp <= 0.0:
        new = b / (a + 2.0 * l2)
    else:
        thr = 2.0 * np.sqrt(cp * l2)
        if abs(b) <= thr:
            new = 0.0
        else:
            new = np.sign(b) * (abs(b) - thr) / a
            if abs(new) > np.sqrt(cp / l2):
                new = b / (a + 2.0 * l2)
    d = new - w[v]
    if d != 0.0:
        add_node(indptr, indices, r, v, -d)
        w[v] = new
    return d * d * a


@njit(cache=True, nogil=True)
def relax_cd(indptr, indices, state, c, tau, l2, fit_intercept, r, w, mu, max_sweeps, tol):
    """Coordinate descent on the perspective relaxation without path rows, in place.

    Minimises ``(1/2n)||y - mu - M w||^2 + sum_v psi_v(w_v)`` where ``psi_v`` is the
    perspective envelope of ``l2 w^2 + (c_v + tau) 1(w != 0)`` for free nodes,
    ``l2 w^2`` for nodes forced in and 0 (with ``w_v = 0``) for excluded ones. Sweeps the
    nonzero coordinates until they settle, then all of them (active-set strategy); stops
    when a full sweep changes nothing by more than ``tol``. Returns ``(mu, sweeps)``.
    """
    m = w.size
    sweeps = 0
    full = True
    while sweeps < max_sweeps:
        sweeps += 1
        change = 0.0
        for v in range(m):
            if state[v] == ZERO or not (full or w[v] != 0.0):
                continue
            d = _relax_coordinate(indptr, indices, state, c, tau, l2, r, w, v)
            if d > change:
                change = d
        if fit_intercept:
            shift = _center(r)
            mu += shift
        if change <= tol:
            if full:
                break
            full = True
        else:
            full = False
    return mu, sweeps


@njit(cache=True, nogil=True)
def dual_weights(indptr, indices, alpha, c, l2):
    """``gamma_v = (M_v' alpha)^2 / (4 l2) - c_v`` for every node."""
    m = c.size
    q = np.zeros(m)
    node_sums(indptr, indices, alpha, 0, m, q)
    return q * q / (4.0 * l2) - c
