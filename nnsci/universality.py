"""The constructions of chapter 4, "A visual proof that neural nets can compute any function".

Every curve and surface of the chapter is one of these small functions; the
figures (nnsci/figures/ch4.py) only draw them. The parameters are those of the
book's interactive figures (``js/chap4.js``, see
docs/fidelity.md, "Chapter 4's interactive figures").

The idea, in the book's order: a sigmoid neuron with a large weight is almost a
step at ``s = -b/w``; two steps with output weights ``h`` and ``-h`` make a bump
of height ``h``; a row of bumps approximates any function of one input; in two
inputs a bump in x plus a bump in y, thresholded at ``3h/2``, makes a tower; and
many towers approximate any function of two inputs."""

from __future__ import annotations

import math

import numpy as np

# -- the neuron ----------------------------------------------------------------


def sigma(z):
    """The sigmoid function 1 / (1 + e^-z)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def sigma_inverse(a):
    """σ^{-1}(a) = log(a / (1 - a)): the weighted input that gives output a."""
    a = np.asarray(a, dtype=float)
    return np.log(a / (1.0 - a))


def sigmoid_like(z):
    """The non-sigmoid activation s(z) = σ(z) + 0.2 sin(10z) e^{-|z|} of the chapter's
    last section: it too tends to 0 and 1 at the ends, so it too makes steps."""
    z = np.asarray(z, dtype=float)
    return sigma(z) + 0.2 * np.sin(10.0 * z) * np.exp(-np.abs(z))


def neuron_output(x, w, b, activation=sigma):
    """The output activation(w x + b) of a neuron with one input."""
    return activation(w * np.asarray(x, dtype=float) + b)


def step_position(w, b):
    """Where σ(wx + b) crosses 1/2: s = -b/w. For large w the step sits here."""
    return -b / w


def bias_for_step(w, s):
    """The bias b = -w s that puts the step of a weight-w neuron at s."""
    return -w * s


def step(x, s):
    """The ideal step at s (0 left of s, 1 from s on): the large-w limit of σ(w(x - s))."""
    return (np.asarray(x, dtype=float) >= s).astype(float)


def step_error(w, delta):
    """The largest gap between σ(w(x - s)) and the ideal step at distance ≥ delta from s.

    The gap falls monotonically away from s, so it is σ(-w delta): w = 100 is
    within 0.007 of a step once 0.05 away from it, and w = 1000 once 0.005 away."""
    return float(sigma(-w * delta))


# -- one input: steps, bumps and sums of bumps ---------------------------------


def weighted_steps(x, steps, weights):
    """Σ_i w_i · step(x - s_i): the weighted output of a hidden layer of step neurons."""
    return sum(w * step(x, s) for s, w in zip(steps, weights))


def bump(x, s1, s2, h, w=None):
    """A bump of height h on [s1, s2): two step neurons with output weights h and -h.

    With ``w`` the steps are the sigmoids σ(w(x - s)) rather than ideal steps."""
    x = np.asarray(x, dtype=float)
    if w is None:
        return h * (step(x, s1) - step(x, s2))
    return h * (sigma(w * (x - s1)) - sigma(w * (x - s2)))


def bump_steps(n):
    """The n + 1 step points 0, 1/n, ..., 1 of n bumps that tile [0, 1]."""
    return np.linspace(0.0, 1.0, n + 1)


def sum_of_bumps(x, starts, heights, width, w=None):
    """Σ_i bump(x; a_i, a_i + width, H_i): the hidden layer's weighted output."""
    return sum(bump(x, a, a + width, h, w) for a, h in zip(starts, heights))


# -- the function to compute and the challenge ----------------------------------


def goal(x):
    """The chapter's f(x) = 0.2 + 0.4x² + 0.3x sin(15x) + 0.05 cos(50x).

    The translation (and the English restatement) print 0.3 sin(15x); every
    figure of the book draws 0.3x sin(15x), without which f dips below 0 and
    σ^{-1}∘f is undefined (docs/fidelity.md, "Chapter 4's interactive figures")."""
    x = np.asarray(x, dtype=float)
    return 0.2 + 0.4 * x**2 + 0.3 * x * np.sin(15.0 * x) + 0.05 * np.cos(50.0 * x)


def inverted_goal(x):
    """σ^{-1}∘f: what the hidden layer's weighted output must be for the output neuron to give f."""
    return sigma_inverse(goal(x))


def challenge_grid():
    """The 100 points x = 0, 0.01, ..., 0.99 where the book's widget scores a design."""
    return np.arange(100) / 100.0


def bin_index(x, n):
    """Which of n equal bins of [0, 1) each x falls in (the widget's floor(j / 20) for n = 5)."""
    return np.minimum((np.asarray(x) * n + 1e-9).astype(int), n - 1)


def average_deviation(heights, x=None):
    """The challenge score: mean |σ^{-1}(f(x_j)) - h[bin of x_j]| over the widget's grid."""
    x = challenge_grid() if x is None else np.asarray(x)
    h = np.asarray(heights, dtype=float)
    return float(np.mean(np.abs(inverted_goal(x) - h[bin_index(x, len(h))])))


def best_bump_heights(n=5, x=None):
    """The heights of n bumps with the least average deviation: each bin's median.

    The mean absolute deviation of a bin is smallest at the median of the bin's
    values, and the bins do not interact, so the per-bin medians are optimal."""
    x = challenge_grid() if x is None else np.asarray(x)
    g = inverted_goal(x)
    k = bin_index(x, n)
    return np.array([np.median(g[k == i]) for i in range(n)])


def random_bump_heights(rng, n=5):
    """The widget's random start: (round(30 u) - 15) / 10 with u uniform, i.e. -1.5, -1.4, ..., 1.5."""
    return (np.round(rng.random(n) * 30) - 15) / 10


# -- two inputs: steps, bumps and towers ----------------------------------------


STEEP = 1000.0  # the first-layer weight of every 3-D step in the book


def step_xy(x, y, s, axis="x", w=STEEP):
    """σ(w(x - s)) (or in y): a neuron with weight w on one input and 0 on the other."""
    return sigma(w * ((x if axis == "x" else y) - s))


def bump_xy(x, y, s1, s2, h, axis="x", w=STEEP):
    """h[step at s1 - step at s2] along one axis: a ridge across the unit square."""
    return h * (step_xy(x, y, s1, axis, w) - step_xy(x, y, s2, axis, w))


def tower_input(x, y, h, xs=(0.4, 0.6), ys=(0.3, 0.7), w=STEEP):
    """x-bump + y-bump: 2h where they cross, h on the two ridges, 0 elsewhere."""
    return bump_xy(x, y, *xs, h, "x", w) + bump_xy(x, y, *ys, h, "y", w)


def tower_output_bias(h, m=2):
    """The output bias (-m + 1/2) h that thresholds a sum of m bumps between (m-1)h and mh.

    For m = 2 it is -3h/2, for m = 3 inputs -5h/2 (the book's tower and its n-dim form)."""
    return (-m + 0.5) * h


def tower_network(x, y, h, b, xs=(0.4, 0.6), ys=(0.3, 0.7), w=STEEP):
    """σ(b + h(x-bump + y-bump)): with b ≈ -3h/2 and large h, a tower of height 1."""
    return sigma(b + tower_input(x, y, h, xs, ys, w))


def tower_levels(h, b):
    """The network's output (outside, on a ridge, on the tower) for ideal steps: σ(b), σ(b + h), σ(b + 2h)."""
    return float(sigma(b)), float(sigma(b + h)), float(sigma(b + 2 * h))


def box(x, y, xs, ys):
    """The indicator of the rectangle [xs[0], xs[1]] × [ys[0], ys[1]]."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return ((x >= xs[0]) & (x <= xs[1]) & (y >= ys[0]) & (y <= ys[1])).astype(float)


def ideal_tower(x, y, height=0.7, xs=(0.4, 0.6), ys=(0.3, 0.7)):
    """The static "Tower function" of the book: height on a rectangle, 0 elsewhere."""
    return height * box(x, y, xs, ys)


def many_towers(x, y, n=5):
    """The book's "Many towers": an n × n grid with heights (i² + j²) / 50 (0 to 0.64 for n = 5)."""
    i = np.floor((n - 1e-3) * np.asarray(x))
    j = np.floor((n - 1e-3) * np.asarray(y))
    return (i**2 + j**2) / 50.0


TWO_TOWERS = (((0.1, 0.2), (0.8, 0.9)), ((0.7, 0.8), (0.2, 0.3)))  # (xs, ys) of each tower


def two_towers(x, y, w1, w2, towers=TWO_TOWERS):
    """The second hidden layer's weighted output: w1·tower1 + w2·tower2 (ideal towers)."""
    (xs1, ys1), (xs2, ys2) = towers
    return w1 * box(x, y, xs1, ys1) + w2 * box(x, y, xs2, ys2)


# -- fixing the window of failure -------------------------------------------------


FAILURE_WINDOW = (0.45, 0.55)  # where σ(50x - 25) is neither near 0 nor near 1
SERIES_STARTS = (0.0, 0.2, 0.4, 0.6, 0.8)
SERIES_H = (-1.3, -1.8, -0.5, -0.9, 0.3)
SHIFTED_STARTS = (0.1, 0.3, 0.5, 0.7, 0.9)
SHIFTED_H = (-1.55 / 2, -1.15 / 2, -0.7 / 2, -0.6 / 2, 0.3)  # the last 0.3 exactly as coded in the book
SERIES_W = 300.0


def series_bumps(x, starts, heights, width=0.2, w=SERIES_W):
    """Each bump H_i(σ(w(x - a_i)) - σ(w(x - a_i - width))) of the fix-up figures, one row per bump."""
    return np.array([bump(x, a, a + width, h, w) for a, h in zip(starts, heights)])


# -- numbers computed one point at a time (libm, no vector code: the same bytes on every CPU) ------


def goal_at(x, with_x=True):
    """f(x) at one point; ``with_x=False`` is the text's misprint 0.3 sin(15x) (no factor x)."""
    return 0.2 + 0.4 * x * x + 0.3 * (x if with_x else 1.0) * math.sin(15.0 * x) + 0.05 * math.cos(50.0 * x)


def sigma_at(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def challenge_bin_means(n=5):
    """The mean of σ^{-1}∘f over each of the widget's n bins (x = j/100): where a design that
    minimised the squared deviation, rather than the widget's absolute one, would put each bump."""
    sums, counts = [0.0] * n, [0] * n
    for j in range(100):
        a = goal_at(j / 100.0)
        k = min(j * n // 100, n - 1)
        sums[k] += math.log(a / (1.0 - a))
        counts[k] += 1
    return [s / c for s, c in zip(sums, counts)]


def best_step_error(n, points=10001):
    """ε of the best approximation of f by n hidden step neurons (the chapter's caveat: 3 neurons give
    a poor approximation, 5 a better one): steps at k/n, k = 0..n-1, so g is constant on n equal bins;
    the best constant of a bin is the midpoint of f's range there, and ε = max over bins of half
    that range (sup |g - f| on a grid of ``points``)."""
    lo, hi = [math.inf] * n, [-math.inf] * n
    for i in range(points):
        x = i / (points - 1)
        k = min(int(x * n), n - 1)
        v = goal_at(x)
        lo[k], hi[k] = min(lo[k], v), max(hi[k], v)
    return max((h - l) / 2.0 for l, h in zip(lo, hi))


def _failure(x, starts, heights, width, w):
    """(smooth series - the same series with ideal steps) at x: what the steps alone get wrong."""
    total = 0.0
    for a, h in zip(starts, heights):
        for s, sign in ((a, 1.0), (a + width, -1.0)):
            total += sign * h * (sigma_at(w * (x - s)) - (1.0 if x >= s else 0.0))
    return total


def window_fix_factor(w=SERIES_W, width=0.2, lo=0.15, hi=0.85, points=7001):
    """How much better the fix-up makes the windows of failure (the book: "roughly 2x"): the largest
    failure of one series of bumps approximating σ^{-1}∘f (heights its value at each bin's centre)
    over that of two half-height series shifted by half a bump, on [lo, hi] (away from the ends,
    where the shifted series starts and stops)."""
    def heights(starts, scale):
        return [scale * math.log(goal_at(a + width / 2) / (1.0 - goal_at(a + width / 2))) for a in starts]

    one = [k * width for k in range(5)]
    shifted = [width / 2 + k * width for k in range(5)]
    h1, h_a, h_b = heights(one, 1.0), heights(one, 0.5), heights(shifted, 0.5)
    worst_one = worst_two = 0.0
    for i in range(points):
        x = lo + (hi - lo) * i / (points - 1)
        worst_one = max(worst_one, abs(_failure(x, one, h1, width, w)))
        worst_two = max(worst_two, abs(_failure(x, one, h_a, width, w) + _failure(x, shifted, h_b, width, w)))
    return worst_one / worst_two
