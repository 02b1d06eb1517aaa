"""ctypes bindings for the part of ctc4j's flat C API that gpu/peers.py drives.

Signatures and structs follow core/src/main/cpp/include/ctc4j/*.h exactly. `Ctc4j(dir).ctc_loss(...)`
calls ctc4j_ctc_loss and raises Ctc4jError with ctc4j_last_error() on a non-zero status; `ptr(tensor)`
turns a torch tensor (host or CUDA) into a typed pointer to its first element. A struct argument is
made by `lib.struct("ctc_batch", inputs=ptr(x), ...)`: the C defaults function's value with the
given fields set; the struct keeps what it was given alive.
"""
import ctypes
import ctypes.util
import os
import re
from ctypes import POINTER, c_char_p, c_double, c_float, c_int, c_int32, c_int64, c_void_p

HEADERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "core", "src", "main", "cpp", "include", "ctc4j")


def header_constants(folder=HEADERS):
    """CTC4J_* enum values and integer #defines of the C API's headers, read from the headers themselves."""
    values = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            text = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
        for body in re.findall(r"\benum\s+\w+\s*\{(.*?)\}", text, flags=re.S):
            value = -1
            for item in body.split(","):
                m = re.match(r"\s*(CTC4J_\w+)\s*(?:=\s*(-?\d+))?\s*$", item)
                if m:
                    value = int(m.group(2)) if m.group(2) is not None else value + 1
                    values[m.group(1)] = value
        for m in re.finditer(r"#define\s+(CTC4J_\w+)\s+\(?(-?\d+)\)?\s*$", text, flags=re.M):
            values[m.group(1)] = int(m.group(2))
    return values


_C = header_constants()
CPU = _C["CTC4J_CPU"]
CTC_TIME_MAJOR = _C["CTC4J_CTC_TIME_MAJOR"]
CTC_LOG_PROBS = _C["CTC4J_CTC_LOG_PROBS"]
MEL_HTK = _C["CTC4J_MEL_HTK"]
FILTER_NORM_NONE = _C["CTC4J_FILTER_NORM_NONE"]
NORMALIZE_NONE = _C["CTC4J_NORMALIZE_NONE"]
LM_WORD = _C["CTC4J_LM_WORD"]
LSTM, GRU = _C["CTC4J_LSTM"], _C["CTC4J_GRU"]

F32, F64, I32, I64 = POINTER(c_float), POINTER(c_double), POINTER(c_int32), POINTER(c_int64)
HANDLE = c_void_p
OUT_HANDLE = POINTER(c_void_p)


def _struct(name, fields):
    return type(name, (ctypes.Structure,), {"_fields_": fields})


# name (without the ctc4j_ prefix, as its defaults function names it): ctypes.Structure, field by field as in C.
STRUCTS = {
    "ctc_batch": _struct("CtcBatch", [("inputs", F32), ("layout", c_int), ("max_time", c_int), ("batch", c_int),
                                      ("alphabet", c_int), ("input_lengths", I64), ("targets", I32),
                                      ("target_offsets", I64), ("target_lengths", I64), ("targets_size", c_int64),
                                      ("blank", c_int)]),
    "ctc_options": _struct("CtcOptions", [("input_kind", c_int), ("zero_infinity", c_int)]),
    "mel_config": _struct("MelConfig", [("sample_rate", c_int), ("n_fft", c_int), ("win_length", c_int),
                                        ("hop_length", c_int), ("n_mels", c_int), ("f_min", c_float),
                                        ("f_max", c_float), ("mel_scale", c_int), ("filter_norm", c_int),
                                        ("center", c_int)]),
    "features_audio": _struct("FeaturesAudio", [("samples", F32), ("lengths", I64), ("batch", c_int),
                                                ("stride", c_int64)]),
    "decode_emissions": _struct("DecodeEmissions", [("data", F32), ("lengths", I64), ("batch", c_int),
                                                    ("max_frames", c_int64), ("classes", c_int), ("log_probs", c_int)]),
    "decode_hypotheses": _struct("DecodeHypotheses", [("n_best", c_int), ("count", I32), ("scores", F32),
                                                      ("lengths", I32), ("tokens", I32), ("starts", I32),
                                                      ("ends", I32), ("confidence", F32)]),
    "beam_decoder_config": _struct("BeamDecoderConfig", [("labels", c_char_p), ("classes", c_int), ("blank", c_int),
                                                         ("space", c_int), ("lm", c_void_p), ("lm_unit", c_int),
                                                         ("alpha", c_float), ("beta", c_float),
                                                         ("oov_log10", c_float), ("lexicon", c_char_p),
                                                         ("n_lexicon", c_int), ("hotwords", c_char_p),
                                                         ("hotword_bonus", F32), ("n_hotwords", c_int)]),
    "decode_beam_options": _struct("DecodeBeamOptions", [("beam", c_int), ("top_k", c_int),
                                                         ("token_min_log_prob", c_float),
                                                         ("blank_skip_log_prob", c_float)]),
    "transformer_group_norm": _struct("TransformerGroupNorm", [("steps", c_int64), ("channels", c_int64),
                                                               ("groups", c_int64), ("gamma", F32), ("beta", F32),
                                                               ("eps", c_float), ("gelu", c_int)]),
    "transformer_attention": _struct("TransformerAttention", [("steps", c_int64), ("heads", c_int64),
                                                              ("head_dim", c_int64), ("scale", c_float),
                                                              ("ld_q", c_int64), ("ld_k", c_int64), ("ld_v", c_int64),
                                                              ("ld_out", c_int64)]),
    "optim_sgd_options": _struct("OptimSgdOptions", [("lr", c_float), ("momentum", c_float),
                                                     ("weight_decay", c_float), ("nesterov", c_int)]),
    "optim_adam_options": _struct("OptimAdamOptions", [("lr", c_float), ("beta1", c_float), ("beta2", c_float),
                                                       ("eps", c_float), ("weight_decay", c_float),
                                                       ("decoupled", c_int)]),
    "nn_linear": _struct("NnLinear", [("rows", c_int64), ("in_", c_int64), ("out", c_int64), ("w", F32),
                                      ("bias", F32), ("dw", F32), ("dbias", F32), ("w_packed", c_void_p)]),
    "nn_conv2d": _struct("NnConv2d", [(f, c_int64) for f in (
        "batch", "in_channels", "height", "width", "out_channels", "kernel_h", "kernel_w", "stride_h", "stride_w",
        "pad_h", "pad_w", "dilation_h", "dilation_w", "groups")] + [("w", F32), ("bias", F32), ("dw", F32),
                                                                   ("dbias", F32)]),
    "nn_batch_norm": _struct("NnBatchNorm", [("n", c_int64), ("channels", c_int64), ("spatial", c_int64),
                                             ("gamma", F32), ("beta", F32), ("dgamma", F32), ("dbeta", F32),
                                             ("running_mean", F32), ("running_var", F32), ("momentum", c_float),
                                             ("eps", c_float), ("training", c_int), ("save_mean", F32),
                                             ("save_invstd", F32)]),
    "nn_layer_norm": _struct("NnLayerNorm", [("outer", c_int64), ("features", c_int64), ("inner", c_int64),
                                             ("gamma", F32), ("beta", F32), ("dgamma", F32), ("dbeta", F32),
                                             ("eps", c_float), ("save_mean", F32), ("save_invstd", F32)]),
    "nn_rnn": _struct("NnRnn", [("cell", c_int), ("reverse", c_int), ("one_thread", c_int), ("steps", c_int64),
                                ("batch", c_int64), ("input", c_int64), ("hidden", c_int64), ("lengths", I32),
                                ("w_ih", F32), ("w_hh", F32), ("b_ih", F32), ("b_hh", F32), ("dw_ih", F32),
                                ("dw_hh", F32), ("db_ih", F32), ("db_hh", F32), ("y_stride", c_int64),
                                ("dy_stride", c_int64), ("workspace", F32), ("w_ih_packed", c_void_p),
                                ("w_hh_packed", c_void_p)]),
}


def _default_name(name):
    """ctc4j_<area>_default_<rest>(): the defaults function of STRUCTS[name]."""
    for area in ("ctc", "mel", "features", "decode", "beam_decoder", "transformer", "optim", "nn"):
        if name.startswith(area + "_"):
            return "%s_default_%s" % (area, name[len(area) + 1:])
    raise KeyError(name)


def _p(name):
    return POINTER(STRUCTS[name])

# name (without the ctc4j_ prefix): (restype, argtypes)
SIGNATURES = {
    "version": (c_char_p, []),
    "last_error": (c_char_p, []),
    "cpu_features": (c_char_p, []),
    "num_threads": (c_int, []),
    "cuda_device_count": (c_int, [POINTER(c_int)]),
    "cuda_status": (c_char_p, []),
    "cuda_device_name": (c_int, [c_int, c_char_p, c_int]),
    "ctc_loss": (c_int, [c_int, _p("ctc_batch"), _p("ctc_options"), F32, F32, F32]),
    "mel_create": (c_int, [_p("mel_config"), OUT_HANDLE]),
    "mel_destroy": (c_int, [HANDLE]),
    "mel_frames": (c_int, [HANDLE, c_int64, I64]),
    "mel_filterbank": (c_int, [HANDLE, F32]),
    "features_log_mel": (c_int, [HANDLE, c_int, _p("features_audio"), c_int, F32, c_int64, I64]),
    "decode_greedy": (c_int, [c_int, _p("decode_emissions"), c_int, _p("decode_hypotheses")]),
    "lm_create": (c_int, [c_int, I64, c_char_p, c_int, POINTER(I32), POINTER(F32), POINTER(F32), OUT_HANDLE]),
    "lm_destroy": (c_int, [HANDLE]),
    "beam_decoder_create": (c_int, [_p("beam_decoder_config"), OUT_HANDLE]),
    "beam_decoder_destroy": (c_int, [HANDLE]),
    "decode_beam": (c_int, [HANDLE, c_int, _p("decode_emissions"), _p("decode_beam_options"),
                            _p("decode_hypotheses")]),
    "transformer_gelu_forward": (c_int, [c_int, F32, F32, F32, c_int64]),
    "transformer_group_norm_forward": (c_int, [c_int, _p("transformer_group_norm"), F32, F32]),
    "transformer_attention_forward": (c_int, [c_int, _p("transformer_attention"), F32, F32, F32, F32]),
    "optim_sgd_step": (c_int, [c_int, _p("optim_sgd_options"), F32, F32, F32, c_int64, c_int]),
    "optim_adam_step": (c_int, [c_int, _p("optim_adam_options"), F32, F32, F32, F32, c_int64, c_int64]),
    "optim_sum_squares": (c_int, [c_int, F32, c_int64, F64]),
    "optim_scale": (c_int, [c_int, F32, c_int64, c_float]),
    "nn_set_sgemm": (c_int, [c_void_p]),
    "nn_linear_forward": (c_int, [c_int, _p("nn_linear"), F32, F32]),
    "nn_linear_backward": (c_int, [c_int, _p("nn_linear"), F32, F32, F32]),
    "nn_conv2d_forward": (c_int, [c_int, _p("nn_conv2d"), F32, F32]),
    "nn_conv2d_backward": (c_int, [c_int, _p("nn_conv2d"), F32, F32, F32]),
    "nn_batch_norm_forward": (c_int, [c_int, _p("nn_batch_norm"), F32, F32]),
    "nn_batch_norm_backward": (c_int, [c_int, _p("nn_batch_norm"), F32, F32, F32]),
    "nn_layer_norm_forward": (c_int, [c_int, _p("nn_layer_norm"), F32, F32]),
    "nn_layer_norm_backward": (c_int, [c_int, _p("nn_layer_norm"), F32, F32, F32]),
    "nn_rnn_layer_forward": (c_int, [c_int, _p("nn_rnn"), c_int, F32, F32, F32, F32, F32, F32]),
    "nn_rnn_layer_workspace_size": (c_int, [c_int, _p("nn_rnn"), c_int, I64]),
    "nn_rnn_layer_backward": (c_int, [c_int, _p("nn_rnn"), c_int, F32, F32, F32, F32, F32, F32, F32, F32, F32,
                                      F32]),
}
SIGNATURES.update({_default_name(name): (struct, []) for name, struct in STRUCTS.items()})

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
        if isinstance(fn.restype, type) and issubclass(fn.restype, ctypes.Structure):
            return fn
        if fn.restype is c_char_p:
            return lambda *args: fn(*args).decode("utf-8", "replace")
        if name in VALUE_RESULTS:
            return fn

        def checked(*args):
            status = fn(*args)
            if status != 0:
                raise Ctc4jError("ctc4j_%s: status %d: %s" % (name, status, self.last_error()))
        return checked

    def struct(self, name, **fields):
        """STRUCTS[name] from its C defaults function, with `fields` set; it keeps them alive."""
        value = getattr(self._lib, "ctc4j_" + _default_name(name))()
        for field, v in fields.items():
            if not any(field == f for f, _ in value._fields_):
                raise AttributeError("%s has no field %s" % (name, field))
            setattr(value, field, v)
        value.kept = list(fields.values())
        return value

    def gpu_count(self):
        """CUDA devices ctc4j can use (0 when none; cuda_status() says why)."""
        count = c_int(0)
        self.cuda_device_count(ctypes.byref(count))
        return count.value

    def gpu_name(self, device):
        buffer = ctypes.create_string_buffer(256)
        self.cuda_device_name(device, buffer, len(buffer))
        return buffer.value.decode("utf-8", "replace")


def system_sgemm():
    """(library, address) of cblas_sgemm in the system's BLAS (OpenBLAS or the reference BLAS), for the
    CPU side's matrix products in a dry run; None when there is none."""
    for name in ("openblas", "blas", "cblas"):
        path = ctypes.util.find_library(name)
        if path:
            try:
                blas = ctypes.CDLL(path)
                return blas, ctypes.cast(blas.cblas_sgemm, c_void_p).value
            except (OSError, AttributeError):
                continue
    return None
