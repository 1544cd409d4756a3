"""Chapter 4's figures, one output file each: the registry the rules and the figure modules share
(no plotting imports, so the DAG reads it at once). The figures are drawn by figures/ch4.py (one
input) and figures/ch4_xy.py (two inputs, and the fix-up of the window of failure)."""

# (name, extension, catalog ids): one output file per unique computed figure of the book.
# The book repeats four figures (fig4.05, fig4.17, fig4.33, fig4.39); each repeat is the same file.
# fig4.19's solved state is a second file with no slot of its own.
CATALOG = [
    ("function", "png", "fig4.01 fig4.05 fig4.17"),
    ("basic_manipulation", "png", "fig4.07"),
    ("create_step_function", "gif", "fig4.08"),
    ("high_weight_function", "png", "fig4.09"),
    ("step", "png", "fig4.10"),
    ("step_parameterization", "png", "fig4.11"),
    ("two_hn_network", "png", "fig4.12"),
    ("bump_function", "png", "fig4.13"),
    ("bump_fn", "png", "fig4.14"),
    ("double_bump", "png", "fig4.15"),
    ("five_bumps", "png", "fig4.16"),
    ("inverted_function", "png", "fig4.18 fig4.39"),
    ("design_function", "png", "fig4.19"),
    ("design_function_solved", "png", ""),  # fig4.19 solved, beside the book's default state
    ("ti_graph", "png", "fig4.21"),
    ("step_3d", "gif", "fig4.22"),
    ("ti_graph_redux", "png", "fig4.23"),
    ("y_step", "png", "fig4.24"),
    ("bump_3d", "png", "fig4.25"),
    ("bump_3d_y", "png", "fig4.26"),
    ("xy_bump", "png", "fig4.27"),
    ("tower", "png", "fig4.28"),
    ("many_towers", "png", "fig4.29 fig4.33"),
    ("tower_construction", "png", "fig4.30"),
    ("tower_construction_movie", "gif", "fig4.31"),
    ("the_two_towers", "png", "fig4.32"),
    ("sigmoid", "png", "fig4.35"),
    ("sigmoid_like", "png", "fig4.36"),
    ("ramping", "png", "fig4.37"),
    ("failure", "png", "fig4.38"),
    ("series_of_bumps", "png", "fig4.40"),
    ("half_bumps", "png", "fig4.41"),
    ("shifted_bumps", "png", "fig4.42"),
]


def figure_names():
    """The names of the chapter's figures (``ch4.<name>`` is the registry id)."""
    return [name for name, _, _ in CATALOG]


def figure_files():
    """The output file of each figure, ``<name>.<ext>``, relative to results/ch4/figures/."""
    return [f"{name}.{ext}" for name, ext, _ in CATALOG]
