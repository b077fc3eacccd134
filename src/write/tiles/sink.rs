//! The tile writer as a [`Sink`] of the one pipeline: `build --events` writes
//! `OUT/<layer>.pmtiles` from the same pass as the GeoJSON layer.
//!
//! Each [`Encoded`] feature's GeoJSON text is read back by the one GeoJSON feature reader
//! ([`RawFeature`], its properties encoded as read) and goes straight into a
//! [`LayerBuilder`] (projected, its properties in the layer's tables); at [`Sink::finish`]
//! the layer is tiled with the tile budget and clustering of [`TileOptions`] and staged
//! like every other output (the archive streamed to its temporary file from tiles spilled
//! beside it). Memory: the prepared features go through the tiler's external sort, spilled
//! beside the archive, so the sink holds a bounded buffer, not the layer.

use std::path::{Path, PathBuf};

use super::input::{FeatureError, RawFeature};
use super::{stage_built_pmtiles, LayerBuilder, TileOptions};
use crate::error::{Error, Result};
use crate::write::sink::{Encoded, Output, Sink};

/// A PMTiles archive of one layer, fed feature by feature.
#[derive(Debug)]
pub struct TileSink {
    dest: PathBuf,
    layer_name: String,
    layer: LayerBuilder,
    opts: TileOptions,
    text: Vec<u8>,
    /// The feature being read.
    feature: RawFeature,
}

impl TileSink {
    /// A sink writing `dest` for the layer named `layer`.
    pub fn create(dest: &Path, layer: &str, opts: TileOptions) -> Result<TileSink> {
        opts.validate()?;
        Ok(TileSink {
            dest: dest.to_path_buf(),
            layer_name: layer.to_string(),
            layer: LayerBuilder::create(layer, "", Some(&opts.spill_beside(dest))),
            opts,
            text: Vec::new(),
            feature: RawFeature::default(),
        })
    }
}

impl Sink for TileSink {
    fn feature(&mut self, f: &Encoded<'_>) -> Result<()> {
        self.text.clear();
        for part in f.text {
            self.text.extend_from_slice(part);
        }
        self.feature
            .read_slice(&self.text, self.layer.len() + 1)
            .map_err(|e| match e {
                FeatureError::Json(e) => {
                    Error::Usage(format!("tiles: feature {:?} is not JSON: {e}", f.id))
                }
                FeatureError::Feature(m) => Error::Usage(format!("tiles: feature {:?}: {m}", f.id)),
            })?;
        self.feature.push_to(&mut self.layer)
    }

    fn rewind(&mut self) -> Result<Option<PathBuf>> {
        self.layer = LayerBuilder::create(
            &self.layer_name,
            "",
            Some(&self.opts.spill_beside(&self.dest)),
        );
        Ok(None)
    }

    fn finish(self: Box<Self>, attribution: &str) -> Result<Output> {
        let features = self.layer.len() as u64;
        let mut layer = self.layer;
        layer.set_attribution(attribution);
        let (staged, stats) = stage_built_pmtiles(&self.dest, vec![layer], &self.opts)?;
        Ok(Output {
            staged,
            path: self.dest,
            features,
            digest: stats.digest,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_fed_as_text_come_out_as_an_archive() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dest = dir.path().join("events.pmtiles");
        let mut sink: Box<dyn Sink> = Box::new(
            TileSink::create(&dest, "events", TileOptions::default())
                .unwrap_or_else(|e| panic!("{e}")),
        );
        let a: &[&[u8]] = &[
            br#"{"type":"Feature","id":"a","geometry":{"type":"Point","#,
            br#""coordinates":[67.3,37.2]},"properties":{"n":1}}"#,
        ];
        sink.feature(&Encoded {
            id: "a",
            bounds: None,
            text: a,
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let out = sink.finish("test").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.features, 1);
        out.commit().unwrap_or_else(|e| panic!("{e}"));
        let bytes = std::fs::read(&dest).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&bytes[..7], b"PMTiles");
    }
}
