"""Simulated worlds with known truth."""

from sealvalid.sim.toy import ToyArena, toy_votes

__all__ = ["ToyArena", "toy_votes"]
