//! Inputs the tests (here and in tests/api) and the benchmark share: made
//! here, so no test depends on pictures from elsewhere.

/// A JPEG `w`×`h` whose left half is red and right half blue, with an EXIF
/// block carrying `orientation` (and a GPS pointer) when given.
pub fn jpeg(w: u16, h: u16, orientation: Option<u16>) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(w as usize * h as usize * 3);
    for _y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(if x < w / 2 {
                &[220, 20, 20]
            } else {
                &[20, 20, 220]
            });
        }
    }
    let mut out = Vec::new();
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, 90);
    if let Some(o) = orientation {
        encoder
            .add_app_segment(1, exif_with_orientation(o))
            .expect("an EXIF block fits in APP1");
    }
    encoder
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encodable size");
    out
}

/// `Exif\0\0` + a little-endian TIFF with Orientation and a GPS IFD pointer.
fn exif_with_orientation(o: u16) -> Vec<u8> {
    let mut e = b"Exif\0\0II*\0\x08\0\0\0".to_vec();
    e.extend_from_slice(&2u16.to_le_bytes()); // two entries
    e.extend_from_slice(&0x0112u16.to_le_bytes()); // Orientation
    e.extend_from_slice(&3u16.to_le_bytes()); // SHORT
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&o.to_le_bytes());
    e.extend_from_slice(&[0, 0]);
    e.extend_from_slice(&0x8825u16.to_le_bytes()); // GPSInfo IFD pointer
    e.extend_from_slice(&4u16.to_le_bytes()); // LONG
    e.extend_from_slice(&1u32.to_le_bytes());
    e.extend_from_slice(&0u32.to_le_bytes());
    e.extend_from_slice(&0u32.to_le_bytes()); // no next IFD
    e
}

/// A PNG of a few dozen bytes that declares 30000×30000 RGBA (3.6 GB decoded).
pub fn png_bomb() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = 30_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&30_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00]);
    chunk(b"IEND", &[]);
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A `w`×`h` PNG whose left half is fully transparent.
pub fn png_with_alpha(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| {
        image::Rgba([0, 128, 255, if x < w / 2 { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .expect("in-memory PNG");
    out
}

/// A HEIC `w`×`h` (as an iPhone stores photos), left half red and right half
/// blue like [`jpeg`], encoded by `heifer`.
pub fn heic(w: u32, h: u32) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(w as usize * h as usize * 3);
    for _y in 0..h {
        for x in 0..w {
            pixels.extend_from_slice(if x < w / 2 {
                &[220, 20, 20]
            } else {
                &[20, 20, 220]
            });
        }
    }
    heifer::encode_rgb8(w, h, &pixels, &heifer::EncodeOptions::default()).expect("encodable size")
}
