"""sealvalid: benchmark validity for crowd-vote leaderboards."""

__version__ = "0.1.0"
