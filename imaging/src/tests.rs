use super::*;
use crate::fixtures::{heic, jpeg, png_bomb};

fn png_rgba(w: u32, h: u32, transparent: bool) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, _| {
        image::Rgba([0, 128, 255, if transparent && x < w / 2 { 0 } else { 255 }])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("png");
    out
}

/// Decodes a copy with an independent decoder (JPEG: jpeg-decoder at full size).
fn decode(copy: &Copy) -> DynamicImage {
    if copy.content_type == "image/jpeg" {
        let mut d = jpeg_decoder::Decoder::new(Cursor::new(&copy.bytes));
        let pixels = d.decode().expect("output decodes");
        let info = d.info().expect("info");
        let (w, h) = (u32::from(info.width), u32::from(info.height));
        return match info.pixel_format {
            jpeg_decoder::PixelFormat::L8 => {
                DynamicImage::ImageLuma8(image::GrayImage::from_raw(w, h, pixels).expect("grey"))
            }
            _ => DynamicImage::ImageRgb8(image::RgbImage::from_raw(w, h, pixels).expect("rgb")),
        };
    }
    image::load_from_memory(&copy.bytes).expect("output decodes")
}

#[test]
fn a_large_jpeg_gets_both_widths_with_its_aspect_ratio() {
    let copies = resize(&jpeg(4000, 3000, None), &WIDTHS, &Limits::default()).expect("resized");
    let sizes: Vec<_> = copies.iter().map(|c| (c.width, c.height)).collect();
    assert_eq!(sizes, [(384, 288), (758, 569)]);
    for c in &copies {
        assert_eq!(c.content_type, "image/jpeg");
        assert_eq!((decode(c).width(), decode(c).height()), (c.width, c.height));
    }
}

#[test]
fn a_small_source_is_re_encoded_at_its_own_size() {
    let copies = resize(&jpeg(300, 200, None), &WIDTHS, &Limits::default()).expect("resized");
    let sizes: Vec<_> = copies.iter().map(|c| (c.width, c.height)).collect();
    assert_eq!(sizes, [(300, 200), (300, 200)]);
}

#[test]
fn exif_orientation_is_applied_and_no_exif_is_written() {
    // Stored 1000×500 landscape, red left; orientation 6 = rotate 90° clockwise:
    // shown 500×1000 portrait with red on top.
    let source = jpeg(1000, 500, Some(6));
    assert!(source.windows(6).any(|w| w == b"Exif\0\0"));
    let copies = resize(&source, &[384], &Limits::default()).expect("resized");
    let c = &copies[0];
    assert_eq!((c.width, c.height), (384, 768));
    let shown = decode(c).into_rgb8();
    let top = shown.get_pixel(192, 50).0;
    let bottom = shown.get_pixel(192, 700).0;
    assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?}");
    assert!(
        bottom[2] > 150 && bottom[0] < 100,
        "bottom is blue: {bottom:?}"
    );
    assert!(!c.bytes.windows(4).any(|w| w == b"Exif"));
    assert!(!c.bytes.windows(4).any(|w| w == b"II*\0"));
}

#[test]
fn transparency_is_kept_as_png_and_opaque_pngs_become_jpeg() {
    let copies = resize(&png_rgba(1000, 400, true), &WIDTHS, &Limits::default()).expect("resized");
    assert_eq!(copies[0].content_type, "image/png");
    let out = decode(&copies[0]).into_rgba8();
    assert_eq!(out.dimensions(), (384, 154));
    assert_eq!(out.get_pixel(10, 10).0[3], 0);
    assert_eq!(out.get_pixel(370, 10).0[3], 255);

    let opaque = resize(&png_rgba(1000, 400, false), &[384], &Limits::default()).expect("ok");
    assert_eq!(opaque[0].content_type, "image/jpeg");
}

#[test]
fn a_tiny_png_declaring_30000_by_30000_is_refused_before_decoding() {
    let png = png_bomb();
    assert!(png.len() < 80);
    assert_eq!(
        resize(&png, &WIDTHS, &Limits::default()).err(),
        Some(Refusal::TooLarge {
            width: 30_000,
            height: 30_000
        })
    );
}

#[test]
fn empty_corrupt_foreign_and_heic_inputs_are_refused() {
    let limits = Limits::default();
    assert_eq!(resize(b"", &WIDTHS, &limits).err(), Some(Refusal::Empty));
    assert_eq!(
        resize(b"just some text, not a picture", &WIDTHS, &limits).err(),
        Some(Refusal::NotAnImage)
    );
    let mut truncated = jpeg(800, 600, None);
    truncated.truncate(truncated.len() / 3);
    truncated.extend_from_slice(&[0xFF, 0xD9]);
    let result = resize(&truncated, &WIDTHS, &limits);
    assert!(
        matches!(result, Err(Refusal::Corrupt(_))) || result.is_ok(),
        "a truncated JPEG never panics"
    );
    assert!(matches!(
        resize(b"\xFF\xD8\xFF\xE0garbage garbage", &WIDTHS, &limits),
        Err(Refusal::Corrupt(_))
    ));
    let avif = b"\0\0\0\x18ftypavif\0\0\0\0mif1avif";
    assert_eq!(
        resize(avif, &WIDTHS, &limits).err(),
        Some(Refusal::Unsupported("AVIF"))
    );
    let header_only = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
    assert!(matches!(
        resize(header_only, &WIDTHS, &limits),
        Err(Refusal::Corrupt(_))
    ));
}

#[test]
fn a_heic_photo_becomes_jpeg_copies_that_every_browser_shows() {
    let copies = resize(&heic(1200, 800), &WIDTHS, &Limits::default()).expect("converted");
    let sizes: Vec<_> = copies.iter().map(|c| (c.width, c.height)).collect();
    assert_eq!(sizes, vec![(384, 256), (758, 505)]);
    for copy in &copies {
        assert_eq!(copy.content_type, "image/jpeg");
        let pixels = decode(copy).into_rgb8();
        let left = pixels.get_pixel(copy.width / 4, copy.height / 2).0;
        let right = pixels.get_pixel(copy.width * 3 / 4, copy.height / 2).0;
        assert!(left[0] > 150 && left[2] < 100, "left stays red: {left:?}");
        assert!(
            right[2] > 150 && right[0] < 100,
            "right stays blue: {right:?}"
        );
    }
}

#[test]
fn a_heic_over_the_pixel_limit_is_refused() {
    let limits = Limits {
        max_pixels: 100_000,
        ..Limits::default()
    };
    assert!(matches!(
        resize(&heic(400, 300), &WIDTHS, &limits),
        Err(Refusal::Corrupt(_) | Refusal::TooLarge { .. })
    ));
}

#[test]
fn the_pixel_limit_is_configurable_and_checked_on_jpeg_headers() {
    let limits = Limits {
        max_pixels: 1_000_000,
        ..Limits::default()
    };
    assert_eq!(
        resize(&jpeg(2000, 1000, None), &WIDTHS, &limits).err(),
        Some(Refusal::TooLarge {
            width: 2000,
            height: 1000
        })
    );
}

#[test]
fn gif_webp_and_bmp_inputs_are_resized() {
    let rgb = image::RgbImage::from_fn(900, 300, |x, _| image::Rgb([(x % 256) as u8, 90, 30]));
    for format in [ImageFormat::Gif, ImageFormat::WebP, ImageFormat::Bmp] {
        let mut bytes = Vec::new();
        DynamicImage::ImageRgb8(rgb.clone())
            .write_to(&mut Cursor::new(&mut bytes), format)
            .expect("encode");
        let copies = resize(&bytes, &WIDTHS, &Limits::default()).expect("resized");
        let sizes: Vec<_> = copies.iter().map(|c| (c.width, c.height)).collect();
        assert_eq!(sizes, [(384, 128), (758, 253)], "{format:?}");
    }
}
