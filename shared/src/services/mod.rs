//! Outside systems reached by the functions.

pub mod images;
