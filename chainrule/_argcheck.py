"""Argument checks that name the op, what it expected and what arrived, in torch's words, so a
wrong argument never surfaces as an AttributeError from deep inside."""


def tensor_arg(op, value, name="input", position=1):
    """``value`` when it is a Tensor; else TypeError
    ``relu(): argument 'input' (position 1) must be Tensor, not NoneType``."""
    from .tensor import Tensor
    if isinstance(value, Tensor):
        return value
    raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                    f"{type(value).__name__}")


def operand(op, value, name, position):
    """A Tensor, a NumPy array or a number/nested list of numbers (a constant operand);
    None, strings, dicts and other objects raise TypeError naming the op."""
    if value is None or isinstance(value, (str, bytes, dict, set)):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")
    return value
