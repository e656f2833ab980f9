//! Tests of the training loop on the tiny preset and hand-made data.
