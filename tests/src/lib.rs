//! alongside-tests
