"""Fragility of real leaderboards: how few votes, dropped or added, decide the order.

* from votes — :class:`FragilityAudit` / :func:`fragility`: worst-case drop-k (influence-ranked,
  every flip verified by an exact refit), add-k (the rigging distance) and random drops of the same
  size as a baseline, for the top spot and every adjacent pair;
* from a published table alone — :func:`table_fragility`: rank intervals, the probability that each
  adjacent pair is correctly ordered and approximate votes-to-flip;
* planning — :func:`votes_to_separate`, :func:`power_table`, :func:`pair_power`;
* the one-command report — :func:`audit_votes_report`, :func:`audit_table_report`
  (``sealvalid audit``).

Names are imported lazily, so that ``sealvalid.audit.cli`` (loaded by the command-line parser)
stays argparse-only.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "sealvalid.audit.groups": ("VoteGroups", "vote_groups", "Refitter"),
    "sealvalid.audit.dropk": ("Flip", "RandomDrops", "drop_influence", "greedy_drop",
                              "random_drops", "drop_curve", "FLIP_TOL"),
    "sealvalid.audit.addk": ("greedy_add", "add_influence"),
    "sealvalid.audit.vote_audit": ("FRAGILITY_COLUMNS", "REMOVED_COLUMNS", "ADDED_COLUMNS",
                                  "FragilityAudit", "FragilityResult", "fragility"),
    "sealvalid.audit.table": ("TableAudit", "table_fragility", "select_snapshot",
                              "TABLE_MODEL_COLUMNS", "TABLE_PAIR_COLUMNS"),
    "sealvalid.audit.power": ("votes_to_separate", "power_table", "pair_power",
                              "PAIR_POWER_COLUMNS"),
    "sealvalid.audit.report": ("AuditOutput", "audit_votes_report", "audit_table_report"),
}
_WHERE = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'sealvalid.audit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
