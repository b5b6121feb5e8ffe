"""sealvalid: benchmark validity for crowd-vote leaderboards.

The subpackages read as the pipeline: :mod:`sealvalid.data` → :mod:`sealvalid.rating` →
:mod:`sealvalid.sim` → :mod:`sealvalid.strategies` / :mod:`sealvalid.defenses` →
:mod:`sealvalid.bayes` → :mod:`sealvalid.audit` → :mod:`sealvalid.experiments` →
:mod:`sealvalid.plots` / :mod:`sealvalid.cli`.
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
