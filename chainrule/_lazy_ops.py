"""Where the newer op families live, so ``import chainrule`` need not load them: the module
functions (chainrule.topk, ...) are found by chainrule.__getattr__ on first use, and the Tensor
methods (x.topk(3), ...) start as stubs that load their module on the first call and then put
the real function in their own place."""
import importlib

# module (relative to chainrule) -> its public functions
FUNCTION_MODULES = {
    "ops.pointwise_math": "acos arccos arcsin arctan arctan2 asin atan atan2 ceil clamp_max "
                          "clamp_min cos cosh equal exp2 expm1 fix floor frac hypot isclose lerp "
                          "log1p log2 log10 reciprocal round rsqrt sin sinh square tan trunc",
    "ops.sorting": "argsort bucketize cummax cummin kthvalue median mode msort searchsorted "
                   "sort topk",
    "ops.reduce_more": "amax amin aminmax count_nonzero cumprod logcumsumexp std_mean var_mean",
    "ops.counting": "bincount histc unique unique_consecutive",
    "ops.indexing": "argwhere diag diagonal index_add index_select masked_fill masked_select "
                    "narrow nonzero roll scatter scatter_add take_along_dim trace tril triu",
    "ops.einsum": "addmm addmv baddbmm bmm dot einsum ger inner mm mv outer",
    "ops.rearrange": "cartesian_prod fliplr flipud meshgrid moveaxis movedim repeat_interleave "
                     "rot90 swapaxes swapdims tile unflatten",
    "ops.distance": "cdist",
    "ops.misc": "all any sign",
    "ops.aliases": "add addcdiv addcmul broadcast_shapes broadcast_tensors broadcast_to clone "
                   "detach diff div divide eq floor_divide fmod ge greater greater_equal gt "
                   "hstack index_fill isin le less less_equal logaddexp logical_and logical_not "
                   "logical_or logical_xor lt mul multiply nan_to_num nanmean nansum ne neg "
                   "negative not_equal positive remainder select sub subtract t take "
                   "tensor_split tensordot true_divide vstack",
    "random_ops": "bernoulli logspace multinomial normal",
    "compat_flags": "Size compile use_deterministic_algorithms are_deterministic_algorithms_enabled "
                    "is_deterministic_algorithms_warn_only_enabled set_float32_matmul_precision "
                    "get_float32_matmul_precision",
    "settings": "finfo get_default_dtype iinfo initial_seed is_complex is_floating_point seed "
                "set_default_dtype set_printoptions get_num_interop_threads get_num_threads "
                "set_num_interop_threads set_num_threads",
}
FUNCTIONS = {name: module for module, names in FUNCTION_MODULES.items()
             for name in names.split()}

# Tensor method -> (module, function) where the name differs or is not a module function
_RENAMED = {"fix": ("ops.pointwise_math", "trunc"), "arcsin": ("ops.pointwise_math", "asin"),
            "arccos": ("ops.pointwise_math", "acos"), "arctan": ("ops.pointwise_math", "atan"),
            "arctan2": ("ops.pointwise_math", "atan2"), "ger": ("ops.einsum", "outer"),
            "moveaxis": ("ops.rearrange", "movedim"), "swapdims": ("ops.rearrange", "swapaxes"),
            "greater": ("ops.aliases", "gt"), "greater_equal": ("ops.aliases", "ge"),
            "less": ("ops.aliases", "lt"), "less_equal": ("ops.aliases", "le"),
            "not_equal": ("ops.aliases", "ne"), "unfold": ("ops.rearrange", "unfold")}
# module functions that torch has no Tensor method for
_NOT_METHODS = set("Size compile use_deterministic_algorithms are_deterministic_algorithms_enabled "
                   "is_deterministic_algorithms_warn_only_enabled set_float32_matmul_precision "
                   "get_float32_matmul_precision "
                   "bucketize searchsorted meshgrid cartesian_prod cdist empty_like logspace "
                   "normal randint_like finfo iinfo get_default_dtype set_default_dtype "
                   "set_printoptions initial_seed seed get_num_interop_threads get_num_threads "
                   "set_num_interop_threads set_num_threads broadcast_shapes broadcast_tensors "
                   "hstack vstack var_mean std_mean tensordot einsum add sub mul div "
                   "subtract multiply divide eq ne gt ge lt le neg negative clone detach t "
                   "all any sign square masked_fill".split())
METHODS = {name: (module, name) for name, module in FUNCTIONS.items()
           if name not in _NOT_METHODS}
METHODS.update(_RENAMED)


def load(name):
    """The function ``chainrule.<name>`` of the newer op families."""
    return getattr(importlib.import_module(f"chainrule.{FUNCTIONS[name]}"), name)


def method_stub(cls, name, module, attr):
    def method(self, *args, **kwargs):
        fn = getattr(importlib.import_module(f"chainrule.{module}"), attr)
        setattr(cls, name, fn)  # later calls go straight to the op
        return fn(self, *args, **kwargs)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"chainrule.{module}.{attr} (loaded on first use)."
    return method
