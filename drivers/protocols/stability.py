"""Stability for indicators whose frames carry no motion flag (the Yaohua formats).

The worker feeds every reading with its own monotonic time; a reading is stable once the
weight has stayed within `tolerance_kg` (max - min) for at least `window_s` seconds. Any
reading outside the band starts a new run from that reading, so one spike costs a window.
"""

from __future__ import annotations


class StabilityTracker:
    """Pure: `update(t, kg)` returns whether the weight has been steady for the window."""

    def __init__(self, window_s: float, tolerance_kg: int) -> None:
        if window_s <= 0:
            raise ValueError("window_s must be > 0")
        if tolerance_kg < 0:
            raise ValueError("tolerance_kg must be >= 0")
        self.window_s = window_s
        self.tolerance_kg = tolerance_kg
        self.reset()

    def reset(self) -> None:
        self._since: float | None = None
        self._low = 0
        self._high = 0
        self._last_t = 0.0

    def update(self, t: float, kg: int) -> bool:
        if self._since is None or t < self._last_t or not self._fits(kg):
            # A clock that went backwards cannot prove anything about the window.
            self._since, self._low, self._high = t, kg, kg
        else:
            self._low, self._high = min(self._low, kg), max(self._high, kg)
        self._last_t = t
        return t - self._since >= self.window_s

    @property
    def steady_for(self) -> float:
        """Seconds the current run has lasted at the last update (0 before any)."""
        return 0.0 if self._since is None else self._last_t - self._since

    def _fits(self, kg: int) -> bool:
        return max(self._high, kg) - min(self._low, kg) <= self.tolerance_kg
