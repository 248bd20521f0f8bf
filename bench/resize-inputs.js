// Writes the resize benchmark's inputs into the folder given as argv[2]:
//   photo-12mp.jpg  4000×3000, quality 92 (a camera original)
//   phone-2mb.jpg   4032×3024 with EXIF orientation 6 (portrait phone shot), ~2 MB
//   alpha.png       1200×900 RGBA with a transparent, soft-edged background
// The pictures are synthetic (gradients, waves and noise, like foliage and
// sky), so JPEG has real detail to code. Uses the sharp installed by resize.sh.
const sharp = require(process.env.SHARP_DIR + '/node_modules/sharp');
const path = require('path');
const out = process.argv[2];

function scene(w, h, channels, seed) {
  const buf = Buffer.alloc(w * h * channels);
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      const u = x / w, v = y / h;
      const wave = Math.sin(x / 37 + Math.sin(y / 53) * 3) * 40 + Math.sin((x + y) / 11) * 12;
      const noise = (rand() - 0.5) * 36;
      buf[i] = Math.max(0, Math.min(255, 60 + 140 * v + wave + noise));
      buf[i + 1] = Math.max(0, Math.min(255, 120 + 80 * Math.sin(u * 7) + wave * 0.6 + noise));
      buf[i + 2] = Math.max(0, Math.min(255, 200 - 120 * v + wave * 0.3 + noise));
      if (channels === 4) {
        const d = Math.hypot(u - 0.5, v - 0.5);
        buf[i + 3] = d < 0.3 ? 255 : d < 0.4 ? Math.round(255 * (0.4 - d) / 0.1) : 0;
      }
    }
  }
  return buf;
}

(async () => {
  await sharp(scene(4000, 3000, 3, 1), { raw: { width: 4000, height: 3000, channels: 3 } })
    .jpeg({ quality: 92 }).toFile(path.join(out, 'photo-12mp.jpg'));
  // Aim at ~2 MB: smoother content at quality 80, like a phone's HEIC→JPEG export.
  const phone = scene(4032, 3024, 3, 2);
  const smooth = await sharp(phone, { raw: { width: 4032, height: 3024, channels: 3 } }).blur(0.7).raw().toBuffer();
  await sharp(smooth, { raw: { width: 4032, height: 3024, channels: 3 } })
    .jpeg({ quality: 84 }).withMetadata({ orientation: 6 }).toFile(path.join(out, 'phone-2mb.jpg'));
  await sharp(scene(1200, 900, 4, 3), { raw: { width: 1200, height: 900, channels: 4 } })
    .png().toFile(path.join(out, 'alpha.png'));
})().catch((e) => { console.error(e); process.exit(1); });
