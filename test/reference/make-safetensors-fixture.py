"""Safetensors files written byte by byte from the format's specification, with no safetensors
library, for test/safetensors-fixture.test.ts; and float16/bfloat16 rounding references.

Regenerate with:
    /usr/bin/python3 test/reference/make-safetensors-fixture.py

Writes into test/fixtures/:
  safetensors-dtypes.safetensors    every dtype tensorgrad reads (F64 F32 F16 BF16 I64 I32 I16 I8
                                    U64 U32 U16 U8 BOOL), a 0-d and an empty tensor, NaN payloads,
                                    ±Inf, −0 and subnormals; header written by json.dumps with its
                                    default separators, keys in a different order from the data,
                                    padded with spaces to a multiple of 8
  safetensors-unpadded.safetensors  a header that is not padded, and tensors that start at odd
                                    offsets (as MLX writes them)
  safetensors-i64-overflow.safetensors   an I64 value (2^31) that int32 cannot hold
  safetensors-torch-mlp.safetensors the state dict of a seeded PyTorch model,
                                    Sequential(Linear(3, 8), LayerNorm(8), Tanh(), Linear(8, 2)), in
                                    float32, under PyTorch's own names ("0.weight", "1.bias", …),
                                    with an input and PyTorch's output for it in the JSON (`torchMlp`)
  safetensors-fixture.json          what each file must load as: per tensor the tensorgrad dtype,
                                    the shape, and the stored values as IEEE bit patterns (hex) for
                                    floats or integers for the rest; plus `rounding`: float32 and
                                    float64 inputs (bits) with the F16 and BF16 bits they round to

Rounding references: float32 → F16 and float32 → BF16 by PyTorch (round to nearest, ties to
even, on the float32 value); float64 → F16 by Python's struct format 'e' (correctly rounded from
the double itself: PyTorch would round to float32 first). float64 → BF16 is computed here from
the exact rational value of the double (fractions.Fraction), since neither library does it
directly.
"""
import json
import os
import struct
from fractions import Fraction

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures")


def f32_bits(x):
    return struct.unpack("<I", struct.pack("<f", x))[0]


def f64_bits(x):
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def pack_u32_bits(bits):
    return b"".join(struct.pack("<I", b) for b in bits)


def pack_u64_bits(bits):
    return b"".join(struct.pack("<Q", b) for b in bits)


def half_to_f32_bits(h):
    """The float32 bit pattern of the value of F16 bits `h` (NaN payload kept in the top bits)."""
    sign = (h & 0x8000) << 16
    e = (h >> 10) & 0x1F
    m = h & 0x3FF
    if e == 0x1F:
        return sign | 0x7F800000 | (m << 13)
    if e == 0:
        return f32_bits((-1.0 if sign else 1.0) * m * 2.0**-24)
    return sign | ((e - 15 + 127) << 23) | (m << 13)


def write(path, tensors, metadata, header_order, pad=True):
    """tensors: list of (name, dtype, shape, raw bytes), in data order."""
    entries = {}
    offset = 0
    for name, dtype, shape, raw in tensors:
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    header = {}
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in header_order:
        header[name] = entries[name]
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    if pad:
        text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for _, _, _, raw in tensors:
            f.write(raw)


def expect_floats(dtype, shape, bits):
    return {"dtype": dtype, "shape": shape, "bits": ["%x" % b for b in bits]}


def expect_ints(dtype, shape, values):
    return {"dtype": dtype, "shape": shape, "values": values}


def dtypes_fixture():
    tensors = []
    expected = {}

    # F32: NaN with a payload, a signalling NaN, ±Inf, −0, the largest finite, the smallest subnormal
    f32 = [f32_bits(1.5), f32_bits(-2.25), 0x7FC00123, 0x7F800001, 0x7F800000, 0xFF800000, 0x80000000, 0x7F7FFFFF, 0x00000001, 0xFFC00000]
    tensors.append(("f32.edge", "F32", [2, 5], pack_u32_bits(f32)))
    expected["f32.edge"] = expect_floats("float32", [2, 5], f32)

    f64 = [f64_bits(0.1), 0x7FF8000000000123, 0x7FF0000000000001, 0x7FF0000000000000, 0xFFF0000000000000, 0x8000000000000000, 0x0000000000000001, 0x7FEFFFFFFFFFFFFF]
    tensors.append(("f64.edge", "F64", [8], pack_u64_bits(f64)))
    expected["f64.edge"] = expect_floats("float64", [8], f64)

    # F16 by struct 'e' for values, raw bits for NaN payloads; loads as float16 (its values
    # checked as float32 bit patterns, NaN payloads kept in the top bits)
    f16_values = [0.5, -65504.0, 2.0**-24, 2.0**-14, float("inf"), -0.0, 1.0 / 3.0]
    f16 = [struct.unpack("<H", struct.pack("<e", v))[0] for v in f16_values] + [0x7E01, 0xFC00]
    tensors.append(("f16", "F16", [3, 3], b"".join(struct.pack("<H", h) for h in f16)))
    expected["f16"] = expect_floats("float16", [3, 3], [half_to_f32_bits(h) for h in f16])

    # BF16: the top half of float32 patterns; loads as bfloat16 (values exact in float32)
    bf16 = [f32_bits(1.0) >> 16, f32_bits(-3.0) >> 16, f32_bits(0.0078125) >> 16, 0x7F80, 0xFF80, 0x7FC1, 0x8000, 0x0001]
    tensors.append(("bf16", "BF16", [2, 2, 2], b"".join(struct.pack("<H", h) for h in bf16)))
    expected["bf16"] = expect_floats("bfloat16", [2, 2, 2], [h << 16 for h in bf16])

    ints = [
        ("i64", "I64", "<q", [-(2**31), 2**31 - 1, 0, -1], [2, 2]),
        ("i32", "I32", "<i", [1, -1, 123456789], [3]),
        ("i16", "I16", "<h", [-32768, 32767, -2], [3]),
        ("i8", "I8", "<b", [-128, 127], [2]),
        ("u64", "U64", "<Q", [0, 2**31 - 1], [2]),
        ("u32", "U32", "<I", [2**31 - 1, 0, 7], [3]),
        ("u16", "U16", "<H", [65535, 0], [1, 2]),
        ("u8", "U8", "<B", [0, 255, 7, 128], [4]),
    ]
    for name, dtype, fmt, values, shape in ints:
        tensors.append((name, dtype, shape, b"".join(struct.pack(fmt, v) for v in values)))
        expected[name] = expect_ints("uint8" if dtype == "U8" else "int32", shape, values)

    tensors.append(("mask", "BOOL", [3], bytes([1, 0, 1])))
    expected["mask"] = expect_ints("bool", [3], [1, 0, 1])
    tensors.append(("scalar", "F32", [], struct.pack("<f", 42.0)))
    expected["scalar"] = expect_floats("float32", [], [f32_bits(42.0)])
    tensors.append(("empty", "F32", [0, 3], b""))
    expected["empty"] = expect_floats("float32", [0, 3], [])
    # a dotted PyTorch-style name with non-ASCII text
    tensors.append(("layers.0.weight·α", "F64", [1, 2], struct.pack("<2d", 1.0, -1.0)))
    expected["layers.0.weight·α"] = expect_floats("float64", [1, 2], [f64_bits(1.0), f64_bits(-1.0)])

    metadata = {"format": "pt", "note": "written by make-safetensors-fixture.py", "unicode": "µ∑ ✓"}
    order = sorted(name for name, _, _, _ in tensors)  # header order differs from data order
    write(os.path.join(FIXTURES, "safetensors-dtypes.safetensors"), tensors, metadata, order)
    return {"metadata": metadata, "tensors": expected, "headerOrder": order}


def unpadded_fixture():
    tensors = [
        ("a", "U8", [3], bytes([1, 2, 3])),
        ("b", "F32", [2], struct.pack("<2f", 0.25, -8.0)),
        ("c", "I64", [1], struct.pack("<q", -5)),
        ("d", "F64", [1], struct.pack("<d", 2.5)),
    ]
    write(os.path.join(FIXTURES, "safetensors-unpadded.safetensors"), tensors, None, ["d", "c", "b", "a"], pad=False)
    return {
        "metadata": {},
        "tensors": {
            "a": expect_ints("uint8", [3], [1, 2, 3]),
            "b": expect_floats("float32", [2], [f32_bits(0.25), f32_bits(-8.0)]),
            "c": expect_ints("int32", [1], [-5]),
            "d": expect_floats("float64", [1], [f64_bits(2.5)]),
        },
        "headerOrder": ["d", "c", "b", "a"],
    }


def overflow_fixture():
    tensors = [("big", "I64", [3], struct.pack("<3q", 1, 2**31, 3))]
    write(os.path.join(FIXTURES, "safetensors-i64-overflow.safetensors"), tensors, None, ["big"])


def torch_mlp_fixture():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.LayerNorm(8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    with torch.no_grad():  # LayerNorm starts at weight 1, bias 0: move it so the test sees it
        model[1].weight.uniform_(0.5, 1.5)
        model[1].bias.uniform_(-0.5, 0.5)
    x = torch.randn(5, 3)
    with torch.no_grad():
        y = model(x)
    tensors = []
    for name, t in model.state_dict().items():
        t = t.contiguous()
        tensors.append((name, "F32", list(t.shape), struct.pack("<%df" % t.numel(), *t.flatten().tolist())))
    names = [n for n, _, _, _ in tensors]
    write(os.path.join(FIXTURES, "safetensors-torch-mlp.safetensors"), tensors, {"format": "pt"}, sorted(names))
    return {"names": names, "x": x.tolist(), "y": y.tolist()}


def bf16_from_double(x):
    """Correctly rounded bfloat16 bits of the double x (finite), ties to even, from its exact value."""
    sign = 0x8000 if (x < 0 or (x == 0 and struct.pack("<d", x)[7] & 0x80)) else 0
    a = Fraction(abs(x))
    if a == 0:
        return sign
    e = 0
    while a >= 2 ** (e + 1):
        e += 1
    while a < 2**e:
        e -= 1
    e = max(e, -126)
    q = a / Fraction(2) ** (e - 7)
    f = q.numerator // q.denominator
    d = q - f
    if d > Fraction(1, 2) or (d == Fraction(1, 2) and f % 2 == 1):
        f += 1
    if f == 256:
        f, e = 128, e + 1
    if e > 127:
        return sign | 0x7F80
    if f < 128:
        return sign | f
    return sign | ((e + 127) << 7) | (f - 128)


def rounding_reference():
    g = torch.Generator().manual_seed(0)
    # float32 inputs: random bit patterns across the whole range, plus ties, subnormals, overflow
    rand32 = torch.randint(0, 2**32, (400,), generator=g, dtype=torch.int64).tolist()
    special32 = [
        f32_bits(1.0 + 2.0**-11), f32_bits(1.0 + 3 * 2.0**-11),  # F16 ties: to even (down, then up)
        f32_bits(1.0 + 2.0**-8), f32_bits(1.0 + 3 * 2.0**-8),  # BF16 ties
        f32_bits(65504.0), f32_bits(65520.0), f32_bits(65519.996),  # F16 max, overflow tie, just below
        f32_bits(2.0**-25), f32_bits(2.0**-25 * 1.5), f32_bits(2.0**-24 * 0.75), f32_bits(2.0**-14 - 2.0**-25),
        0x7F7FFFFF, 0x00000001, 0x80000000, 0x7F800000, 0xFF800000,
    ]
    # and values spread over F16's range, subnormals included
    spread = (torch.randn(600, generator=g) * torch.exp2(torch.randint(-30, 17, (600,), generator=g).to(torch.float64))).to(torch.float32)
    rand32 += [f32_bits(v) for v in spread.tolist()]
    f32_inputs = [b for b in special32 + rand32 if (b & 0x7F800000) != 0x7F800000 or (b & 0x7FFFFF) == 0]  # no NaNs
    x32 = torch.tensor(f32_inputs, dtype=torch.int64).to(torch.int32).view(torch.float32)
    f16_of_f32 = x32.to(torch.float16).view(torch.int16).to(torch.int64).bitwise_and(0xFFFF).tolist()
    bf16_of_f32 = x32.to(torch.bfloat16).view(torch.int16).to(torch.int64).bitwise_and(0xFFFF).tolist()

    # float64 inputs: values near F16/BF16 rounding boundaries where rounding via float32 would differ
    doubles = [1.0 + 2.0**-11 + 2.0**-40, 1.0 + 2.0**-11 - 2.0**-40, 1.0 + 2.0**-8 + 2.0**-40, 65519.99999999, 65520.0,
               2.0**-24 * 0.5 + 2.0**-60, 2.0**-24 * 0.5, 1e-300, -1e300, 3.141592653589793, -0.0, 0.0, 2.0**-133, 2.0**-134, 2.0**-134 + 2.0**-160]
    rand64 = (torch.randn(200, generator=g, dtype=torch.float64) * torch.exp2(torch.randint(-40, 40, (200,), generator=g).to(torch.float64))).tolist()
    doubles += rand64
    f16_of_f64 = [struct.unpack("<H", struct.pack("<e", v))[0] if abs(v) < 65520.0 else (0xFC00 if v < 0 else 0x7C00) for v in doubles]
    bf16_of_f64 = [bf16_from_double(v) for v in doubles]
    return {
        "f32": ["%x" % b for b in f32_inputs],
        "f16OfF32": ["%x" % b for b in f16_of_f32],
        "bf16OfF32": ["%x" % b for b in bf16_of_f32],
        "f64": ["%x" % f64_bits(v) for v in doubles],
        "f16OfF64": ["%x" % b for b in f16_of_f64],
        "bf16OfF64": ["%x" % b for b in bf16_of_f64],
    }


def main():
    out = {
        "files": {
            "safetensors-dtypes.safetensors": dtypes_fixture(),
            "safetensors-unpadded.safetensors": unpadded_fixture(),
        },
        "rounding": rounding_reference(),
        "torchMlp": torch_mlp_fixture(),
    }
    overflow_fixture()
    with open(os.path.join(FIXTURES, "safetensors-fixture.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
