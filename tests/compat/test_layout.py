"""torch's module layout in chainrule: the CPU answers of cuda/accelerator/backends, the amp
pass-throughs, DataParallel, and the placeholders other work fills in."""
import subprocess
import sys

import numpy as np
import pytest

import chainrule
from chainrule import nn


def test_cuda_and_accelerator_say_no_device_and_their_no_ops_do_not_fail():
    for mod in (chainrule.cuda, chainrule.accelerator):
        assert mod.is_available() is False and mod.device_count() == 0
        mod.manual_seed(0), mod.manual_seed_all(0), mod.synchronize(), mod.empty_cache()
    with pytest.raises(RuntimeError, match="CPU only"):
        chainrule.cuda.current_device()


def test_backends_flags_are_accepted():
    cudnn = chainrule.backends.cudnn
    old = cudnn.benchmark, cudnn.deterministic, cudnn.enabled
    cudnn.benchmark, cudnn.deterministic, cudnn.enabled = True, True, False
    cudnn.benchmark, cudnn.deterministic, cudnn.enabled = old
    assert chainrule.backends.mps.is_available() is False


def test_data_parallel_calls_the_module_and_prefixes_state_dict_keys(torch):
    inner = nn.Linear(3, 2)
    wrapped = nn.parallel.DataParallel(inner)
    x = chainrule.tensor(np.ones((4, 3), np.float32))
    np.testing.assert_array_equal(wrapped(x).detach().numpy(), inner(x).detach().numpy())
    theirs = torch.nn.DataParallel(torch.nn.Linear(3, 2))
    assert list(wrapped.state_dict()) == list(theirs.state_dict())
    with pytest.raises(ValueError, match="init_process_group"):
        nn.parallel.DistributedDataParallel(inner)


def test_amp_is_a_pass_through():
    model = nn.Linear(2, 1)
    opt = chainrule.optim.SGD(model.parameters(), lr=0.5)
    scaler = chainrule.amp.GradScaler()
    before = model.weight.detach().numpy().copy()
    with chainrule.autocast("cpu", dtype=chainrule.float16):
        loss = model(chainrule.ones(3, 2)).sum()
    assert loss.dtype == chainrule.float32
    scaled = scaler.scale(loss)
    assert scaled is loss and scaler.get_scale() == 1.0 and not scaler.is_enabled()
    scaled.backward()
    scaler.step(opt)
    scaler.update()
    assert not np.array_equal(before, model.weight.detach().numpy())
    with chainrule.cuda.amp.autocast(True):
        pass


def test_placeholders_say_what_they_wait_for():
    assert chainrule.distributed.is_available() is True
    assert chainrule.distributed.is_initialized() is False


def test_new_modules_keep_import_chainrule_light():
    code = ("import sys, chainrule; heavy = [m for m in ('chainrule.utils', 'chainrule.onnx', "
            "'chainrule.distributed', 'chainrule.cuda', 'chainrule.amp', 'tensorboard', 'onnx')"
            " if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "[]"
