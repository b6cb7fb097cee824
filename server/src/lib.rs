//! alongside-server
