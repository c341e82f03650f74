//! Photos of findings, taken on a phone on site. A photo is told by its content (JPEG, PNG or
//! WebP, walked through whole: a file that only starts like an image is refused) and, unless the
//! campaign keeps it, rewritten without the metadata that can place the photographer or name the
//! phone: Exif and XMP, text chunks, comments, and whatever follows the image's end (motion-photo
//! videos, maker trailers). A JPEG's orientation is the one thing kept, in a minimal Exif block of
//! its own, so the photo is not shown on its side.

use crate::error::FieldError;

/// The largest photo accepted, after the phone's own compression.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;
/// The most photos one finding holds.
pub const MAX_PHOTOS: usize = 9;

/// A photo ready to store: its bytes (cleaned unless the location is kept) and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanPhoto {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// Checks `bytes` is a whole JPEG, PNG or WebP image no larger than [`MAX_PHOTO_BYTES`] and,
/// unless `keep_location`, strips its metadata. The error names the `photo` field.
pub fn clean(bytes: &[u8], keep_location: bool) -> Result<CleanPhoto, FieldError> {
    if bytes.is_empty() {
        return Err(refused("file_empty"));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(refused("photo_too_large"));
    }
    let (content_type, cleaned) = if bytes.starts_with(&[0xFF, 0xD8]) {
        ("image/jpeg", jpeg(bytes))
    } else if bytes.starts_with(PNG_SIGNATURE) {
        ("image/png", png(bytes))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        ("image/webp", webp(bytes))
    } else {
        return Err(refused("photo_not_image"));
    };
    let cleaned = cleaned.ok_or_else(|| refused("photo_damaged"))?;
    Ok(CleanPhoto { bytes: if keep_location { bytes.to_vec() } else { cleaned }, content_type })
}

fn refused(code: &'static str) -> FieldError {
    FieldError { field: "photo", code }
}

fn be16(bytes: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as usize)
}

/// A JPEG rewritten segment by segment up to its end-of-image marker, keeping the segments a
/// decoder needs (JFIF, ICC profile, Adobe colour transform, tables, frames and scans).
fn jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut orientation = None;
    let (mut frame, mut scan) = (false, false);
    let mut at = 2;
    loop {
        // Markers may be preceded by any number of fill bytes.
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        while *bytes.get(at)? == 0xFF {
            at += 1;
        }
        let marker = bytes[at];
        at += 1;
        match marker {
            0xD9 => break,
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&[0xFF, marker]);
                continue;
            }
            0x00 | 0xD8 => return None,
            _ => {}
        }
        let length = be16(bytes, at)?;
        let segment = bytes.get(at..at + length).filter(|_| length >= 2)?;
        let data = &segment[2..];
        at += length;
        let keep = match marker {
            0xE1 => {
                if data.starts_with(b"Exif\0\0") {
                    orientation = orientation.or_else(|| exif_orientation(&data[6..]));
                }
                false
            }
            0xE0 | 0xEE => true,
            0xE2 => data.starts_with(b"ICC_PROFILE\0"),
            0xE3..=0xEF | 0xFE => false,
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                frame = true;
                true
            }
            _ => true,
        };
        if keep {
            out.extend_from_slice(&[0xFF, marker]);
            out.extend_from_slice(segment);
        }
        if marker == 0xDA {
            if !frame {
                return None;
            }
            scan = true;
            // Entropy-coded data runs to the next marker that is not a stuffed 0xFF or a restart.
            let start = at;
            loop {
                let next_marker = bytes.get(at)? == &0xFF && !matches!(bytes.get(at + 1)?, 0x00 | 0xD0..=0xD7);
                if next_marker {
                    break;
                }
                at += 1;
            }
            out.extend_from_slice(&bytes[start..at]);
        }
    }
    if !scan {
        return None;
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    match orientation {
        Some(value @ 2..=8) => {
            let at = if out.get(2..4) == Some(&[0xFF, 0xE0]) { 4 + be16(&out, 4)? } else { 2 };
            out.splice(at..at, orientation_segment(value));
            Some(out)
        }
        _ => Some(out),
    }
}

/// The orientation (tag 0x0112) in IFD0 of an Exif block's TIFF structure.
fn exif_orientation(tiff: &[u8]) -> Option<u16> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let raw: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if big { u16::from_be_bytes(raw) } else { u16::from_le_bytes(raw) })
    };
    let u32_at = |at: usize| -> Option<usize> {
        let raw: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if big { u32::from_be_bytes(raw) } else { u32::from_le_bytes(raw) } as usize)
    };
    let ifd = u32_at(4)?;
    let count = usize::from(u16_at(ifd)?);
    (0..count)
        .map(|i| ifd + 2 + 12 * i)
        .find_map(|entry| (u16_at(entry)? == 0x0112 && u16_at(entry + 2)? == 3).then(|| u16_at(entry + 8)).flatten())
}

/// An APP1 Exif segment holding nothing but the orientation.
fn orientation_segment(value: u16) -> Vec<u8> {
    let mut segment = vec![0xFF, 0xE1, 0, 34];
    segment.extend_from_slice(b"Exif\0\0MM\0\x2a\0\0\0\x08");
    segment.extend_from_slice(&[0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1]);
    segment.extend_from_slice(&value.to_be_bytes());
    segment.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    segment
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A PNG's chunks from IHDR to IEND, without Exif, text and time chunks.
fn png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut at = PNG_SIGNATURE.len();
    let mut first = true;
    loop {
        let length = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind = bytes.get(at + 4..at + 8)?;
        let chunk = bytes.get(at..(at + 12).checked_add(length)?)?;
        if first && kind != b"IHDR" {
            return None;
        }
        first = false;
        if !matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        at += chunk.len();
        if kind == b"IEND" {
            return Some(out);
        }
    }
}

/// A WebP's chunks without EXIF and XMP, with the extended header's flags for them cleared.
fn webp(bytes: &[u8]) -> Option<Vec<u8>> {
    let declared = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?) as usize;
    let body = bytes.get(12..declared.checked_add(8)?)?;
    let mut chunks = Vec::with_capacity(body.len());
    let mut at = 0;
    let mut image = false;
    while at < body.len() {
        let kind = body.get(at..at + 4)?;
        let size = u32::from_le_bytes(body.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        let padded = size + (size & 1);
        let chunk = body.get(at..(at + 8).checked_add(padded)?)?;
        if at == 0 && !matches!(kind, b"VP8 " | b"VP8L" | b"VP8X") {
            return None;
        }
        image |= matches!(kind, b"VP8 " | b"VP8L");
        match kind {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let mut header = chunk.to_vec();
                *header.get_mut(8)? &= !0x0C;
                chunks.extend_from_slice(&header);
            }
            _ => chunks.extend_from_slice(chunk),
        }
        at += chunk.len();
    }
    if !image {
        return None;
    }
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&u32::try_from(chunks.len() + 4).ok()?.to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&chunks);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PHONE_JPEG: &[u8] = include_bytes!("../../fixtures/photo-gps.jpg");
    const TEXT_PNG: &[u8] = include_bytes!("../../fixtures/photo-text.png");

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn a_phone_jpeg_loses_its_location_and_maker_but_keeps_its_orientation() {
        assert!(contains(PHONE_JPEG, b"PhoneMaker"));
        let photo = clean(PHONE_JPEG, false).unwrap();
        assert_eq!(photo.content_type, "image/jpeg");
        assert!(!contains(&photo.bytes, b"PhoneMaker"));
        assert!(!contains(&photo.bytes, b"Model X"));
        // The GPS IFD pointer tag (0x8825) in either byte order.
        assert!(!contains(&photo.bytes, &[0x88, 0x25]) && !contains(&photo.bytes, &[0x25, 0x88]));
        let exif = photo.bytes.windows(6).position(|w| w == b"Exif\0\0").unwrap();
        assert_eq!(exif_orientation(&photo.bytes[exif + 6..]), Some(6));
        assert!(photo.bytes.ends_with(&[0xFF, 0xD9]));
        // Cleaning is stable: a cleaned photo cleans to itself.
        assert_eq!(clean(&photo.bytes, false).unwrap().bytes, photo.bytes);
    }

    #[test]
    fn a_campaign_that_keeps_the_location_stores_the_photo_as_taken() {
        assert_eq!(clean(PHONE_JPEG, true).unwrap().bytes, PHONE_JPEG);
    }

    #[test]
    fn whatever_follows_the_end_of_the_image_is_dropped() {
        let mut motion = PHONE_JPEG.to_vec();
        motion.extend_from_slice(b"ftypmp42 video with a location track");
        let photo = clean(&motion, false).unwrap();
        assert!(!contains(&photo.bytes, b"video"));
        assert!(photo.bytes.ends_with(&[0xFF, 0xD9]));
    }

    #[test]
    fn a_png_loses_its_text_and_exif_chunks() {
        assert!(contains(TEXT_PNG, b"tEXt") && contains(TEXT_PNG, b"eXIf"));
        let photo = clean(TEXT_PNG, false).unwrap();
        assert_eq!(photo.content_type, "image/png");
        assert!(!contains(&photo.bytes, b"tEXt") && !contains(&photo.bytes, b"eXIf"));
        assert!(!contains(&photo.bytes, b"GPS"));
        assert!(contains(&photo.bytes, b"IDAT") && photo.bytes.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }

    #[test]
    fn a_webp_loses_its_exif_chunk_and_flag() {
        let mut body = b"VP8X".to_vec();
        body.extend_from_slice(&10u32.to_le_bytes());
        body.extend_from_slice(&[0x08, 0, 0, 0, 7, 0, 0, 7, 0, 0]);
        body.extend_from_slice(b"VP8L");
        body.extend_from_slice(&5u32.to_le_bytes());
        body.extend_from_slice(&[0x2F, 0, 0, 0, 0, 0]);
        body.extend_from_slice(b"EXIF");
        body.extend_from_slice(&3u32.to_le_bytes());
        body.extend_from_slice(b"GPS\0");
        let mut file = b"RIFF".to_vec();
        file.extend_from_slice(&(body.len() as u32 + 4).to_le_bytes());
        file.extend_from_slice(b"WEBP");
        file.extend_from_slice(&body);
        let photo = clean(&file, false).unwrap();
        assert_eq!(photo.content_type, "image/webp");
        assert!(!contains(&photo.bytes, b"EXIF") && !contains(&photo.bytes, b"GPS"));
        assert_eq!(photo.bytes[20], 0);
        assert_eq!(u32::from_le_bytes(photo.bytes[4..8].try_into().unwrap()) as usize, photo.bytes.len() - 8);
    }

    #[test]
    fn what_is_not_a_whole_image_is_refused_with_a_reason() {
        let code = |bytes: &[u8]| clean(bytes, false).unwrap_err().code;
        assert_eq!(code(b""), "file_empty");
        assert_eq!(code(b"<svg onload=alert(1)>"), "photo_not_image");
        assert_eq!(code(b"%PDF-1.7"), "photo_not_image");
        assert_eq!(code(&PHONE_JPEG[..PHONE_JPEG.len() / 2]), "photo_damaged");
        assert_eq!(code(&TEXT_PNG[..40]), "photo_damaged");
        assert_eq!(code(&[0xFF, 0xD8, 0xFF, 0xD9]), "photo_damaged");
        assert_eq!(code(&vec![0xFF; MAX_PHOTO_BYTES + 1]), "photo_too_large");
        // Being refused, even on a damaged file, never panics.
        for cut in 0..PHONE_JPEG.len() {
            let _ = clean(&PHONE_JPEG[..cut], false);
        }
        for cut in 0..TEXT_PNG.len() {
            let _ = clean(&TEXT_PNG[..cut], false);
        }
    }
}
