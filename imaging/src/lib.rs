//! The resize core of the `image-resize` function (docs/images.md): one
//! decode per upload, every requested width from it, output that every
//! browser shows, no metadata carried over.
//!
//! * **JPEG** is decoded with `jpeg-decoder`'s scaled IDCT (shrink-on-load:
//!   a 4000×3000 photo wanted 758 px wide is decoded at 1/4, 1000×750), then
//!   resized with `fast_image_resize` (SIMD Lanczos3) and encoded with
//!   `jpeg-encoder` (quality 80, 4:2:0, optimised Huffman tables; sharp's
//!   defaults).
//! * **PNG, GIF (first frame), WebP, BMP** are decoded by `image` under
//!   allocation limits. Output is PNG when the picture really uses
//!   transparency, JPEG otherwise.
//! * **HEIC/HEIF** (iPhone photos) are decoded by `heifer` (pure Rust,
//!   HEVC conformance-tested; no C library to cross-compile for arm64),
//!   converted to sRGB with the file's own rotation and mirror applied, and
//!   written as JPEG (PNG with transparency): browsers other than Safari
//!   cannot show HEIC. AVIF and other ISO-BMFF codecs are refused.
//! * EXIF orientation is applied; nothing of the input's metadata (EXIF,
//!   GPS, XMP, ICC) is written out: the encoders start from bare pixels.
//! * Dimensions are read from the header and checked against [`Limits`]
//!   before any pixel buffer is allocated (decompression bombs).

use std::io::Cursor;

use fast_image_resize::images::Image;
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat};

/// The widths of the copies (contract images.md §2: folders `w_384/`, `w_758/`).
pub const WIDTHS: [u32; 2] = [384, 758];

/// JPEG quality of the copies (sharp's default).
pub const JPEG_QUALITY: u8 = 80;

/// Upper bounds checked before decoding.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Pixels of the source (width × height as declared in its header).
    pub max_pixels: u64,
    /// Bytes any one decoder allocation may take (a backstop behind `max_pixels`).
    pub max_alloc: u64,
}

impl Default for Limits {
    /// 50 megapixels: every phone camera up to 50 MP (8160×6120) passes; a
    /// full RGBA decode of a 50 MP PNG is 200 MB, inside the function's
    /// memory with room for the resize buffers (docs/images.md, "Limits").
    fn default() -> Self {
        Self {
            max_pixels: 50_000_000,
            max_alloc: 512 * 1024 * 1024,
        }
    }
}

/// Why an input gets no copies. None of these gets better by retrying.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refusal {
    #[error("empty object")]
    Empty,
    #[error("not an image we can read")]
    NotAnImage,
    #[error("{0} cannot be decoded by the function")]
    Unsupported(&'static str),
    #[error("declares {width}x{height} pixels, over the limit")]
    TooLarge { width: u64, height: u64 },
    #[error("corrupt image: {0}")]
    Corrupt(String),
}

/// One encoded copy.
#[derive(Debug, Clone)]
pub struct Copy {
    /// The width asked for (the folder it goes to).
    pub target: u32,
    pub width: u32,
    pub height: u32,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

/// Decodes `bytes` once and returns one copy per requested width (in the
/// order given): exactly that wide keeping the aspect ratio, or the source's
/// own size when it is narrower (never upscaled).
pub fn resize(bytes: &[u8], widths: &[u32], limits: &Limits) -> Result<Vec<Copy>, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    let widest = widths.iter().copied().max().unwrap_or(1).max(1);
    let decoded = match sniff(bytes)? {
        Kind::Jpeg => decode_jpeg(bytes, widest, limits)?,
        Kind::Heif => decode_heif(bytes, limits)?,
        Kind::Other(format) => decode_other(bytes, format, limits)?,
    };
    widths.iter().map(|&target| decoded.copy(target)).collect()
}

enum Kind {
    Jpeg,
    Heif,
    Other(ImageFormat),
}

fn sniff(bytes: &[u8]) -> Result<Kind, Refusal> {
    // ISO-BMFF (HEIC, HEIF, AVIF): `....ftyp<brand>`.
    if bytes.len() >= 12 && &bytes[4..8] == b"ftyp" {
        return match &bytes[8..12] {
            b"avif" | b"avis" => Err(Refusal::Unsupported("AVIF")),
            // `mif1`/`mif2` may hold HEVC or another codec: the decoder tells.
            _ => match heifer::check_file_type(bytes) {
                heifer::FileTypeResult::Supported | heifer::FileTypeResult::MayBe => Ok(Kind::Heif),
                _ => Err(Refusal::Unsupported("this HEIF codec")),
            },
        };
    }
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => Ok(Kind::Jpeg),
        Ok(f @ (ImageFormat::Png | ImageFormat::Gif | ImageFormat::WebP | ImageFormat::Bmp)) => {
            Ok(Kind::Other(f))
        }
        Ok(_) => Err(Refusal::Unsupported("this image format")),
        Err(_) => Err(Refusal::NotAnImage),
    }
}

/// Pixels in the source's stored orientation, plus what to do with them.
struct Decoded {
    pixels: Vec<u8>,
    width: u32,
    height: u32,
    /// Bytes per pixel: 1 (grey), 3 (RGB) or 4 (RGBA).
    channels: u8,
    orientation: Orientation,
    /// The oriented width of the *original* source (before shrink-on-load):
    /// decides "never upscale" and the output height.
    full_width: u32,
    full_height: u32,
}

fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

fn check_size(width: u64, height: u64, limits: &Limits) -> Result<(), Refusal> {
    if width == 0 || height == 0 {
        return Err(Refusal::Corrupt("zero dimension".into()));
    }
    if width.saturating_mul(height) > limits.max_pixels {
        return Err(Refusal::TooLarge { width, height });
    }
    Ok(())
}

fn decode_jpeg(bytes: &[u8], widest: u32, limits: &Limits) -> Result<Decoded, Refusal> {
    let corrupt = |e: jpeg_decoder::Error| Refusal::Corrupt(e.to_string());
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.set_max_decoding_buffer_size(limits.max_alloc as usize);
    decoder.read_info().map_err(corrupt)?;
    let info = decoder.info().ok_or(Refusal::NotAnImage)?;
    let (w, h) = (u32::from(info.width), u32::from(info.height));
    check_size(w.into(), h.into(), limits)?;
    let orientation = decoder
        .exif_data()
        .and_then(Orientation::from_exif_chunk)
        .unwrap_or(Orientation::NoTransforms);
    // Shrink-on-load: the smallest IDCT scale that still covers the widest
    // copy along the axis that becomes the output's width. Within 1 % counts
    // as covered: a 3024-px side at 1/4 is 756 px for a 758-px copy, and an
    // invisible 0.3 % stretch beats decoding four times the pixels.
    let wanted = (widest * 99).div_ceil(100);
    if swaps_axes(orientation) {
        decoder
            .scale(u16::MAX, wanted.min(h) as u16)
            .map_err(corrupt)?;
    } else {
        decoder
            .scale(wanted.min(w) as u16, u16::MAX)
            .map_err(corrupt)?;
    }
    let raw = decoder.decode().map_err(corrupt)?;
    let info = decoder.info().ok_or(Refusal::NotAnImage)?;
    let (dw, dh) = (u32::from(info.width), u32::from(info.height));
    let (pixels, channels) = match info.pixel_format {
        jpeg_decoder::PixelFormat::L8 => (raw, 1),
        jpeg_decoder::PixelFormat::L16 => (raw.chunks_exact(2).map(|p| p[0]).collect(), 1),
        jpeg_decoder::PixelFormat::RGB24 => (raw, 3),
        // Adobe CMYK JPEGs store inverted ink values; plain multiply is what
        // browsers show for them.
        jpeg_decoder::PixelFormat::CMYK32 => (
            raw.chunks_exact(4)
                .flat_map(|p| {
                    let k = u16::from(p[3]);
                    [0, 1, 2].map(|i| (u16::from(p[i]) * k / 255) as u8)
                })
                .collect(),
            3,
        ),
    };
    if pixels.len() < (dw * dh * channels) as usize {
        return Err(Refusal::Corrupt("short pixel data".into()));
    }
    let (full_width, full_height) = if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(Decoded {
        pixels,
        width: dw,
        height: dh,
        channels: channels as u8,
        orientation,
        full_width,
        full_height,
    })
}

/// HEIC/HEIF: the primary image in sRGB, 8 bits, with the file's own
/// rotation and mirror (`irot`/`imir`) already applied, so no EXIF
/// orientation is applied on top. `heifer` checks the pixel limit on the
/// declared sizes before it allocates; one thread (the function has one vCPU).
fn decode_heif(bytes: &[u8], limits: &Limits) -> Result<Decoded, Refusal> {
    let options = heifer::Options {
        max_threads: 1,
        max_pixels: limits.max_pixels,
    };
    let image = heifer::decode_srgb_rgba8(bytes, &options).map_err(|e| match e {
        heifer::Error::Unsupported(_) => Refusal::Unsupported("this HEIF codec or colour space"),
        other => Refusal::Corrupt(other.to_string()),
    })?;
    let (w, h) = (image.width, image.height);
    check_size(w.into(), h.into(), limits)?;
    let opaque = !image.has_alpha || image.data.chunks_exact(4).all(|p| p[3] == 255);
    let (pixels, channels) = if opaque {
        (image.into_rgb8(), 3)
    } else {
        (image.data, 4)
    };
    if pixels.len() < (w as usize) * (h as usize) * channels {
        return Err(Refusal::Corrupt("short pixel data".into()));
    }
    Ok(Decoded {
        pixels,
        width: w,
        height: h,
        channels: channels as u8,
        orientation: Orientation::NoTransforms,
        full_width: w,
        full_height: h,
    })
}

fn decode_other(bytes: &[u8], format: ImageFormat, limits: &Limits) -> Result<Decoded, Refusal> {
    let corrupt = |e: image::ImageError| match e {
        image::ImageError::Limits(_) => Refusal::TooLarge {
            width: 0,
            height: 0,
        },
        other => Refusal::Corrupt(other.to_string()),
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_alloc);
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(corrupt)?;
    let (w, h) = decoder.dimensions();
    // Before any pixel is allocated: a tiny file may declare 30000×30000.
    check_size(w.into(), h.into(), limits)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let image = DynamicImage::from_decoder(decoder).map_err(corrupt)?;
    let (pixels, channels) = if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        if rgba.pixels().all(|p| p.0[3] == 255) {
            (DynamicImage::ImageRgba8(rgba).into_rgb8().into_raw(), 3)
        } else {
            (rgba.into_raw(), 4)
        }
    } else {
        (image.into_rgb8().into_raw(), 3)
    };
    let (full_width, full_height) = if swaps_axes(orientation) {
        (h, w)
    } else {
        (w, h)
    };
    Ok(Decoded {
        pixels,
        width: w,
        height: h,
        channels,
        orientation,
        full_width,
        full_height,
    })
}

impl Decoded {
    /// Output size (oriented) for a target width: exactly `target` wide with
    /// the source's aspect ratio, or the source's own size if narrower.
    fn output_size(&self, target: u32) -> (u32, u32) {
        if self.full_width <= target {
            return (self.full_width, self.full_height);
        }
        let height = (u64::from(self.full_height) * u64::from(target)
            + u64::from(self.full_width) / 2)
            / u64::from(self.full_width);
        (target, (height as u32).max(1))
    }

    fn copy(&self, target: u32) -> Result<Copy, Refusal> {
        let (out_w, out_h) = self.output_size(target);
        // Resize in stored orientation, rotate the small result.
        let (rw, rh) = if swaps_axes(self.orientation) {
            (out_h, out_w)
        } else {
            (out_w, out_h)
        };
        let pixel_type = match self.channels {
            1 => PixelType::U8,
            3 => PixelType::U8x3,
            _ => PixelType::U8x4,
        };
        let pixels = if (rw, rh) == (self.width, self.height) {
            self.pixels.clone()
        } else {
            let src = fast_image_resize::images::ImageRef::new(
                self.width,
                self.height,
                &self.pixels,
                pixel_type,
            )
            .map_err(|e| Refusal::Corrupt(e.to_string()))?;
            let mut dst = Image::new(rw, rh, pixel_type);
            Resizer::new()
                .resize(
                    &src,
                    &mut dst,
                    &ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)),
                )
                .map_err(|e| Refusal::Corrupt(e.to_string()))?;
            dst.into_vec()
        };
        let oriented = orient(pixels, rw, rh, self.channels, self.orientation)?;
        let (width, height) = (oriented.width(), oriented.height());
        let (content_type, bytes) = encode(&oriented)?;
        Ok(Copy {
            target,
            width,
            height,
            content_type,
            bytes,
        })
    }
}

fn orient(
    pixels: Vec<u8>,
    w: u32,
    h: u32,
    channels: u8,
    orientation: Orientation,
) -> Result<DynamicImage, Refusal> {
    let short = || Refusal::Corrupt("pixel buffer size".into());
    let mut image = match channels {
        1 => DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels).ok_or_else(short)?),
        3 => DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).ok_or_else(short)?),
        _ => DynamicImage::ImageRgba8(image::RgbaImage::from_raw(w, h, pixels).ok_or_else(short)?),
    };
    image.apply_orientation(orientation);
    Ok(image)
}

fn encode(image: &DynamicImage) -> Result<(&'static str, Vec<u8>), Refusal> {
    let failed = |e: String| Refusal::Corrupt(format!("encode: {e}"));
    let (w, h) = (image.width(), image.height());
    let mut out = Vec::with_capacity((w * h) as usize / 4);
    let jpeg = |data: &[u8], color, out: &mut Vec<u8>| {
        let mut encoder = jpeg_encoder::Encoder::new(out, JPEG_QUALITY);
        encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        encoder.set_optimized_huffman_tables(true);
        encoder
            .encode(data, w as u16, h as u16, color)
            .map_err(|e| failed(e.to_string()))
    };
    match image {
        DynamicImage::ImageLuma8(g) => jpeg(g.as_raw(), jpeg_encoder::ColorType::Luma, &mut out)?,
        DynamicImage::ImageRgb8(rgb) => jpeg(rgb.as_raw(), jpeg_encoder::ColorType::Rgb, &mut out)?,
        other => {
            use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
            let encoder =
                PngEncoder::new_with_quality(&mut out, CompressionType::Fast, PngFilter::Adaptive);
            other
                .write_with_encoder(encoder)
                .map_err(|e| failed(e.to_string()))?;
            return Ok(("image/png", out));
        }
    }
    Ok(("image/jpeg", out))
}

pub mod fixtures;
#[cfg(test)]
mod tests;
