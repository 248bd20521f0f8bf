// sharp's side of bench/resize.sh: resizes argv[2] to both widths (384, 758)
// argv[3] times after one warm-up round, like the function does (EXIF
// rotation, no enlargement, JPEG q80 4:2:0 / PNG for transparency, metadata
// stripped), and prints "<ms per image> <bytes of both copies>".
// THREADS=1 limits libvips to one thread (a Lambda under 1769 MB has less
// than one vCPU); cache off so every round decodes again.
const sharp = require(process.env.SHARP_DIR + '/node_modules/sharp');
const fs = require('fs');
sharp.cache(false);
if (process.env.THREADS) sharp.concurrency(Number(process.env.THREADS));
const input = fs.readFileSync(process.argv[2]);
const rounds = Number(process.argv[3] || 10);
const png = process.argv[2].endsWith('.png');

async function once() {
  let bytes = 0;
  for (const width of [384, 758]) {
    let p = sharp(input).rotate().resize({ width, withoutEnlargement: true });
    p = png ? p.png() : p.jpeg({ quality: 80, chromaSubsampling: '4:2:0', optimiseCoding: true });
    bytes += (await p.toBuffer()).length;
  }
  return bytes;
}

(async () => {
  await once();
  const start = process.hrtime.bigint();
  let bytes = 0;
  for (let i = 0; i < rounds; i++) bytes = await once();
  const ms = Number(process.hrtime.bigint() - start) / 1e6 / rounds;
  console.log(`${ms.toFixed(1)} ${bytes}`);
})().catch((e) => { console.error(e); process.exit(1); });
