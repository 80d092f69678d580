// Differentiable Gaussian splatting: the rasteriser (one primitive with hand-written rules), the
// tensor-operation front end (covariances, projection, spherical harmonics), image losses and
// metrics, and PNG in and out.

export { rasterize, covariance2d, covariance3d, quaternionToRotation, projectGaussians, shToColor, type RasterizeOpts, type Camera, type Projected } from "./render.js";
export { l1, psnr, ssim, dssim, splatLoss, gaussianWindow, type SsimOpts } from "./loss.js";
export { decodePNG, encodePNG, encodeAPNG, imageTensor, ImageFormatError, MAX_PIXELS, type DecodedImage } from "./png.js";
export { rasterStats, TILE } from "./kernels.js";
export { defaultScene, renderScene, orbitCamera, sampleSurface, type Scene, type Sphere, type Box } from "./scene.js";
