//! Radio and motion physics used by the checks. Logarithms come from `libm` (pure Rust), and h3o
//! is built without its `std` feature so that its trigonometry (cell centres, distances, cells of
//! a track) does too, not the C library's, whose results may differ in the last bit between
//! versions and CPUs: every machine computes the same bits and independent oracles reach the
//! same verdicts, even for a witness exactly at a distance limit.
use h3o::{CellIndex, LatLng};

/// Free-space path loss in dB for `distance_m` at `frequency_hz`:
/// 20·log10(d) + 20·log10(f) − 147.55 (d in metres, f in hertz).
pub fn free_space_path_loss_db(distance_m: f64, frequency_hz: u64) -> f64 {
    20.0 * libm::log10(distance_m.max(1.0)) + 20.0 * libm::log10((frequency_hz.max(1)) as f64) - 147.55
}

/// The strongest signal, in tenths of a dBm, a receiver with an antenna of `rx_gain_ddbi` at
/// `distance_m` can see from a transmitter radiating `eirp_ddbm`.
pub fn max_rssi_ddbm(eirp_ddbm: i32, rx_gain_ddbi: i32, distance_m: f64, frequency_hz: u64) -> i32 {
    eirp_ddbm + rx_gain_ddbi - (free_space_path_loss_db(distance_m, frequency_hz) * 10.0).round() as i32
}

/// A device's place as asserted on chain: its cell's centre and its antenna's height above
/// ground.
#[derive(Clone, Copy, Debug)]
pub struct Site {
    pub at: LatLng,
    pub elevation_m: i32,
}

impl Site {
    /// The straight-line distance between two antennas: over the ground between the cells'
    /// centres, and up or down between their heights.
    pub fn distance_m(&self, other: &Site) -> f64 {
        let ground = self.at.distance_m(other.at);
        let height = f64::from(self.elevation_m) - f64::from(other.elevation_m);
        libm::sqrt(ground * ground + height * height)
    }
}

/// Centre of an H3 cell, or `None` for a value that is not a cell index.
pub fn cell_center(cell: u64) -> Option<LatLng> {
    CellIndex::try_from(cell).ok().map(LatLng::from)
}

/// A GPS fix in 1e-7 degrees, or `None` outside the valid ranges.
pub fn gps_fix(latitude_e7: i32, longitude_e7: i32) -> Option<LatLng> {
    let in_range = (-900_000_000..=900_000_000).contains(&latitude_e7) && (-1_800_000_000..=1_800_000_000).contains(&longitude_e7);
    in_range.then(|| LatLng::new(f64::from(latitude_e7) / 1e7, f64::from(longitude_e7) / 1e7).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_loss_matches_the_textbook_value() {
        // 1 km at 915 MHz: 20·log10(1000) + 20·log10(915e6) − 147.55 ≈ 91.68 dB.
        let fspl = free_space_path_loss_db(1_000.0, 915_000_000);
        assert!((fspl - 91.68).abs() < 0.01, "{fspl}");
        // Doubling the distance adds ~6 dB.
        let twice = free_space_path_loss_db(2_000.0, 915_000_000);
        assert!((twice - fspl - 6.02).abs() < 0.01);
    }

    #[test]
    fn max_rssi_falls_with_distance() {
        let near = max_rssi_ddbm(300, 30, 500.0, 915_000_000);
        let far = max_rssi_ddbm(300, 30, 5_000.0, 915_000_000);
        assert_eq!(near - far, 200, "ten times the distance costs 20 dB");
        assert_eq!(max_rssi_ddbm(300, 30, 1_000.0, 915_000_000), 330 - 917);
    }

    #[test]
    fn antenna_heights_lengthen_the_distance() {
        let at = cell_center(0x8828308281fffff).unwrap();
        let ground = Site { at, elevation_m: 0 };
        let mast = Site { at, elevation_m: 300 };
        assert!((ground.distance_m(&mast) - 300.0).abs() < 1e-9);
    }

    #[test]
    fn cells_and_fixes_are_validated() {
        assert!(cell_center(0x8828308281fffff).is_some());
        assert!(cell_center(42).is_none());
        assert!(gps_fix(377_749_000, -1_224_194_000).is_some());
        assert!(gps_fix(950_000_000, 0).is_none());
    }
}
