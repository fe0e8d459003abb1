"""Import TensorFlow quietly and only when a model is first needed (importing ``nst`` stays fast)."""

from __future__ import annotations

import functools
import os
import sys
import threading

from nst.runtime.stdio import stderr_silenced

_lock = threading.Lock()


def import_tensorflow():
    """TensorFlow with its start-up chatter (CUDA probes, oneDNN notices) silenced."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also set by nst/__init__ for direct imports
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    with _lock, stderr_silenced():
        import tensorflow as tf

        tf.get_logger().setLevel("ERROR")
    return tf


PRECISION_ENV = "NST_PRECISION"


def cpu_has_bfloat16() -> bool:
    """True on CPUs with native bfloat16 math (AMX or AVX512-BF16), where oneDNN makes it fast."""
    try:
        with open("/proc/cpuinfo") as handle:
            flags = next((line for line in handle if line.startswith("flags")), "")
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


def default_precision() -> str:
    """``NST_PRECISION`` (float32 or bfloat16), else bfloat16 where the CPU has it natively."""
    from nst.config import config

    chosen = config().precision
    if chosen is not None:
        return chosen
    return "bfloat16" if cpu_has_bfloat16() else "float32"


@functools.cache
def _malloc_trim():
    """glibc's malloc_trim, looked up once (find_library runs ldconfig), or None elsewhere."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    if not name or not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None


def release_memory() -> None:
    """Hand freed heap pages back to the OS (glibc), so a server's RSS tracks its live data."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def limit_threads(cpus: int) -> None:
    """Run TensorFlow's ops on ``cpus`` threads: a process sharing a machine (a Ray actor or
    replica) does not inherit its CPU share, and would otherwise start a thread per core and
    oversubscribe them. Has to come before TensorFlow runs anything; later it is left as it is."""
    tf = import_tensorflow()
    cpus = max(1, int(cpus))
    try:
        tf.config.threading.set_intra_op_parallelism_threads(cpus)
        tf.config.threading.set_inter_op_parallelism_threads(min(cpus, 2))
    except RuntimeError:  # TensorFlow already started in this process
        pass
