//! Judging an epoch's dashcam segments. A segment must be a plausible drive on its own (time
//! moves forward, no car's speed exceeded, no teleport), anchored in time by its entropy, with
//! its frames inside it and dense enough; and a dashcam's segments together must form ONE
//! plausible track: no two overlap in time, and each starts where a car could have driven from
//! the end of the one before. The dashcam's earlier segments (`track_lookback_secs` before the
//! window) are read for that, and judged by the same rules.
use std::collections::{BTreeMap, HashMap, HashSet};

use fieldproof_reports::{MappingSegmentReport, ReportBody};
use h3o::LatLng;
use rayon::prelude::*;

use super::physics::gps_fix;
use super::{count, first_of_each, prefix, ChainFacts, InputReport, Judged, Reason, VerificationConfig, Window};
use crate::directory::DeviceKind;

/// A valid segment of the epoch, reduced to what the reward rules need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidSegment {
    pub id: [u8; 32],
    pub device: [u8; 32],
    /// Its first track point's time.
    pub started_ms: i64,
    /// Its track points, in order.
    pub points: Vec<(i32, i32)>,
}

#[derive(Debug, Default)]
pub struct MappingJudgement {
    /// Every segment of the window, in id order.
    pub verdicts: Vec<Judged>,
    /// The valid ones, in the canonical order.
    pub segments: Vec<ValidSegment>,
}

/// The signed-time span of the segments [`judge_mapping`] needs for `window`.
pub fn mapping_span(window: Window, config: &VerificationConfig) -> Window {
    Window { start_ms: window.start_ms.saturating_sub(VerificationConfig::ms(config.track_lookback_secs)), end_ms: window.end_ms }
}

/// What a segment's own checks established.
struct Track<'a> {
    report: &'a InputReport,
    segment: &'a MappingSegmentReport,
    first: (i64, LatLng),
    last: (i64, LatLng),
}

/// Judges the segments of `window`; `reports` holds those of [`mapping_span`].
pub fn judge_mapping(reports: Vec<InputReport>, window: Window, facts: &ChainFacts, config: &VerificationConfig) -> MappingJudgement {
    let (mut reports, replays) = super::canonical(reports);
    super::sort_canonically(&mut reports);
    let checked: Vec<(&InputReport, Result<Track, Reason>)> = reports
        .par_iter()
        .filter_map(|r| match &r.body {
            ReportBody::MappingSegment(s) => Some((r, check_segment(r, s, facts, config))),
            _ => None,
        })
        .collect();
    let mut verdicts: BTreeMap<[u8; 32], Result<&Track, Reason>> = checked.iter().map(|(r, v)| (r.id, v.as_ref().map_err(|e| *e))).collect();
    check_tracks(&checked, &mut verdicts, config);
    check_frames_unique(&checked, &mut verdicts);

    let in_window: Vec<&InputReport> = checked.iter().map(|(r, _)| *r).filter(|r| window.contains(r.signed_at_ms())).collect();
    let mut judged: Vec<Judged> = in_window.iter().map(|r| Judged::of(r, verdicts.get(&r.id).and_then(|v| v.as_ref().err().copied()))).collect();
    judged.extend(replays.iter().filter(|r| window.contains(r.signed_at_ms())).map(|r| Judged::of(r, Some(Reason::ReplayedNonce))));
    judged.sort_unstable_by_key(|v| v.id);
    let segments = in_window
        .iter()
        .filter_map(|r| match verdicts.get(&r.id) {
            Some(Ok(track)) => Some(ValidSegment {
                id: r.id,
                device: r.device(),
                started_ms: track.first.0,
                points: track.segment.points.iter().map(|p| (p.latitude_e7, p.longitude_e7)).collect(),
            }),
            _ => None,
        })
        .collect();
    count(&judged);
    MappingJudgement { verdicts: judged, segments }
}

/// The checks a segment passes or fails on its own.
fn check_segment<'a>(report: &'a InputReport, segment: &'a MappingSegmentReport, facts: &ChainFacts, config: &VerificationConfig) -> Result<Track<'a>, Reason> {
    facts.device(&report.device(), Some(DeviceKind::Mapper))?;
    let entropy_ms = facts.entropy_time_ms(&segment.entropy)?;
    let (first, last) = check_drive(segment, config)?;
    let tolerance = config.clock_tolerance_ms();
    let signed = report.signed_at_ms();
    let longest = VerificationConfig::ms(config.max_segment_secs);
    let anchored = first.0 >= entropy_ms.saturating_sub(tolerance)
        && last.0 <= signed.saturating_add(tolerance)
        && signed <= entropy_ms.saturating_add(longest).saturating_add(config.max_entropy_age_ms());
    if !anchored || last.0.saturating_sub(first.0) > longest {
        return Err(Reason::StaleTrack);
    }
    let (from, to) = (first.0.saturating_sub(tolerance), last.0.saturating_add(tolerance));
    if segment.frames.iter().any(|f| !(from..=to).contains(&i64::try_from(f.timestamp_ms).unwrap_or(i64::MAX))) {
        return Err(Reason::FrameOutsideSegment);
    }
    let length_m: f64 = segment.points.windows(2).filter_map(|pair| Some(fix(&pair[0])?.distance_m(fix(&pair[1])?))).sum();
    let needed = (length_m / f64::from(config.max_frame_spacing_m)).ceil().max(1.0);
    if (segment.frames.len() as f64) < needed {
        return Err(Reason::SparseFrames);
    }
    let mut seen = HashSet::with_capacity(segment.frames.len());
    if !segment.frames.iter().all(|f| seen.insert(f.content_hash)) {
        return Err(Reason::DuplicateFrame);
    }
    Ok(Track { report, segment, first, last })
}

fn fix(point: &fieldproof_reports::TrackPoint) -> Option<LatLng> {
    gps_fix(point.latitude_e7, point.longitude_e7)
}

/// A fix of a segment: when (ms) and where.
type Fix = (i64, LatLng);

/// Time moves forward and no fix is farther from the one before than a car gets; returns the
/// first and last fixes.
fn check_drive(segment: &MappingSegmentReport, config: &VerificationConfig) -> Result<(Fix, Fix), Reason> {
    let mut fixes = Vec::with_capacity(segment.points.len());
    for point in &segment.points {
        let here = fix(point).ok_or(Reason::InvalidLocation)?;
        let at = i64::try_from(point.timestamp_ms).unwrap_or(i64::MAX);
        if let Some(&(before, there)) = fixes.last() {
            if at <= before {
                return Err(Reason::NonMonotonicTime);
            }
            let distance_m = here.distance_m(there);
            if distance_m > f64::from(config.max_jump_m) {
                return Err(Reason::PositionJump);
            }
            if !drivable(distance_m, at - before, config) {
                return Err(Reason::ImpossibleSpeed);
            }
        }
        fixes.push((at, here));
    }
    match (fixes.first(), fixes.last()) {
        (Some(first), Some(last)) => Ok((*first, *last)),
        _ => Err(Reason::EmptySegment),
    }
}

fn drivable(distance_m: f64, elapsed_ms: i64, config: &VerificationConfig) -> bool {
    distance_m <= f64::from(config.max_speed_mps) * (elapsed_ms.max(0) as f64) / 1_000.0
}

/// Each dashcam's segments, in the order of their first fix, form one track. Segments that
/// overlap in time are all refused: a vehicle is in one place at a time, and which one was
/// real cannot be told. Of the rest, one that starts farther from where the last accepted one
/// ended than a car drives in between is discontinuous. Refused segments do not move the track
/// on.
fn check_tracks<'a>(checked: &'a [(&InputReport, Result<Track, Reason>)], verdicts: &mut BTreeMap<[u8; 32], Result<&'a Track<'a>, Reason>>, config: &VerificationConfig) {
    let mut by_device: HashMap<[u8; 32], Vec<&Track>> = HashMap::new();
    for (_, track) in checked {
        if let Ok(track) = track {
            by_device.entry(track.report.device()).or_default().push(track);
        }
    }
    for tracks in by_device.values_mut() {
        tracks.sort_unstable_by_key(|t| (t.first.0, t.report.id));
        // Sorted by start: a segment overlaps an earlier one when it starts before the latest
        // end so far, and a later one when it ends after the next one starts.
        let mut latest_end = i64::MIN;
        let overlapping: Vec<bool> = tracks
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let after_earlier = t.first.0 < latest_end;
                latest_end = latest_end.max(t.last.0);
                after_earlier || tracks.get(i + 1).is_some_and(|next| t.last.0 > next.first.0)
            })
            .collect();
        let mut previous: Option<&Track> = None;
        for (track, overlaps) in tracks.iter().zip(overlapping) {
            if overlaps {
                verdicts.insert(track.report.id, Err(Reason::SegmentOverlap));
                continue;
            }
            if let Some(before) = previous {
                if !drivable(before.last.1.distance_m(track.first.1), track.first.0 - before.last.0, config) {
                    verdicts.insert(track.report.id, Err(Reason::TrackDiscontinuity));
                    continue;
                }
            }
            previous = Some(track);
        }
    }
}

/// A frame belongs to one segment: of the segments still standing that carry it, the one whose
/// entropy is oldest (then the lowest report id) keeps it, the others are refused.
fn check_frames_unique<'a>(checked: &'a [(&InputReport, Result<Track, Reason>)], verdicts: &mut BTreeMap<[u8; 32], Result<&'a Track<'a>, Reason>>) {
    let standing: Vec<&Track> = checked.iter().filter_map(|(r, _)| verdicts.get(&r.id).and_then(|v| v.as_ref().ok().copied())).collect();
    // Every (segment, frame) pair; a segment carries each frame once (check_segment).
    let claims: Vec<(usize, &[u8; 32])> = standing.iter().enumerate().flat_map(|(i, t)| t.segment.frames.iter().map(move |f| (i, &f.content_hash))).collect();
    let first = first_of_each(
        claims.len(),
        |i| prefix(claims[i].1),
        |i| {
            let (segment, frame) = claims[i];
            (frame, (standing[segment].segment.entropy.slot, standing[segment].report.id))
        },
    );
    for ((segment, _), first) in claims.iter().zip(first) {
        if !first {
            verdicts.insert(standing[*segment].report.id, Err(Reason::DuplicateFrame));
        }
    }
}
