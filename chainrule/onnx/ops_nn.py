"""Converters: linear/matmul, embedding, dropout, normalisation layers, pooling."""
import numpy as np

from ..ops import dropout as drop, linalg, nn_ops, norm_batch, norm_group, norm_layer
from ..ops import pooling
from .registry import ExportError, converts, option as _opt


@converts(linalg.MatMul)
def _matmul(g, args, options, outs):
    dtype = outs[0]._data.dtype
    return g.node("MatMul", [g.name_of(a, dtype=dtype) for a in args[:2]])


@converts(linalg.Linear)
def _linear(g, args, options, outs):
    x, w = args[0], args[1]
    b = _opt(args, options, "bias", 2)
    xs, ws = g.name_of(x), g.name_of(w)
    if x._data.ndim == 2:       # one Gemm, with the weight in torch's (out, in) layout
        return g.node("Gemm", [xs, ws] + ([g.name_of(b)] if b is not None else []), transB=1)
    y = g.node("MatMul", [xs, g.node("Transpose", [ws], perm=[1, 0])])
    return y if b is None else g.node("Add", [y, g.name_of(b)])


@converts(nn_ops.Embedding)
def _embedding(g, args, options, outs):
    indices, weight = args[0], args[1]
    return g.node("Gather", [g.name_of(weight), g.name_of(indices, dtype=np.int64)], axis=0)


@converts(nn_ops.Dropout, drop.ChannelDropout, drop.AlphaDropout)
def _dropout(g, args, options, outs):
    return g.node("Identity", [g.name_of(args[0])])     # exported for inference: a no-op


# ---- normalisation -------------------------------------------------------------------------
def _affine_or(g, value, n, fill, dtype):
    return g.name_of(value) if value is not None else g.const(np.full(n, fill, dtype))


@converts(norm_layer.LayerNorm)
def _layer_norm(g, args, options, outs):
    x, w, b = args[0], args[1], _opt(args, options, "bias", 2)
    n_norm, eps = _opt(args, options, "n_norm", 3), _opt(args, options, "eps", 4)
    shape, dtype = x._data.shape[x._data.ndim - n_norm:], x._data.dtype
    return g.node("LayerNormalization", [g.name_of(x), _affine_or(g, w, shape, 1, dtype),
                                         _affine_or(g, b, shape, 0, dtype)],
                  axis=-int(n_norm), epsilon=float(eps))


@converts(norm_layer.RMSNorm)
def _rms_norm(g, args, options, outs):
    x, w = args[0], args[1]
    n_norm, eps = _opt(args, options, "n_norm", 2), _opt(args, options, "eps", 3)
    dtype = x._data.dtype
    xs = g.name_of(x)
    axes = list(range(-int(n_norm), 0))
    ms = g.reduce("ReduceMean", g.node("Mul", [xs, xs]), axes, True)
    rrms = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [
        ms, g.const(np.asarray(eps, dtype))])])])
    y = g.node("Mul", [xs, rrms])
    return y if w is None else g.node("Mul", [y, g.name_of(w)])


@converts(norm_batch.BatchNorm)
def _batch_norm(g, args, options, outs):
    x, w, b = args[0], args[1], args[2]
    mean, var = _opt(args, options, "running_mean", 3), _opt(args, options, "running_var", 4)
    if _opt(args, options, "training", 5, True) or mean is None:
        raise ExportError(f"onnx.export: batch norm with batch statistics (training mode or "
                          f"track_running_stats=False, module '{g.path}') has no inference "
                          "form; export a model whose BatchNorm keeps running statistics")
    eps = _opt(args, options, "eps", 7, 1e-5)
    c, dtype = x._data.shape[1], x._data.dtype
    xs = g.name_of(x)
    if x._data.ndim == 2:       # (N, C): ONNX wants at least one spatial dim
        xs = g.unsqueeze(xs, [2])
    y = g.node("BatchNormalization", [xs, _affine_or(g, w, c, 1, dtype),
                                      _affine_or(g, b, c, 0, dtype), g.name_of(mean),
                                      g.name_of(var)], epsilon=float(eps))
    return g.squeeze(y, [2]) if x._data.ndim == 2 else y


@converts(norm_group.GroupNorm)
def _group_norm(g, args, options, outs):
    x, w, b = args[0], args[1], args[2]
    groups, eps = int(_opt(args, options, "groups", 3, 1)), _opt(args, options, "eps", 4, 1e-5)
    if _opt(args, options, "running_mean", 5) is not None:
        raise ExportError(f"onnx.export: instance norm tracking running statistics (module "
                          f"'{g.path}') has no ONNX conversion")
    dtype, ndim = x._data.dtype, x._data.ndim
    xs = g.name_of(x)
    # statistics over (channels of a group, spatial): reshape to (N, G, -1), normalise the last
    grouped = g.node("Reshape", [xs, g.ints([0, groups, -1])])
    centred = g.node("Sub", [grouped, g.reduce("ReduceMean", grouped, [2], True)])
    var = g.reduce("ReduceMean", g.node("Mul", [centred, centred]), [2], True)
    rstd = g.node("Reciprocal", [g.node("Sqrt", [g.node("Add", [
        var, g.const(np.asarray(eps, dtype))])])])
    y = g.node("Reshape", [g.node("Mul", [centred, rstd]), g.node("Shape", [xs])])
    per_channel = [1] * (ndim - 2)
    if w is not None:
        y = g.node("Mul", [y, g.node("Reshape", [g.name_of(w), g.ints([-1] + per_channel)])])
    if b is not None:
        y = g.node("Add", [y, g.node("Reshape", [g.name_of(b), g.ints([-1] + per_channel)])])
    return y


# ---- pooling -------------------------------------------------------------------------------
def _batched(g, x, d):
    """(name, unbatched): pools want (N, C, *spatial); unbatched input gets N = 1."""
    name = g.name_of(x)
    if x._data.ndim == d + 1:
        return g.unsqueeze(name, [0]), True
    return name, False


def _pads(padding, extra_right=None):
    return [int(p) for p in padding] + [int(p) for p in (extra_right or padding)]


@converts(pooling.MaxPool)
def _max_pool(g, args, options, outs):
    x = args[0]
    kernel, stride = options["kernel"], options["stride"]
    if options.get("return_indices"):
        raise ExportError(f"onnx.export: max pooling with return_indices (module '{g.path}') "
                          "has no ONNX conversion here")
    name, unbatched = _batched(g, x, len(kernel))
    y = g.node("MaxPool", [name], kernel_shape=list(kernel), strides=list(stride),
               pads=_pads(options["padding"]), dilations=list(options["dilation"]),
               ceil_mode=int(bool(options["ceil_mode"])))
    return g.squeeze(y, [0]) if unbatched else y


@converts(pooling.AvgPool)
def _avg_pool(g, args, options, outs):
    x = args[0]
    kernel, stride = options["kernel"], options["stride"]
    if options.get("divisor_override"):
        raise ExportError(f"onnx.export: avg pooling with divisor_override (module "
                          f"'{g.path}') has no ONNX conversion")
    name, unbatched = _batched(g, x, len(kernel))
    y = g.node("AveragePool", [name], kernel_shape=list(kernel), strides=list(stride),
               pads=_pads(options["padding"]), ceil_mode=int(bool(options["ceil_mode"])),
               count_include_pad=int(bool(options["count_include_pad"])))
    return g.squeeze(y, [0]) if unbatched else y


def _adaptive(op, global_op):
    def convert(g, args, options, outs):
        x, out_shape = args[0], tuple(options["out_shape"])
        d = len(out_shape)
        spatial = x._data.shape[-d:]
        name, unbatched = _batched(g, x, d)
        if all(o == 1 for o in out_shape):
            y = g.node(global_op, [name])
        elif all(s % o == 0 for s, o in zip(spatial, out_shape)):
            k = [s // o for s, o in zip(spatial, out_shape)]
            y = g.node(op, [name], kernel_shape=k, strides=k)
        else:
            raise ExportError(f"onnx.export: adaptive pooling from {spatial} to {out_shape} "
                              f"(module '{g.path}'): ONNX has it only for output sizes that "
                              "divide the input")
        return g.squeeze(y, [0]) if unbatched else y
    return convert


converts(pooling.AdaptiveAvgPool)(_adaptive("AveragePool", "GlobalAveragePool"))


@converts(pooling.AdaptiveMaxPool)
def _adaptive_max(g, args, options, outs):
    if options.get("return_indices"):
        raise ExportError(f"onnx.export: adaptive max pooling with return_indices (module "
                          f"'{g.path}') has no ONNX conversion")
    return _adaptive("MaxPool", "GlobalMaxPool")(g, args, options, outs)
