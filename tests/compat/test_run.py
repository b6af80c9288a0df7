"""`chainrule run`: the script sees Python's usual __name__, __file__, sys.argv and exit
status, `torch` is chainrule for that process only, and what chainrule lacks fails by name."""
import os
import subprocess
import sys
import textwrap

import pytest

import chainrule
from chainrule._torch_alias import TorchAttributeMissing, TorchModuleMissing, torch_alias

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(tmp_path, source, *args, module=False):
    script = tmp_path / "prog.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=ROOT)
    target = ["-m", "prog"] if module else ["prog.py"]
    return subprocess.run([sys.executable, "-m", "chainrule", "run", *target, *args],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)


def test_script_sees_main_file_argv_and_exit_status(tmp_path):
    proc = _run(tmp_path, """
        import os, sys
        import torch
        print(__name__, os.path.basename(__file__), os.path.isabs(__file__), sys.argv)
        print(os.path.dirname(__file__) == sys.path[0])
        sys.exit(int(sys.argv[1]))
        """, "3", "--flag")
    assert proc.returncode == 3, proc.stderr
    first, second = proc.stdout.splitlines()
    assert first == "__main__ prog.py True ['prog.py', '3', '--flag']"
    assert second == "True"


def test_uncaught_exception_prints_traceback_and_exits_1(tmp_path):
    proc = _run(tmp_path, "import torch\ntorch.nn.Conv9d\n")
    assert proc.returncode == 1, proc.stderr
    assert "chainrule does not provide torch.nn.Conv9d" in proc.stderr
    # the traceback starts at the script, as Python's own would
    first_frame = proc.stderr.splitlines()[1]
    assert "prog.py" in first_frame, proc.stderr


def test_run_module_with_dash_m(tmp_path):
    proc = _run(tmp_path, "import sys, torch\nprint(__name__, sys.argv[1:])\n", "a",
                module=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "__main__ ['a']"


def test_missing_script_is_a_clear_error(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT)
    proc = subprocess.run([sys.executable, "-m", "chainrule", "run", "absent.py"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    assert proc.returncode == 2 and "absent.py" in proc.stderr


def test_torch_submodules_resolve_to_chainrule_in_process():
    with torch_alias():
        import torch
        import torch.backends.cudnn as cudnn
        import torch.nn.functional as F
        import torch.optim.lr_scheduler
        from torch.utils.data import DataLoader
        from torch.nn.parallel import DataParallel
        assert torch.nn.Linear is chainrule.nn.Linear and torch.Tensor is chainrule.Tensor
        assert F.relu is chainrule.nn.functional.relu
        assert torch.nn.functional is torch.nn.functional is F
        assert DataLoader is chainrule.utils.data.DataLoader
        assert DataParallel is chainrule.nn.parallel.DataParallel
        assert torch.optim.lr_scheduler.StepLR is chainrule.optim.lr_scheduler.StepLR
        assert torch.cuda.is_available() is False and torch.distributed.is_initialized() is False
        cudnn.benchmark = True       # writes through to chainrule's flag
        assert chainrule.backends.cudnn.benchmark is True
        cudnn.benchmark = False
        assert hasattr(torch, "fft") is False


def test_missing_torch_names_fail_by_name():
    with torch_alias():
        import torch
        with pytest.raises(TorchModuleMissing, match=r"chainrule does not provide torch\.fft"):
            import torch.fft  # noqa: F401
        with pytest.raises(ImportError, match=r"torch\.nn\.quantized"):
            import torch.nn.quantized  # noqa: F401
        with pytest.raises(TorchAttributeMissing,
                           match=r"chainrule does not provide torch\.nn\.NoSuchLayer"):
            torch.nn.NoSuchLayer
        with pytest.raises(ImportError, match="torchvision is built on PyTorch"):
            import torchvision  # noqa: F401


def test_alias_is_undone_and_real_torch_comes_back(torch):
    with torch_alias():
        import torch as aliased
        assert aliased.Tensor is chainrule.Tensor
    import torch as again
    assert again is torch and "torch.nn" in sys.modules
    assert sys.modules["torch"] is torch
