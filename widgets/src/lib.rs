//! Reusable egui widgets of Worldbench. Plain data in (storage types, byte slices, numbers); this crate
//! never imports candle and knows nothing of training.
