"""chainrule.onnx.export: run the model once on example inputs and write what it did as ONNX."""
import os

from ..tensor import Tensor

DEFAULT_OPSET = 17


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None,
           opset_version=None, do_constant_folding=True, kwargs=None, *, export_params=True,
           verbose=False, training=None, dynamo=False, **ignored):
    """Export ``model`` to ONNX as torch.onnx.export does (the TorchScript-tracing exporter).

    ``args`` is a Tensor or a tuple of example inputs (a trailing dict gives keyword inputs);
    ``f`` a path or a binary file object. ``dynamic_axes`` maps an input or output name to the
    axes left symbolic ({name: {axis: label}} or {name: [axes]}). The model runs once in eval
    mode (its mode is restored after); parameters become initializers named as in its
    state_dict. ONNX Runtime (or any engine) can then run the file. Needs the ``onnx`` package
    (``pip install chainrule[onnx]``).

    Ops computed from parameters and constants alone are folded into constants (always, as
    with torch's default ``do_constant_folding=True``). ``verbose`` prints the graph;
    ``export_params``, ``training`` and ``dynamo`` are accepted for torch's callers and
    ignored: parameters are always stored, the export is always for inference.
    """
    try:
        import onnx
    except ImportError:
        raise ImportError("chainrule.onnx.export needs the onnx package: "
                          "pip install 'chainrule[onnx]'") from None
    from ..autograd.grad_mode import no_grad
    from .graph import Graph
    from .registry import load_converters
    from .tracer import tracing

    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if opset < 17:
        raise ValueError(f"onnx.export: opset_version {opset} is not supported; chainrule "
                         "writes opset 17 or later (LayerNormalization)")
    load_converters()
    args, kwargs = _split_args(args, kwargs)
    graph = Graph(opset)
    for name, p in list(model.named_parameters()) + list(model.named_buffers()):
        graph.add_param(name, p)
    paths = {id(m): name for name, m in model.named_modules()}

    inputs = [a for a in args if isinstance(a, Tensor)] + \
             [v for v in kwargs.values() if isinstance(v, Tensor)]
    in_names = _names(input_names, len(inputs), "input")
    for t, name in zip(inputs, in_names):
        graph.bind(t, name)
        graph.reserve(name)

    for name in list(output_names or []):
        graph.reserve(name)
    was_training = model.training
    model.eval()
    try:
        with no_grad(), tracing(graph, paths):
            out = model(*args, **kwargs)
    finally:
        model.train(was_training)

    outputs = list(_flatten(out))
    out_names = _names(output_names, len(outputs), "output")
    for t, name in zip(outputs, out_names):
        graph.nodes.append(graph.helper.make_node("Identity", [graph.name_of(t)], [name],
                                                  name=f"{name}_identity"))
    proto = _build(graph, inputs, in_names, outputs, out_names, dynamic_axes or {}, opset)
    onnx.checker.check_model(proto)
    if verbose:
        print(onnx.helper.printable_graph(proto.graph))
    data = proto.SerializeToString()
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as fh:
            fh.write(data)
    else:
        f.write(data)
    return None


def _split_args(args, kwargs):
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    kwargs = dict(kwargs or {})
    if args and isinstance(args[-1], dict):
        kwargs.update(args[-1])
        args = args[:-1]
    return args, kwargs


def _names(given, n, prefix):
    given = list(given or [])
    return [given[i] if i < len(given) else (prefix if n == 1 else f"{prefix}_{i}")
            for i in range(n)]


def _flatten(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for o in out:
            yield from _flatten(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _flatten(o)
    elif out is not None:
        raise TypeError(f"onnx.export: the model returned a {type(out).__name__}; expected "
                        "tensors (or tuples, lists, dicts of them)")


def _value_info(helper, name, tensor, axes):
    shape = list(tensor._data.shape)
    if isinstance(axes, dict):
        labels = {int(a) % max(len(shape), 1): str(v) for a, v in axes.items()}
    else:
        labels = {int(a) % max(len(shape), 1): f"{name}_dynamic_axes_{int(a) + 1}"
                  for a in axes}
    dims = [labels.get(i, n) for i, n in enumerate(shape)]
    return helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(tensor._data.dtype), dims)


def _build(graph, inputs, in_names, outputs, out_names, dynamic_axes, opset):
    from onnx import helper, numpy_helper
    nodes = _prune(graph.nodes, set(out_names))
    used = {i for n in nodes for i in n.input}
    inits = [numpy_helper.from_array(a if a.flags.c_contiguous else a.copy(), name)
             for name, a in graph.inits.items() if name in used]
    g = helper.make_graph(
        nodes, "chainrule",
        [_value_info(helper, n, t, dynamic_axes.get(n, ())) for t, n in zip(inputs, in_names)],
        [_value_info(helper, n, t, dynamic_axes.get(n, ())) for t, n in zip(outputs, out_names)],
        inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="chainrule")
    model.ir_version = 8 if opset <= 17 else 9 if opset <= 20 else 10
    return model


def _prune(nodes, wanted):
    """Drop nodes whose outputs nothing uses (shape arithmetic that went unused, say)."""
    keep = []
    for node in reversed(nodes):
        if any(o in wanted for o in node.output):
            keep.append(node)
            wanted.update(node.input)
    return keep[::-1]
