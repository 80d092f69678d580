# Writes storage-dtypes.json: float16 and bfloat16 bits of tricky float64 values (round to
# nearest even, subnormals, overflow), uint8 conversions, and promotion results, from Debian's
# torch 1.13. Run: /usr/bin/python3 test/reference/make-storage-dtypes-reference.py
import json, math, os
import torch

vals = [0.0, -0.0, 1.0, -1.0, 0.1, 1/3, 65504.0, 65519.0, 65520.0, 1e6, -1e6, 5.960464477539063e-08,
        2.9802322387695312e-08, 2.980232238769532e-08, 6.103515625e-05, 6.0975552e-05, 1.0009765625,
        1.00048828125, 1.00146484375, 3.140625, 1e-40, 3.3895313892515355e+38, 3.4e38, 1.0078125,
        1.00390625, 1.01171875, 2.0 ** -133, 123.456, -7.8125e-3]
specials = ["inf", "-inf", "nan"]

def bits(t):
    return t.view(torch.int16).to(torch.int32).item() & 0xFFFF

out = {"values": [], "float16": [], "bfloat16": []}
for v in vals + specials:
    x = torch.tensor([float(v)], dtype=torch.float64)
    out["values"].append(v if isinstance(v, str) else float(v))
    out["float16"].append(bits(x.to(torch.float16)))
    out["bfloat16"].append(bits(x.to(torch.bfloat16)))

# uint8 from int32 wraps modulo 256; from floats torch truncates toward zero first
ints = [0, 1, 255, 256, 300, -1, -256, 1000]
out["uint8_from_int32"] = {"in": ints, "out": torch.tensor(ints, dtype=torch.int32).to(torch.uint8).tolist()}
floats = [0.0, 1.9, 255.5, -0.5, 12.7]
out["uint8_from_float"] = {"in": floats, "out": torch.tensor(floats, dtype=torch.float64).to(torch.uint8).tolist()}
# tensor-tensor promotion
names = {"float16": torch.float16, "bfloat16": torch.bfloat16, "uint8": torch.uint8, "int32": torch.int32,
         "float32": torch.float32, "float64": torch.float64, "bool": torch.bool}
promo = {}
for a in names:
    for b in names:
        r = torch.promote_types(names[a], names[b])
        promo[f"{a},{b}"] = [k for k, v in names.items() if v == r][0]
out["promote"] = promo
with open(os.path.join(os.path.dirname(__file__), "storage-dtypes.json"), "w") as f:
    json.dump(out, f, indent=1)
