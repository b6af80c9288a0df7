"""Which converter turns which chainrule op (Function class) or layer (Module class) into ONNX.

A Function converter is ``convert(g, args, options, outputs)`` and returns the output value
name(s); a Module converter is ``convert(g, module, args, kwargs, output)`` and binds the
output tensors itself (``g.bind``). Lookups walk the class's MRO, so a family of ops (say every
``_Unary``) can share one converter.
"""
_FUNCTIONS, _MODULES = {}, {}


class ExportError(RuntimeError):
    """The model uses something the ONNX exporter cannot express."""


def converts(*classes):
    def register(fn):
        for cls in classes:
            _FUNCTIONS[cls] = fn
        return fn
    return register


def converts_module(*classes):
    def register(fn):
        for cls in classes:
            _MODULES[cls] = fn
        return fn
    return register


def option(args, options, key, position, default=None):
    """A Function's argument by keyword (``options``) or by position (``args``)."""
    if key in options:
        return options[key]
    return args[position] if len(args) > position else default


def function_converter(cls):
    for k in cls.__mro__:
        if k in _FUNCTIONS:
            return _FUNCTIONS[k]
    return None


def module_converter(cls):
    # exact class only: a subclass may override forward with something else
    return _MODULES.get(cls)


def load_converters():
    """Import the converter modules (each registers itself)."""
    from . import ops_elementwise, ops_shape, ops_nn, ops_conv, ops_rnn, ops_attention  # noqa
