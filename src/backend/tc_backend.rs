//! stub
/// stub
pub struct ThresholdCrypto;
