"""Chapter 3 figures that need no trained network: they only draw what nnsci.demos computes.

The single-neuron saturation widgets (3.2, 3.3, 3.6, 3.7) as cost curves and
as animations, the same starts under the exact cross-entropy gradient, the
curve-fitting toy (3.16-3.18), the training "5" and its 15-degree rotation
(3.23, 3.24), the two Gaussians of the weight-initialisation argument (3.28,
3.29), the valley with a rolling ball (3.33, 3.34), tanh (3.35) and ReLU (3.36)."""

from __future__ import annotations

import numpy as np

from .. import demos
from ..errors import NnsciError
from . import figure
from .style import BLUE, GREY, ORANGE, RED, animate, checkerboard, new_figure, plot_function, save, valley_axes

# The widget plots cost at 240 px per unit (quadratic) and 30 px per unit
# (cross-entropy) on a 130 px high graph: these are its y ranges.
WIDGET_YMAX = {"quadratic": 130 / 240, "cross-entropy (widget)": 130 / 30}
GIF_FRAMES = 41  # epochs 0, 7.5, ..., 300 rounded: a small file that still shows the shape
GIF_DPI = 60


def _cost_axes(ax, demo, ymax):
    ax.set_xlim(0, demo.frames)
    ax.set_ylim(0, ymax)
    ax.set_xlabel("Epoch")
    ax.set_ylabel("Cost")


def _title(demo):
    return (f"{demo.cost.name} cost, w0 = {demo.w0:.1f}, b0 = {demo.b0:.1f}, "
            f"\u03b7 = {demo.eta:g}")


def saturation_plot(out, demo):
    """Cost against epoch of one widget run, with the start and end outputs written on it."""
    run = demos.run_neuron(demo)
    fig, ax = new_figure(figsize=(5.2, 3.0))
    ax.plot(run["epoch"][: demo.frames + 1], run["cost"], color=BLUE)
    _cost_axes(ax, demo, WIDGET_YMAX.get(demo.cost.name, 1.05 * run["cost"].max()))
    ax.set_title(_title(demo), fontsize=9)
    ax.text(0.97, 0.93, f"output {run['a'][0]:.2f} \u2192 {run['a'][-1]:.2f}\n"
            f"w = {run['w'][-1]:+.2f}, b = {run['b'][-1]:+.2f}",
            transform=ax.transAxes, ha="right", va="top", fontsize=9)
    fig.tight_layout()
    save(fig, out)


def saturation_animation(out, demo):
    """The widget as an animated GIF: input, neuron, output, w and b, and the growing cost curve."""
    run = demos.run_neuron(demo)
    fig, ax = new_figure(figsize=(5.2, 3.0), dpi=GIF_DPI)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.17, top=0.62)
    _cost_axes(ax, demo, WIDGET_YMAX.get(demo.cost.name, 1.05 * run["cost"].max()))
    ax.grid(False)
    (curve,) = ax.plot([], [], color=BLUE)
    fig.text(0.03, 0.86, "Input: 1.0  \u2192", fontsize=12)
    fig.patches.append(_neuron_circle(fig))
    status = fig.text(0.58, 0.86, "", fontsize=12)
    params = fig.text(0.03, 0.72, "", fontsize=10, family="DejaVu Sans Mono")
    def draw(k):
        curve.set_data(run["epoch"][: k + 1], run["cost"][: k + 1])
        # The widget shows the parameters after frame k's step.
        status.set_text(f"\u2192  Output: {run['a'][k + 1]:.2f}")
        params.set_text(f"w = {run['w'][k + 1]:+.2f}   b = {run['b'][k + 1]:+.2f}   epoch {k}")
        return fig

    animate(out, np.linspace(0, demo.frames, GIF_FRAMES).round().astype(int), draw, duration_ms=80, reuse=True)


def _neuron_circle(fig):
    from matplotlib.patches import Ellipse

    return Ellipse((0.48, 0.885), 0.1, 0.17, transform=fig.transFigure, fill=False,
                   edgecolor="black", linewidth=1.2)


def exact_gradient_plot(out, demo):
    """The cross-entropy widget start stepped by the true gradient dC/dw = a, at the book's
    eta = 0.005 and at the quadratic widgets' eta = 0.15, beside the widget's own rule."""
    fig, ax = new_figure(figsize=(5.2, 3.0))
    runs = [("widget rule \u03b4 = 1/(1\u2212a), \u03b7 = 0.005", demo, GREY),
            ("exact gradient \u03b4 = a, \u03b7 = 0.005", demos.with_cost(demo, demos.CROSS_ENTROPY_EXACT), BLUE),
            ("exact gradient \u03b4 = a, \u03b7 = 0.15",
             demos.with_cost(demo, demos.CROSS_ENTROPY_EXACT, eta=0.15), ORANGE)]
    for label, d, color in runs:
        run = demos.run_neuron(d)
        ax.plot(run["epoch"][: d.frames + 1], run["cost"], color=color,
                label=f"{label}: output \u2192 {run['a'][-1]:.2f}")
    _cost_axes(ax, demo, WIDGET_YMAX["cross-entropy (widget)"])
    ax.set_title(f"Cross-entropy cost, w0 = {demo.w0:.1f}, b0 = {demo.b0:.1f}", fontsize=9)
    ax.legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    save(fig, out)


# The book's figure number of each saturation widget.
SATURATION_FIGURES = {"saturation1": "3.2", "saturation2": "3.3", "saturation3": "3.6",
                      "saturation4": "3.7"}


def _register_saturation(name):
    demo = demos.DEMOS[name]
    what = (f"the one-neuron widget ({demo.cost.name} cost, w0 = {demo.w0:g}, b0 = {demo.b0:g}, "
            f"eta = {demo.eta:g}, {demo.frames} epochs)")
    fig = SATURATION_FIGURES[name]
    figure(f"ch3.{name}", doc=f"Figure {fig}: cost per epoch of {what}.")(
        lambda out, inputs, scale: saturation_plot(out, demo))
    figure(f"ch3.{name}_anim", doc=f"Figure {fig} as the book's animation: {what}.")(
        lambda out, inputs, scale: saturation_animation(out, demo))
    if demo.cost is demos.CROSS_ENTROPY_WIDGET:
        figure(f"ch3.{name}_exact",
               doc=f"Beyond the book's figures: {what} stepped by the exact cross-entropy gradient "
                   "beside the widget's own rule.")(
            lambda out, inputs, scale: exact_gradient_plot(out, demo))


for _name in demos.DEMOS:
    _register_saturation(_name)


# ------------------------------------------------------------------ curve fitting

def _simple_data_axes():
    fig, ax = new_figure(figsize=(5.2, 3.6))
    ax.plot(demos.SIMPLE_DATA_X, demos.SIMPLE_DATA_Y, "o", color=BLUE, markersize=5)
    ax.set_xlim(0, 5)
    ax.set_ylim(0, 10)
    ax.set_xticks(np.linspace(0, 5, 6))
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    return fig, ax


@figure("ch3.simple_model")
def simple_model(out, inputs, scale):
    """Figure 3.16: the ten data points."""
    fig, ax = _simple_data_axes()
    fig.tight_layout()
    save(fig, out)


@figure("ch3.polynomial_fit")
def polynomial_fit(out, inputs, scale):
    """Figure 3.17: the degree-9 polynomial that passes through every point."""
    fig, ax = _simple_data_axes()
    x = np.arange(0, 5, 0.01)
    ax.plot(x, np.polyval(demos.interpolating_polynomial(), x), color=ORANGE)
    fig.tight_layout()
    save(fig, out)


@figure("ch3.linear_fit")
def linear_fit(out, inputs, scale):
    """Figure 3.18: the simple model y = 2x."""
    fig, ax = _simple_data_axes()
    x = np.array([0.0, 5.0])
    ax.plot(x, demos.linear_model(x), color=ORANGE)
    fig.tight_layout()
    save(fig, out)


# ---------------------------------------------------------------- the "5" images

def _training_image(inputs, index=0):
    from ..data.mnist import load_mnist, to_float

    if "mnist" not in inputs:
        raise NnsciError("this figure needs --input mnist=resources/mnist/mnist.npz")
    return to_float(load_mnist(inputs["mnist"])["training_x"][index], np.float64).reshape(28, 28)


def _digit(out, image):
    fig, ax = new_figure(figsize=(4, 4))
    ax.matshow(image, cmap="binary")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    save(fig, out)


@figure("ch3.more_data_5")
def more_data_5(out, inputs, scale):
    """Figure 3.23: training image 0, a 5."""
    _digit(out, _training_image(inputs))


@figure("ch3.more_data_rotated_5")
def more_data_rotated_5(out, inputs, scale):
    """Figure 3.24: the same 5 rotated by 15 degrees the book's way (about row 14, column 13, x 1.3)."""
    from ..data.augment import rotate

    _digit(out, 1.3 * rotate(_training_image(inputs), 15, centre=(14, 13)))


# ---------------------------------------------------------------- the Gaussians

def _gaussian(out, sigma, height, ymax, yticks):
    fig, ax = new_figure(figsize=(6, height))
    x = np.arange(-30, 30.0001, 0.1)
    ax.plot(x, demos.gaussian_pdf(x, sigma), color=BLUE)
    ax.set_xlim(-30, 30)
    ax.set_ylim(0, ymax)
    ax.set_yticks(yticks)
    ax.spines["left"].set_position(("data", 0))
    ax.spines["right"].set_visible(False)
    ax.spines["top"].set_visible(False)
    ax.grid(False)
    fig.tight_layout()
    save(fig, out)


@figure("ch3.wide_gaussian")
def wide_gaussian(out, inputs, scale):
    """Figure 3.28: z ~ N(0, 501) when all 1,000 weights and the bias are N(0, 1)."""
    _gaussian(out, demos.z_std(), 1.2, 0.02, [0.02])


@figure("ch3.narrow_gaussian")
def narrow_gaussian(out, inputs, scale):
    """Figure 3.29: z ~ N(0, 3/2) with N(0, 1/n_in) weights; note the y scale differs from 3.28."""
    _gaussian(out, demos.z_std(weight_std=1 / np.sqrt(1000)), 3.6, 0.4, np.arange(0, 0.41, 0.1))


# ------------------------------------------------------------- tanh and ReLU

@figure("ch3.tanh")
def tanh(out, inputs, scale):
    """Figure 3.35: tanh(z)."""
    z = np.linspace(-5, 5, 400)
    plot_function(out, z, np.tanh(z), "tanh function", (-5, 5), (-1, 1), np.arange(-1, 1.01, 0.5))


@figure("ch3.relu")
def relu(out, inputs, scale):
    """Figure 3.36: max(0, z)."""
    z = np.linspace(-5, 5, 100)
    plot_function(out, z, demos.relu(z), "max(0, z)", (-5, 5), (-5, 5), np.arange(-4, 5.01, 1))


# ------------------------------------------------------------ the valley and the ball

VALLEY_START = (0.9, -0.5)


def _valley(out, path, title):
    """valley2.py's checkerboard surface C = v1^2 + v2^2 with a ball rolled along ``path``."""
    fig = new_figure(figsize=(5.5, 4.5))[0]
    fig.clf()
    ax = fig.add_subplot(projection="3d")
    v = np.arange(-1, 1, 0.1)
    X, Y = np.meshgrid(v, v)
    ax.plot_surface(X, Y, demos.valley(X, Y), rstride=1, cstride=1, facecolors=checkerboard(X.shape),
                    linewidth=0, alpha=0.35, shade=False)
    c = demos.valley(path[:, 0], path[:, 1])
    ax.plot(path[:, 0], path[:, 1], c + 0.03, color=RED, linewidth=1.2, zorder=10)
    ax.scatter(path[1:, 0], path[1:, 1], c[1:] + 0.03, color=RED, s=6, depthshade=False, zorder=10)
    ax.scatter([path[0, 0]], [path[0, 1]], [c[0] + 0.08], color=RED, s=120, depthshade=False,
               zorder=11, edgecolor="black")
    g = -demos.valley_gradient(path[0])
    g = 0.35 * g / np.linalg.norm(g)
    ax.quiver(path[0, 0], path[0, 1], c[0] + 0.08, g[0], g[1], 0.0, color="black", linewidth=1.5,
              arrow_length_ratio=0.3)
    valley_axes(ax)
    ax.set_title(title, fontsize=10)
    save(fig, out)


@figure("ch3.valley_sgd")
def valley_sgd(out, inputs, scale):
    """Figure 3.33: the ball pushed downhill by gradient descent, v -> v - eta grad C (eta = 0.1)."""
    path = demos.gradient_descent_path(VALLEY_START, eta=0.1, steps=12)
    _valley(out, path, "Gradient descent: \u0394v = \u2212\u03b7\u2207C, \u03b7 = 0.1")


@figure("ch3.valley_momentum")
def valley_momentum(out, inputs, scale):
    """Figure 3.34: the same ball with momentum (mu = 0.8): it gathers speed and overshoots."""
    path = demos.momentum_path(VALLEY_START, eta=0.04, mu=0.8, steps=30)
    _valley(out, path, "Momentum: v \u2192 \u03bcv \u2212 \u03b7\u2207C, \u03b7 = 0.04, \u03bc = 0.8")
