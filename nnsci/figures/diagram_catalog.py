"""The book's diagrams we draw, by chapter: ``(name, book figure)``; ``<chapter>.<name>`` is the figure id
and ``results/<chapter>/figures/<name>.png`` its file (no plotting imports, so the rules read it at once).
The builders are in figures/chapter_diagrams.py; docs/diagrams.md lists all 57 diagrams of the book."""

DIAGRAMS = {
    "ch1": [
        ("perceptron", "fig1.03"),
        ("nand_perceptron", "fig1.05"),
        ("adder_perceptrons", "fig1.07"),
        ("adder_merged", "fig1.08"),
        ("sigmoid_neuron", "fig1.12"),
        ("digit_network", "fig1.20"),
        ("bitwise_network", "fig1.24"),
    ],
    "ch2": [
        ("weight_notation", "fig2.01"),
        ("bias_notation", "fig2.02"),
    ],
    "ch3": [
        ("one_input_neuron", "fig3.01"),
        ("neuron_inputs", "fig3.05"),
    ],
    "ch4": [
        ("basic_network", "fig4.02"),
        ("vector_valued_network", "fig4.03"),
        ("bigger_network", "fig4.04"),
        ("two_hidden_neurons", "fig4.06"),
        ("two_inputs", "fig4.20"),
        ("tower_n_dim", "fig4.34"),
    ],
    "ch5": [
        ("shallow_network", "fig5.03"),
        ("deep_network", "fig5.04"),
        ("chain_network", "fig5.09"),
        ("deep_wide_network", "fig5.13"),
    ],
    "ch6": [
        ("fully_connected", "fig6.04"),
        ("input_neurons", "fig6.05"),
        ("receptive_field", "fig6.06"),
        ("field_first", "fig6.07"),
        ("field_second", "fig6.08"),
        ("feature_maps", "fig6.09"),
        ("max_pooling", "fig6.11"),
        ("conv_pool", "fig6.12"),
    ],
}


def diagram_names(chapter):
    """The names of a chapter's diagrams (``<chapter>.<name>`` is the registry id)."""
    return [name for name, _ in DIAGRAMS.get(chapter, [])]
