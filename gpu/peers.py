"""Compare ctc4j's native entry points with PyTorch / torchaudio on the same inputs, and time both.

Checks (fresh random inputs from one seed; torch computes the reference in float64 on the same
device unless said otherwise):
  peer.ctc_loss.*      ctc4j_ctc_loss (log-probs, time-major) vs F.ctc_loss(reduction='none') loss and
                       autograd gradient; also > 256 labels (no cuDNN) and an infeasible utterance
  peer.mel_filterbank  ctc4j_mel_filterbank vs torchaudio.functional.melscale_fbanks
  peer.log_mel.*       ctc4j_features_log_mel vs torchaudio MelSpectrogram (power 2) + log(clamp(x, 1e-10)),
                       with a tolerance on the log that allows for float32 rounding in weak bins
  peer.greedy.*        ctc4j_decode_greedy vs argmax + collapse repeats + drop blanks
  peer.gelu, peer.group_norm.*, peer.attention.*   transformer blocks vs torch functional ops
  peer.sgd.*, peer.adam, peer.adamw, peer.sum_squares, peer.scale   vs torch.optim / torch ops
  beam.gpu_equals_cpu  ctc4j_decode_beam on the device vs on the CPU (same tokens, close scores)
  peer.linear.*        ctc4j_nn_linear_forward/backward (cuBLAS) vs x w^T + b and its gradients
  peer.conv2d.*, peer.batch_norm.*, peer.layer_norm.*   vs F.conv2d / F.batch_norm / F.layer_norm + autograd
  peer.rnn_layer.*     ctc4j_nn_rnn_layer_forward (cuDNN), bidirectional LSTM/GRU over uneven lengths, vs
                       torch.nn.LSTM/GRU on a packed sequence; _training: forward + ctc4j_nn_rnn_layer_backward
                       vs torch autograd (input, initial-state and weight gradients)
Benchmarks: CTC loss + gradient, log-mel, greedy, Linear, Conv2d, LSTM/GRU layers (vs torch) and beam search
(device vs our CPU).
A value passes when |ours - ref| <= abs + rel * |ref|; max_rel_err is over |ref| >= abs / rel.

Output: one JSON object per line,
  {"kind": "check", "name": ..., "ok": true|false|null, "max_abs_err": ..., "max_rel_err": ...,
   "tolerance": "...", "seed": N, "detail": "..."}
  {"kind": "benchmark", "name": ..., "ours_ms": ..., "peer_ms": ..., "ratio": peer_ms / ours_ms,
   "peer": "...", "repeats": N, "seed": N}
A skipped item has ok (or the timings) null and "skipped": "reason"; a failed check has ok false
(an error's message in "detail"), a failed benchmark null timings and "error". Item 0, peer.setup,
records versions, the device and the seed. Dry-run records carry "dry_run": true. The script exits
0 whatever the items' outcome (read the file); without torch/torchaudio every item is skipped.

Run:
  python3 gpu/peers.py --lib DIR --out FILE.jsonl --device cuda [--lm FILE.arpa] [--seed N]
  python3 gpu/peers.py --lib DIR --out FILE.jsonl --device cpu --dry-run   # small sizes, host timers
DIR holds libctc4j_cpu.so (which loads libctc4j_cuda.so itself).
"""
import argparse
import json
import math
import random
import statistics
import struct
import sys
import time
import traceback

import ctc4j_ctypes as native
from ctc4j_ctypes import ptr

try:
    import torch
    import torch.nn.functional as F
    import torchaudio
    TORCH_MISSING = None
except Exception as e:  # torchaudio can fail with OSError as well as ImportError
    TORCH_MISSING = "cannot import torch/torchaudio: %s" % e

ENGLISH = ["_", " ", "'"] + [chr(c) for c in range(ord("a"), ord("z") + 1)]  # Labels.english()


# ---- shared helpers ------------------------------------------------------------------------------

class Context:
    """The library, ctc4j's device number (CUDA device 0 or CTC4J_CPU) and torch's device."""

    def __init__(self, args):
        self.args, self.dry_run = args, args.dry_run
        self.cuda = args.device == "cuda"
        self.device = 0 if self.cuda else native.CPU
        self.torch_device = torch.device("cuda:0" if self.cuda else "cpu")
        self.lib = native.Ctc4j(args.lib)
        # The CPU side's matrix products (dry run) go through the system BLAS, when there is one.
        self.blas = None if self.cuda else native.system_sgemm()
        if self.blas is not None:
            self.lib.nn_set_sgemm(self.blas[1])
        self._cache = {}

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def host(t, dtype):
    return t.to("cpu", dtype).contiguous()


def compare(ours, ref, atol, rtol):
    """(ok, max_abs_err, max_rel_err) of ours against ref, elementwise in float64; atol may be a
    tensor that broadcasts against ref."""
    ours, ref = ours.double().to(ref.device), ref.double()
    if ours.numel() == 0:
        return True, 0.0, 0.0
    diff = (ours - ref).abs()
    ok = bool((diff <= atol + rtol * ref.abs()).all())  # NaN in ours fails
    big = ref.abs() >= atol / rtol
    rel = (diff[big] / ref.abs()[big]).max().item() if bool(big.any()) else 0.0
    return ok, diff.max().item(), rel


class Skip(Exception):
    """Raised by an item that cannot run here; its message becomes the record's "skipped"."""


def check(ok, max_abs, max_rel, tolerance, detail=""):
    return {"ok": ok, "max_abs_err": max_abs, "max_rel_err": max_rel, "tolerance": tolerance, "detail": detail}


def combine(parts, tolerance, detail=""):
    """One check from several compare() results, named in the detail."""
    ok = all(p[1][0] for p in parts)
    text = "; ".join("%s max_abs %.3g max_rel %.3g%s" % (n, r[1], r[2], "" if r[0] else " FAIL") for n, r in parts)
    return check(ok, max(r[1] for _, r in parts), max(r[2] for _, r in parts), tolerance,
                 (detail + "; " if detail else "") + text)


def timed(ctx, fn):
    """Median milliseconds of fn over the timed calls, and their count."""
    warm, repeats = (1, 2) if ctx.dry_run else (5, 20)
    for _ in range(warm):
        fn()
    times = []
    for _ in range(repeats):
        ctx.sync()
        if ctx.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize()
            times.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), repeats


def benchmark(ctx, ours, peer, peer_name, **extra):
    ours_ms, repeats = timed(ctx, ours)
    peer_ms, _ = timed(ctx, peer)
    return dict(ours_ms=ours_ms, peer_ms=peer_ms, ratio=peer_ms / ours_ms, peer=peer_name, repeats=repeats, **extra)


def log_probs(ctx, *shape, scale=3.0):
    return (torch.randn(*shape, device=ctx.torch_device) * scale).log_softmax(-1)


# ---- CTC loss ------------------------------------------------------------------------------------

def ctc_batch(ctx, T, N, C, S, infeasible=False):
    """Time-major log-probs, padded targets [N, S] and lengths: random, one utterance at T and S."""
    input_lengths = torch.randint(T * 3 // 4, T + 1, (N,))
    labels = T // 3 if infeasible else S
    target_lengths = torch.randint(labels // 2, labels + 1, (N,))
    input_lengths[0], target_lengths[-1] = T, labels
    if infeasible:  # utterance 0: S > T labels
        target_lengths[0] = S
    targets = torch.randint(1, C, (N, S), dtype=torch.int32)
    return log_probs(ctx, T, N, C), targets, input_lengths, target_lengths


def ctc_ours(ctx, lp, targets, input_lengths, target_lengths, want_grad=True):
    T, N, C = lp.shape
    losses = torch.empty(N)
    grad = torch.empty_like(lp) if want_grad else None
    offsets = torch.arange(N, dtype=torch.int64) * targets.shape[1]
    ctx.sync()
    batch = ctx.lib.struct("ctc_batch", inputs=ptr(lp), layout=native.CTC_TIME_MAJOR, max_time=T, batch=N,
                           alphabet=C, input_lengths=ptr(host(input_lengths, torch.int64)), targets=ptr(targets),
                           target_offsets=ptr(offsets), target_lengths=ptr(host(target_lengths, torch.int64)),
                           targets_size=targets.numel(), blank=0)
    options = ctx.lib.struct("ctc_options", input_kind=native.CTC_LOG_PROBS, zero_infinity=0)
    ctx.lib.ctc_loss(ctx.device, batch, options, ptr(losses), ptr(torch.ones(N)), ptr(grad) if want_grad else None)
    ctx.sync()
    return losses, grad


def ctc_torch(lp, targets, input_lengths, target_lengths, dtype):
    """F.ctc_loss; padded int64 targets on the device take its native kernel, not cuDNN."""
    x = lp.detach().to(dtype).requires_grad_()
    loss = F.ctc_loss(x, targets, input_lengths, target_lengths, blank=0, reduction="none", zero_infinity=False)
    loss.sum().backward()
    return loss.detach(), x.grad


CTC_TOLERANCE = ("vs torch float64: loss abs 1e-4 + rel 1e-4; gradient abs 1e-4 + 2^-24 * loss + rel 1e-4 (the "
                 "posterior's log-domain exponent is about the size of the loss, and float32 rounds it)")


def check_ctc(T, N, C, S, infeasible=False):
    def run(ctx):
        lp, targets, il, tl = ctc_batch(ctx, T, N, C, S, infeasible)
        losses, grad = ctc_ours(ctx, lp, targets, il, tl)
        device_targets = targets.to(ctx.torch_device, torch.int64)
        ref_loss, ref_grad = ctc_torch(lp, device_targets, il, tl, torch.float64)
        torch32_grad = ctc_torch(lp, device_targets, il, tl, torch.float32)[1]
        rows = slice(1 if infeasible else 0, N)  # the infeasible utterance 0 is checked apart
        grad_atol = 1e-4 + 2.0 ** -24 * ref_loss[rows].reshape(1, -1, 1)
        parts = [("loss", compare(losses[rows], ref_loss[rows].cpu(), 1e-4, 1e-4)),
                 ("grad", compare(grad[:, rows], ref_grad[:, rows], grad_atol, 1e-4))]
        detail = "input lengths %d..%d, target lengths %d..%d; torch float32 grad max_abs %.3g" % (
            il.min(), il.max(), tl.min(), tl.max(), (torch32_grad - ref_grad)[:, rows].abs().max())
        result = combine(parts, CTC_TOLERANCE, detail)
        if infeasible:
            same, text = infeasible_like_torch(losses, grad, ref_loss, ref_grad, il[0])
            result.update(ok=result["ok"] and same, detail=result["detail"] + "; " + text)
        return result
    return run


def infeasible_like_torch(losses, grad, ref_loss, ref_grad, frames):
    """Utterance 0 has more labels than frames: loss +inf, NaN gradient on its frames, 0 past them."""
    nan_ours, nan_ref = torch.isnan(grad[:, 0]).cpu(), torch.isnan(ref_grad[:, 0]).cpu()
    same = (math.isinf(losses[0].item()) and math.isinf(ref_loss[0].item()) and torch.equal(nan_ours, nan_ref)
            and bool(nan_ours[:frames].all()) and bool((grad[frames:, 0] == 0).all()))
    return same, "infeasible utterance: ours loss %s, %d NaN gradient frames (torch %d), %s" % (
        losses[0].item(), int(nan_ours.all(dim=1).sum()), int(nan_ref.all(dim=1).sum()),
        "as torch" if same else "DIFFERS from torch")


def bench_ctc(T, N, C, S):
    def run(ctx):
        lp, targets, il, tl = ctc_batch(ctx, T, N, C, S)
        device_targets = targets.to(ctx.torch_device, torch.int64)
        return benchmark(ctx, lambda: ctc_ours(ctx, lp, targets, il, tl),
                         lambda: ctc_torch(lp, device_targets, il, tl, torch.float32),
                         "torch.nn.functional.ctc_loss forward+backward (%s)" % ctx.torch_device.type,
                         torch_cudnn=False,
                         torch_path="padded int64 targets on the device: torch's native kernel, not cuDNN "
                                    "(cuDNN needs int32 targets on the CPU and all input lengths == T)")
    return run


# ---- log-mel -------------------------------------------------------------------------------------

MEL = dict(sample_rate=16000, n_fft=400, win_length=400, hop_length=160, n_mels=80, f_min=0.0, f_max=8000.0)


def mel_plan(ctx):
    def make():
        handle = native.HANDLE()
        m = MEL
        ctx.lib.mel_create(ctx.lib.struct("mel_config", mel_scale=native.MEL_HTK, filter_norm=native.FILTER_NORM_NONE,
                                          center=1, **m), handle)
        return handle
    return ctx.cached("mel", make)


def torch_mel(ctx, dtype):
    """torchaudio's MelSpectrogram in `dtype`. It builds its filterbank in the default dtype (float32)
    whatever the module is cast to, and a float32 filterbank is itself off by up to 1e-3 in small
    weights (0.0014 on the loudest bin of a 1114.55 Hz tone's mel bin 28): the float64 reference gets a
    filterbank computed in float64, so that it is float64 throughout."""
    spectrogram = torchaudio.transforms.MelSpectrogram(power=2.0, center=True, pad_mode="reflect", mel_scale="htk",
                                                       norm=None, **MEL)
    if dtype == torch.float64:
        default = torch.get_default_dtype()
        torch.set_default_dtype(torch.float64)
        try:
            spectrogram.mel_scale.fb = torchaudio.functional.melscale_fbanks(
                MEL["n_fft"] // 2 + 1, MEL["f_min"], MEL["f_max"], MEL["n_mels"], MEL["sample_rate"], None, "htk")
        finally:
            torch.set_default_dtype(default)
    return spectrogram.to(ctx.torch_device, dtype)


def speech_like(ctx, batch, samples):
    """Noise under a slow envelope plus a few tones, with a quiet stretch (tiny power) in each."""
    t = torch.arange(samples, device=ctx.torch_device) / 16000.0
    envelope = 0.5 + 0.5 * torch.sin(2 * math.pi * 0.7 * t)
    audio = 0.05 * torch.randn(batch, samples, device=ctx.torch_device) * envelope
    for _ in range(3):
        audio += 0.2 * torch.rand(batch, 1, device=ctx.torch_device) * torch.sin(
            2 * math.pi * torch.rand(batch, 1, device=ctx.torch_device) * 4000 * t)
    audio[:, samples // 4: samples // 4 + 1600] *= 1e-4
    return audio.contiguous()


def mel_audio(ctx, batch, seconds):
    samples = int(seconds * 16000)
    lengths = torch.randint(samples // 2, samples + 1, (batch,))
    lengths[0] = samples
    return speech_like(ctx, batch, samples), lengths


def tone_audio(ctx, seconds, hz):
    """One utterance: a sine of amplitude 0.116 over faint noise (at 1114.55 Hz a mel bin puts a
    weight of 0.0014 on the tone's loudest FFT bin, where the filterbank's own precision shows)."""
    samples = int(seconds * 16000)
    t = torch.arange(samples, device=ctx.torch_device, dtype=torch.float64) / 16000.0
    audio = 0.116 * torch.sin(2 * math.pi * hz * t) + 1e-4 * torch.randn(samples, device=ctx.torch_device)
    return audio.float()[None].contiguous(), torch.tensor([samples])


def log_mel_ours(ctx, audio, lengths):
    mel = mel_plan(ctx)
    max_frames = torch.zeros(1, dtype=torch.int64)
    ctx.lib.mel_frames(mel, audio.shape[1], ptr(max_frames))
    out = torch.empty(audio.shape[0], 80, int(max_frames), device=ctx.torch_device)
    frames = torch.empty(audio.shape[0], dtype=torch.int64)
    ctx.sync()
    batch = ctx.lib.struct("features_audio", samples=ptr(audio), lengths=ptr(host(lengths, torch.int64)),
                           batch=audio.shape[0], stride=audio.shape[1])
    ctx.lib.features_log_mel(mel, ctx.device, batch, native.NORMALIZE_NONE, ptr(out), out.shape[2], ptr(frames))
    ctx.sync()
    return out, frames


def check_filterbank(ctx):
    ours = torch.empty(201, 80)
    ctx.lib.mel_filterbank(mel_plan(ctx), ptr(ours))
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torchaudio builds the filters in the default dtype
    try:
        ref = torchaudio.functional.melscale_fbanks(n_freqs=201, f_min=0.0, f_max=8000.0, n_mels=80,
                                                    sample_rate=16000, norm=None, mel_scale="htk")
    finally:
        torch.set_default_dtype(default)
    return combine([("filterbank", compare(ours, ref, 1e-6, 1e-5))], "abs 1e-6 + rel 1e-5 vs torchaudio in float64")


def check_log_mel(batch, seconds, tone_hz=None):
    """ln(power) vs the float64 reference with a tolerance for float32 rounding: a float32 FFT's error
    in a bin's amplitude scales with the frame's loudest bin, so a bin `ratio` times weaker than the
    frame's peak can be off by about eps * sqrt(1 / ratio) in ln: tolerance 1e-4 + 64 eps sqrt(peak /
    power), with power clamped at 1e-10 as the log is. Every value is compared."""
    def run(ctx):
        audio, lengths = tone_audio(ctx, seconds, tone_hz) if tone_hz else mel_audio(ctx, batch, seconds)
        ours, frames = log_mel_ours(ctx, audio, lengths)
        spectrogram, spectrogram32 = torch_mel(ctx, torch.float64), torch_mel(ctx, torch.float32)
        max_err, fraction, fraction32, padding_ok = 0.0, 0.0, 0.0, True
        for b in range(batch):
            utterance = audio[b, :lengths[b]]
            ref = torch.log(torch.clamp(spectrogram(utterance.double()), min=1e-10))
            n = ref.shape[1]
            padding_ok &= frames[b].item() == n and bool((ours[b, :, n:] == 0).all())
            tolerance = 1e-4 + 64 * 2.0 ** -24 * torch.exp((ref.max(dim=0, keepdim=True).values - ref) / 2)
            err = (ours[b, :, :n].double() - ref).abs()
            err32 = (torch.log(torch.clamp(spectrogram32(utterance), min=1e-10)).double() - ref).abs()
            max_err = max(max_err, err.max().item())
            fraction = max(fraction, (err / tolerance).max().item())
            fraction32 = max(fraction32, (err32 / tolerance).max().item())
        ok = fraction <= 1 and padding_ok
        return check(ok, max_err, math.expm1(max_err),
                     "ln(power): abs 1e-4 + 64 * 2^-24 * sqrt(frame peak / power) vs torchaudio float64",
                     "max_rel_err is the relative error in power; worst error / tolerance %.3g (torchaudio float32: "
                     "%.3g); frame counts and zero padding %s" % (fraction, fraction32,
                                                                  "match" if padding_ok else "DIFFER"))
    return run


def bench_log_mel(batch, seconds):
    def run(ctx):
        audio, lengths = mel_audio(ctx, batch, seconds)
        spectrogram = torch_mel(ctx, torch.float32)
        return benchmark(ctx, lambda: log_mel_ours(ctx, audio, lengths),
                         lambda: torch.log(torch.clamp(spectrogram(audio), min=1e-10)),
                         "torchaudio MelSpectrogram + log on the padded batch (%s)" % ctx.torch_device.type,
                         note="utterances of %d..%d samples: ours stops at each one's frames, torchaudio computes "
                              "every frame of the padded batch" % (lengths.min(), lengths.max()))
    return run


# ---- greedy --------------------------------------------------------------------------------------

def decode_outputs(batch, n_best, frames):
    return dict(count=torch.zeros(batch, dtype=torch.int32), scores=torch.zeros(batch, n_best, 3),
                lengths=torch.zeros(batch, n_best, dtype=torch.int32),
                tokens=torch.zeros(batch, n_best, frames, dtype=torch.int32),
                starts=torch.zeros(batch, n_best, frames, dtype=torch.int32),
                ends=torch.zeros(batch, n_best, frames, dtype=torch.int32), confidence=torch.zeros(batch, n_best, frames))


def decode_emissions(ctx, emissions, lengths):
    batch, frames, classes = emissions.shape
    return ctx.lib.struct("decode_emissions", data=ptr(emissions), lengths=ptr(lengths), batch=batch,
                          max_frames=frames, classes=classes, log_probs=1)


def decode_arrays(ctx, out, n_best):
    return ctx.lib.struct("decode_hypotheses", n_best=n_best, count=ptr(out["count"]), scores=ptr(out["scores"]),
                          lengths=ptr(out["lengths"]), tokens=ptr(out["tokens"]), starts=ptr(out["starts"]),
                          ends=ptr(out["ends"]), confidence=ptr(out["confidence"]))


def hypotheses(out):
    return [out["tokens"][b, 0, :out["lengths"][b, 0]].tolist() for b in range(out["tokens"].shape[0])]


def greedy_ours(ctx, emissions, lengths):
    batch, frames, classes = emissions.shape
    o = decode_outputs(batch, 1, frames)
    ctx.sync()
    ctx.lib.decode_greedy(ctx.device, decode_emissions(ctx, emissions, host(lengths, torch.int64)), 0,
                          decode_arrays(ctx, o, 1))
    return o


def greedy_torch(emissions, lengths):
    """Argmax on the device, collapse on the host; scores are best-path log probabilities (float64)."""
    values, best = emissions.max(dim=-1)
    values, best = values.double().cpu(), best.cpu()
    tokens, scores = [], []
    for b in range(best.shape[0]):
        path = torch.unique_consecutive(best[b, :lengths[b]])
        tokens.append(path[path != 0].tolist())
        scores.append(values[b, :lengths[b]].sum().item())
    return tokens, torch.tensor(scores, dtype=torch.float64)


def greedy_inputs(ctx, batch, frames, classes):
    lengths = torch.randint(frames // 2, frames + 1, (batch,))
    lengths[0] = frames
    return log_probs(ctx, batch, frames, classes), lengths


def check_greedy(batch, frames, classes):
    def run(ctx):
        emissions, lengths = greedy_inputs(ctx, batch, frames, classes)
        ours = greedy_ours(ctx, emissions, lengths)
        tokens, scores = greedy_torch(emissions, lengths)
        same = hypotheses(ours) == tokens
        result = combine([("score", compare(ours["scores"][:, 0, 0], scores, 1e-3, 1e-5))],
                         "tokens equal; score abs 1e-3 + rel 1e-5 vs float64 sum of torch's maxima",
                         "token sequences %s" % ("equal" if same else "DIFFER"))
        result["ok"] = result["ok"] and same
        return result
    return run


def bench_greedy(batch, frames, classes):
    def run(ctx):
        emissions, lengths = greedy_inputs(ctx, batch, frames, classes)
        return benchmark(ctx, lambda: greedy_ours(ctx, emissions, lengths), lambda: greedy_torch(emissions, lengths),
                         "torch max on %s + host unique_consecutive collapse" % ctx.torch_device.type)
    return run


# ---- transformer blocks --------------------------------------------------------------------------

def check_gelu(n):
    """Random x plus a sweep of [-10, 10] in steps of 1e-5, so the tails are always covered."""
    def run(ctx):
        x = torch.cat([torch.randn(n, device=ctx.torch_device) * 3,
                       torch.linspace(-10, 10, 2_000_001, device=ctx.torch_device)])
        y = torch.empty_like(x)
        ctx.sync()
        ctx.lib.transformer_gelu_forward(ctx.device, ptr(x), None, ptr(y), x.numel())
        ctx.sync()
        ref = F.gelu(x.double())
        worst = ((y.double() - ref).abs() / (1e-6 + 1e-5 * ref.abs())).argmax()
        return combine([("gelu", compare(y, ref, 1e-6, 1e-5))], "abs 1e-6 + rel 1e-5 vs torch float64",
                       "worst error / tolerance at x = %.5f (ours %.4g, float64 %.4g); torch float32 max_abs %.3g"
                       % (x[worst], y[worst], ref[worst], (F.gelu(x).double() - ref).abs().max()))
    return run


def check_group_norm(steps, channels, groups, gelu):
    def run(ctx):
        x = torch.randn(steps, channels, device=ctx.torch_device) * 2 + 0.5
        gamma, beta = torch.randn(channels, device=ctx.torch_device), torch.randn(channels, device=ctx.torch_device)
        y = torch.empty_like(x)
        ctx.sync()
        norm = ctx.lib.struct("transformer_group_norm", steps=steps, channels=channels, groups=groups,
                              gamma=ptr(gamma), beta=ptr(beta), eps=1e-5, gelu=int(gelu))
        ctx.lib.transformer_group_norm_forward(ctx.device, norm, ptr(x), ptr(y))
        ctx.sync()
        ref = F.group_norm(x.double().T[None], groups, gamma.double(), beta.double(), 1e-5)[0].T
        if gelu:
            ref = F.gelu(ref)
        return combine([("group_norm", compare(y, ref, 1e-5, 1e-4))], "abs 1e-5 + rel 1e-4 vs torch float64")
    return run


def check_attention(steps, heads, dim):
    """q, k, v are column ranges of one fused [steps, 3 * heads * dim] projection (row stride 3 w)."""
    def run(ctx):
        width = heads * dim
        qkv = torch.randn(steps, 3 * width, device=ctx.torch_device)
        q, k, v = qkv[:, :width], qkv[:, width:2 * width], qkv[:, 2 * width:]
        out = torch.empty(steps, width, device=ctx.torch_device)
        scale = 1.0 / math.sqrt(dim)
        ctx.sync()
        shape = ctx.lib.struct("transformer_attention", steps=steps, heads=heads, head_dim=dim, scale=scale,
                               ld_q=3 * width, ld_k=3 * width, ld_v=3 * width, ld_out=width)
        ctx.lib.transformer_attention_forward(ctx.device, shape, ptr(q, strided=True), ptr(k, strided=True),
                                              ptr(v, strided=True), ptr(out))
        ctx.sync()
        qh, kh, vh = (t.double().reshape(steps, heads, dim).transpose(0, 1) for t in (q, k, v))
        ref = (torch.softmax(scale * qh @ kh.transpose(1, 2), dim=-1) @ vh).transpose(0, 1).reshape(steps, width)
        return combine([("attention", compare(out, ref, 1e-5, 1e-4))], "abs 1e-5 + rel 1e-4 vs torch float64")
    return run


# ---- optimisers ----------------------------------------------------------------------------------

OPT_STEPS = 3
# Hyperparameters as the C API receives them (float): torch gets the same values, so the checks
# test the update arithmetic. 1 - float(0.999) is 1.3e-5 (relative) below 0.001, which torch with a
# plain 0.999 would use: that much of exp_avg_sq comes from the float argument, not the kernel.
SGD = dict(lr=0.1, momentum=0.9, weight_decay=1e-2)
ADAM = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=1e-2)


def as_float32(hyper):
    return {k: struct.unpack("f", struct.pack("f", v))[0] for k, v in hyper.items()}


def optim_inputs(ctx, n):
    param = torch.randn(n, device=ctx.torch_device)
    grads = [torch.randn(n, device=ctx.torch_device) for _ in range(OPT_STEPS)]
    return param, grads


def torch_steps(param, grads, optimizer, state_keys):
    """The optimiser over float64 copies for OPT_STEPS steps: final parameter and state tensors."""
    p = param.double().clone().requires_grad_()
    optimizer = optimizer([p])
    for g in grads:
        p.grad = g.double().clone()
        optimizer.step()
    state = optimizer.state[p]
    return [p.detach()] + [state[key] for key in state_keys]


def check_sgd(n, nesterov):
    def run(ctx):
        h = as_float32(SGD)
        param, grads = optim_inputs(ctx, n)
        ours, buffer = param.clone(), torch.zeros_like(param)
        ctx.sync()
        options = ctx.lib.struct("optim_sgd_options", lr=h["lr"], momentum=h["momentum"],
                                 weight_decay=h["weight_decay"], nesterov=int(nesterov))
        for i, g in enumerate(grads):
            ctx.lib.optim_sgd_step(ctx.device, options, ptr(ours), ptr(g), ptr(buffer), n, int(i == 0))
        ctx.sync()
        ref = torch_steps(param, grads, lambda ps: torch.optim.SGD(ps, nesterov=nesterov, **h), ["momentum_buffer"])
        return combine([("param", compare(ours, ref[0], 1e-6, 1e-5)), ("momentum", compare(buffer, ref[1], 1e-6, 1e-5))],
                       "abs 1e-6 + rel 1e-5 vs torch.optim.SGD in float64 (float32 hyperparameters), %d steps"
                       % OPT_STEPS, "%s nesterov %s" % (SGD, nesterov))
    return run


def check_adam(n, decoupled):
    def run(ctx):
        h = as_float32(ADAM)
        param, grads = optim_inputs(ctx, n)
        ours, m, v = param.clone(), torch.zeros_like(param), torch.zeros_like(param)
        ctx.sync()
        options = ctx.lib.struct("optim_adam_options", lr=h["lr"], beta1=h["beta1"], beta2=h["beta2"], eps=h["eps"],
                                 weight_decay=h["weight_decay"], decoupled=int(decoupled))
        for step, g in enumerate(grads, 1):
            ctx.lib.optim_adam_step(ctx.device, options, ptr(ours), ptr(g), ptr(m), ptr(v), n, step)
        ctx.sync()
        cls = torch.optim.AdamW if decoupled else torch.optim.Adam
        ref = torch_steps(param, grads, lambda ps: cls(ps, lr=h["lr"], betas=(h["beta1"], h["beta2"]), eps=h["eps"],
                                                       weight_decay=h["weight_decay"]), ["exp_avg", "exp_avg_sq"])
        return combine([("param", compare(ours, ref[0], 1e-6, 1e-5)), ("exp_avg", compare(m, ref[1], 1e-6, 1e-5)),
                        ("exp_avg_sq", compare(v, ref[2], 1e-7, 1e-5))],
                       "abs 1e-6 (exp_avg_sq 1e-7) + rel 1e-5 vs torch.optim.%s in float64 (float32 hyperparameters), "
                       "%d steps" % (cls.__name__, OPT_STEPS), str(ADAM))
    return run


def check_sum_squares(n):
    def run(ctx):
        x = torch.randn(n, device=ctx.torch_device)
        out = torch.zeros(1, dtype=torch.float64)
        ctx.sync()
        ctx.lib.optim_sum_squares(ctx.device, ptr(x), n, ptr(out))
        return combine([("sum", compare(out, (x.double() ** 2).sum().reshape(1).cpu(), 0.0, 1e-10))],
                       "rel 1e-10 vs (x.double()**2).sum() (float squares are exact in double)")
    return run


def check_scale(n):
    def run(ctx):
        x = torch.randn(n, device=ctx.torch_device)
        ours = x.clone()
        ctx.sync()
        ctx.lib.optim_scale(ctx.device, ptr(ours), n, 0.37)
        ctx.sync()
        return combine([("scale", compare(ours, x * 0.37, 0.0, 1.2e-7))],
                       "rel 1.2e-7 (1 ulp) vs torch x * factor in float32")
    return run


# ---- beam search: device vs CPU ------------------------------------------------------------------

def read_arpa(path):
    """An ARPA file as ctc4j_lm_create's arrays: vocabulary (unigrams in file order) and per order the
    id rows (oldest word first), log10 probabilities and backoffs (0 where absent)."""
    with open(path, encoding="utf-8") as f:
        lines = [line.strip() for line in f]
    at = lines.index("\\data\\") + 1
    counts = []
    while lines[at].startswith("ngram "):
        counts.append(int(lines[at].split("=")[1]))
        at += 1
    vocab, ids, probs, backoffs = {}, [], [], []
    for k, count in enumerate(counts, 1):
        at = lines.index("\\%d-grams:" % k, at) + 1
        rows = [line.split() for line in lines[at:at + count]]
        at += count
        if k == 1:
            vocab = {row[1]: i for i, row in enumerate(rows)}
        ids.append(torch.tensor([[vocab[w] for w in row[1:1 + k]] for row in rows], dtype=torch.int32))
        probs.append(torch.tensor([float(row[0]) for row in rows]))
        backoffs.append(torch.tensor([float(row[1 + k]) if len(row) > k + 1 else 0.0 for row in rows]))
    return counts, list(vocab), ids, probs, backoffs


def pointer_array(ctype, tensors):
    return (native.POINTER(ctype) * len(tensors))(*[ptr(t) for t in tensors])


def lm_handle(ctx):
    counts, words, ids, probs, backoffs = read_arpa(ctx.args.lm)
    handle = native.HANDLE()
    ctx.lib.lm_create(len(counts), ptr(torch.tensor(counts, dtype=torch.int64)),
                      b"".join(w.encode("utf-8") + b"\0" for w in words), len(words),
                      pointer_array(native.c_int32, ids), pointer_array(native.c_float, probs),
                      pointer_array(native.c_float, backoffs), handle)
    return handle


def beam_decoder(ctx):
    def make():
        lm = lm_handle(ctx) if ctx.args.lm else None
        labels = b"".join(s.encode("utf-8") + b"\0" for s in ENGLISH)
        handle = native.HANDLE()
        config = ctx.lib.struct("beam_decoder_config", labels=labels, classes=len(ENGLISH), blank=0, space=1,
                                lm=lm.value if lm else None, lm_unit=native.LM_WORD, alpha=0.5, beta=1.0,
                                oov_log10=-10.0)
        ctx.lib.beam_decoder_create(config, handle)
        return lm, handle  # the LM must outlive the decoder: both stay cached
    return ctx.cached("beam", make)[1]


def peaked_emissions(ctx, batch, frames):
    """Each frame one class (blank half the time) far above the rest: log-softmax of noise + 8 one-hot."""
    winners = torch.where(torch.rand(batch, frames) < 0.5, torch.zeros(batch, frames, dtype=torch.int64),
                          torch.randint(1, len(ENGLISH), (batch, frames)))
    logits = torch.randn(batch, frames, len(ENGLISH)) + 8 * F.one_hot(winners, len(ENGLISH))
    lengths = torch.randint(frames * 4 // 5, frames + 1, (batch,))
    lengths[0] = frames
    return logits.log_softmax(-1).contiguous(), lengths


def beam_ours(ctx, device, emissions, lengths):
    batch, frames, _ = emissions.shape
    o = decode_outputs(batch, 1, frames)
    ctx.sync()
    options = ctx.lib.struct("decode_beam_options", beam=32, top_k=0, token_min_log_prob=-math.inf,
                             blank_skip_log_prob=math.inf)
    ctx.lib.decode_beam(beam_decoder(ctx), device, decode_emissions(ctx, emissions, lengths), options,
                        decode_arrays(ctx, o, 1))
    return o


def beam_note(ctx):
    lm = "3-gram word LM %s, alpha 0.5, beta 1.0, oov_log10 -10" % ctx.args.lm if ctx.args.lm else "no LM (no --lm)"
    return "beam 32, top_k 0, no pruning, n_best 1; " + lm


def check_beam(batch, frames):
    def run(ctx):
        emissions, lengths = peaked_emissions(ctx, batch, frames)
        on_device = beam_ours(ctx, ctx.device, emissions.to(ctx.torch_device), lengths)
        on_cpu = beam_ours(ctx, native.CPU, emissions, lengths)
        same = hypotheses(on_device) == hypotheses(on_cpu)
        result = combine([("total score", compare(on_device["scores"][:, 0, 0], on_cpu["scores"][:, 0, 0], 0.0, 1e-3))],
                         "tokens equal; total score rel 1e-3, %s vs CPU" % ctx.torch_device.type,
                         "token sequences %s; %s" % ("equal" if same else "DIFFER", beam_note(ctx)))
        result["ok"] = result["ok"] and same
        return result
    return run


def bench_beam(batch, frames):
    def run(ctx):
        emissions, lengths = peaked_emissions(ctx, batch, frames)
        on_device = emissions.to(ctx.torch_device)
        return benchmark(ctx, lambda: beam_ours(ctx, ctx.device, on_device, lengths),
                         lambda: beam_ours(ctx, native.CPU, emissions, lengths),
                         "ctc4j_decode_beam on the CPU (%d threads)" % ctx.lib.num_threads(), note=beam_note(ctx))
    return run


# ---- layers: Linear (cuBLAS), recurrent layers (cuDNN) -------------------------------------------

def need_products(ctx):
    if not ctx.cuda and ctx.blas is None:
        raise Skip("no system cblas_sgemm for the CPU side's matrix products")


def linear_struct(ctx, x, w, bias, dw=None, dbias=None):
    return ctx.lib.struct("nn_linear", rows=x.shape[0], in_=x.shape[1], out=w.shape[0], w=ptr(w), bias=ptr(bias),
                          dw=ptr(dw) if dw is not None else None, dbias=ptr(dbias) if dbias is not None else None)


def check_linear(rows, n_in, n_out):
    """Forward and backward (dx, and dw/dbias accumulated onto nonzero values) vs torch float64."""
    def run(ctx):
        need_products(ctx)
        d = ctx.torch_device
        x, w, bias = torch.randn(rows, n_in, device=d), torch.randn(n_out, n_in, device=d), torch.randn(n_out, device=d)
        dy, dw0 = torch.randn(rows, n_out, device=d), torch.randn(n_out, n_in, device=d)
        db0 = torch.randn(n_out, device=d)
        y, dx, dw, dbias = torch.empty(rows, n_out, device=d), torch.empty_like(x), dw0.clone(), db0.clone()
        layer = linear_struct(ctx, x, w, bias, dw, dbias)
        ctx.sync()
        ctx.lib.nn_linear_forward(ctx.device, layer, ptr(x), ptr(y))
        ctx.lib.nn_linear_backward(ctx.device, layer, ptr(x), ptr(dy), ptr(dx))
        ctx.sync()
        x64, w64, dy64 = x.double(), w.double(), dy.double()
        depth = lambda k: 2e-6 * k
        return combine([("y", compare(y, x64 @ w64.T + bias.double(), depth(n_in), 1e-4)),
                        ("dx", compare(dx, dy64 @ w64, depth(n_out), 1e-4)),
                        ("dw", compare(dw, dw0.double() + dy64.T @ x64, depth(rows), 1e-4)),
                        ("dbias", compare(dbias, db0.double() + dy64.sum(0), depth(rows), 1e-4))],
                       "abs 2e-6 x depth + rel 1e-4 vs torch float64 (float32 sums of unit normals)")
    return run


def bench_linear(rows, n_in, n_out):
    def run(ctx):
        need_products(ctx)
        d = ctx.torch_device
        x, w, bias = torch.randn(rows, n_in, device=d), torch.randn(n_out, n_in, device=d), torch.randn(n_out, device=d)
        y = torch.empty(rows, n_out, device=d)
        layer = linear_struct(ctx, x, w, bias)
        torch.backends.cuda.matmul.allow_tf32 = False  # both sides float32 arithmetic (ours: no TF32)
        return benchmark(ctx, lambda: ctx.lib.nn_linear_forward(ctx.device, layer, ptr(x), ptr(y)),
                         lambda: F.linear(x, w, bias, out=None), "torch F.linear float32, no TF32 (%s)" % d.type)
    return run


def conv_inputs(ctx, batch, c_in, height, width, c_out, kernel, stride, pad):
    d = ctx.torch_device
    x = torch.randn(batch, c_in, height, width, device=d)
    w, bias = torch.randn(c_out, c_in, *kernel, device=d) * 0.1, torch.randn(c_out, device=d)
    return x, w, bias


def conv_struct(ctx, x, w, bias, stride, pad, dw=None, dbias=None):
    batch, c_in, height, width = x.shape
    return ctx.lib.struct("nn_conv2d", batch=batch, in_channels=c_in, height=height, width=width,
                          out_channels=w.shape[0], kernel_h=w.shape[2], kernel_w=w.shape[3], stride_h=stride[0],
                          stride_w=stride[1], pad_h=pad[0], pad_w=pad[1], w=ptr(w), bias=ptr(bias),
                          dw=ptr(dw) if dw is not None else None, dbias=ptr(dbias) if dbias is not None else None)


def check_conv2d(batch, c_in, height, width, c_out, kernel, stride, pad):
    """ctc4j_nn_conv2d_forward/backward vs F.conv2d and autograd in float64 (dw, dbias onto zeros)."""
    def run(ctx):
        need_products(ctx)
        x, w, bias = conv_inputs(ctx, batch, c_in, height, width, c_out, kernel, stride, pad)
        leaves = [t.double().requires_grad_() for t in (x, w, bias)]
        ref = F.conv2d(*leaves, stride=stride, padding=pad)
        dy = torch.randn(ref.shape, device=ctx.torch_device)
        y, dx, dw, dbias = torch.empty(ref.shape, device=ctx.torch_device), torch.empty_like(x), \
            torch.zeros_like(w), torch.zeros_like(bias)
        conv = conv_struct(ctx, x, w, bias, stride, pad, dw, dbias)
        ctx.sync()
        ctx.lib.nn_conv2d_forward(ctx.device, conv, ptr(x), ptr(y))
        ctx.lib.nn_conv2d_backward(ctx.device, conv, ptr(x), ptr(dy), ptr(dx))
        ctx.sync()
        gx, gw, gb = torch.autograd.grad(ref, leaves, dy.double())
        patch = c_in * kernel[0] * kernel[1]
        rows = batch * y.shape[2] * y.shape[3]
        return combine([("y", compare(y, ref.detach(), 2e-6 * patch, 1e-4)),
                        ("dx", compare(dx, gx, 2e-6 * c_out * kernel[0] * kernel[1], 1e-4)),
                        ("dw", compare(dw, gw, 2e-6 * rows, 1e-4)), ("dbias", compare(dbias, gb, 2e-6 * rows, 1e-4))],
                       "abs 2e-6 x depth + rel 1e-4 vs torch float64")
    return run


def bench_conv2d(batch, c_in, height, width, c_out, kernel, stride, pad):
    def run(ctx):
        need_products(ctx)
        x, w, bias = conv_inputs(ctx, batch, c_in, height, width, c_out, kernel, stride, pad)
        out = F.conv2d(x, w, bias, stride=stride, padding=pad)
        y = torch.empty_like(out)
        conv = conv_struct(ctx, x, w, bias, stride, pad)
        torch.backends.cudnn.allow_tf32 = False  # both sides float32 arithmetic
        return benchmark(ctx, lambda: ctx.lib.nn_conv2d_forward(ctx.device, conv, ptr(x), ptr(y)),
                         lambda: F.conv2d(x, w, bias, stride=stride, padding=pad),
                         "torch F.conv2d float32, no TF32 (%s)" % ctx.torch_device.type)
    return run


def check_batch_norm(n, channels, spatial):
    """Training: ctc4j_nn_batch_norm_forward/backward vs F.batch_norm (batch statistics, running
    averages) and autograd in float64."""
    def run(ctx):
        d = ctx.torch_device
        x, dy = torch.randn(n, channels, spatial, device=d) * 3 + 1, torch.randn(n, channels, spatial, device=d)
        gamma, beta = torch.randn(channels, device=d), torch.randn(channels, device=d)
        mean0, var0 = torch.randn(channels, device=d), torch.rand(channels, device=d) + 0.5
        mean, var = mean0.clone(), var0.clone()
        y, dx, dgamma, dbeta = torch.empty_like(x), torch.empty_like(x), torch.zeros_like(gamma), torch.zeros_like(beta)
        saved = torch.empty(2, channels, device=d)
        norm = ctx.lib.struct("nn_batch_norm", n=n, channels=channels, spatial=spatial, gamma=ptr(gamma),
                              beta=ptr(beta), dgamma=ptr(dgamma), dbeta=ptr(dbeta), running_mean=ptr(mean),
                              running_var=ptr(var), momentum=0.1, eps=1e-5, training=1, save_mean=ptr(saved[0]),
                              save_invstd=ptr(saved[1]))
        ctx.sync()
        ctx.lib.nn_batch_norm_forward(ctx.device, norm, ptr(x), ptr(y))
        ctx.lib.nn_batch_norm_backward(ctx.device, norm, ptr(x), ptr(dy), ptr(dx))
        ctx.sync()
        leaves = [t.double().requires_grad_() for t in (x, gamma, beta)]
        ref_mean, ref_var = mean0.double(), var0.double()
        ref = F.batch_norm(leaves[0], ref_mean, ref_var, leaves[1], leaves[2], training=True, momentum=0.1, eps=1e-5)
        gx, gg, gb = torch.autograd.grad(ref, leaves, dy.double())
        count = n * spatial
        return combine([("y", compare(y, ref.detach(), 1e-5, 1e-4)), ("dx", compare(dx, gx, 1e-5, 1e-4)),
                        ("dgamma", compare(dgamma, gg, 1e-6 * count, 1e-4)),
                        ("dbeta", compare(dbeta, gb, 1e-6 * count, 1e-4)),
                        ("running mean", compare(mean, ref_mean, 1e-6, 1e-5)),
                        ("running var", compare(var, ref_var, 1e-6, 1e-5))],
                       "abs 1e-5 + rel 1e-4 (gradients of the scale: abs 1e-6 x count) vs torch float64")
    return run


def check_layer_norm(rows, features):
    def run(ctx):
        d = ctx.torch_device
        x, dy = torch.randn(rows, features, device=d) * 2 + 0.5, torch.randn(rows, features, device=d)
        gamma, beta = torch.randn(features, device=d), torch.randn(features, device=d)
        y, dx, dgamma, dbeta = torch.empty_like(x), torch.empty_like(x), torch.zeros_like(gamma), torch.zeros_like(beta)
        saved = torch.empty(2, rows, device=d)
        norm = ctx.lib.struct("nn_layer_norm", outer=rows, features=features, inner=1, gamma=ptr(gamma),
                              beta=ptr(beta), dgamma=ptr(dgamma), dbeta=ptr(dbeta), eps=1e-5,
                              save_mean=ptr(saved[0]), save_invstd=ptr(saved[1]))
        ctx.sync()
        ctx.lib.nn_layer_norm_forward(ctx.device, norm, ptr(x), ptr(y))
        ctx.lib.nn_layer_norm_backward(ctx.device, norm, ptr(x), ptr(dy), ptr(dx))
        ctx.sync()
        leaves = [t.double().requires_grad_() for t in (x, gamma, beta)]
        ref = F.layer_norm(leaves[0], (features,), leaves[1], leaves[2], 1e-5)
        gx, gg, gb = torch.autograd.grad(ref, leaves, dy.double())
        return combine([("y", compare(y, ref.detach(), 1e-5, 1e-4)), ("dx", compare(dx, gx, 1e-5, 1e-4)),
                        ("dgamma", compare(dgamma, gg, 1e-6 * rows, 1e-4)),
                        ("dbeta", compare(dbeta, gb, 1e-6 * rows, 1e-4))],
                       "abs 1e-5 + rel 1e-4 (dgamma, dbeta abs 1e-6 x rows) vs torch float64")
    return run


def rnn_module(ctx, cell, n_in, hidden):
    kind = torch.nn.LSTM if cell == native.LSTM else torch.nn.GRU
    return kind(n_in, hidden, bidirectional=True).to(ctx.torch_device).eval()


def rnn_directions(ctx, module, cell, steps, batch, lengths, grads=None):
    """Both directions of `module`'s weights as a ctc4j_nn_rnn[2] (the array keeps what its pointers
    point at); grads: per direction [dw_ih, dw_hh, db_ih, db_hh] tensors to accumulate into."""
    hidden, n_in = module.hidden_size, module.input_size
    lengths32 = lengths.to(torch.int32).cpu().contiguous()
    params = [[getattr(module, "%s_l0%s" % (name, suffix)).detach().float().contiguous()
               for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] for suffix in ("", "_reverse")]
    gradient = lambda d, i: ptr(grads[d][i]) if grads is not None else None
    directions = (native.STRUCTS["nn_rnn"] * 2)(*[
        ctx.lib.struct("nn_rnn", cell=cell, reverse=d, steps=steps, batch=batch, input=n_in, hidden=hidden,
                       lengths=ptr(lengths32), w_ih=ptr(p[0]), w_hh=ptr(p[1]), b_ih=ptr(p[2]), b_hh=ptr(p[3]),
                       dw_ih=gradient(d, 0), dw_hh=gradient(d, 1), db_ih=gradient(d, 2), db_hh=gradient(d, 3),
                       y_stride=2 * hidden, dy_stride=2 * hidden) for d, p in enumerate(params)])
    directions.kept = [params, lengths32, grads]
    return directions


def rnn_ours(ctx, module, cell, x, lengths):
    """A call of ctc4j_nn_rnn_layer_forward (inference) over `module`'s weights, and its outputs
    (y, h_n, c_n or None)."""
    steps, batch, _ = x.shape
    directions = rnn_directions(ctx, module, cell, steps, batch, lengths)
    y = torch.empty(steps, batch, 2 * module.hidden_size, device=x.device)
    h_n = torch.empty(2, batch, module.hidden_size, device=x.device)
    c_n = torch.empty_like(h_n) if cell == native.LSTM else None

    def call():
        ctx.lib.nn_rnn_layer_forward(ctx.device, directions, 2, ptr(x), None, None, ptr(y), ptr(h_n),
                                     ptr(c_n) if c_n is not None else None)
    return call, (y, h_n, c_n)


def rnn_torch(module, x, lengths, state=None):
    packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
    out, state = module(packed, state)
    y, _ = torch.nn.utils.rnn.pad_packed_sequence(out, total_length=x.shape[0])
    return (y,) + (state if isinstance(state, tuple) else (state,))


def check_rnn_layer(cell, steps, batch, n_in, hidden):
    """A bidirectional layer over uneven lengths (one utterance a single frame) vs torch's packed
    sequence in float64: outputs (zero past each end), final states."""
    def run(ctx):
        need_products(ctx)
        module = rnn_module(ctx, cell, n_in, hidden)
        x = torch.randn(steps, batch, n_in, device=ctx.torch_device)
        lengths = torch.randint(1, steps + 1, (batch,))
        lengths[0], lengths[-1] = steps, 1
        call, ours = rnn_ours(ctx, module, cell, x, lengths)
        ctx.sync()
        call()
        ctx.sync()
        with torch.no_grad():
            ref = rnn_torch(module.double(), x.double(), lengths)
        names = ["y", "h_n", "c_n"] if cell == native.LSTM else ["y", "h_n"]
        return combine([(n, compare(o, r, 2e-4, 2e-4)) for n, o, r in zip(names, ours, ref)],
                       "abs 2e-4 + rel 2e-4 vs torch float64 packed sequence", "lengths %s" % lengths.tolist())
    return run


def check_rnn_layer_training(cell, steps, batch, n_in, hidden):
    """Training forward + ctc4j_nn_rnn_layer_backward over uneven lengths and random initial states vs
    torch autograd on the packed sequence in float64: the gradients of x, h0, c0 and every weight, for
    the loss sum(y dy) + sum(h_n dh_n) (+ sum(c_n dc_n)) with random dy, dh_n, dc_n."""
    def run(ctx):
        need_products(ctx)
        d, lstm = ctx.torch_device, cell == native.LSTM
        module = rnn_module(ctx, cell, n_in, hidden)
        x = torch.randn(steps, batch, n_in, device=d)
        h0, c0 = torch.randn(2, batch, hidden, device=d), torch.randn(2, batch, hidden, device=d)
        lengths = torch.randint(1, steps + 1, (batch,))
        lengths[0], lengths[-1] = steps, 1
        frames = (torch.arange(steps)[:, None] < lengths[None, :]).to(d)
        dy = torch.randn(steps, batch, 2 * hidden, device=d) * frames[..., None]
        dh_n, dc_n = torch.randn(2, batch, hidden, device=d), torch.randn(2, batch, hidden, device=d)
        grads = [[torch.zeros_like(getattr(module, "%s_l0%s" % (n, suffix)).detach())
                  for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] for suffix in ("", "_reverse")]
        directions = rnn_directions(ctx, module, cell, steps, batch, lengths, grads)
        floats = native.c_int64(0)
        ctx.lib.nn_rnn_layer_workspace_size(ctx.device, directions, 2, native.ctypes.byref(floats))
        workspaces = [torch.empty(floats.value, device=d) for _ in range(1 if ctx.cuda else 2)]
        for i, w in enumerate(workspaces):  # CUDA: the layer's one reserve space; the CPU: one per direction
            directions[i].workspace = ptr(w)
        directions.kept.append(workspaces)
        y, dx = torch.empty(steps, batch, 2 * hidden, device=d), torch.zeros_like(x)
        dh0, dc0 = torch.empty_like(h0), torch.empty_like(c0)
        c = lambda t: ptr(t) if lstm else None
        ctx.sync()
        ctx.lib.nn_rnn_layer_forward(ctx.device, directions, 2, ptr(x), ptr(h0), c(c0), ptr(y), None, None)
        ctx.lib.nn_rnn_layer_backward(ctx.device, directions, 2, ptr(x), ptr(h0), c(c0), ptr(y), ptr(dy), ptr(dh_n),
                                      c(dc_n), ptr(dx), ptr(dh0), c(dc0))
        ctx.sync()
        ref_module = module.double().train()
        inputs = [t.double().requires_grad_() for t in (x, h0, c0)]
        outs = rnn_torch(ref_module, inputs[0], lengths, (inputs[1], inputs[2]) if lstm else inputs[1])
        loss = sum((o * g.double()).sum() for o, g in zip(outs, (dy, dh_n, dc_n)))
        loss.backward()
        parts = [("dx", compare(dx, inputs[0].grad, 1e-4, 1e-4)), ("dh0", compare(dh0, inputs[1].grad, 1e-4, 1e-4))]
        if lstm:
            parts.append(("dc0", compare(dc0, inputs[2].grad, 1e-4, 1e-4)))
        sums = 1e-5 * steps * batch  # the weight gradients sum over every frame
        for suffix, ours in zip(("", "_reverse"), grads):
            for name, g in zip(("weight_ih", "weight_hh", "bias_ih", "bias_hh"), ours):
                parts.append((name + suffix, compare(g, getattr(ref_module, name + "_l0" + suffix).grad, sums, 1e-3)))
        return combine(parts, "dx, dh0, dc0 abs 1e-4 + rel 1e-4; weights abs 1e-5 x steps x batch + rel 1e-3 "
                       "vs torch float64 autograd", "lengths %s" % lengths.tolist())
    return run


def bench_rnn_layer(cell, steps, batch, n_in, hidden):
    """Full-length batch: ours (cuDNN through ctc4j, weights copied into cuDNN's space on every call)
    vs torch's module (cuDNN, weights flattened once) on a padded tensor."""
    def run(ctx):
        need_products(ctx)
        module = rnn_module(ctx, cell, n_in, hidden)
        x = torch.randn(steps, batch, n_in, device=ctx.torch_device)
        call, _ = rnn_ours(ctx, module, cell, x, torch.full((batch,), steps))

        def peer():
            with torch.no_grad():
                module(x)
        return benchmark(ctx, call, peer, "torch.nn.%s bidirectional, float32 (%s)"
                         % ("LSTM" if cell == native.LSTM else "GRU", ctx.torch_device.type))
    return run


# ---- the table -----------------------------------------------------------------------------------

def items(dry_run):
    """(kind, name, function, cuda_only) for every check and benchmark, at full or dry-run sizes."""
    ctc_sizes = [(100, 4, 29, 20), (60, 8, 28, 10), (40, 4, 500, 5)] if dry_run else \
        [(500, 16, 29, 100), (150, 128, 28, 40), (150, 64, 5000, 20)]
    long_ctc = (1000, 2, 200, 100) if dry_run else (10000, 2, 5000, 1000)
    mel_batch, mel_long = ((4, 2.0), 20.0) if dry_run else ((32, 16.0), 1800.0)
    greedy = (8, 100, 500) if dry_run else (128, 1000, 5000)
    gelu_n, opt_n = (100_000, 100_000) if dry_run else (1500 * 768 * 4, 10_000_000)
    steps = 200 if dry_run else 1500
    beam = (4, 100) if dry_run else (32, 500)
    linear = (64, 96, 80) if dry_run else (4096, 1024, 1024)
    rnn_check = (30, 5, 24, 16) if dry_run else (200, 16, 256, 256)
    rnn_bench = (40, 4, 32, 32) if dry_run else (500, 32, 1024, 1024)
    ds2_conv = lambda batch, frames: (batch, 1, 161, frames, 32, (41, 11), (2, 2), (20, 5))  # its first Conv2d
    conv, conv_bench = (ds2_conv(2, 30), ds2_conv(2, 40)) if dry_run else (ds2_conv(4, 200), ds2_conv(16, 800))
    bn = (8, 6, 50) if dry_run else (16, 32, 81 * 200)
    ln = (37, 45) if dry_run else (1500, 768)
    size = lambda *dims: "x".join(str(d) for d in dims)
    table = [("check", "peer.ctc_loss." + size(*s), check_ctc(*s), False) for s in ctc_sizes]
    table += [
        ("check", "peer.ctc_loss.over256labels.800x4x40x300", check_ctc(800, 4, 40, 300), False),
        ("check", "peer.ctc_loss.infeasible.50x3x10x60", check_ctc(50, 3, 10, 60, infeasible=True), False),
        ("check", "peer.mel_filterbank", check_filterbank, False),
        ("check", "peer.log_mel.%dx%gs" % mel_batch, check_log_mel(*mel_batch), False),
        ("check", "peer.log_mel.tone1114Hz.1x4s", check_log_mel(1, 4.0, tone_hz=1114.55), False),
        ("check", "peer.greedy." + size(*greedy), check_greedy(*greedy), False),
        ("check", "peer.gelu.%d" % gelu_n, check_gelu(gelu_n), False),
        ("check", "peer.group_norm.%s" % size(steps * 2, 512, 512), check_group_norm(steps * 2, 512, 512, False), False),
        ("check", "peer.group_norm_gelu.%s" % size(steps, 768, 32), check_group_norm(steps, 768, 32, True), False),
        ("check", "peer.attention." + size(steps, 12, 64), check_attention(steps, 12, 64), False),
        ("check", "peer.attention." + size(steps, 12, 128), check_attention(steps, 12, 128), False),
        ("check", "peer.sgd.momentum.%d" % opt_n, check_sgd(opt_n, False), False),
        ("check", "peer.sgd.nesterov.%d" % opt_n, check_sgd(opt_n, True), False),
        ("check", "peer.adam.%d" % opt_n, check_adam(opt_n, False), False),
        ("check", "peer.adamw.%d" % opt_n, check_adam(opt_n, True), False),
        ("check", "peer.sum_squares.%d" % opt_n, check_sum_squares(opt_n), False),
        ("check", "peer.scale.%d" % opt_n, check_scale(opt_n), False),
        ("check", "beam.gpu_equals_cpu." + size(*beam, 29), check_beam(*beam), False),
        ("check", "peer.linear." + size(*linear), check_linear(*linear), False),
        ("check", "peer.conv2d.deepspeech2." + size(*conv[:4]), check_conv2d(*conv), False),
        ("check", "peer.batch_norm.%s" % size(*bn), check_batch_norm(*bn), False),
        ("check", "peer.layer_norm.%s" % size(*ln), check_layer_norm(*ln), False),
    ]
    for cell, cell_name in ((native.LSTM, "lstm"), (native.GRU, "gru")):
        table.append(("check", "peer.rnn_layer.%s.bidirectional.%s" % (cell_name, size(*rnn_check)),
                      check_rnn_layer(cell, *rnn_check), False))
        table.append(("check", "peer.rnn_layer_training.%s.bidirectional.%s" % (cell_name, size(*rnn_check)),
                      check_rnn_layer_training(cell, *rnn_check), False))
    table += [("benchmark", "ctc_loss_grad." + size(*s), bench_ctc(*s), False) for s in ctc_sizes]
    table += [
        ("benchmark", "log_mel.%dx%gs" % mel_batch, bench_log_mel(*mel_batch), False),
        ("benchmark", "greedy." + size(*greedy), bench_greedy(*greedy), False),
        ("benchmark", "beam_search." + size(*beam, 29), bench_beam(*beam), False),
        ("benchmark", "linear." + size(*linear), bench_linear(*linear), False),
        ("benchmark", "conv2d.deepspeech2." + size(*conv_bench[:4]), bench_conv2d(*conv_bench), False),
    ]
    for cell, cell_name in ((native.LSTM, "lstm"), (native.GRU, "gru")):
        table.append(("benchmark", "rnn_layer.%s.bidirectional.%s" % (cell_name, size(*rnn_bench)),
                      bench_rnn_layer(cell, *rnn_bench), False))
    # The two largest float64 references last: should they run long, the step's time limit costs them,
    # not the benchmarks before them (each record is written as it completes).
    table += [
        ("check", "peer.ctc_loss." + size(*long_ctc), check_ctc(*long_ctc), True),
        ("check", "peer.log_mel.1x%gs" % mel_long, check_log_mel(1, mel_long), True),
    ]
    return table


# ---- running -------------------------------------------------------------------------------------

def empty_record(kind, name, seed):
    if kind == "check":
        return {"kind": kind, "name": name, "ok": None, "max_abs_err": None, "max_rel_err": None, "tolerance": None,
                "seed": seed, "detail": ""}
    return {"kind": kind, "name": name, "ours_ms": None, "peer_ms": None, "ratio": None, "peer": None,
            "repeats": 0, "seed": seed}


def run_item(ctx, args, kind, name, fn, cuda_only, seed, skip_reason):
    record = empty_record(kind, name, seed)
    if args.dry_run:
        record["dry_run"] = True
    if skip_reason is None and cuda_only and args.device != "cuda" and not args.dry_run:
        skip_reason = "CUDA only (run with --device cuda, or --dry-run for the small size)"
    if skip_reason is not None:
        record["skipped"] = skip_reason
        return record
    torch.manual_seed(seed)
    try:
        record.update(fn(ctx))
    except Skip as e:
        record["skipped"] = str(e)
    except Exception as e:
        error = "%s: %s" % (type(e).__name__, e)
        if kind == "check":
            record.update(ok=False, detail=error)
        else:
            record["error"] = error
        traceback.print_exc(file=sys.stderr)
    if ctx.cuda:
        torch.cuda.empty_cache()  # what torch cached for this item is free for ctc4j's next one
    return record


def summary(record):
    if "skipped" in record:
        return "SKIP  %s: %s" % (record["name"], record["skipped"])
    if record["kind"] == "check":
        return "%s  %s  max_abs %s max_rel %s  %s" % ("ok  " if record["ok"] else "FAIL", record["name"],
                                                       fmt(record["max_abs_err"]), fmt(record["max_rel_err"]),
                                                       record["detail"])
    if record["ours_ms"] is None:
        return "FAIL  %s: %s" % (record["name"], record.get("error"))
    return "bench %s  ours %.3f ms  peer %.3f ms  ratio %.2f  (%s)" % (record["name"], record["ours_ms"],
                                                                    record["peer_ms"], record["ratio"], record["peer"])


def fmt(value):
    return "-" if value is None else "%.3g" % value


def setup(args, seed):
    """(context or None, peer.setup record, reason to skip everything or None)."""
    record = empty_record("check", "peer.setup", seed)
    if TORCH_MISSING:
        record.update(skipped=TORCH_MISSING)
        return None, record, TORCH_MISSING
    info = {"torch": torch.__version__, "torchaudio": torchaudio.__version__, "device": args.device}
    try:
        ctx = Context(args)
        info.update(ctc4j=ctx.lib.version(), cpu_features=ctx.lib.cpu_features(),
                    cuda_status=ctx.lib.cuda_status(), threads=ctx.lib.num_threads())
        if ctx.cuda:
            if not torch.cuda.is_available() or ctx.lib.gpu_count() == 0:
                raise RuntimeError("no CUDA device: torch %s, ctc4j '%s'" % (torch.cuda.is_available(),
                                                                            ctx.lib.cuda_status()))
            info.update(gpu=ctx.lib.gpu_name(0), torch_gpu=torch.cuda.get_device_name(0))
        record.update(ok=True, detail=json.dumps(info), tolerance="-")
        return ctx, record, None
    except Exception as e:
        record.update(ok=False, detail="%s: %s; %s" % (type(e).__name__, e, json.dumps(info)))
        return None, record, "setup failed: %s" % e


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lib", required=True, help="directory holding libctc4j_cpu.so")
    parser.add_argument("--out", required=True, help="JSON-lines file to write")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--lm", help="ARPA word LM for the beam search")
    parser.add_argument("--seed", type=int, help="random seed (fresh when absent)")
    parser.add_argument("--dry-run", action="store_true", help="small sizes, 1 warm-up + 2 timed calls")
    return parser.parse_args()


def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 31)
    print("peers: seed %d, device %s%s" % (seed, args.device, ", dry run" if args.dry_run else ""), flush=True)
    started = time.time()
    ctx, record, skip_reason = setup(args, seed)
    with open(args.out, "w") as out:
        print(summary(record), flush=True)
        out.write(json.dumps(record) + "\n")
        for kind, name, fn, cuda_only in items(args.dry_run):
            record = run_item(ctx, args, kind, name, fn, cuda_only, seed, skip_reason)
            print(summary(record), flush=True)
            out.write(json.dumps(record) + "\n")
            out.flush()
    print("peers: done in %.1f s, wrote %s" % (time.time() - started, args.out), flush=True)


if __name__ == "__main__":
    main()
