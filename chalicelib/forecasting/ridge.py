"""Linear models in numpy: ridge regression with its penalty chosen by generalised cross-validation (GCV),
and its median (least-absolute-deviation) variant, fitted by iteratively reweighted least squares.

The median is what FlexMeasures' LightGBM forecasts too (quantile 0.5), and what minimises the mean absolute
error: irradiance and loads have skewed, often two-peaked errors (a clear or a cloudy day) where the mean
sits where neither outcome is.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

# Penalties relative to the number of rows: from almost least squares to almost the mean.
RELATIVE_PENALTIES = np.logspace(-6, 1, 22)
MEDIAN_ITERATIONS = 15

Predictor = Callable[[np.ndarray], np.ndarray]


class _Standardised:
    """Features centred and scaled to unit variance, so one penalty treats every column alike."""

    def __init__(self, features: np.ndarray):
        self.mean = features.mean(axis=0)
        self.scale = features.std(axis=0)
        self.scale[self.scale == 0] = 1.0  # a constant column is centred to zero and drops out
        self.rows = self(features)

    def __call__(self, features: np.ndarray) -> np.ndarray:
        return (features - self.mean) / self.scale


def fit_ridge(features: np.ndarray, target: np.ndarray) -> Predictor:
    """Least squares with the GCV-best penalty; the intercept is not penalised."""
    standard = _Standardised(features)
    intercept, coefficients, _ = _ridge(standard.rows, target)
    return lambda rows: intercept + standard(rows) @ coefficients


def fit_median_ridge(features: np.ndarray, target: np.ndarray) -> Predictor:
    """Least absolute deviations with the ridge penalty GCV chose for least squares, from the ridge fit on."""
    standard = _Standardised(features)
    intercept, coefficients, penalty = _ridge(standard.rows, target)
    design = np.hstack([np.ones((len(target), 1)), standard.rows])
    penalties = np.full(design.shape[1], penalty)
    penalties[0] = 0.0
    solution = np.concatenate(([intercept], coefficients))
    # A floor under |residual| keeps rows fitted exactly (night-time irradiance: zero on zero) from taking all
    # the weight; 1% of the target's spread measured best on pvlib's TMY3 irradiance (benchmarks/forecasting.py).
    floor = 1e-2 * max(float(target.std()), 1e-12)
    for _ in range(MEDIAN_ITERATIONS):
        weights = 1.0 / np.maximum(np.abs(target - design @ solution), floor)
        weights *= len(weights) / weights.sum()  # mean weight 1 keeps the penalty's strength per row
        weighted = design * weights[:, None]
        updated = np.linalg.solve(weighted.T @ design + np.diag(penalties), weighted.T @ target)
        converged = np.abs(updated - solution).max() <= 1e-6 * (1.0 + np.abs(solution).max())
        solution = updated
        if converged:
            break
    return lambda rows: solution[0] + standard(rows) @ solution[1:]


def _ridge(standard: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Intercept, coefficients and penalty of the GCV-best ridge fit on standardised features."""
    target_mean = float(target.mean())
    centred = target - target_mean
    eigenvalues, eigenvectors = np.linalg.eigh(standard.T @ standard)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    projected = eigenvectors.T @ (standard.T @ centred)
    penalty = _gcv_penalty(eigenvalues, projected, float(centred @ centred), len(target))
    return target_mean, eigenvectors @ (projected / (eigenvalues + penalty)), penalty


def _gcv_penalty(eigenvalues: np.ndarray, projected: np.ndarray, total: float, rows: int) -> float:
    """The grid penalty minimising RSS / (n - df)², from the eigen-decomposition alone."""
    penalties = RELATIVE_PENALTIES * rows
    shrink = eigenvalues[None, :] / (eigenvalues[None, :] + penalties[:, None])  # per penalty, per direction
    explained = projected ** 2 / np.maximum(eigenvalues, 1e-12)
    residual = total - (explained * (2 * shrink - shrink ** 2)).sum(axis=1)
    degrees = shrink.sum(axis=1)
    score = np.maximum(residual, 0.0) / np.maximum(rows - degrees, 1.0) ** 2
    return float(penalties[np.argmin(score)])
