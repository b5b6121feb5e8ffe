"""Comparison-graph checks: connectivity (identifiability) and separation (existence of the MLE)."""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

__all__ = ["components", "separated_models"]


def components(i: np.ndarray, j: np.ndarray, k: int) -> np.ndarray:
    """Component label of each model in the undirected comparison graph."""
    adj = sparse.coo_matrix((np.ones(len(i)), (i, j)), shape=(k, k))
    _, labels = connected_components(adj, directed=False)
    return labels


def separated_models(
    i: np.ndarray, j: np.ndarray, y: np.ndarray, n: np.ndarray, k: int
) -> np.ndarray:
    """Models whose maximum-likelihood strength is infinite.

    The Bradley–Terry MLE exists iff the directed graph with an edge ``i -> j`` whenever ``i``
    took any credit (a win or half a tie) against ``j`` is strongly connected (Ford, 1957).
    Otherwise the strongly connected components drift apart without bound (a source component,
    whose models never lost to anyone outside it, to ``+inf``; a sink to ``-inf``). Measured from
    the largest component, every model outside it has an infinite rating difference: those
    models are returned flagged (an undefeated model, a winless one, a small clique that only
    won).
    """
    fwd = y > 0
    bwd = (n - y) > 0
    src = np.concatenate([i[fwd], j[bwd]])
    dst = np.concatenate([j[fwd], i[bwd]])
    adj = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(k, k)).tocsr()
    n_comp, labels = connected_components(adj, directed=True, connection="strong")
    flagged = np.zeros(k, dtype=bool)
    if n_comp == 1:
        return flagged
    sizes = np.bincount(labels, minlength=n_comp)
    main = int(np.argmax(sizes))  # the first largest component (deterministic)
    flagged[labels != main] = True
    return flagged
