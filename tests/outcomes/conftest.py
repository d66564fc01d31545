"""Simulated panels with a known effect, for recovery and no-effect tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits


@pytest.fixture(autouse=True, scope="session")
def _single_threaded_blas() -> Iterator[None]:
    """One BLAS thread: on a shared, loaded machine threaded OpenBLAS makes small SVDs ~100x slower."""
    with threadpool_limits(limits=1):
        yield


def simulate_panel(seed: int, *, n_units: int = 21, n_periods: int = 36, t0: int = 24, effect: float = 0.0,
                   n_treated: int = 1, noise: float = 1.0, exchangeable: bool = False) -> pd.DataFrame:
    """y_it = 100 + α_i + γ_t + ε_it (parallel trends hold), treated units get ``effect`` from ``t0``.

    γ_t is a random walk plus a 12-period season shared by all units; ε ~ N(0, noise²) i.i.d., so the
    units are exchangeable under no effect. Treated units (``u00``...) have α near the donors' centre,
    inside their range, so a synthetic control can match them. ``exchangeable=True`` draws the treated
    units' α like everyone else's: treatment then falls on a unit chosen at random, the condition
    under which placebo-permutation p-values are exact.
    """
    rng = np.random.default_rng(seed)
    alpha = rng.normal(0, 10, n_units)
    if not exchangeable:
        alpha[:n_treated] = rng.normal(0, 2, n_treated)
    gamma = np.cumsum(rng.normal(0, 1, n_periods)) + 3 * np.sin(2 * np.pi * np.arange(n_periods) / 12)
    y = 100 + alpha[:, None] + gamma[None, :] + rng.normal(0, noise, (n_units, n_periods))
    y[:n_treated, t0:] += effect
    units = [f"u{i:02d}" for i in range(n_units)]
    return pd.DataFrame({"unit": np.repeat(units, n_periods), "time": np.tile(np.arange(n_periods), n_units),
                         "y": y.ravel()})


@pytest.fixture
def simulate() -> Callable[..., pd.DataFrame]:
    return simulate_panel
