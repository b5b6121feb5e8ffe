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


def separated_models(i: np.ndarray, j: np.ndarray, y: np.ndarray, n: np.ndarray, k: int) -> np.ndarray:
    """Models whose maximum-likelihood strength is infinite.

    The Bradley–Terry MLE exists iff the directed graph with an edge ``i -> j`` whenever ``i``
    took any credit (a win or half a tie) against ``j`` is strongly connected (Ford, 1957).
    Otherwise the models in source components (never lost to anyone outside) drift to ``+inf``
    and those in sink components to ``-inf``; they are returned flagged.
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
    cross = labels[src] != labels[dst]
    has_out = np.zeros(n_comp, dtype=bool)
    has_in = np.zeros(n_comp, dtype=bool)
    has_out[labels[src][cross]] = True
    has_in[labels[dst][cross]] = True
    extreme = ~has_in | ~has_out  # a source (never lost outward) or a sink
    flagged[extreme[labels]] = True
    return flagged
