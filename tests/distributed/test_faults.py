"""A rank that raises ends the whole job with its error instead of hanging the others."""
import time


def test_an_exception_on_one_rank_aborts_the_job(mpirun):
    start = time.perf_counter()
    rc, out, err = mpirun("fault.py", timeout=60, expect_ok=False)
    assert rc != 0
    assert "rank 1 of 2 raised ValueError: bad batch 7 on purpose" in err, err
    assert "aborting the MPI job" in err and "Traceback" in err
    assert "finished without rank 1" not in out
    assert time.perf_counter() - start < 60


def test_a_pytorch_program_under_chainrule_run(mpirun):
    rc, out, err = mpirun("torch_script.py", timeout=60, expect_ok=False, chainrule_run=True)
    assert out.count("torch program ok") == 2, (out, err)
    assert rc != 0 and "rank 1 of 2 raised RuntimeError: rank 1 fails on purpose" in err, err
    assert "passed the barrier alone" not in out


def test_torchrun_variables_from_the_mpi_launcher():
    from chainrule.distributed.launch_env import set_torchrun_env
    env = {"OMPI_COMM_WORLD_RANK": "5", "OMPI_COMM_WORLD_SIZE": "8",
           "OMPI_COMM_WORLD_LOCAL_RANK": "1", "OMPI_COMM_WORLD_LOCAL_SIZE": "4"}
    assert set_torchrun_env(env)
    assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"], env["LOCAL_WORLD_SIZE"]) == \
        ("5", "8", "1", "4")
    env = {"RANK": "0", "PMI_RANK": "3", "PMI_SIZE": "4"}
    assert not set_torchrun_env(env) and env["RANK"] == "0"   # never overwritten
    assert not set_torchrun_env({})
