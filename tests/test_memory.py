"""npdeep.memory: glibc's malloc keeps a training step's freed arrays for the next step."""
import os
import subprocess
import sys

import pytest

from npdeep import memory

# A fresh process (malloc's thresholds depend on everything allocated before), training a
# 3x3 convolution whose first step runs with gradients: the order that left glibc's moving
# thresholds low and made every later step fault its arrays in anew (1,500 faults a step).
STEPS = """
import resource, numpy as np, npdeep
npdeep.set_default_dtype(np.float32)
X = npdeep.tensor(np.random.default_rng(0).standard_normal((32, 32, 32, 16), np.float32))
conv = npdeep.nn.Conv2d(16, 32, 3, padding="same")
opt = npdeep.optim.Adam(conv.parameters(), learning_rate=1e-4)
def step():
    opt.zero_grad(); (conv(X) ** 2).sum().backward(); opt.step()
for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(10):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 10)
print(npdeep.memory.malloc_settings()["applied"])
"""


def faults_per_step(**env) -> tuple:
    """(minor page faults per training step, whether the settings were applied)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", STEPS], env=environ, capture_output=True,
                         text=True, check=True, timeout=120).stdout.split()
    return float(out[0]), out[1] == "True"


def test_steps_reuse_freed_memory():
    if memory._glibc() is None:
        pytest.skip("not glibc: npdeep leaves malloc alone")
    tuned, applied = faults_per_step()
    assert applied
    # 0 measured (a step's arrays total about 6 MB: 1,500 pages when faulted in anew).
    assert tuned < 100, f"{tuned} page faults a step with the settings applied"
    untuned, applied = faults_per_step(NPDEEP_MALLOC="0")
    assert not applied
    if untuned < 500:
        pytest.skip(f"this glibc kept the memory without help ({untuned} faults a step)")
    assert tuned < untuned / 10


@pytest.mark.parametrize("environ, reason", [
    ({"NPDEEP_MALLOC": "0"}, "NPDEEP_MALLOC=0"),
    ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, "MALLOC_TRIM_THRESHOLD_"),
    ({"GLIBC_TUNABLES": "glibc.malloc.mmap_threshold=65536"}, "GLIBC_TUNABLES"),
    ({"GLIBC_TUNABLES": "glibc.cpu.x86_ibt=on:glibc.malloc.trim_threshold=1"}, "GLIBC_TUNABLES"),
])
def test_a_users_choice_is_left_alone(environ, reason):
    saved = memory.malloc_settings()
    try:
        settings = memory.tune_malloc(environ)
        assert settings["applied"] is False
        assert reason in settings["reason"]
    finally:
        memory._settings.clear()
        memory._settings.update(saved)


def test_other_glibc_tunables_leave_malloc_to_npdeep():
    assert memory.users_choice({"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX512F"}) is None
    assert memory.users_choice({}) is None
    assert memory.users_choice({"MALLOC_TOP_PAD_": "0"}) == "MALLOC_TOP_PAD_"


def test_import_applied_the_settings():
    if memory._glibc() is None:
        pytest.skip("not glibc")
    if memory.users_choice(os.environ) or os.environ.get("NPDEEP_MALLOC") == "0":
        pytest.skip("the environment chose malloc's settings")
    settings = memory.malloc_settings()
    assert settings == {"applied": True, "reason": "set",
                        "mmap_threshold": memory.MMAP_THRESHOLD,
                        "trim_threshold": memory.TRIM_THRESHOLD}
