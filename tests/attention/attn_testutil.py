"""Weight helpers shared by the attention tests."""


def copy_weights(ours, theirs):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def randomize(torch, module, std=0.5):
    """Draw every torch parameter from N(0, std^2) (zero-initialised biases would hide bias
    gradients and bias mistakes)."""
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0, std)
