"""Voter-clustered sandwich: equals the ordinary sandwich with singleton clusters, and undoes the
false precision of duplicated votes exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sealvalid.data import validate_votes
from sealvalid.rating import BradleyTerry
from sealvalid.rating.cluster import cluster_covariance
from sealvalid.sim import ToyArena, toy_votes


@pytest.fixture(scope="module")
def votes():
    v, _ = toy_votes(ToyArena(n_models=6, tie_rate=0.2), 3000, rng=12)
    return v


def test_singleton_clusters_equal_sandwich(votes):
    v = votes.assign(voter_id=np.arange(len(votes)).astype(str))
    bt = BradleyTerry().fit(v)
    np.testing.assert_allclose(cluster_covariance(bt, v).to_numpy(),
                               bt.covariance().to_numpy(), rtol=1e-9, atol=1e-9)
    # missing cluster ids are their own clusters
    v2 = votes.assign(voter_id=None)
    np.testing.assert_allclose(cluster_covariance(bt, validate_votes(v2)).to_numpy(),
                               bt.covariance().to_numpy(), rtol=1e-9, atol=1e-9)


def test_duplicated_votes_recover_original_precision(votes):
    bt = BradleyTerry().fit(votes)
    doubled = pd.concat([votes, votes], ignore_index=True)
    doubled["voter_id"] = np.tile(np.arange(len(votes)).astype(str), 2)
    doubled = validate_votes(doubled)
    bt2 = BradleyTerry().fit(doubled)
    naive = bt2.covariance().to_numpy()
    clustered = cluster_covariance(bt2, doubled).to_numpy()
    # the naive sandwich halves the variance of duplicated data; clustering by the duplicated
    # vote restores the variance of the original votes
    np.testing.assert_allclose(naive, bt.covariance().to_numpy() / 2, rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(clustered, bt.covariance().to_numpy(), rtol=1e-8, atol=1e-9)


def test_errors(votes):
    bt = BradleyTerry().fit(votes)
    with pytest.raises(Exception, match="cluster column 'voter_id' not in"):
        cluster_covariance(bt, votes)
    with pytest.raises(ValueError, match="supports one connected component"):
        cluster_covariance(BradleyTerry(position=True).fit(votes), votes.assign(voter_id="a"))
