"""The models of the sequential optimizers, on scikit-learn: a Gaussian process (`gp`), extra
trees (`forest`) and gradient-boosted quantile trees (`gbrt`), with the acquisition functions
LCB, EI, PI and gp_hedge. `suggest()` fits a model to the previous points and returns the
candidate that maximizes the acquisition (pipelines-and-batches.md §5.4).

Guild calls scikit-optimize once per trial with the previous points; we do the same fit, and
maximize the acquisition over random candidates from the space plus candidates near the best
points seen. scikit-learn and NumPy are the optional `hpo` extra."""

from __future__ import annotations

import math
import warnings

from guild.batch.space import Dimension
from guild.errors import GuildError

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations are strings; importing typing costs start-up time
    from typing import Any

N_RANDOM_CANDIDATES = 4000
N_LOCAL_CANDIDATES = 1000
LOCAL_SCALE = 0.05  # std of the local candidates, in unit-cube units


def check_available(algorithm: str) -> None:
    """Fail unless scikit-learn (and so NumPy) can be imported; cheap, imports nothing."""
    import importlib.util

    if importlib.util.find_spec("sklearn") is None or importlib.util.find_spec("numpy") is None:
        raise GuildError(
            f"the {algorithm} optimizer requires scikit-learn: pip install scikit-learn (or, in a checkout "
            f"of guild, pip install -e '.[hpo]')"
        )


def suggest(algorithm: str, dims: list[Dimension], xs: list[list[Any]], ys: list[float],
            opt_flags: dict[str, Any], rng) -> list[Any]:
    """The next point (one value per dim) after observing `ys` (to minimize) at `xs`.

    `rng` is a `numpy.random.Generator`; it carries the random state from trial to trial."""
    try:
        import numpy as np
    except ImportError:
        check_available(algorithm)
        raise
    X = np.array([_features(dims, x) for x in xs], dtype=float)
    y = np.array(ys, dtype=float)
    points, C = _candidates(dims, X[int(np.argmin(y))], rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mu, std = _fit_predict(algorithm, X, y, C, opt_flags, rng)
    acq = _acquisition(algorithm, opt_flags, rng)
    values = _acq_values(acq, mu, std, float(np.min(y)), opt_flags)
    return points[int(np.argmax(values))]


def _features(dims: list[Dimension], point: list[Any]) -> list[float]:
    row: list[float] = []
    for dim, value in zip(dims, point):
        row.extend(dim.features(value))
    return row


# ---- candidates

def _candidates(dims: list[Dimension], best, rng):
    """Candidate points and their feature matrix: uniform samples, and samples around `best`."""
    import numpy as np

    n_rand, n_local = N_RANDOM_CANDIDATES, N_LOCAL_CANDIDATES
    n = n_rand + n_local
    cols, native = [], []
    offset = 0
    for dim in dims:
        if dim.kind == "cat":
            k = len(dim.categories)
            local_idx = np.argmax(best[offset:offset + k]) if k else 0
            idx = rng.integers(0, k, size=n)
            keep = rng.random(n_local) < 0.8  # local candidates mostly keep the best category
            idx[n_rand:] = np.where(keep, local_idx, idx[n_rand:])
            cols.append(np.eye(k)[idx])
            native.append([dim.categories[i] for i in idx])
            offset += k
            continue
        u = np.empty(n)
        u[:n_rand] = rng.random(n_rand)
        u[n_rand:] = np.clip(best[offset] + rng.normal(0.0, LOCAL_SCALE, n_local), 0.0, 1.0)
        values, u = _from_unit(dim, u)
        cols.append(u[:, None])
        native.append(values)
        offset += 1
    C = np.hstack(cols)
    points = [list(p) for p in zip(*native)]
    return points, C


def _from_unit(dim: Dimension, u):
    """Native values for unit-cube coordinates `u`, and the coordinates of those values."""
    import numpy as np

    if dim.kind == "int":
        span = dim.high - dim.low
        ints = np.clip(np.floor(u * (span + 1)), 0, span).astype(int)
        return [int(dim.low + i) for i in ints], (ints / span if span else np.zeros_like(u))
    if dim.log:
        lo, hi = math.log(dim.low), math.log(dim.high)
        return [float(v) for v in np.exp(lo + u * (hi - lo))], u
    lo, hi = float(dim.low), float(dim.high)
    return [float(v) for v in lo + u * (hi - lo)], u


# ---- models

def _fit_predict(algorithm: str, X, y, C, opt_flags: dict[str, Any], rng):
    seed = int(rng.integers(0, 2**31 - 1))
    if algorithm == "gp":
        return _gp(X, y, C, opt_flags.get("noise", "gaussian"), seed)
    if algorithm == "forest":
        return _forest(X, y, C, seed)
    if algorithm == "gbrt":
        return _gbrt(X, y, C, seed)
    raise GuildError(f"unsupported optimizer algorithm '{algorithm}'")


def _gp(X, y, C, noise, seed: int):
    """scikit-optimize's GP: constant * Matern(2.5) with per-dim length scales, plus a fitted
    white noise for `gaussian` (a fixed one for a number), y not normalized. Predictions are of
    the noise-free function."""
    import numpy as np
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    d = X.shape[1]
    kernel = ConstantKernel(1.0, (0.01, 1000.0)) * Matern(
        length_scale=np.ones(d), length_scale_bounds=[(0.01, 100.0)] * d, nu=2.5
    )
    if noise == "gaussian":
        kernel = kernel + WhiteKernel()
    elif isinstance(noise, (int, float)) and not isinstance(noise, bool):
        kernel = kernel + WhiteKernel(noise_level=float(noise), noise_level_bounds="fixed")
    gpr = GaussianProcessRegressor(
        kernel=kernel, normalize_y=False, n_restarts_optimizer=2, random_state=seed, alpha=1e-10
    )
    gpr.fit(X, y)
    mu, std = gpr.predict(C, return_std=True)
    white = getattr(gpr.kernel_, "k2", None)
    if isinstance(white, WhiteKernel):
        std = np.sqrt(np.clip(std ** 2 - white.noise_level, 0.0, None))
    return mu, std


def _forest(X, y, C, seed: int):
    """Extra trees (100, min 3 samples a leaf); std from the spread of the trees and the
    variance within their leaves, as scikit-optimize computes it."""
    import numpy as np
    from sklearn.ensemble import ExtraTreesRegressor

    model = ExtraTreesRegressor(n_estimators=100, min_samples_leaf=3, random_state=seed)
    model.fit(X, y)
    means = np.empty((len(model.estimators_), C.shape[0]))
    second = np.zeros(C.shape[0])
    for i, tree in enumerate(model.estimators_):
        means[i] = tree.predict(C)
        leaf_var = tree.tree_.impurity[tree.apply(C)]
        second += leaf_var + means[i] ** 2
    mu = means.mean(axis=0)
    var = second / len(model.estimators_) - mu ** 2
    return mu, np.sqrt(np.clip(var, 0.0, None))


def _gbrt(X, y, C, seed: int):
    """Gradient-boosted trees for the 16%, 50% and 84% quantiles; std is half the 68% band."""
    import numpy as np
    from sklearn.ensemble import GradientBoostingRegressor

    preds = []
    for alpha in (0.16, 0.5, 0.84):
        model = GradientBoostingRegressor(loss="quantile", alpha=alpha, n_estimators=30, random_state=seed)
        model.fit(X, y)
        preds.append(model.predict(C))
    low, mid, high = preds
    return mid, np.abs(high - low) / 2.0


# ---- acquisition

def _acquisition(algorithm: str, opt_flags: dict[str, Any], rng) -> str:
    """The acquisition function of this suggestion. gp_hedge picks LCB, EI or PI with equal
    odds: a fresh scikit-optimize run per trial has no gains yet, so its softmax is uniform."""
    if algorithm != "gp":
        return "EI"
    acq = str(opt_flags.get("acq-func") or "gp_hedge")
    if acq == "gp_hedge":
        return ("LCB", "EI", "PI")[int(rng.integers(0, 3))]
    return {"EIps": "EI", "PIps": "PI"}.get(acq, acq)


def _acq_values(acq: str, mu, std, y_opt: float, opt_flags: dict[str, Any]):
    """Acquisition values to maximize."""
    import numpy as np
    from scipy.special import ndtr

    if acq == "LCB":
        kappa = float(opt_flags.get("kappa", 1.96))
        return -(mu - kappa * std)
    xi = float(opt_flags.get("xi", 0.05))
    values = np.zeros_like(mu)
    mask = std > 0
    improve = y_opt - xi - mu[mask]
    z = improve / std[mask]
    if acq == "PI":
        values[mask] = ndtr(z)
    else:
        pdf = np.exp(-0.5 * z ** 2) / math.sqrt(2 * math.pi)
        values[mask] = improve * ndtr(z) + std[mask] * pdf
    if not mask.any():  # no spread anywhere: prefer the lowest prediction
        return -mu
    return values
