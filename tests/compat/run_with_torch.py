"""Run several scripts under real PyTorch in one process (torch's import costs seconds, once);
print one JSON line: {script: its last printed line, or the error it raised}."""
import contextlib
import io
import json
import os
import runpy
import sys

results = {}
for path in sys.argv[1:]:
    out = io.StringIO()
    sys.argv = [path]
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name="__main__")
        lines = out.getvalue().strip().splitlines()
        results[os.path.basename(path)] = lines[-1] if lines else ""
    except BaseException as e:   # report it; the other scripts still run
        results[os.path.basename(path)] = f"error: {type(e).__name__}: {e}"
print(json.dumps(results))
