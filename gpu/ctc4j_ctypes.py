"""ctypes bindings for the part of ctc4j's flat C API that gpu/peers.py drives.

Signatures follow core/src/main/cpp/include/ctc4j/*.h exactly. `Ctc4j(dir).ctc_loss(...)` calls
ctc4j_ctc_loss and raises Ctc4jError with ctc4j_last_error() on a non-zero status; `ptr(tensor)`
turns a torch tensor (host or CUDA) into a typed pointer to its first element.
"""
import ctypes
import os
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_int32, c_int64, c_void_p

CPU = -1
CTC_TIME_MAJOR = 0
CTC_LOG_PROBS = 0
MEL_HTK = 0
FILTER_NORM_NONE = 0
NORMALIZE_NONE = 0
LM_WORD = 0

F32, F64, I32, I64 = POINTER(c_float), POINTER(c_double), POINTER(c_int32), POINTER(c_int64)
HANDLE = c_void_p
OUT_HANDLE = POINTER(c_void_p)

# name (without the ctc4j_ prefix): (restype, argtypes)
SIGNATURES = {
    "version": (c_char_p, []),
    "last_error": (c_char_p, []),
    "cpu_features": (c_char_p, []),
    "num_threads": (c_int, []),
    "cuda_device_count": (c_int, [POINTER(c_int)]),
    "cuda_status": (c_char_p, []),
    "cuda_device_name": (c_int, [c_int, c_char_p, c_int]),
    "ctc_loss": (c_int, [c_int, F32, c_int, c_int, c_int, c_int, c_int, I64, I32, I64, I64, c_int64, c_int, c_int,
                         F32, F32, F32]),
    "mel_create": (c_int, [c_int, c_int, c_int, c_int, c_int, c_float, c_float, c_int, c_int, c_int, OUT_HANDLE]),
    "mel_destroy": (c_int, [HANDLE]),
    "mel_frames": (c_int, [HANDLE, c_int64, I64]),
    "mel_filterbank": (c_int, [HANDLE, F32]),
    "log_mel": (c_int, [HANDLE, c_int, F32, I64, c_int, c_int64, c_int, F32, c_int64, I64]),
    "greedy_decode": (c_int, [c_int, F32, I64, c_int, c_int64, c_int, c_int, c_int, F32, I32, I32, I32, I32, F32]),
    "lm_create": (c_int, [c_int, I64, c_char_p, c_int, POINTER(I32), POINTER(F32), POINTER(F32), OUT_HANDLE]),
    "lm_destroy": (c_int, [HANDLE]),
    "beam_decoder_create": (c_int, [c_char_p, c_int, c_int, c_int, HANDLE, c_int, c_float, c_float, c_float, c_char_p,
                                    c_int, c_char_p, F32, c_int, OUT_HANDLE]),
    "beam_decoder_destroy": (c_int, [HANDLE]),
    "beam_decode": (c_int, [HANDLE, c_int, F32, I64, c_int, c_int64, c_int, c_int, c_int, c_float, c_float, c_int,
                            I32, F32, I32, I32, I32, I32, F32]),
    "gelu": (c_int, [c_int, F32, F32, F32, c_int64]),
    "group_norm_time_major": (c_int, [c_int, F32, c_int64, c_int64, c_int64, F32, F32, c_float, c_int, F32]),
    "attention": (c_int, [c_int, c_int64, c_int64, c_int64, c_float, F32, c_int64, F32, c_int64, F32, c_int64, F32,
                          c_int64]),
    "sgd_step": (c_int, [c_int, F32, F32, F32, c_int64, c_float, c_float, c_float, c_int, c_int]),
    "adam_step": (c_int, [c_int, F32, F32, F32, F32, c_int64, c_float, c_float, c_float, c_float, c_float, c_int,
                          c_int64]),
    "sum_squares": (c_int, [c_int, F32, c_int64, F64]),
    "scale": (c_int, [c_int, F32, c_int64, c_float]),
}

# Functions whose int result is a value, not a status.
VALUE_RESULTS = {"num_threads"}

_CTYPES = {"torch.float32": c_float, "torch.float64": c_double, "torch.int32": c_int32, "torch.int64": c_int64}


class Ctc4jError(RuntimeError):
    pass


def ptr(tensor, strided=False):
    """A typed pointer to tensor's first element (a device pointer for CUDA tensors) that keeps the
    tensor alive as long as itself, so ptr(torch.ones(n)) is safe as a call argument. Column slices
    of a row-major matrix (attention's q, k, v) pass strided=True; anything else must be contiguous."""
    if not strided and not tensor.is_contiguous():
        raise ValueError("non-contiguous tensor handed to ctc4j")
    pointer = ctypes.cast(tensor.data_ptr(), POINTER(_CTYPES[str(tensor.dtype)]))
    pointer.tensor = tensor
    return pointer


class Ctc4j:
    def __init__(self, lib_dir):
        self._lib = ctypes.CDLL(os.path.join(lib_dir, "libctc4j_cpu.so"))
        for name, (restype, argtypes) in SIGNATURES.items():
            fn = getattr(self._lib, "ctc4j_" + name)
            fn.restype, fn.argtypes = restype, argtypes

    def __getattr__(self, name):
        if name not in SIGNATURES:
            raise AttributeError(name)
        fn = getattr(self._lib, "ctc4j_" + name)
        if fn.restype is c_char_p:
            return lambda *args: fn(*args).decode("utf-8", "replace")
        if name in VALUE_RESULTS:
            return fn

        def checked(*args):
            status = fn(*args)
            if status != 0:
                raise Ctc4jError("ctc4j_%s: status %d: %s" % (name, status, self.last_error()))
        return checked

    def gpu_count(self):
        """CUDA devices ctc4j can use (0 when none; cuda_status() says why)."""
        count = c_int(0)
        self.cuda_device_count(ctypes.byref(count))
        return count.value

    def gpu_name(self, device):
        buffer = ctypes.create_string_buffer(256)
        self.cuda_device_name(device, buffer, len(buffer))
        return buffer.value.decode("utf-8", "replace")
