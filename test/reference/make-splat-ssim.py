# SSIM reference values for test/reference/splat-ssim.test.ts, by the standard formula in NumPy
# (float64): local means, variances and covariance under an 11×11 Gaussian window (σ = 1.5),
# zero-padded "same" filtering (as the 3DGS training code's ssim()), C1 = 0.01², C2 = 0.03²,
# averaged over pixels and channels. The images are deterministic functions of their indices,
# so the test rebuilds them without the JSON carrying pixels.
import json
import numpy as np

def window(size=11, sigma=1.5):
    x = np.arange(size) - (size - 1) / 2
    w = np.exp(-x**2 / (2 * sigma**2))
    return w / w.sum()

def blur(img, w):
    # img [H, W]; direct 2-D correlation with the outer-product window, zero padding
    h = len(w) // 2
    H, W = img.shape
    p = np.zeros((H + 2 * h, W + 2 * h))
    p[h:h + H, h:h + W] = img
    k = np.outer(w, w)
    out = np.zeros((H, W))
    for di in range(len(w)):
        for dj in range(len(w)):
            out += k[di, dj] * p[di:di + H, dj:dj + W]
    return out

def ssim(x, y):
    w = window()
    C1, C2 = 0.01**2, 0.03**2
    vals = []
    for c in range(x.shape[2]):
        a, b = x[:, :, c], y[:, :, c]
        ma, mb = blur(a, w), blur(b, w)
        va = blur(a * a, w) - ma**2
        vb = blur(b * b, w) - mb**2
        cab = blur(a * b, w) - ma * mb
        vals.append(((2 * ma * mb + C1) * (2 * cab + C2)) / ((ma**2 + mb**2 + C1) * (va + vb + C2)))
    return float(np.mean(np.stack(vals)))

def image(H, W, phase):
    i, j, c = np.meshgrid(np.arange(H), np.arange(W), np.arange(3), indexing="ij")
    return 0.5 + 0.4 * np.sin(0.37 * i + 0.23 * j * (1 + phase) + 1.1 * c + phase)

cases = []
for (H, W, p) in [(16, 16, 0.3), (24, 20, 1.0), (9, 13, 2.0)]:
    x = image(H, W, 0.0)
    y = image(H, W, p)
    cases.append({"height": H, "width": W, "phase": p, "ssim": ssim(x, y), "ssim_self": ssim(x, x)})

with open(__file__.replace("make-splat-ssim.py", "splat-ssim.json"), "w") as f:
    json.dump({"generator": "test/reference/make-splat-ssim.py", "numpy": np.__version__, "cases": cases}, f, indent=1)
