"""Style control: fit the board with style covariates, so that length and markdown stop paying.

Sources: LMArena's style control (Chiang et al., arXiv 2403.04132, and the LMSYS "style
control" method in FastChat / ``arena-rank``): Bradley–Terry with the normalised differences
``(a - b) / (a + b + 1)`` of tokens, headers, lists and bold as covariates, the board being the
model strengths net of style; SEAL Showdown (Scale AI, Sept 2025) fits Bradley–Terry with style
covariates too. Implemented by :class:`sealvalid.rating.style.StyleBT` as the defense's
``rate`` hook.

Model and assumptions: the style effect is one coefficient per feature, shared by all voters
(in the simulator voters' style weights vary by segment, so the fit averages them); it only
sees what the style columns record. Latent appeal (sycophancy, tone) has no column, so style
control cannot remove appeal bought by teaching to the test: that is a finding, not a bug.
Its cost on an honest arena is that it moves the board away from what the crowd actually
prefers (the ``overall`` truth) toward substance; the teaching strategy reports both distances
(``honest_err_arena``, ``honest_err_real``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from sealvalid.data.schema import STYLE_FEATURES
from sealvalid.defenses.base import ArenaLog, Defense, register
from sealvalid.rating.style import StyleBT

__all__ = ["StyleControl"]


@register("style-control")
@dataclass(frozen=True, kw_only=True)
class StyleControl(Defense):
    """Publish the style-controlled Bradley–Terry board instead of the plain one.

    Parameters
    ----------
    features : str
        Comma-separated style features used as covariates (a non-empty subset of ``tokens``,
        ``headers``, ``lists``, ``bold``; default all four, as LMArena does).
    style_l2 : float
        Ridge on the style coefficients (in [0, 1e6]; 0: unpenalised).
    """

    targets = ("teaching-to-the-test",)

    features: str = ",".join(STYLE_FEATURES)
    style_l2: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.features, str):
            raise ValueError(f"StyleControl.features must be a comma-separated string, got "
                             f"{self.features!r}")
        feats = [f.strip() for f in self.features.split(",") if f.strip()]
        bad = [f for f in feats if f not in STYLE_FEATURES]
        if not feats or bad or len(set(feats)) != len(feats):
            raise ValueError(f"StyleControl.features {self.features!r} must name distinct "
                             f"features from {list(STYLE_FEATURES)} (at least one)")
        v = self.style_l2
        if (isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v)
                or not 0 <= v <= 1e6):
            raise ValueError(f"StyleControl.style_l2 must be a finite number in [0, 1e6], "
                             f"got {v!r}")

    @property
    def feature_list(self) -> tuple[str, ...]:
        """The style features, as a tuple."""
        return tuple(f.strip() for f in self.features.split(",") if f.strip())

    def rate(self, log: ArenaLog) -> pd.Series:
        """Return the style-controlled board (Arena scale) of the log.

        Raises
        ------
        ValueError
            If the log carries no style counts.
        """
        if not log.has_style:
            raise ValueError("style-control needs style counts in the arena log "
                             "(ArenaLog.style_a/style_b); this log has none")
        bt = StyleBT(features=self.feature_list, style_l2=float(self.style_l2))
        return bt.fit(log.to_votes()).ratings_
