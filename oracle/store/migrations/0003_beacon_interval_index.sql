-- The beacon-interval check looks up a device's valid beacons in a time window. With only
-- (device, seq) it scanned the device's whole verdict history (mostly witnesses), so the
-- verifier slowed as the store grew; this index makes it a range lookup.
CREATE INDEX verdicts_by_device_kind_time ON verdicts (device, kind, signed_at_ms);
