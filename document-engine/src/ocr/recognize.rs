//! Text-line recognition: the PP-OCRv4 recogniser on a line scaled to 48
//! pixels high, then greedy CTC decoding over its character list, optionally
//! restricted to a smaller alphabet.

use image::RgbImage;

use super::error::OcrError;
use super::net::Network;
use super::pixels;

/// The recogniser's input height.
pub const LINE_HEIGHT: u32 = 48;
/// The narrowest input the recogniser gets (PaddleOCR's 320).
const MIN_WIDTH: u32 = 320;
/// The widest input: longer lines are squeezed to it.
const MAX_WIDTH: u32 = 3200;
/// Each output step covers this many input columns.
const STEP_COLUMNS: u32 = 8;

/// The characters an MRZ is made of.
pub const MRZ_CHARACTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/// Which characters the decoder may choose from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alphabet {
    /// Every character the model knows (6,623 plus the space).
    Full,
    /// Only [`MRZ_CHARACTERS`]: every other class is masked out before the
    /// best class of each step is taken.
    Mrz,
}

/// One decoded character.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecognizedChar {
    pub ch: char,
    /// The character's probability at its best step (0..1).
    pub confidence: f32,
    /// Horizontal centre of that step in the recognised crop's pixels.
    pub x: f32,
}

/// The text of one line.
#[derive(Debug, Clone, PartialEq)]
pub struct Recognized {
    pub text: String,
    /// Mean of the characters' confidences (0..1); 0 for no text.
    pub confidence: f32,
    pub chars: Vec<RecognizedChar>,
}

#[derive(Debug)]
pub(crate) struct Recognizer {
    net: Network,
    /// Class `i + 1` is `characters[i]`; class 0 is the CTC blank.
    characters: Vec<char>,
    /// Class indices of [`MRZ_CHARACTERS`].
    mrz_classes: Vec<usize>,
}

/// Input widths are rounded up to one of these (padding on the right).
fn bucket_width(width: u32) -> u32 {
    let width = width.clamp(MIN_WIDTH, MAX_WIDTH);
    if width <= 1600 {
        width.div_ceil(160) * 160
    } else {
        width.div_ceil(320) * 320
    }
}

impl Recognizer {
    /// `dictionary` is the model's `character` metadata: one character a
    /// line. PaddleOCR adds the blank before and the space after it.
    pub(crate) fn new(net: Network, dictionary: &str) -> Result<Self, OcrError> {
        let mut characters = Vec::new();
        for line in dictionary.lines() {
            let mut chars = line.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => characters.push(c),
                _ => {
                    return Err(OcrError::ModelFormat {
                        name: "recognizer",
                        detail: format!("dictionary entry {line:?} is not one character"),
                    });
                }
            }
        }
        characters.push(' ');
        let mut mrz_classes = Vec::new();
        for c in MRZ_CHARACTERS.chars() {
            let index =
                characters
                    .iter()
                    .position(|&k| k == c)
                    .ok_or_else(|| OcrError::ModelFormat {
                        name: "recognizer",
                        detail: format!("the dictionary has no {c:?}"),
                    })?;
            mrz_classes.push(index + 1);
        }
        Ok(Self {
            net,
            characters,
            mrz_classes,
        })
    }

    /// How many classes the model must output (blank + characters).
    pub(crate) fn classes(&self) -> usize {
        self.characters.len() + 1
    }

    pub(crate) fn prepare(&self, width: u32) -> Result<(), OcrError> {
        let w = bucket_width(width);
        self.net.prepare([1, 3, LINE_HEIGHT as usize, w as usize])
    }

    /// Reads one upright line image. `stretch` widens the line before
    /// recognition (1.0: keep its aspect): more output steps per character
    /// keep runs of the same character apart.
    pub(crate) fn recognize(
        &self,
        line: &RgbImage,
        alphabet: Alphabet,
        stretch: f32,
    ) -> Result<Recognized, OcrError> {
        let mut read = self.recognize_each(line, &[alphabet], stretch)?;
        Ok(read.pop().unwrap_or_else(Recognized::empty))
    }

    /// Reads one line once and decodes it with each alphabet in turn.
    pub(crate) fn recognize_each(
        &self,
        line: &RgbImage,
        alphabets: &[Alphabet],
        stretch: f32,
    ) -> Result<Vec<Recognized>, OcrError> {
        let (w, h) = line.dimensions();
        if w == 0 || h == 0 {
            return Ok(alphabets.iter().map(|_| Recognized::empty()).collect());
        }
        let target = ((LINE_HEIGHT as f32 * w as f32 / h as f32 * stretch.max(0.1)).ceil() as u32)
            .clamp(1, MAX_WIDTH);
        let resized = pixels::resize(line, target, LINE_HEIGHT);
        let width = bucket_width(target);
        let input = pixels::to_planes(&resized, width as usize, LINE_HEIGHT as usize);
        let output = self
            .net
            .run([1, 3, LINE_HEIGHT as usize, width as usize], input)?;
        let (steps, classes) = match output.dims.as_slice() {
            [1, t, c] => (*t, *c),
            other => {
                return Err(OcrError::Inference {
                    name: "recognizer",
                    detail: format!("unexpected output shape {other:?}"),
                });
            }
        };
        if classes != self.classes() {
            return Err(OcrError::ModelFormat {
                name: "recognizer",
                detail: format!(
                    "{classes} output classes for {} dictionary classes",
                    self.classes()
                ),
            });
        }
        // Output step positions back in the crop's own pixels.
        let to_crop = w as f32 / target as f32;
        let read = alphabets
            .iter()
            .map(|alphabet| {
                let allowed = match alphabet {
                    Alphabet::Full => None,
                    Alphabet::Mrz => Some(self.mrz_classes.as_slice()),
                };
                let chars: Vec<RecognizedChar> =
                    ctc_greedy(&output.values, steps, classes, allowed)
                        .into_iter()
                        .filter_map(|(class, confidence, step)| {
                            let ch = *self.characters.get(class.checked_sub(1)?)?;
                            let x = (step as f32 + 0.5) * STEP_COLUMNS as f32 * to_crop;
                            Some(RecognizedChar { ch, confidence, x })
                        })
                        .collect();
                Recognized::from_chars(chars)
            })
            .collect();
        Ok(read)
    }
}

impl Recognized {
    fn empty() -> Self {
        Self {
            text: String::new(),
            confidence: 0.0,
            chars: Vec::new(),
        }
    }

    fn from_chars(chars: Vec<RecognizedChar>) -> Self {
        let confidence = if chars.is_empty() {
            0.0
        } else {
            chars.iter().map(|c| c.confidence).sum::<f32>() / chars.len() as f32
        };
        Self {
            text: chars.iter().map(|c| c.ch).collect(),
            confidence,
            chars,
        }
    }
}

/// Greedy CTC over `steps × classes` probabilities: the best class of each
/// step, where a step whose best class is not the blank (class 0) takes the
/// best of `allowed` when given (the space, the last class, then counts as a
/// blank); repeats of a class merge, blanks separate. Returns `(class, probability, step)` of
/// each emitted character: its first step, its highest probability.
fn ctc_greedy(
    probs: &[f32],
    steps: usize,
    classes: usize,
    allowed: Option<&[usize]>,
) -> Vec<(usize, f32, usize)> {
    let mut out: Vec<(usize, f32, usize)> = Vec::new();
    let mut previous = 0usize;
    for t in 0..steps {
        let Some(row) = probs.get(t * classes..(t + 1) * classes) else {
            break;
        };
        let full = argmax(row.iter().copied().enumerate());
        // Whether a step holds a character is decided over every class; only
        // which character it is, among the allowed ones. (Masking before
        // that choice would turn a step whose best class is not allowed into
        // a blank and drop its character.)
        // The space (the last class) separates like a blank when it is not
        // allowed: an MRZ has none, but the margins around it read as one.
        let (best, p) = match allowed {
            Some(_) if full.0 + 1 == classes => (0, full.1),
            Some(allowed) if full.0 != 0 => {
                argmax(allowed.iter().filter_map(|&c| Some((c, *row.get(c)?))))
            }
            _ => full,
        };
        if best != 0 && best != previous {
            out.push((best, p, t));
        } else if best != 0
            && let Some(last) = out.last_mut()
            && p > last.1
        {
            last.1 = p;
        }
        previous = best;
    }
    out
}

fn argmax(values: impl Iterator<Item = (usize, f32)>) -> (usize, f32) {
    values.fold((0, f32::NEG_INFINITY), |best, (i, v)| {
        if v > best.1 { (i, v) } else { best }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctc_merges_repeats_and_masks_classes() {
        // 5 classes: blank, a, b, c, space; steps: a a blank a c (b close).
        let probs = [
            0.1, 0.8, 0.05, 0.05, 0.0, //
            0.1, 0.9, 0.0, 0.0, 0.0, //
            0.9, 0.1, 0.0, 0.0, 0.0, //
            0.2, 0.7, 0.1, 0.0, 0.0, //
            0.0, 0.1, 0.4, 0.5, 0.0, //
        ];
        let full = ctc_greedy(&probs, 5, 5, None);
        let classes: Vec<usize> = full.iter().map(|c| c.0).collect();
        assert_eq!(classes, vec![1, 1, 3]);
        assert_eq!(full[0].1, 0.9);
        assert_eq!(full[2].2, 4);
        let masked = ctc_greedy(&probs, 5, 5, Some(&[1, 2]));
        let classes: Vec<usize> = masked.iter().map(|c| c.0).collect();
        assert_eq!(classes, vec![1, 1, 2]);
        assert!(ctc_greedy(&probs[..3], 5, 5, None).is_empty());
        // A step whose best class is masked keeps a character: the best
        // allowed one, even when the blank beats it.
        let probs = [0.3, 0.1, 0.0, 0.6, 0.0];
        let masked = ctc_greedy(&probs, 1, 5, Some(&[1, 2]));
        assert_eq!(masked.iter().map(|c| c.0).collect::<Vec<_>>(), vec![1]);
        // The space (last class) is a separator, not a character, when masked.
        let probs = [0.1, 0.2, 0.0, 0.7];
        assert!(ctc_greedy(&probs, 1, 4, Some(&[1, 2])).is_empty());
    }

    #[test]
    fn widths_fall_into_a_few_buckets() {
        assert_eq!(bucket_width(10), 320);
        assert_eq!(bucket_width(321), 480);
        assert_eq!(bucket_width(1600), 1600);
        assert_eq!(bucket_width(1601), 1920);
        assert_eq!(bucket_width(99_999), 3200);
        let distinct: std::collections::BTreeSet<u32> = (1..4000).map(bucket_width).collect();
        assert!(distinct.len() <= 16, "{distinct:?}");
    }
}
