//! alongside-mobile-bridge
