"""Atomic file writes: a crash at any moment leaves the old file or the new one, never a torn
one, and a writer killed mid-write leaves nothing behind for longer than the next save.

The bytes go to a temporary ``.NAME.PID.*.tmp`` in the target's directory, are fsync'ed, get
the permissions a plain open() would give, and are renamed over ``NAME``; then the directory is
fsync'ed so the rename itself survives a power cut.
"""
import os
import tempfile

__all__ = ["write_atomically"]


def write_atomically(path, write):
    """Call ``write(temporary_path)`` to fill a temporary file, then move it over ``path``."""
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    _remove_stale_temporaries(directory, base)
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{base}.{os.getpid()}.", suffix=".tmp")
    try:
        os.close(fd)
        write(tmp)
        with open(tmp, "r+b") as out:
            os.fsync(out.fileno())
        os.chmod(tmp, _file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    _fsync_dir(directory)


def _fsync_dir(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # e.g. Windows cannot open a directory; rename is still atomic there
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _file_mode(path):
    """The permissions a plain open() would give (mkstemp makes 0600): the old file's if one
    is being replaced, else 0666 less the umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:          # e.g. PermissionError: it exists, under another user
        return True
    return True


def _remove_stale_temporaries(directory, base):
    """Delete ``.BASE.PID.*.tmp`` files left by saves to the same target that were killed
    mid-write (their process is gone). Temporaries of a live process (another save in
    progress) are kept. Skipped on Windows, where os.kill cannot probe a process."""
    if os.name == "nt":
        return
    prefix = "." + base + "."
    try:
        names = [n for n in os.listdir(directory) if n.startswith(prefix) and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        pid = name[len(prefix):].split(".", 1)[0]
        if pid.isdigit() and (int(pid) == os.getpid() or _pid_alive(int(pid))):
            continue
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass
