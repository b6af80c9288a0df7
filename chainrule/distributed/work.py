"""Work: what a collective called with ``async_op=True`` returns, as torch's ``Work``."""

__all__ = ["Work"]


class Work:
    """A collective in flight. ``wait()`` blocks until it is done (and the results are in the
    tensors); ``is_completed()`` asks without blocking.

    It wraps an MPI request; ``finish`` is what remains after MPI is done (dividing for AVG,
    copying into non-contiguous or listed outputs), run exactly once.
    """

    __slots__ = ("_request", "_finish", "_outputs", "_done")

    def __init__(self, request, finish=None, outputs=()):
        self._request, self._finish, self._outputs = request, finish, list(outputs)
        self._done = False

    def _complete(self):
        self._done = True
        self._request = None
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()

    def wait(self, timeout=None):
        """Block until the collective has finished on this rank; returns True."""
        if not self._done:
            self._request.Wait()
            self._complete()
        return True

    def is_completed(self):
        if not self._done and self._request.Test():
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def result(self):
        """The output tensors, after waiting."""
        self.wait()
        return self._outputs

    def __repr__(self):
        return f"<chainrule.distributed.Work {'done' if self._done else 'in flight'}>"
