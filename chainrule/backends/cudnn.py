"""torch.backends.cudnn's flags. chainrule has no cuDNN: setting them changes nothing."""
benchmark = False
deterministic = False
enabled = True
allow_tf32 = True


def is_available():
    return False


def version():
    return None
