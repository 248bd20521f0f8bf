//! The run feed's index partitions (docs/data-model.md, "Run feed"): the
//! filter combinations every run is entered under, and which partitions a
//! `GET /group/all` filter reads.
//!
//! A run is listed in GSI1 `GROUPS` (no filter), GSI3 `GROUPS#R<region>`
//! (region only) and, for every other non-empty subset of the filter
//! dimensions {region, time bucket, distance bucket, thema}, in one GSI6
//! partition naming its values for that subset (14 small entries per run).
//! A filter then reads one partition per selected value combination of the
//! dimensions it indexes: every run read matches, so a page costs
//! O(partitions × page) items whatever the platform's total.

use serde::{Deserialize, Serialize};

use super::group::{FeedFilter, Group, Listed, distance_bucket};

/// At most this many index partitions are read for one feed request. A
/// selection whose value combinations exceed it leaves its least selective
/// dimension(s) to the in-memory filter (see [`FeedFilter::plan`]).
pub const MAX_FEED_PARTITIONS: usize = 32;

/// A run as the feed indexes hold it: what the list order and the filters
/// read, and the host (so the page's host profiles are fetched in the same
/// `BatchGetItem` as the runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedRow {
    pub group_id: String,
    pub user_id: String,
    pub date: String,
    pub standby_time: String,
    pub starts_at: String,
    pub distance: f64,
    pub region: u8,
    pub timecode: u8,
    pub thema: String,
    /// The whole run when the index projects it (GSI1, GSI3); `None` for a
    /// composite entry (GSI6 holds only the fields above).
    #[serde(skip)]
    pub group: Option<Group>,
}

impl FeedRow {
    /// The row of a run read in full (the run stays attached).
    pub fn of(group: Group) -> Self {
        Self {
            group_id: group.group_id.clone(),
            user_id: group.user_id.clone(),
            date: group.date.clone(),
            standby_time: group.standby_time.clone(),
            starts_at: group.starts_at.clone(),
            distance: group.distance,
            region: group.region,
            timecode: group.timecode,
            thema: group.thema.clone(),
            group: Some(group),
        }
    }

    /// The combinations this run is entered under in GSI6 (14: every
    /// non-empty subset of the four dimensions but `{region}`, which is GSI3).
    pub fn combos(&self) -> Vec<FeedCombo> {
        (2u8..16)
            .map(|mask| FeedCombo {
                region: (mask & REGION != 0).then_some(self.region),
                time: (mask & TIME != 0).then_some(self.timecode),
                distance: (mask & DISTANCE != 0).then_some(distance_bucket(self.distance)),
                thema: (mask & THEMA != 0).then(|| self.thema.clone()),
            })
            .collect()
    }
}

impl Listed for FeedRow {
    fn date(&self) -> &str {
        &self.date
    }
    fn standby_time(&self) -> &str {
        &self.standby_time
    }
    fn starts_at(&self) -> &str {
        &self.starts_at
    }
    fn group_id(&self) -> &str {
        &self.group_id
    }
}

const REGION: u8 = 1;
const TIME: u8 = 2;
const DISTANCE: u8 = 4;
const THEMA: u8 = 8;

/// One value per dimension it names (`None`: the dimension is not part of it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FeedCombo {
    pub region: Option<u8>,
    pub time: Option<u8>,
    pub distance: Option<u8>,
    pub thema: Option<String>,
}

impl FeedCombo {
    /// The dimensions it names, as letters in a fixed order (`r`, `t`, `d`, `h`).
    pub fn mask(&self) -> String {
        let mut mask = String::new();
        for (set, letter) in [
            (self.region.is_some(), 'r'),
            (self.time.is_some(), 't'),
            (self.distance.is_some(), 'd'),
            (self.thema.is_some(), 'h'),
        ] {
            if set {
                mask.push(letter);
            }
        }
        mask
    }

    /// Its values in the mask's order (the thema last: it is free text).
    pub fn values(&self) -> Vec<String> {
        let mut values = Vec::new();
        values.extend(self.region.map(|v| v.to_string()));
        values.extend(self.time.map(|v| v.to_string()));
        values.extend(self.distance.map(|v| v.to_string()));
        values.extend(self.thema.clone());
        values
    }
}

/// An index partition of the run feed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FeedPartition {
    /// GSI1 `GROUPS`: every run.
    #[default]
    All,
    /// GSI3 `GROUPS#R<r>`: one region's runs.
    Region(u8),
    /// GSI6: the runs of one value combination.
    Combo(FeedCombo),
}

/// The dimensions of a filter that the partitions read do not select: tested
/// on each row read (empty when the partitions hold only matches).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Residual {
    pub regions: Option<Vec<u8>>,
    pub times: Option<Vec<u8>>,
    pub distances: Option<Vec<u8>>,
    pub themas: Option<Vec<String>>,
}

impl Residual {
    pub fn matches(&self, row: &FeedRow) -> bool {
        self.regions
            .as_ref()
            .is_none_or(|r| r.contains(&row.region))
            && self
                .times
                .as_ref()
                .is_none_or(|t| t.contains(&row.timecode))
            && self
                .distances
                .as_ref()
                .is_none_or(|d| d.contains(&distance_bucket(row.distance)))
            && self.themas.as_ref().is_none_or(|t| t.contains(&row.thema))
    }

    /// Rows read per expected match, as if the values were spread evenly.
    pub fn spread(&self) -> usize {
        let share =
            |selected: Option<usize>, of: usize| selected.map_or(1, |n| of / n.clamp(1, of));
        share(self.regions.as_ref().map(Vec::len), 10)
            * share(self.times.as_ref().map(Vec::len), 6)
            * share(self.distances.as_ref().map(Vec::len), 4)
            * share(self.themas.as_ref().map(Vec::len), 6)
    }
}

/// Which partitions a feed request reads and what is left to test on the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedPlan {
    /// Empty: nothing can match.
    pub partitions: Vec<FeedPartition>,
    pub residual: Residual,
}

fn unique<T: PartialEq>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// A dimension's selection: `None` = not filtered (also when every value is
/// selected); values that cannot occur are dropped (none left: no match).
fn numeric(selected: &Option<Vec<u8>>, values: std::ops::RangeInclusive<u8>) -> Option<Vec<u8>> {
    let selected = selected.as_ref()?;
    let mut kept = unique(selected.iter().copied().filter(|v| values.contains(v)));
    kept.sort_unstable();
    (kept.len() < values.count()).then_some(kept)
}

/// Every combination of `combos` with one of `values` set by `set`.
fn cross<T: Clone>(
    combos: Vec<FeedCombo>,
    values: Option<&[T]>,
    set: impl Fn(&mut FeedCombo, T),
) -> Vec<FeedCombo> {
    let values = values.unwrap_or_default();
    let mut out = Vec::with_capacity(combos.len() * values.len());
    for combo in &combos {
        for value in values {
            let mut c = combo.clone();
            set(&mut c, value.clone());
            out.push(c);
        }
    }
    out
}

impl FeedFilter {
    /// The partitions that hold this filter's runs (date and recruiting
    /// windows aside: those are sort-key ranges). Every filtered dimension
    /// is part of the partition key as long as the product of their
    /// selected value counts stays within [`MAX_FEED_PARTITIONS`]; above
    /// it, the subset of dimensions that excludes the largest expected share
    /// of runs within that bound is indexed and the rest is tested per row.
    pub fn plan(&self) -> FeedPlan {
        let regions = self.regions.as_ref().map(|r| {
            let mut r = unique(r.iter().copied().filter(|r| *r <= 9));
            r.sort_unstable();
            r
        });
        let times = numeric(&self.time_buckets, 1..=6);
        let distances = numeric(&self.distance_buckets, 1..=4);
        let themas = self.themas.as_ref().map(|t| unique(t.iter().cloned()));
        let counts = [
            regions.as_ref().map(Vec::len),
            times.as_ref().map(Vec::len),
            distances.as_ref().map(Vec::len),
            themas.as_ref().map(Vec::len),
        ];
        if counts.contains(&Some(0)) {
            return FeedPlan {
                partitions: Vec::new(),
                residual: Residual::default(),
            };
        }
        let totals = [10usize, 6, 4, 6];
        let filtered: u8 = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| c.is_some())
            .map(|(i, _)| 1u8 << i)
            .sum();
        // Best indexed subset: the smallest expected share of runs read,
        // then the fewest partitions.
        let mut best = (0u8, 1.0f64, 1usize);
        for mask in 0u8..16 {
            if mask & !filtered != 0 {
                continue;
            }
            let (mut share, mut fan_out) = (1.0f64, 1usize);
            for (i, count) in counts.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    let n = count.unwrap_or(1);
                    fan_out = fan_out.saturating_mul(n);
                    share *= n.min(totals[i]) as f64 / totals[i] as f64;
                }
            }
            if fan_out > MAX_FEED_PARTITIONS {
                continue;
            }
            if share < best.1 || (share == best.1 && fan_out < best.2) {
                best = (mask, share, fan_out);
            }
        }
        let indexed = best.0;
        let keep = |bit: u8| indexed & bit != 0;
        let residual = Residual {
            regions: regions.clone().filter(|_| !keep(REGION)),
            times: times.clone().filter(|_| !keep(TIME)),
            distances: distances.clone().filter(|_| !keep(DISTANCE)),
            themas: themas.clone().filter(|_| !keep(THEMA)),
        };
        let partitions = match indexed {
            0 => vec![FeedPartition::All],
            REGION => regions
                .unwrap_or_default()
                .into_iter()
                .map(FeedPartition::Region)
                .collect(),
            _ => {
                let mut combos = vec![FeedCombo::default()];
                if keep(REGION) {
                    combos = cross(combos, regions.as_deref(), |c, v| c.region = Some(v));
                }
                if keep(TIME) {
                    combos = cross(combos, times.as_deref(), |c, v| c.time = Some(v));
                }
                if keep(DISTANCE) {
                    combos = cross(combos, distances.as_deref(), |c, v| c.distance = Some(v));
                }
                if keep(THEMA) {
                    combos = cross(combos, themas.as_deref(), |c, v| c.thema = Some(v));
                }
                combos.into_iter().map(FeedPartition::Combo).collect()
            }
        };
        FeedPlan {
            partitions,
            residual,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(region: &str, time: &str, distance: &str, thema: &str) -> FeedFilter {
        FeedFilter::parse(
            None,
            Some(region),
            Some(time),
            Some(distance),
            Some(thema),
            None,
        )
    }

    #[test]
    fn no_filter_reads_the_whole_feed_and_a_region_filter_its_region_partitions() {
        assert_eq!(
            filter("", "", "", "").plan().partitions,
            vec![FeedPartition::All]
        );
        assert_eq!(
            filter("9/2/9/", "", "", "").plan().partitions,
            vec![FeedPartition::Region(2), FeedPartition::Region(9)]
        );
        assert_eq!(filter("1", "", "", "").plan().residual, Residual::default());
    }

    #[test]
    fn theme_distance_and_time_filters_read_one_partition_per_value_combination() {
        let plan = filter("9", "1/3/", "4", "트랙/산/").plan();
        assert_eq!(plan.partitions.len(), 4);
        assert_eq!(plan.residual, Residual::default());
        assert!(plan.partitions.contains(&FeedPartition::Combo(FeedCombo {
            region: Some(9),
            time: Some(3),
            distance: Some(4),
            thema: Some("산".into()),
        })));
    }

    #[test]
    fn a_dimension_with_every_value_selected_is_not_filtered() {
        let plan = filter("", "1/2/3/4/5/6/", "1/2/3/4/", "산/").plan();
        assert_eq!(
            plan.partitions,
            vec![FeedPartition::Combo(FeedCombo {
                thema: Some("산".into()),
                ..FeedCombo::default()
            })]
        );
    }

    #[test]
    fn values_that_cannot_occur_match_nothing() {
        assert!(filter("", "7/", "", "").plan().partitions.is_empty());
        assert!(filter("", "", "9/", "").plan().partitions.is_empty());
        assert_eq!(filter("", "7/2/", "", "").plan().partitions.len(), 1);
    }

    #[test]
    fn a_selection_beyond_the_partition_bound_leaves_its_widest_dimensions_to_the_row_filter() {
        let plan = filter("1", "1/2/3/4/", "1/2/3/", "산/도시/강변/해변/").plan();
        assert!(plan.partitions.len() <= MAX_FEED_PARTITIONS);
        assert!(!plan.partitions.is_empty());
        let left = [
            plan.residual.times.is_some(),
            plan.residual.distances.is_some(),
            plan.residual.themas.is_some(),
        ];
        assert!(left.contains(&true), "{plan:?}");
        assert!(
            plan.residual.regions.is_none(),
            "one region is always indexed"
        );
    }

    #[test]
    fn every_run_is_entered_under_fourteen_combinations() {
        let row = FeedRow {
            group_id: "g".into(),
            user_id: "u".into(),
            date: "2026-01-01".into(),
            standby_time: "07:00:00".into(),
            starts_at: "2025-12-31T22:00:00.000Z".into(),
            distance: 12.5,
            region: 3,
            timecode: 2,
            thema: "강변".into(),
            group: None,
        };
        let combos = row.combos();
        assert_eq!(combos.len(), 14);
        let masks: std::collections::HashSet<String> = combos.iter().map(FeedCombo::mask).collect();
        assert_eq!(masks.len(), 14);
        assert!(!masks.contains("r") && !masks.contains(""));
        assert!(combos.contains(&FeedCombo {
            region: Some(3),
            time: None,
            distance: Some(3),
            thema: Some("강변".into()),
        }));
    }
}
