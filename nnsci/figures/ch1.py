"""Chapter 1's computed figures: MNIST images, the sigmoid and step plots, the valley.

The MNIST pictures follow the book's ``fig/mnist.py``: ``matshow`` with the
``binary`` colour map (0 is white, ink is black), no ticks, and the same
crops. ``fig/mnist.py`` always passed the **training** images (the first
50,000 of ``load_data()``), so indices here are training-set indices.

The small computations (which image goes in which cell, which pixels a
quadrant keeps) are plain functions so that tests can check them without
looking at pixels."""

from __future__ import annotations

import numpy as np

from ..demos import valley, valley_gradient
from . import figure
from .style import BLUE, checkerboard, new_figure, save, valley_axes

IMAGE_SIDE = 28
# matplotlib's default size in 2014 (8 x 6 inches at 100 dpi), the size of the book's PNGs.
FIGSIZE = (8, 6)

# fig/mnist.py: plot_really_bad_images. A subset of a list of images that a
# network with over 93% accuracy misclassified; mnist.py indexes the training
# set with them, and so do we (the list may first have come from test data).
REALLY_BAD_INDICES = [324, 582, 659, 726, 846, 956, 1124, 1393, 1773,
                      1868, 2018, 2109, 2654, 4199, 4201, 4620, 5457, 5642]

# The training images the single-image figures show.
FIRST_DIGIT = 0        # a 5
ZERO = 1               # a 0: the quadrant figures
TWO, ONE = 5, 3        # plot_2_and_1


#### Pure computations
def grid_image_index(cell, n=10):
    """Which training image fig/mnist.py's 10x10 grid shows in ``cell`` (row-major, 0-based).

    ``plot_10_by_10_images`` draws image ``10*y+x`` with ``add_subplot(10, 10,
    10*y+x)``. Subplot positions count from 1, and the matplotlib of 2014
    took position 0 as the last cell. So cell c shows image c+1 and the
    bottom-right cell shows image 0 (the "5"): the book's figure 1.2."""
    return (cell + 1) % (n * n)


def grid_image_indices(n=10):
    """The image index of every cell of the ``n`` x ``n`` grid, as an ``n`` x ``n`` array."""
    return np.array([grid_image_index(c, n) for c in range(n * n)]).reshape(n, n)


def quadrant_mask(quadrant, side=IMAGE_SIDE):
    """Boolean ``side`` x ``side`` mask of the pixels one quadrant keeps.

    ``quadrant`` is "top_left", "top_right", "bottom_left" or "bottom_right";
    rows and columns split at ``side // 2`` = 14, as in ``plot_top_left`` and
    ``plot_features`` (which zero everything else)."""
    vertical, horizontal = quadrant.split("_")
    rows = np.arange(side) < side // 2 if vertical == "top" else np.arange(side) >= side // 2
    cols = np.arange(side) < side // 2 if horizontal == "left" else np.arange(side) >= side // 2
    return rows[:, None] & cols[None, :]


def keep_quadrant(image, quadrant):
    """A copy of a 28x28 ``image`` with every pixel outside ``quadrant`` set to 0."""
    return np.where(quadrant_mask(quadrant, image.shape[0]), image, 0)


def sigmoid(z):
    """The sigmoid function 1/(1+e^-z)."""
    return 1.0 / (1.0 + np.exp(-z))


def step(z):
    """The perceptron's step function: 0 for z < 0, 1 otherwise."""
    return np.where(z < 0, 0.0, 1.0)


#### Drawing helpers
def _images(inputs):
    """The training images of ``inputs["mnist"]`` as 28x28 floats k/256 (``load_data()``'s scale)."""
    from ..data.mnist import load_mnist, to_float

    if "mnist" not in inputs:
        from ..errors import NnsciError

        raise NnsciError("this figure needs --input mnist=PATH (the prepared mnist.npz)")
    x = load_mnist(inputs["mnist"])["training_x"]
    return to_float(x).reshape(-1, IMAGE_SIDE, IMAGE_SIDE)


def _show(ax, image):
    """One MNIST image the way fig/mnist.py draws it: matshow, binary, no ticks."""
    ax.matshow(image, cmap="binary")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def _row_of_images(out, images, figsize=FIGSIZE):
    fig, axes = new_figure(1, len(images), figsize=figsize)
    for ax, image in zip(np.atleast_1d(axes), images):
        _show(ax, image)
    save(fig, out)


#### MNIST figures
@figure("ch1.digits")
def digits(out, inputs, scale):
    """Figure 1.1: training images 0-5 ("504192"), sides cropped to columns 3:25, side by side."""
    images = _images(inputs)
    strip = np.concatenate([image[:, 3:25] for image in images[:6]], axis=1)
    _row_of_images(out, [strip])


@figure("ch1.mnist_100_digits")
def mnist_100_digits(out, inputs, scale):
    """Figure 1.2: a 10x10 grid of training images cropped to [3:25, 3:25], with the index quirk.

    See :func:`grid_image_index`: images 1..99 in row-major order, then image 0."""
    images = _images(inputs)
    index = grid_image_indices(10)
    fig, axes = new_figure(10, 10, figsize=FIGSIZE)
    for (row, col), ax in np.ndenumerate(axes):
        _show(ax, images[index[row, col]][3:25, 3:25])
    save(fig, out)


@figure("ch1.digits_separate")
def digits_separate(out, inputs, scale):
    """Figure 1.18: training images 0-5, uncropped, in 1x6 subplots."""
    _row_of_images(out, list(_images(inputs)[:6]))


@figure("ch1.mnist_first_digit")
def mnist_first_digit(out, inputs, scale):
    """Figure 1.19: training image 0 (a 5)."""
    _row_of_images(out, [_images(inputs)[FIRST_DIGIT]])


@figure("ch1.mnist_top_left_feature")
def mnist_top_left_feature(out, inputs, scale):
    """Figure 1.21: the "0" (training image 1) with all but the top-left quadrant zeroed."""
    _row_of_images(out, [keep_quadrant(_images(inputs)[ZERO], "top_left")])


@figure("ch1.mnist_other_features")
def mnist_other_features(out, inputs, scale):
    """Figure 1.22: the same "0"'s top-right, bottom-left and bottom-right quadrants."""
    zero = _images(inputs)[ZERO]
    _row_of_images(out, [keep_quadrant(zero, q) for q in ("top_right", "bottom_left", "bottom_right")])


@figure("ch1.mnist_complete_zero")
def mnist_complete_zero(out, inputs, scale):
    """Figure 1.23: the whole "0" (training image 1)."""
    _row_of_images(out, [_images(inputs)[ZERO]])


@figure("ch1.mnist_2_and_1")
def mnist_2_and_1(out, inputs, scale):
    """Figure 1.28: training images 5 (a "2") and 3 (a "1") side by side."""
    images = _images(inputs)
    _row_of_images(out, [images[TWO], images[ONE]])


@figure("ch1.mnist_really_bad_images")
def mnist_really_bad_images(out, inputs, scale):
    """Figure 1.29: 18 hard digits on a 2x9 grid, figsize (10, 2).

    The indices (:data:`REALLY_BAD_INDICES`) are those of fig/mnist.py, which
    applied them to the **training** images, as we do. They were picked from a
    list of images a >93% network misclassified, which may have been test
    data, so the split they were meant for is uncertain."""
    images = _images(inputs)
    fig, axes = new_figure(2, 9, figsize=(10, 2))
    for ax, j in zip(axes.flat, REALLY_BAD_INDICES):
        _show(ax, images[j])
    save(fig, out)


#### Function plots (the book's D3 figures)
def _function_plot(out, f, title):
    """f(z) on [-5, 5] with 400 samples; y in [0, 1] with ticks every 0.2; x ticks -4..4."""
    z = np.linspace(-5, 5, 400)
    fig, ax = new_figure(figsize=(6, 4))
    ax.plot(z, f(z), color=BLUE, clip_on=False)
    ax.set_xlim(-5, 5)
    ax.set_ylim(0, 1)
    ax.set_xticks(np.arange(-4, 5))
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_xlabel("z")
    ax.set_title(title)
    save(fig, out)


@figure("ch1.sigmoid_graph")
def sigmoid_graph(out, inputs, scale):
    """Figure 1.13 (and 3.4): the sigmoid function."""
    _function_plot(out, sigmoid, "sigmoid function")


@figure("ch1.step_graph")
def step_graph(out, inputs, scale):
    """Figure 1.14: the step function."""
    _function_plot(out, step, "step function")


#### The valley (fig/valley.py)
def _valley_axes():
    """valley.py's surface: C = v1^2 + v2^2 on arange(-1, 1, 0.1)^2, a blue and
    white checkerboard, limits [-1, 1]^2 x [0, 2], three ticks per axis, and the
    labels C, v_1, v_2 where valley.py put them."""
    fig, ax = new_figure(figsize=FIGSIZE, subplot_kw={"projection": "3d", "computed_zorder": False})
    grid = np.arange(-1, 1, 0.1)
    v1, v2 = np.meshgrid(grid, grid)
    ax.plot_surface(v1, v2, valley(v1, v2), rstride=1, cstride=1,
                    facecolors=checkerboard(v1.shape), linewidth=0, zorder=1)
    valley_axes(ax)
    ax.text(0.05, -1.8, 0, "$v_1$", fontsize=20)
    ax.text(1.5, -0.25, 0, "$v_2$", fontsize=20)
    return fig, ax


@figure("ch1.valley")
def valley_figure(out, inputs, scale):
    """Figure 1.26: the valley C(v1, v2) = v1^2 + v2^2."""
    fig, _ = _valley_axes()
    save(fig, out)


# Where the ball sits on the valley's side, and the learning rate of the
# step the arrow shows. The book drew both by hand; these are chosen to look
# like its picture.
BALL = (-0.8, -0.45)
ARROW_ETA = 0.4


def descent_step(v, eta=ARROW_ETA):
    """One gradient-descent step from ``v``: v' = v - eta * grad C(v) (the book's eq. 15)."""
    g = valley_gradient(v)
    return tuple(vi - eta * gi for vi, gi in zip(v, g))


@figure("ch1.valley_with_ball")
def valley_with_ball(out, inputs, scale):
    """Figure 1.27: the valley with a green ball on its side and an arrow downhill.

    The arrow is one gradient-descent step, Delta v = -eta grad C, from the ball."""
    fig, ax = _valley_axes()
    v1, v2 = BALL
    w1, w2 = descent_step(BALL)
    lift = 0.05  # draw both just above the surface so it does not hide them
    ax.quiver(v1, v2, valley(v1, v2) + lift, w1 - v1, w2 - v2, valley(w1, w2) - valley(v1, v2),
              color="black", linewidth=3, arrow_length_ratio=0.25, zorder=2)
    ax.scatter([v1], [v2], [valley(v1, v2) + lift], s=400, color="#2CA02C",
               edgecolors="#1A601A", depthshade=False, zorder=3)
    save(fig, out)
