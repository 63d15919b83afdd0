"""The style-controlled fit against a reference written here, and against known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from ratings.engine import (
    StyleRows,
    bt_fit,
    compute_style_board,
    simulate_style_votes,
    style_fit,
)
from ratings.engine.counts import PairCounts


def _board(seed: int, n_votes: int = 600, m: int = 5, k: int = 3):
    rng = np.random.default_rng(seed)
    theta = rng.normal(0.0, 0.6, m)
    style = rng.normal(0.0, 1.0, (m, k))
    beta = np.array([0.5, -0.3, 0.2])[:k]
    rows = simulate_style_votes(
        theta, style, beta, n_votes, rng=rng, correlation=0.3, tie_rate=0.3, position=0.2
    )
    return rows, theta, beta


# --- An independent reference: the likelihood written out per vote, minimised by scipy --------


def _scaled(rows: StyleRows) -> np.ndarray:
    """Each feature's difference, left minus right, over its standard deviation."""
    x = rows.left_features - rows.right_features
    return x / x.std(axis=0)


def _reference_nll(z, rows: StyleRows, x, votes, ties: str, position: bool, prior: float):
    """The penalised NLL of ``votes``, written with complex-safe functions (see _gradient)."""
    m, k = rows.n_models, x.shape[1]
    theta, rest = z[:m], z[m:]
    gamma = rest[0] if position else 0.0
    beta = rest[int(position) : int(position) + k]
    d = theta[rows.left[votes]] - theta[rows.right[votes]] + gamma + x[votes] @ beta
    outcome = rows.outcome[votes]
    won, lost, tied = (outcome == v for v in (1.0, 0.0, 0.5))
    if ties == "half":
        log_p = -np.log(1 + np.exp(-d))
        log_q = -np.log(1 + np.exp(d))
        nll = -(won * log_p + lost * log_q + tied * 0.5 * (log_p + log_q)).sum()
    else:
        eta = rest[-1]
        norm = np.log(np.exp(d / 2) + np.exp(-d / 2) + np.exp(eta))
        nll = -(won * (d / 2 - norm) + lost * (-d / 2 - norm) + tied * (eta - norm)).sum()
        # Davidson's nu gets c virtual games split evenly between win, loss and tie.
        nll += prior * (np.log(2 + np.exp(eta)) - eta / 3)
    penalised = list(theta) + ([gamma] if position else [])
    nll += prior * sum(np.log(np.exp(t / 2) + np.exp(-t / 2)) for t in penalised)
    return nll


def _gradient(f, z):
    """Exact derivatives by the complex step: f(z + ih e_j).imag / h."""
    h = 1e-30
    return np.array([f(z + 1j * h * e).imag / h for e in np.eye(z.size)])


def _reference_fit(rows, ties, position, prior):
    x, votes = _scaled(rows), np.arange(rows.left.size)
    q = rows.n_models + int(position) + x.shape[1] + int(ties == "davidson")

    def f(z):
        return _reference_nll(z, rows, x, votes, ties, position, prior)

    result = minimize(
        lambda z: float(f(z).real),
        np.zeros(q),
        jac=lambda z: _gradient(f, z.astype(complex)),
        method="BFGS",
        options={"gtol": 1e-10, "maxiter": 10_000},
    )
    return result.x


@pytest.mark.parametrize("ties", ["half", "davidson"])
@pytest.mark.parametrize("position", [False, True])
def test_the_fit_matches_a_reference_minimised_by_scipy(ties, position):
    rows, _, _ = _board(seed=3)
    z = _reference_fit(rows, ties, position, prior=1.0)
    m, k = rows.n_models, rows.n_features
    ours = style_fit(rows, ties=ties, position_bias=position, prior=1.0, tol=1e-12)
    assert ours.fit.converged
    np.testing.assert_allclose(ours.fit.theta, z[:m] - z[:m].mean(), atol=1e-6)
    start = m + int(position)
    np.testing.assert_allclose(ours.coef, z[start : start + k], atol=1e-6)
    if position:
        assert ours.fit.position == pytest.approx(z[m], abs=1e-6)
    if ties == "davidson":
        assert math.log(ours.fit.tie_param) == pytest.approx(z[-1], abs=1e-6)


def test_the_coefficients_standard_errors_are_the_sandwich_of_the_reference():
    rows, _, _ = _board(seed=4, n_votes=400)
    ties, position, prior = "half", True, 1.0
    z = _reference_fit(rows, ties, position, prior)
    x, n = _scaled(rows), rows.left.size

    def total(v):
        return _reference_nll(v, rows, x, np.arange(n), ties, position, prior)

    def gradient_at(v):
        return _gradient(total, v.astype(complex))

    # The Hessian by central differences of the exact gradient; the meat from per-vote scores.
    step = 1e-5
    eye = np.eye(z.size)
    hessian = np.array([(gradient_at(z + step * e) - gradient_at(z - step * e)) / (2 * step)
                        for e in eye])  # fmt: skip
    scores = np.array(
        [
            _gradient(lambda v, r=r: _reference_nll(v, rows, x, [r], ties, position, 0.0),
                      z.astype(complex))
            for r in range(n)
        ]
    )  # fmt: skip
    inverse = np.linalg.inv(hessian)
    sandwich = inverse @ (scores.T @ scores) @ inverse
    m, k = rows.n_models, rows.n_features
    expected = np.sqrt(np.diag(sandwich))[m + 1 : m + 1 + k]
    ours = style_fit(rows, ties=ties, position_bias=position, prior=prior, tol=1e-12)
    np.testing.assert_allclose(ours.coef_se, expected, rtol=1e-5)


# --- Known truth ---------------------------------------------------------------------------------


def test_without_style_effects_the_strengths_are_the_plain_fits():
    rows, _, _ = _board(seed=5, n_votes=3000)
    blind = StyleRows(
        rows.n_models, rows.left, rows.right, rows.outcome,
        np.zeros((rows.left.size, 0)), np.zeros((rows.left.size, 0)),
    )  # fmt: skip
    counts = PairCounts.from_votes(rows.n_models, rows.left, rows.right, rows.outcome)
    plain = bt_fit(counts, position_bias=True)
    ours = style_fit(blind, position_bias=True, tol=1e-12)
    np.testing.assert_allclose(ours.fit.theta, plain.theta, atol=1e-8)
    assert ours.fit.position == pytest.approx(plain.position, abs=1e-8)


def test_a_feature_that_never_varies_is_left_out():
    rows, _, _ = _board(seed=6, n_votes=1000)
    flat = np.ones((rows.left.size, 1))
    rows = StyleRows(
        rows.n_models, rows.left, rows.right, rows.outcome,
        np.hstack([rows.left_features, flat]), np.hstack([rows.right_features, flat]),
    )  # fmt: skip
    fit = style_fit(rows)
    assert np.isnan(fit.coef[-1]) and np.isnan(fit.coef_se[-1]) and fit.scale[-1] == 0
    assert np.isfinite(fit.coef[:-1]).all() and fit.fit.converged


def test_a_feature_that_follows_the_others_is_left_out_and_the_rest_are_fitted():
    rows, _, _ = _board(seed=9, n_votes=1000)
    double = rows.left_features[:, :2].sum(axis=1, keepdims=True)
    rows = StyleRows(
        rows.n_models, rows.left, rows.right, rows.outcome,
        np.hstack([rows.left_features, double]),
        np.hstack([rows.right_features, rows.right_features[:, :2].sum(axis=1, keepdims=True)]),
    )  # fmt: skip
    fit = style_fit(rows)
    assert np.isnan(fit.coef[-1]) and fit.scale[-1] > 0
    alone = style_fit(StyleRows(rows.n_models, rows.left, rows.right, rows.outcome,
                                rows.left_features[:, :3], rows.right_features[:, :3]))  # fmt: skip
    np.testing.assert_allclose(fit.coef[:3], alone.coef, atol=1e-9)


def test_the_95_percent_intervals_of_the_coefficients_cover_the_truth():
    # 120 boards x 3 coefficients = 360 cases; at a true 95% the share lies in 0.92-0.98
    # with probability above 0.99 (binomial, ignoring the mild dependence within a board).
    hits = cases = 0
    for b in range(120):
        rows, _, beta = _board(seed=1000 + b, n_votes=1500)
        fit = style_fit(rows, position_bias=True)
        truth = beta * fit.scale
        low, high = fit.effects(1.0)[:, 1], fit.effects(1.0)[:, 2]
        hits += int(((low <= truth) & (truth <= high)).sum())
        cases += truth.size
    assert 0.92 <= hits / cases <= 0.98


def test_controlled_ranks_find_the_true_order_that_looks_hide_from_the_plain_board():
    # Model 4 is the weakest but by far the most colourful, and voters reward colour.
    theta = np.array([0.6, 0.45, 0.3, 0.15, 0.0])
    style = np.zeros((5, 2))
    style[4, 0] = 1.5
    beta = np.array([0.5, 0.0])
    rows = simulate_style_votes(theta, style, beta, 20_000, rng=np.random.default_rng(7))
    counts = PairCounts.from_votes(5, rows.left, rows.right, rows.outcome)
    plain = bt_fit(counts)
    assert np.argmax(plain.theta) == 4
    board, fit = compute_style_board(rows)
    np.testing.assert_array_equal(board.rank, [1, 2, 3, 4, 5])
    assert fit.coef[0] > 0 and abs(fit.coef[1]) < 3 * fit.coef_se[1]


def test_the_style_board_has_everything_a_plain_board_has():
    rows, _, _ = _board(seed=8, n_votes=2000)
    board, fit = compute_style_board(rows, rounds=200, seed=3)
    again, _ = compute_style_board(rows, rounds=200, seed=3)
    np.testing.assert_array_equal(board.rating, again.rating)
    assert board.params["method"] == "bt_style" and board.params["n_votes"] == 2000
    assert board.p_best.sum() == pytest.approx(1.0)
    assert (board.ci_lower < board.rating).all() and (board.rating < board.ci_upper).all()
    assert board.votes.sum() == 2 * 2000
    assert fit.effects(400 / math.log(10)).shape == (rows.n_features, 3)


def test_bad_rows_are_refused():
    one = np.zeros((2, 1))
    with pytest.raises(ValueError, match="itself"):
        StyleRows(3, [0, 1], [0, 2], [1.0, 0.0], one, one)
    with pytest.raises(ValueError, match="outcome"):
        StyleRows(3, [0, 1], [1, 2], [1.0, 0.3], one, one)
    with pytest.raises(ValueError, match="finite"):
        StyleRows(3, [0, 1], [1, 2], [1.0, 0.0], one, one + np.nan)
    with pytest.raises(ValueError, match="indices"):
        StyleRows(2, [0, 1], [1, 2], [1.0, 0.0], one, one)
    with pytest.raises(ValueError, match="at least one vote"):
        style_fit(StyleRows(2, [], [], [], np.zeros((0, 1)), np.zeros((0, 1))))
