//! Generated MRZ fixtures: ICAO 9303 strings with correct check digits for
//! each format, rendered in a monospace font onto white pages with a light
//! blur and a small rotation.

use ab_glyph::{Font as _, FontRef, PxScale, ScaleFont as _};
use image::{GrayImage, Luma, RgbImage};

/// The ICAO 9303 check digit (weights 7, 3, 1; `<` counts 0).
pub fn check_digit(field: &str) -> char {
    let sum: u32 = field
        .chars()
        .zip([7u32, 3, 1].iter().cycle())
        .map(|(c, w)| {
            let v = match c {
                '0'..='9' => c as u32 - '0' as u32,
                'A'..='Z' => c as u32 - 'A' as u32 + 10,
                _ => 0,
            };
            v * w
        })
        .sum();
    char::from_digit(sum % 10, 10).unwrap_or('0')
}

fn pad(s: &str, len: usize) -> String {
    let mut out: String = s.chars().take(len).collect();
    while out.chars().count() < len {
        out.push('<');
    }
    out
}

fn with_check(field: &str) -> String {
    format!("{field}{}", check_digit(field))
}

/// The holder of a fixture document.
#[derive(Debug, Clone)]
pub struct Holder {
    pub country: &'static str,
    pub surname: &'static str,
    pub given: &'static str,
    pub number: &'static str,
    pub nationality: &'static str,
    pub birth: &'static str,
    pub sex: char,
    pub expiry: &'static str,
    pub optional: &'static str,
}

fn names(h: &Holder, len: usize) -> String {
    pad(
        &format!(
            "{}<<{}",
            h.surname.replace(' ', "<"),
            h.given.replace(' ', "<")
        ),
        len,
    )
}

/// The five MRZ formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Td1,
    Td2,
    Td3,
    MrvA,
    MrvB,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Td1,
        Format::Td2,
        Format::Td3,
        Format::MrvA,
        Format::MrvB,
    ];
}

/// The MRZ lines of `h` in `format`.
pub fn mrz_lines(format: Format, h: &Holder) -> Vec<String> {
    let number = with_check(&pad(h.number, 9));
    let birth = with_check(h.birth);
    let expiry = with_check(h.expiry);
    let lines = match format {
        Format::Td1 => {
            let l1 = format!("I<{}{}{}", h.country, number, pad(h.optional, 15));
            let l2_head = format!("{birth}{}{expiry}{}{}", h.sex, h.nationality, pad("", 11));
            let composite = format!(
                "{}{}{}{}",
                &l1[5..30],
                &l2_head[0..7],
                &l2_head[8..15],
                &l2_head[18..29]
            );
            let l2 = format!("{l2_head}{}", check_digit(&composite));
            vec![l1, l2, names(h, 30)]
        }
        Format::Td2 => {
            let optional = pad(h.optional, 7);
            let composite = format!("{number}{birth}{expiry}{optional}");
            vec![
                format!("I<{}{}", h.country, names(h, 31)),
                format!(
                    "{number}{}{birth}{}{expiry}{optional}{}",
                    h.nationality,
                    h.sex,
                    check_digit(&composite)
                ),
            ]
        }
        Format::Td3 => {
            let optional = with_check(&pad(h.optional, 14));
            let composite = format!("{number}{birth}{expiry}{optional}");
            vec![
                format!("P<{}{}", h.country, names(h, 39)),
                format!(
                    "{number}{}{birth}{}{expiry}{optional}{}",
                    h.nationality,
                    h.sex,
                    check_digit(&composite)
                ),
            ]
        }
        Format::MrvA => vec![
            format!("V<{}{}", h.country, names(h, 39)),
            format!(
                "{number}{}{birth}{}{expiry}{}",
                h.nationality,
                h.sex,
                pad(h.optional, 16)
            ),
        ],
        Format::MrvB => vec![
            format!("V<{}{}", h.country, names(h, 31)),
            format!(
                "{number}{}{birth}{}{expiry}{}",
                h.nationality,
                h.sex,
                pad(h.optional, 8)
            ),
        ],
    };
    let want = match format {
        Format::Td1 => 30,
        Format::Td2 | Format::MrvB => 36,
        Format::Td3 | Format::MrvA => 44,
    };
    for line in &lines {
        assert_eq!(line.len(), want, "{format:?} {line}");
    }
    lines
}

/// How a fixture page is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Render {
    /// Glyph height in pixels (the font's em size).
    pub size: f32,
    /// Gaussian blur sigma (0: none).
    pub blur: f32,
    /// Rotation in degrees, counter-clockwise.
    pub rotation: f32,
}

/// Draws a page: a heading and a field line of ordinary text above the MRZ
/// lines, white background, black text.
pub fn render_page(font_bytes: &[u8], mrz: &[String], render: Render) -> RgbImage {
    let font = FontRef::try_from_slice(font_bytes).expect("the font parses");
    let scale = PxScale::from(render.size);
    let scaled = font.as_scaled(scale);
    let advance = scaled.h_advance(font.glyph_id('M'));
    let chars = mrz.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let margin = (render.size * 2.0) as u32;
    let line_pitch = render.size * 1.7;
    let width = margin * 2 + (advance * chars as f32).ceil() as u32;
    let heading_lines = ["SPECIMEN TRAVEL DOCUMENT", "Surname / Nom  ERIKSSON"];
    let height = margin * 2 + (line_pitch * (mrz.len() + heading_lines.len() + 2) as f32) as u32;
    let mut page = GrayImage::from_pixel(width, height, Luma([255]));
    let mut y = margin as f32 + scaled.ascent();
    for text in heading_lines {
        draw_text(&mut page, &font, scale, text, margin as f32, y, advance);
        y += line_pitch;
    }
    y += line_pitch * 1.5;
    for line in mrz {
        draw_text(&mut page, &font, scale, line, margin as f32, y, advance);
        y += line_pitch;
    }
    let page = if render.blur > 0.0 {
        image::imageops::blur(&page, render.blur)
    } else {
        page
    };
    let page = rotate(&page, render.rotation);
    image::DynamicImage::ImageLuma8(page).to_rgb8()
}

/// Draws `text` in ink on `page`, one character every `advance` pixels from
/// `x`, on the baseline `baseline`.
pub fn draw_text(
    page: &mut GrayImage,
    font: &FontRef<'_>,
    scale: PxScale,
    text: &str,
    x: f32,
    baseline: f32,
    advance: f32,
) {
    for (i, c) in text.chars().enumerate() {
        let glyph = font
            .glyph_id(c)
            .with_scale_and_position(scale, ab_glyph::point(x + advance * i as f32, baseline));
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if px >= 0 && py >= 0 && (px as u32) < page.width() && (py as u32) < page.height() {
                    let p = page.get_pixel_mut(px as u32, py as u32);
                    let ink = (coverage.clamp(0.0, 1.0) * 255.0) as u8;
                    p.0[0] = p.0[0].min(255 - ink);
                }
            });
        }
    }
}

/// Rotates about the centre (bilinear, white outside), keeping the size.
fn rotate(page: &GrayImage, degrees: f32) -> GrayImage {
    if degrees == 0.0 {
        return page.clone();
    }
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (w, h) = page.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        // Inverse of a counter-clockwise turn (y down): source point.
        let sx = cx + dx * cos - dy * sin;
        let sy = cy + dx * sin + dy * cos;
        let x0 = sx.floor();
        let y0 = sy.floor();
        let (fx, fy) = (sx - x0, sy - y0);
        let at = |x: f32, y: f32| -> f32 {
            if x < 0.0 || y < 0.0 || x >= w as f32 || y >= h as f32 {
                255.0
            } else {
                f32::from(page.get_pixel(x as u32, y as u32).0[0])
            }
        };
        let v = (at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx) * (1.0 - fy)
            + (at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx) * fy;
        Luma([v.round().clamp(0.0, 255.0) as u8])
    })
}

/// Fixture holders: the ICAO specimen's and two more with long names and
/// runs of fillers.
pub fn holders() -> Vec<Holder> {
    vec![
        Holder {
            country: "UTO",
            surname: "ERIKSSON",
            given: "ANNA MARIA",
            number: "L898902C3",
            nationality: "UTO",
            birth: "740812",
            sex: 'F',
            expiry: "120415",
            optional: "ZE184226B",
        },
        Holder {
            country: "D<<",
            surname: "MUSTERMANN",
            given: "ERIKA",
            number: "T22000129",
            nationality: "D<<",
            birth: "640812",
            sex: 'F',
            expiry: "270313",
            optional: "",
        },
        Holder {
            country: "NLD",
            surname: "DE BRUIJN",
            given: "WILLEKE LISELOTTE",
            number: "SPECI2014",
            nationality: "NLD",
            birth: "650310",
            sex: 'F',
            expiry: "240309",
            optional: "999999990",
        },
    ]
}
