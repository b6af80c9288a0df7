"""Random numbers: one default generator (seeded by manual_seed) and explicit Generators."""
from ._backend import xp


class Generator:
    """A seedable source of random numbers (wraps a NumPy PCG64 generator)."""

    def __init__(self, seed=None):
        self.manual_seed(seed)

    def manual_seed(self, seed):
        self.initial_seed = seed
        self.np = xp.random.Generator(xp.random.PCG64(seed))
        return self

    def get_state(self):
        """The full generator state as a plain dict (safe to store in a checkpoint)."""
        return self.np.bit_generator.state

    def set_state(self, state):
        self.np.bit_generator.state = state
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the default generator (used by randn, rand, layer init and dropout)."""
    return default_generator.manual_seed(int(seed))


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def numpy_generator(generator=None):
    """The NumPy generator behind ``generator``, or the default one."""
    return (generator or default_generator).np
