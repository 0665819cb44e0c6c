//! Region plans: where a radio stands decides which channels it may use and how much power it
//! may radiate. The region is found from the location asserted on chain, never from a report.
use h3o::CellIndex;
use serde::{Deserialize, Serialize};

/// One region plan.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Region {
    pub name: String,
    /// H3 cells (hex) covering the region: a device belongs to the first region one of whose
    /// cells contains its asserted cell.
    pub cells: Vec<AreaCell>,
    /// The uplink channels' centre frequencies, in hertz.
    pub channels_hz: Vec<u64>,
    /// How far a reported frequency may be from a channel's centre.
    pub channel_tolerance_hz: u64,
    /// The most a radio of the region may radiate (EIRP: conducted power plus antenna gain),
    /// in tenths of a dBm.
    pub max_eirp_ddbm: i32,
}

impl Region {
    /// FCC part 15.247: 30 dBm conducted plus 6 dBi of antenna, 36 dBm EIRP. Channels: the
    /// LoRaWAN US902-928 sub-band 2 (903.9-905.3 MHz, 125 kHz). Cells: the resolution-0 cells
    /// that cover the contiguous United States.
    pub fn us915() -> Self {
        Self {
            name: "US915".into(),
            cells: AreaCell::all(&[0x800ffffffffffff, 0x8013fffffffffff, 0x8027fffffffffff, 0x8029fffffffffff, 0x802bfffffffffff, 0x8045fffffffffff, 0x8049fffffffffff, 0x804dfffffffffff, 0x8051fffffffffff]),
            channels_hz: (0..8).map(|n| 903_900_000 + n * 200_000).collect(),
            channel_tolerance_hz: 12_500,
            max_eirp_ddbm: 360,
        }
    }

    /// ETSI EN 300 220 band g1: 14 dBm ERP, 16 dBm EIRP. Channels: the LoRaWAN EU863-870
    /// default and common channels (867.1-868.5 MHz). Cells: the resolution-0 cells that cover
    /// Europe.
    pub fn eu868() -> Self {
        Self {
            name: "EU868".into(),
            cells: AreaCell::all(&[0x8001fffffffffff, 0x8007fffffffffff, 0x8009fffffffffff, 0x8011fffffffffff, 0x8019fffffffffff, 0x801ffffffffffff, 0x802dfffffffffff, 0x8039fffffffffff, 0x803ffffffffffff]),
            channels_hz: (0..8).map(|n| 867_100_000 + n * 200_000).collect(),
            channel_tolerance_hz: 12_500,
            max_eirp_ddbm: 160,
        }
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.cells.is_empty() {
            return Err(format!("verification.regions {}: at least one cell", self.name));
        }
        if self.channels_hz.is_empty() {
            return Err(format!("verification.regions {}: at least one channel", self.name));
        }
        Ok(())
    }

    /// True when `cell` lies in one of the region's cells.
    pub fn contains(&self, cell: CellIndex) -> bool {
        self.cells.iter().any(|AreaCell(area)| area.resolution() <= cell.resolution() && cell.parent(area.resolution()) == Some(*area))
    }

    /// True when `frequency_hz` is one of the region's channels.
    pub fn allows_frequency(&self, frequency_hz: u64) -> bool {
        self.channels_hz.iter().any(|c| c.abs_diff(frequency_hz) <= self.channel_tolerance_hz)
    }
}

/// An H3 cell of a region's area, written in hex in the configuration and parsed once, when the
/// configuration is read (a region is asked about every beacon and witness of an epoch).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AreaCell(pub CellIndex);

impl AreaCell {
    /// The cells of `indexes`; each must be a valid H3 index.
    fn all(indexes: &[u64]) -> Vec<Self> {
        indexes.iter().filter_map(|i| CellIndex::try_from(*i).ok()).map(Self).collect()
    }
}

impl Serialize for AreaCell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:x}", u64::from(self.0)))
    }
}

impl<'de> Deserialize<'de> for AreaCell {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let hex = String::deserialize(d)?;
        u64::from_str_radix(&hex, 16)
            .ok()
            .and_then(|v| CellIndex::try_from(v).ok())
            .map(Self)
            .ok_or_else(|| serde::de::Error::custom(format!("region cell `{hex}` is not an H3 cell in hex")))
    }
}

/// The region plan of a device asserted at `cell`, if any region covers it.
pub fn region_of(regions: &[Region], cell: u64) -> Option<&Region> {
    let cell = CellIndex::try_from(cell).ok()?;
    regions.iter().find(|r| r.contains(cell))
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::{LatLng, Resolution};

    fn at(lat: f64, lng: f64) -> u64 {
        u64::from(LatLng::new(lat, lng).unwrap().to_cell(Resolution::Twelve))
    }

    #[test]
    fn devices_fall_in_their_regions_plan() {
        let regions = [Region::us915(), Region::eu868()];
        assert_eq!(region_of(&regions, at(37.7749, -122.4194)).map(|r| r.name.as_str()), Some("US915"), "San Francisco");
        assert_eq!(region_of(&regions, at(40.71, -74.0)).map(|r| r.name.as_str()), Some("US915"), "New York");
        assert_eq!(region_of(&regions, at(52.52, 13.40)).map(|r| r.name.as_str()), Some("EU868"), "Berlin");
        assert_eq!(region_of(&regions, at(-33.87, 151.21)), None, "Sydney has no plan here");
        assert_eq!(region_of(&regions, 42), None, "not a cell");
    }

    #[test]
    fn channels_and_tolerance() {
        let us = Region::us915();
        assert!(us.allows_frequency(904_300_000));
        assert!(us.allows_frequency(904_310_000));
        assert!(!us.allows_frequency(904_400_000), "between two channels");
        assert!(!us.allows_frequency(868_100_000), "an EU channel");
        assert!(Region::us915().validate().is_ok() && Region::eu868().validate().is_ok());
        let broken = Region { cells: vec![], ..Region::us915() };
        assert!(broken.validate().is_err());
    }

    #[test]
    fn region_cells_are_hex_h3_cells_read_once() {
        let us = Region::us915();
        let json = serde_json::to_value(&us).unwrap();
        assert_eq!(json["cells"][0], "800ffffffffffff", "written as the configuration writes them");
        assert_eq!(serde_json::from_value::<Region>(json.clone()).unwrap(), us);
        let mut broken = json;
        broken["cells"][0] = "zz".into();
        let error = serde_json::from_value::<Region>(broken).unwrap_err().to_string();
        assert!(error.contains("region cell `zz` is not an H3 cell in hex"), "{error}");
    }
}
