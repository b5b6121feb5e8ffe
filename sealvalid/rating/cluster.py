"""Cluster-robust (voter-clustered) sandwich covariance for Bradley–Terry ratings.

The ordinary sandwich treats votes as independent. When the same voters cast many votes, their
votes share tastes and the independent-vote sandwich is too narrow (the simulated arena shows 93–94%
coverage for nominal 95% with repeat voters). The clustered meat sums the score of each cluster
before taking outer products:

    M_cl = sum_c S_c S_c^T,   S_c = sum_{v in c} w_v (y_v - p_v) d_v,   d_v = e_a - e_b

and ``Cov = H^+ M_cl H^+`` on the sum-zero subspace (``H`` the Hessian of the fit). With one vote
per cluster it equals the ordinary sandwich exactly. No small-sample correction is applied.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from sealvalid.data.schema import VoteTableError
from sealvalid.rating.bt import BradleyTerry
from sealvalid.rating.cells import vote_codes

__all__ = ["cluster_covariance"]


def cluster_covariance(bt: BradleyTerry, votes: pd.DataFrame, cluster: str = "voter_id"
                       ) -> pd.DataFrame:
    """Voter-clustered sandwich covariance of the ratings (rating points squared).

    Parameters
    ----------
    bt : BradleyTerry
        Fitted on ``votes`` (ties ``"half"`` or ``"drop"``, no position or style terms, one
        connected component, no anchor).
    votes : pandas.DataFrame
        The canonical vote table the model was fitted on.
    cluster : str
        Column whose values define the clusters (missing values: each vote its own cluster).

    Returns
    -------
    pandas.DataFrame
        Covariance of the centred ratings, models by models.
    """
    bt._check_fitted()
    if bt.ties not in ("half", "drop") or bt.position or len(bt._fits) != 1 or bt.anchor:
        raise ValueError("cluster_covariance supports one connected component, ties 'half' or "
                         "'drop', no position term and no anchor")
    if cluster not in votes.columns:
        raise VoteTableError(f"cluster column {cluster!r} not in the vote table; columns: "
                             f"{list(votes.columns)}")
    a, b, w, weights = vote_codes(votes)
    models = pd.Index(votes["model_a"].cat.categories)
    if not models.equals(bt.cells_.models):
        pos = bt.cells_.models.get_indexer(models)
        if (pos < 0).any():
            raise ValueError("votes do not match the fitted model (unknown models)")
        a, b = pos[a], pos[b]
    weights = np.ones(len(a)) if weights is None else weights
    y = np.select([w == 0, w == 1], [1.0, 0.0], 0.5)
    keep = np.ones(len(a), dtype=bool)
    if bt.ties == "drop":
        keep = w < 2
    elif bt.bothbad == "drop":
        keep = w != 3
    theta = bt.theta_
    p = 1.0 / (1.0 + np.exp(-(theta[a] - theta[b])))
    r = np.where(keep, weights * (y - p), 0.0)
    labels = votes[cluster]
    codes, _ = pd.factorize(labels, use_na_sentinel=True)
    singles = codes < 0
    codes = codes.astype(np.int64)
    n_named = int(codes.max()) + 1 if (~singles).any() else 0
    codes[singles] = n_named + np.arange(int(singles.sum()))
    n_clusters = int(codes.max()) + 1
    k = bt.cells_.n_models
    s = sparse.csr_matrix(
        (np.concatenate([r, -r]), (np.concatenate([codes, codes]), np.concatenate([a, b]))),
        shape=(n_clusters, k))
    meat = (s.T @ s).toarray()
    (_, _, fit), = bt._fits.values()
    h = fit.hessian[:k, :k]
    e = np.ones(k)
    if fit.l2_theta == 0.0:
        h_pinv = np.linalg.inv(h + np.outer(e, e)) - np.outer(e, e) / k**2
    else:
        h_pinv = np.linalg.inv(h)
    cov = h_pinv @ meat @ h_pinv * bt.factor**2
    return pd.DataFrame(cov, index=bt.cells_.models, columns=bt.cells_.models)
