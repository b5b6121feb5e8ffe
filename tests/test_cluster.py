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


def test_rate_with_cluster_equals_sandwich_for_singletons(votes):
    from sealvalid.rating import rate

    v = validate_votes(votes.assign(voter_id=np.arange(len(votes)).astype(str)))
    plain = rate(v).table
    clustered = rate(v, cluster="voter_id")
    pd.testing.assert_frame_equal(clustered.table, plain, rtol=1e-9, atol=1e-9)
    assert clustered.config["covariance"] == "voter-clustered sandwich"
    assert clustered.config["n_clusters"] == len(v)


def test_rate_with_cluster_widens_intervals_of_repeat_voters():
    from sealvalid.rating import rate
    from sealvalid.sim import preset, simulate

    # heavy repeat voters with their own tastes: votes of one voter are not independent
    res = simulate(preset("lmarena-like", n_models=8), 20_000, rng=5)
    v = res.votes
    assert v["voter_id"].value_counts().max() > 20
    plain = rate(v).table.set_index("model")
    clustered = rate(v, cluster="voter_id").table.set_index("model")
    wp = plain["upper"] - plain["lower"]
    wc = (clustered["upper"] - clustered["lower"]).reindex(wp.index)
    np.testing.assert_allclose(clustered["rating"].reindex(wp.index), plain["rating"])
    # measured 1.020 here (seed 5); the ordinary sandwich would give exactly 1
    assert (wc / wp).mean() > 1.01
    # and the widths are those of the clustered covariance itself
    from sealvalid.rating import BradleyTerry
    from sealvalid.rating.cluster import cluster_covariance

    cov = cluster_covariance(BradleyTerry().fit(v), v, "voter_id")
    np.testing.assert_allclose(wc.to_numpy(), 2 * 1.959963984540054 * np.sqrt(
        np.diag(cov.loc[wc.index, wc.index].to_numpy())), rtol=1e-9)


def test_rate_cluster_errors(votes):
    from sealvalid.rating import rate

    v = validate_votes(votes.assign(voter_id="x"))
    with pytest.raises(ValueError, match="cannot be combined with intervals='bootstrap'"):
        rate(v, cluster="voter_id", bootstrap=10)
    with pytest.raises(ValueError, match="or style control"):
        rate(v, cluster="voter_id", style_control=True)
    with pytest.raises(ValueError, match="no anchor"):
        rate(v, cluster="voter_id", anchor="model-00=1000")


def test_cli_rate_cluster(votes, tmp_path):
    from sealvalid.cli import main

    src = tmp_path / "v.csv"
    votes.assign(voter_id=np.arange(len(votes)) % 50).to_csv(src, index=False)
    out = tmp_path / "b.csv"
    assert main(["rate", str(src), "--cluster", "voter_id", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 6
    assert main(["rate", str(src), "--cluster", "voter_id", "--by", "language"]) == 2
