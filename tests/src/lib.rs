//! End-to-end tests of the whole riv pipeline: helpers shared by the test binaries.
