//! The generated licence fixtures shared by the tests and the benchmark:
//! AAMVA payloads of several versions and issuers, drawn as PDF417 at each
//! module width, with named camera-like degradations.

use image::GrayImage;

use super::aamva::{self, Payload};
use super::render::{self, Rng};

/// Module widths the fixtures are drawn at, in pixels.
pub const MODULE_WIDTHS: [u32; 4] = [1, 2, 3, 4];

/// Licence payloads: AAMVA versions 01, 04, 08 and 10, US and Canadian
/// issuers, each with a DL and a jurisdiction subfile.
pub fn licences() -> Vec<(&'static str, Payload)> {
    vec![
        ("CA v01", aamva::sample_licence("636014", 1, "CA", false)),
        ("TX v04", aamva::sample_licence("636015", 4, "TX", false)),
        ("OH v08", aamva::sample_licence("636023", 8, "OH", false)),
        ("VA v10", aamva::sample_licence("636000", 10, "VA", false)),
        ("ON v10", aamva::sample_licence("636012", 10, "ON", true)),
        ("BC v08", aamva::sample_licence("636028", 8, "BC", true)),
    ]
}

/// What happens to a drawn symbol before the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Degradation {
    /// As drawn.
    Clean,
    /// Gaussian blur of this many module widths.
    Blur(f32),
    /// Tilted by this many degrees.
    Rotate(f32),
    /// JPEG recompression at this quality.
    Jpeg(u8),
    /// Sensor noise of this standard deviation in grey levels.
    Noise(f32),
    /// On a card with a lighting gradient, tilted, blurred, noisy and
    /// JPEG-compressed: all of the above at once, milder.
    Photo,
    /// Turned a quarter turn (90°) clockwise this many times.
    QuarterTurns(u8),
}

impl Degradation {
    /// What any symbol must survive, down to modules one pixel wide.
    pub const ANY_SCALE: [Self; 5] = [
        Self::Clean,
        Self::Blur(0.5),
        Self::Jpeg(60),
        Self::Noise(12.0),
        Self::QuarterTurns(1),
    ];

    /// What a symbol with modules of two pixels or more must also survive.
    /// (At one pixel per module a tilt resamples every module away.)
    pub const TWO_PIXELS_UP: [Self; 8] = [
        Self::Blur(0.6),
        Self::Rotate(3.0),
        Self::Rotate(-3.0),
        Self::Rotate(6.0),
        Self::Rotate(-6.0),
        Self::Photo,
        Self::QuarterTurns(2),
        Self::QuarterTurns(3),
    ];

    /// The degradations a fixture with modules of `module_px` pixels goes
    /// through.
    pub fn for_module_width(module_px: u32) -> Vec<Self> {
        let mut all = Self::ANY_SCALE.to_vec();
        if module_px >= 2 {
            all.extend(Self::TWO_PIXELS_UP);
        }
        all
    }

    pub fn apply(self, symbol: &GrayImage, module_px: u32, rng: &mut Rng) -> GrayImage {
        let m = module_px as f32;
        match self {
            Self::Clean => symbol.clone(),
            Self::Blur(modules) => render::blur(symbol, modules * m),
            Self::Rotate(degrees) => render::rotate(symbol, degrees),
            Self::Jpeg(quality) => render::jpeg(symbol, quality),
            Self::Noise(sigma) => render::noise(symbol, sigma, rng),
            Self::Photo => {
                let (w, h) = symbol.dimensions();
                let card =
                    render::on_card(symbol, w + w / 4, h + h / 2, (w / 8, h / 4), (235, 170));
                let tilted = render::rotate(&card, 1.5);
                let soft = render::blur(&tilted, 0.3 * m);
                render::jpeg(&render::noise(&soft, 6.0, rng), 75)
            }
            Self::QuarterTurns(turns) => match turns % 4 {
                1 => image::imageops::rotate90(symbol),
                2 => image::imageops::rotate180(symbol),
                3 => image::imageops::rotate270(symbol),
                _ => symbol.clone(),
            },
        }
    }
}

impl std::fmt::Display for Degradation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Clean => f.write_str("clean"),
            Self::Blur(s) => write!(f, "blur {s} module"),
            Self::Rotate(d) => write!(f, "rotate {d:+}°"),
            Self::Jpeg(q) => write!(f, "jpeg q{q}"),
            Self::Noise(s) => write!(f, "noise σ{s}"),
            Self::Photo => f.write_str("photo"),
            Self::QuarterTurns(turns) => write!(f, "turned {}°", 90 * u32::from(*turns)),
        }
    }
}
