"""Writes the torch.save fixtures TorchStateDictTest reads (see README.md). Values are ramps
(i + start) / 8, exact in float16 and bfloat16, so the test recomputes them."""
import torch


def ramp(n, start):
    return (torch.arange(n, dtype=torch.float32) + start) / 8


class Fixture(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 4)
        self.norm = torch.nn.BatchNorm1d(2)
        base = ramp(12, 0).reshape(3, 4)
        self.register_buffer("transposed", base.t())  # a non-contiguous view of base's storage
        self.register_buffer("row", base[1])  # the same storage at offset 4
        self.register_buffer("f16", ramp(6, -3).reshape(2, 3).half())
        self.register_buffer("bf16", ramp(6, 2).reshape(3, 2).bfloat16())
        self.register_buffer("f64", ramp(3, 1).double())
        with torch.no_grad():
            self.linear.weight.copy_(ramp(12, -6).reshape(4, 3))
            self.linear.bias.copy_(ramp(4, 1))
            self.norm.weight.copy_(ramp(2, 3))
            self.norm.bias.copy_(ramp(2, -2))
            self.norm.running_mean.copy_(ramp(2, 5))
            self.norm.running_var.copy_(ramp(2, 9))
            self.norm.num_batches_tracked.fill_(7)


state = Fixture().state_dict()  # an OrderedDict with _metadata
torch.save(state, "module_state_dict.pt")
torch.save(state, "protocol4.pt", pickle_protocol=4)
torch.save(state, "protocol5.pt", pickle_protocol=5)
torch.save({"w": torch.nn.Parameter(ramp(4, 0)), "b": torch.nn.Parameter(ramp(2, 1), requires_grad=False)},
           "parameters.pt")
torch.save(state, "legacy.pt", _use_new_zipfile_serialization=False)
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), "torchscript.pt")
