//! A test-only writer of AAMVA DL/ID barcode payloads (the bytes inside the
//! PDF417 symbol on the back of a North American licence).
//!
//! Layout written (AAMVA DL/ID Card Design Standard, annex D):
//!
//! ```text
//! @ LF RS CR "ANSI " IIN(6) version(2) [jurisdiction version(2)] entries(2)
//! then per subfile: type(2) offset(4) length(4)
//! then each subfile: type(2) element LF element LF ... element CR
//! ```
//!
//! Offsets count bytes from the leading `@`; a subfile's length counts its
//! type, its elements, separators and the closing CR. Version 01 (DL/ID-2000)
//! has no jurisdiction version field, so its header is two bytes shorter.
//! This writer produces well-formed payloads only; it is not a parser and
//! checks nothing about which elements a version requires.

/// Compliance indicator, data element separator, record separator, segment
/// terminator: the four bytes every AAMVA payload starts with.
pub const PREFIX: &[u8] = b"@\n\x1e\r";
/// The file type after the prefix.
pub const FILE_TYPE: &[u8] = b"ANSI ";
/// Length of one subfile designator (type, offset, length).
pub const DESIGNATOR_LEN: usize = 10;

/// One subfile: `DL` (driver licence), `ID` (identification card) or a
/// jurisdiction-specific `Z?` subfile, with its elements in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subfile {
    /// Two-character subfile type.
    pub kind: String,
    /// Three-character element id and its value.
    pub elements: Vec<(String, String)>,
}

impl Subfile {
    pub fn new(kind: &str, elements: &[(&str, &str)]) -> Self {
        assert_eq!(kind.len(), 2, "subfile type {kind:?} must be 2 characters");
        for (id, _) in elements {
            assert_eq!(id.len(), 3, "element id {id:?} must be 3 characters");
        }
        Self {
            kind: kind.to_owned(),
            elements: elements
                .iter()
                .map(|(id, value)| ((*id).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    /// The subfile's bytes: type, elements separated by LF, closing CR.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.kind.as_bytes().to_vec();
        for (i, (id, value)) in self.elements.iter().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(value.as_bytes());
        }
        out.push(b'\r');
        out
    }
}

/// A whole payload: header plus subfiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// Issuer identification number, 6 digits (636xxx for US states and
    /// most provinces).
    pub iin: String,
    /// AAMVA version, 1..=99 (01 = DL/ID-2000, 10 = CDS 2020).
    pub version: u8,
    /// The jurisdiction's own version; not written for version 01.
    pub jurisdiction_version: u8,
    pub subfiles: Vec<Subfile>,
}

impl Payload {
    /// Length of the header before the designators.
    pub fn header_len(&self) -> usize {
        let jurisdiction = if self.version >= 2 { 2 } else { 0 };
        PREFIX.len() + FILE_TYPE.len() + 6 + 2 + jurisdiction + 2
    }

    /// (offset, length) of each subfile, as written in its designator.
    pub fn subfile_positions(&self) -> Vec<(usize, usize)> {
        let mut offset = self.header_len() + DESIGNATOR_LEN * self.subfiles.len();
        self.subfiles
            .iter()
            .map(|subfile| {
                let length = subfile.to_bytes().len();
                let position = (offset, length);
                offset += length;
                position
            })
            .collect()
    }

    /// The payload's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        assert!(
            self.iin.len() == 6 && self.iin.bytes().all(|b| b.is_ascii_digit()),
            "IIN {:?} must be 6 digits",
            self.iin
        );
        assert!((1..=99).contains(&self.version), "version {}", self.version);
        assert!(self.subfiles.len() <= 99, "at most 99 subfiles");
        let mut out = PREFIX.to_vec();
        out.extend_from_slice(FILE_TYPE);
        out.extend_from_slice(self.iin.as_bytes());
        out.extend_from_slice(format!("{:02}", self.version).as_bytes());
        if self.version >= 2 {
            out.extend_from_slice(format!("{:02}", self.jurisdiction_version).as_bytes());
        }
        out.extend_from_slice(format!("{:02}", self.subfiles.len()).as_bytes());
        for (subfile, (offset, length)) in self.subfiles.iter().zip(self.subfile_positions()) {
            assert!(offset <= 9999 && length <= 9999, "subfile too large");
            out.extend_from_slice(format!("{}{offset:04}{length:04}", subfile.kind).as_bytes());
        }
        for subfile in &self.subfiles {
            out.extend_from_slice(&subfile.to_bytes());
        }
        out
    }

    /// The payload as a string (every byte is ASCII).
    pub fn to_text(&self) -> String {
        String::from_utf8(self.to_bytes()).expect("AAMVA payloads are ASCII")
    }
}

/// A fictitious licence holder's `DL` subfile in the element set of
/// `version`: DL/ID-2000 (01) uses the full-name element `DAA` and
/// CCYYMMDD dates; later versions split the name (`DCS`, `DAC`, `DAD`) and
/// write US dates as MMDDCCYY (Canada keeps CCYYMMDD).
pub fn sample_dl_subfile(version: u8, jurisdiction: &str, canadian: bool) -> Subfile {
    let date = |us: &'static str, ca: &'static str| if canadian { ca } else { us };
    let country = if canadian { "CAN" } else { "USA" };
    if version == 1 {
        return Subfile::new(
            "DL",
            &[
                ("DAQ", "D1234567"),
                ("DAA", "SPECIMEN,TESTER,Q"),
                ("DAG", "1 SAMPLE ROAD"),
                ("DAI", "EXAMPLETOWN"),
                ("DAJ", jurisdiction),
                ("DAK", "123450000"),
                ("DAR", "C"),
                ("DAS", "NONE"),
                ("DAT", "NONE"),
                ("DBA", "20300115"),
                ("DBB", "19800115"),
                ("DBC", "1"),
                ("DBD", "20220115"),
                ("DAU", "5-10"),
                ("DAY", "BRO"),
            ],
        );
    }
    let mut elements: Vec<(&str, &str)> = vec![
        ("DCA", "C"),
        ("DCB", "NONE"),
        ("DCD", "NONE"),
        ("DBA", date("01152030", "20300115")),
        ("DCS", "SPECIMEN"),
        ("DAC", "TESTER"),
        ("DAD", "QUINCY"),
        ("DBD", date("01152022", "20220115")),
        ("DBB", date("01151980", "19800115")),
        ("DBC", "1"),
        ("DAY", "BRO"),
        ("DAU", "070 IN"),
        ("DAG", "1 SAMPLE ROAD"),
        ("DAI", "EXAMPLETOWN"),
        ("DAJ", jurisdiction),
        ("DAK", "123450000  "),
        ("DAQ", "D1234567"),
        ("DCF", "DOC0001234567"),
        ("DCG", country),
        ("DDE", "N"),
        ("DDF", "N"),
        ("DDG", "N"),
    ];
    if version >= 4 {
        elements.extend([("DDA", "F"), ("DDB", "07012019"), ("DAW", "165")]);
    }
    if version >= 8 {
        elements.extend([("DDK", "1"), ("DDL", "0")]);
    }
    if version >= 10 {
        elements.extend([("DDH", "01151998"), ("DDJ", "01152001")]);
    }
    Subfile::new("DL", &elements)
}

/// A licence payload of `version` for the issuer `iin`, with a DL subfile
/// and a small jurisdiction-specific `Z?` subfile after it.
pub fn sample_licence(iin: &str, version: u8, jurisdiction: &str, canadian: bool) -> Payload {
    let z_kind = format!("Z{}", &jurisdiction[..1]);
    let z_elements = [
        (format!("{z_kind}A"), "SAMPLE".to_owned()),
        (format!("{z_kind}B"), "0".to_owned()),
    ];
    let z = Subfile {
        kind: z_kind,
        elements: z_elements.to_vec(),
    };
    Payload {
        iin: iin.to_owned(),
        version,
        jurisdiction_version: if version >= 2 { 1 } else { 0 },
        subfiles: vec![sample_dl_subfile(version, jurisdiction, canadian), z],
    }
}
