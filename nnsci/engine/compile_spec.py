"""Compiling a run spec's network (either form of :mod:`nnsci.engine.plan`) into its :class:`Plan`:
every check of a network description, each problem one :class:`~nnsci.errors.NnsciError` line."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np

from ..errors import NnsciError
from .functions import COST_OUTPUTS, COSTS, HIDDEN_ACTIVATIONS, OUTPUT_ACTIVATIONS
from .plan import (DROPOUT_MASKS, LAYER_KEYS, NORM_EPS, NORM_KEYS, NORM_MOMENTUM, SPEC_KINDS, Layer, Plan)


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def compile_net(spec_net, hidden="sigmoid", output="sigmoid", cost="cross_entropy", dtype="float32",
                dropout=None, run_id=None, dropout_mask="per_layer") -> Plan:
    """Validate a network description (either form) and return its plan.

    Every problem is one :class:`NnsciError` line, prefixed with ``run_id`` when given."""
    try:
        return _compile(spec_net, hidden, output, cost, dtype, dropout, dropout_mask)
    except NnsciError as e:
        raise NnsciError(f"{run_id}: {e}" if run_id else str(e)) from None


def _check_rate(p, where):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not -1.0 < float(p) < 1.0:
        raise NnsciError(f"{where}: dropout must be a rate in (-1, 1), got {p!r}")
    return float(p)


def _compile(spec_net, hidden, output, cost, dtype, dropout, dropout_mask):
    if dtype not in ("float32", "float64"):
        raise NnsciError(f"dtype must be float32 or float64, not {dtype!r}")
    if dropout_mask not in DROPOUT_MASKS:
        raise NnsciError(f"dropout_mask must be one of {', '.join(DROPOUT_MASKS)}, not {dropout_mask!r}")
    if cost not in COSTS:
        raise NnsciError(f"unknown cost {cost!r}; choose one of {', '.join(COSTS)}")
    if isinstance(spec_net, Plan):
        return spec_net
    if isinstance(spec_net, dict):
        if dropout is not None:
            raise NnsciError("options.dropout is for the compact form; give the per-layer form's "
                             "rates as fc/softmax dropout")
        if hidden not in HIDDEN_ACTIVATIONS:
            raise NnsciError(f"unknown hidden activation {hidden!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}")
        return _compile_layers(spec_net, hidden, cost, dtype, dropout_mask)
    # The compact form.
    if isinstance(spec_net, np.ndarray):
        spec_net = spec_net.tolist()
    if not (isinstance(spec_net, (list, tuple)) and len(spec_net) >= 2
            and all(_is_int(n) and n > 0 for n in spec_net)):
        raise NnsciError(f"net must be a list of at least two positive layer sizes, or a mapping with "
                         f"input and layers; got {spec_net!r}")
    if hidden not in HIDDEN_ACTIVATIONS:
        raise NnsciError(f"unknown hidden activation {hidden!r}; choose one of {', '.join(HIDDEN_ACTIVATIONS)}")
    if output not in OUTPUT_ACTIVATIONS:
        raise NnsciError(f"unknown output activation {output!r}; choose one of {', '.join(OUTPUT_ACTIVATIONS)}")
    L = len(spec_net) - 1
    rates = [0.0] * L
    if dropout is not None:
        if not isinstance(dropout, (list, tuple)) or len(dropout) != L:
            raise NnsciError(f"dropout must give one rate in (-1, 1) per layer ({L}), got {dropout}")
        rates = [_check_rate(p, f"layer {l + 1}") for l, p in enumerate(dropout)]
    layers = []
    for l in range(1, L + 1):
        kind = "softmax" if (l == L and output == "softmax") else "dense"
        layers.append(("fc" if kind == "dense" else "softmax",
                       {"n": int(spec_net[l]), "activation": output if l == L else hidden,
                        "dropout": rates[l - 1]}))
    return _build(int(spec_net[0]), layers, cost, dtype, dropout_mask, hidden)


def _compile_layers(spec_net, hidden, cost, dtype, dropout_mask):
    unknown = set(spec_net) - {"input", "layers"}
    if unknown or "input" not in spec_net or "layers" not in spec_net:
        raise NnsciError(f"net as a mapping needs exactly input and layers, got keys {sorted(spec_net)}")
    inp = spec_net["input"]
    if _is_int(inp) and inp > 0:
        shape = int(inp)
    elif (isinstance(inp, (list, tuple)) and len(inp) == 3 and all(_is_int(v) and v > 0 for v in inp)):
        shape = tuple(int(v) for v in inp)
    else:
        raise NnsciError(f"net.input must be a positive int or [channels, height, width], got {inp!r}")
    raw = spec_net["layers"]
    if not isinstance(raw, list) or not raw:
        raise NnsciError("net.layers must be a non-empty list")
    layers = []
    for i, entry in enumerate(raw):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise NnsciError(f"net.layers[{i}] must be a mapping with one key (fc, conv or softmax), got {entry!r}")
        (kind, args), = entry.items()
        if kind not in SPEC_KINDS:
            raise NnsciError(f"net.layers[{i}]: unknown layer kind {kind!r}; choose fc, conv or softmax")
        if not isinstance(args, dict):
            raise NnsciError(f"net.layers[{i}] ({kind}) needs a mapping of settings, got {args!r}")
        bad = set(args) - LAYER_KEYS[kind]
        if bad:
            raise NnsciError(f"net.layers[{i}] ({kind}): unknown key(s) {', '.join(sorted(bad))}; "
                             f"known: {', '.join(sorted(LAYER_KEYS[kind]))}")
        layers.append((kind, args))
    return _build(shape, layers, cost, dtype, dropout_mask, hidden)


def _build(shape, layers, cost, dtype, dropout_mask, hidden):
    """Shapes, offsets and checks of each layer, in order."""
    in_shape = (shape,) if isinstance(shape, int) else tuple(shape)
    out, pos, spos = [], 0, 0
    cur = in_shape
    L = len(layers)
    for i, (kind, a) in enumerate(layers):
        where = f"net.layers[{i}] ({kind})"
        last = i == L - 1
        act = a.get("activation", hidden)
        if kind == "softmax":
            if not last:
                raise NnsciError(f"{where}: a softmax layer can only be the last layer")
            act = "softmax"
        elif act not in (OUTPUT_ACTIVATIONS if last else HIDDEN_ACTIVATIONS) or act == "softmax":
            allowed = [x for x in (OUTPUT_ACTIVATIONS if last else HIDDEN_ACTIVATIONS) if x != "softmax"]
            raise NnsciError(f"{where}: unknown activation {act!r}; choose one of {', '.join(allowed)}")
        p = _check_rate(a.get("dropout", 0.0), where)
        key = 0 if dropout_mask == "shared" else i + 1
        if kind == "conv":
            if last:
                raise NnsciError(f"{where}: the last layer must be fc or softmax, not conv")
            if len(cur) != 3:
                raise NnsciError(f"{where}: a conv layer needs a [channels, height, width] input, but the "
                                 f"previous layer gives {cur[0]} units")
            for key_ in ("maps", "k"):
                if not (_is_int(a.get(key_)) and a[key_] > 0):
                    raise NnsciError(f"{where}: {key_} must be a positive integer, got {a.get(key_)!r}")
            pool = a.get("pool", 2)
            if not (_is_int(pool) and pool > 0):
                raise NnsciError(f"{where}: pool must be a positive integer, got {pool!r}")
            c, h, w = cur
            k, maps = int(a["k"]), int(a["maps"])
            if k > h or k > w:
                raise NnsciError(f"{where}: filter {k}x{k} is larger than its {h}x{w} input")
            hc, wc = h - k + 1, w - k + 1
            if hc % pool or wc % pool:
                raise NnsciError(f"{where}: pool {pool} does not divide the {hc}x{wc} map")
            o_shape = (maps, hc // pool, wc // pool)
            w_shape = (maps, c, k, k)
            ly = Layer("convpool", cur, o_shape, act, 0.0, w_shape, pos, pos + int(np.prod(w_shape)),
                       k=k, pool=int(pool), mask_key=key)
        else:
            n = a.get("n")
            if not (_is_int(n) and n > 0):
                raise NnsciError(f"{where}: n must be a positive integer, got {n!r}")
            n_in = int(np.prod(cur))
            w_shape = (int(n), n_in)
            ly = Layer("dense" if kind == "fc" else "softmax", cur, (int(n),), act, p, w_shape, pos,
                       pos + int(np.prod(w_shape)), mask_key=key)
        if kind == "conv" and a.get("dropout"):
            raise NnsciError(f"{where}: no dropout on a conv layer's input (network3.py has none)")
        norm = _check_norm(a, kind, last, where)
        pos = ly.b_off + ly.n_biases
        if norm:
            ly = replace(ly, norm=norm[0], norm_momentum=norm[1], norm_eps=norm[2], g_off=pos, s_off=spos)
            pos += ly.n_norm_params
            spos += ly.n_state
        out.append(ly)
        cur = ly.out_shape
    last_act = out[-1].activation
    if last_act not in COST_OUTPUTS[cost]:
        raise NnsciError(f"cost {cost!r} needs a {' or '.join(COST_OUTPUTS[cost])} output layer, "
                         f"not {last_act!r}")
    return Plan(in_shape, tuple(out), cost, dtype, pos, dropout_mask, hidden, spos)


def _check_norm(a, kind, last, where):
    """(kind, momentum, eps) of a layer's normalisation, or None without one."""
    if "norm" not in a:
        extra = sorted(NORM_KEYS & set(a))
        if extra:
            raise NnsciError(f"{where}: {', '.join(extra)} without norm")
        return None
    norm = a["norm"]
    if norm not in ("batch", "layer"):
        raise NnsciError(f"{where}: unknown norm {norm!r}; choose batch or layer")
    if kind == "softmax" or last:
        raise NnsciError(f"{where}: norm is for hidden fc and conv layers, not the output layer")
    if kind == "conv" and norm != "batch":
        raise NnsciError(f"{where}: a conv layer takes norm: batch (per map), not {norm!r}")
    mom, eps = a.get("norm_momentum", NORM_MOMENTUM), a.get("norm_eps", NORM_EPS)
    if isinstance(mom, bool) or not isinstance(mom, (int, float)) or not 0.0 <= float(mom) <= 1.0:
        raise NnsciError(f"{where}: norm_momentum must be a number in [0, 1], got {mom!r}")
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or not float(eps) > 0.0:
        raise NnsciError(f"{where}: norm_eps must be a positive number, got {eps!r}")
    return norm, float(mom), float(eps)


def plan_from_json(text: str, dtype: str) -> Plan:
    d = json.loads(text)
    return compile_net({"input": d["input"], "layers": d["layers"]}, cost=d["cost"], dtype=dtype,
                       dropout_mask=d.get("dropout_mask", "per_layer"))
