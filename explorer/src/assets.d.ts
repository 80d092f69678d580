// Binary files the explorer's bundle holds (scripts/build-explorer.mjs loads them as bytes).
declare module "*.png" {
  const bytes: Uint8Array;
  export default bytes;
}
