"""What the Bayesian model classes share: the Arena scale and the segment dimensions."""

from __future__ import annotations

import math

__all__ = ["ScaledModel"]


class ScaledModel:
    """Mixin for models with ``scale``, ``base``, ``init_rating`` and ``by`` attributes."""

    scale: float
    base: float
    init_rating: float
    by: str | tuple[str, ...] | list[str]

    @property
    def factor(self) -> float:
        """Rating points per natural unit: ``scale / ln(base)``."""
        return self.scale / math.log(self.base)

    def _by(self) -> tuple[str, ...]:
        return (self.by,) if isinstance(self.by, str) else tuple(self.by)
