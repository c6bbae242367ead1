//! A small AAMVA payload writer for tests: a header whose directory matches
//! the subfiles it is given.

/// A payload of `subfiles` (designator, `(element id, value)`s).
pub fn payload(
    iin: u32,
    version: u8,
    jurisdiction_version: Option<u8>,
    subfiles: &[(&str, Vec<(&str, &str)>)],
) -> Vec<u8> {
    let bodies: Vec<Vec<u8>> = subfiles
        .iter()
        .map(|(kind, elements)| {
            let lines: Vec<String> = elements.iter().map(|(id, v)| format!("{id}{v}")).collect();
            format!("{kind}{}\r", lines.join("\n")).into_bytes()
        })
        .collect();
    let mut head = format!("@\n\x1e\rANSI {iin:06}{version:02}");
    if let Some(j) = jurisdiction_version {
        head.push_str(&format!("{j:02}"));
    }
    head.push_str(&format!("{:02}", subfiles.len()));
    let mut offset = head.len() + 10 * subfiles.len();
    for ((kind, _), body) in subfiles.iter().zip(&bodies) {
        head.push_str(&format!("{kind}{offset:04}{:04}", body.len()));
        offset += body.len();
    }
    let mut out = head.into_bytes();
    for body in bodies {
        out.extend(body);
    }
    out
}
