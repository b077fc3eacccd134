//! The pipeline: read → resolve → derive → write, for `build` and `check`.
