//! All entities side by side for one quarter: each entity's indicator set (the same
//! definitions for all), one ranking per indicator and the change from the previous quarter.
//! The figures are the sets' own; this module only lines them up and ranks them.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{Direction, IndicatorSet, Kind, Light, Quantity, Quarter, fmt_number};

/// The comparison of a quarter: the indicators (columns) and one row per entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub quarter: Quarter,
    pub previous_quarter: Quarter,
    /// The instant the SLA results were evaluated at.
    pub as_of: Option<NaiveDateTime>,
    /// The columns, in the definitions' order.
    pub indicators: Vec<Column>,
    /// The rows, in the order the entities were given.
    pub entities: Vec<Row>,
}

/// One indicator of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub id: String,
    pub name: String,
    /// What it measures (its unit follows from it).
    pub quantity: Quantity,
    /// `percent`, `hours` or `count`.
    pub kind: &'static str,
    pub goal: Option<f64>,
    /// Whether a higher value ranks first (`mayor`) or a lower one (`menor`).
    pub direction: Direction,
    /// Whether the indicator is ranked: counts (volume, not performance) are not.
    pub ranked: bool,
}

/// One entity of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// The entity as stored (GLPI's full path).
    pub entity: String,
    /// Its display name (short name or last part of the path).
    pub name: String,
    /// Aligned with [`Comparison::indicators`].
    pub cells: Vec<Cell>,
}

/// One entity's value of one indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    pub id: String,
    pub value: Option<f64>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub previous: Option<f64>,
    /// `value - previous`: percentage points for ratios, hours for times.
    pub change: Option<f64>,
    pub light: Light,
    /// Place among the entities with a value (1 is best); `None` without a value or for an
    /// unranked indicator.
    pub rank: Option<usize>,
}

/// Decimals a value is shown with, and compared at for ranking: 92,36 % and 92,351 % both
/// read 92,4 % and share a place.
pub const RANK_DECIMALS: u32 = 1;

fn kind_code(kind: Kind) -> &'static str {
    match kind {
        Kind::Percent => "percent",
        Kind::Hours => "hours",
        Kind::Count => "count",
    }
}

impl Comparison {
    /// Lines up the sets of one quarter (one per entity, built with the same definitions) and
    /// ranks each indicator.
    pub fn build(quarter: Quarter, sets: &[&IndicatorSet]) -> Comparison {
        let indicators: Vec<Column> = sets
            .first()
            .map(|s| {
                s.indicators
                    .iter()
                    .map(|i| {
                        let kind = i.definition.quantity.kind();
                        Column {
                            id: i.definition.id.clone(),
                            name: i.definition.name.clone(),
                            quantity: i.definition.quantity,
                            kind: kind_code(kind),
                            goal: i.definition.goal,
                            direction: i.definition.direction,
                            ranked: kind != Kind::Count,
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let mut entities: Vec<Row> = sets
            .iter()
            .map(|s| Row {
                entity: s.entity.clone(),
                name: s.entity_name.clone(),
                cells: indicators
                    .iter()
                    .map(|c| cell(s, &c.id))
                    .collect::<Vec<_>>(),
            })
            .collect();
        for (n, column) in indicators.iter().enumerate() {
            if !column.ranked {
                continue;
            }
            let values: Vec<Option<f64>> = entities.iter().map(|r| r.cells[n].value).collect();
            for (row, rank) in entities.iter_mut().zip(ranks(&values, column.direction)) {
                row.cells[n].rank = rank;
            }
        }
        Comparison {
            quarter,
            previous_quarter: quarter.previous(),
            as_of: sets.iter().find_map(|s| s.as_of),
            indicators,
            entities,
        }
    }

    /// The position of an indicator among the columns.
    pub fn column(&self, id: &str) -> Option<usize> {
        self.indicators.iter().position(|c| c.id == id)
    }
}

/// The cell of indicator `id` in a set (empty when the set does not define it).
fn cell(set: &IndicatorSet, id: &str) -> Cell {
    match set.indicators.iter().find(|i| i.definition.id == id) {
        Some(i) => Cell {
            id: id.to_owned(),
            value: i.current.value,
            numerator: i.current.numerator,
            denominator: i.current.denominator,
            previous: i.previous,
            change: i.change,
            light: i.light,
            rank: None,
        },
        None => Cell {
            id: id.to_owned(),
            value: None,
            numerator: None,
            denominator: None,
            previous: None,
            change: None,
            light: Light::None,
            rank: None,
        },
    }
}

/// A change as shown: "+3,2 pp" for percentages (points), "-0,5 h" for times, "+12" for counts;
/// "—" without one.
pub fn fmt_change(kind: Kind, change: Option<f64>) -> String {
    let Some(c) = change else {
        return "—".into();
    };
    let (decimals, unit) = match kind {
        Kind::Percent => (1, " pp"),
        Kind::Hours => (1, " h"),
        Kind::Count => (0, ""),
    };
    let text = fmt_number(c, decimals);
    let sign = if text.starts_with('-') || text.trim_start_matches(['0', ',']).is_empty() {
        ""
    } else {
        "+"
    };
    format!("{sign}{text}{unit}")
}

/// A value as shown ([`super::fmt_number`] with [`RANK_DECIMALS`]), in units of its last
/// decimal: values that read the same compare equal, exactly.
fn shown_units(v: f64) -> Option<i64> {
    if !v.is_finite() {
        return None;
    }
    format!("{:.*}", RANK_DECIMALS as usize, v)
        .replace('.', "")
        .parse()
        .ok()
}

/// Competition ranking ("1, 1, 3"): an entity's place is one more than the number of entities
/// strictly better than it, comparing values rounded to [`RANK_DECIMALS`]; higher values first
/// for [`Direction::Higher`], lower first for [`Direction::Lower`]. No value, no place.
pub fn ranks(values: &[Option<f64>], direction: Direction) -> Vec<Option<usize>> {
    let shown: Vec<Option<i64>> = values.iter().map(|v| v.and_then(shown_units)).collect();
    shown
        .iter()
        .map(|mine| {
            let mine = (*mine)?;
            let better = shown
                .iter()
                .flatten()
                .filter(|other| match direction {
                    Direction::Higher => **other > mine,
                    Direction::Lower => **other < mine,
                })
                .count();
            Some(better + 1)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_share_a_place_and_the_next_place_is_skipped() {
        let values = [Some(75.0), Some(50.0), Some(75.0), None, Some(100.0)];
        assert_eq!(
            ranks(&values, Direction::Higher),
            vec![Some(2), Some(4), Some(2), None, Some(1)]
        );
    }

    #[test]
    fn changes_read_with_their_sign_and_unit() {
        assert_eq!(fmt_change(Kind::Percent, Some(25.0)), "+25,0 pp");
        assert_eq!(fmt_change(Kind::Percent, Some(-50.0)), "-50,0 pp");
        assert_eq!(fmt_change(Kind::Hours, Some(-0.26)), "-0,3 h");
        assert_eq!(fmt_change(Kind::Percent, Some(0.01)), "0,0 pp");
        assert_eq!(fmt_change(Kind::Count, Some(1234.0)), "+1.234");
        assert_eq!(fmt_change(Kind::Count, None), "—");
    }

    #[test]
    fn lower_is_better_ranks_ascending() {
        let values = [Some(1.5), Some(2.0), Some(1.3)];
        assert_eq!(
            ranks(&values, Direction::Lower),
            vec![Some(2), Some(3), Some(1)]
        );
    }

    #[test]
    fn values_that_read_the_same_share_a_place() {
        // 92,36 and 92,351 both read 92,4 %; 92,2 reads 92,2 %.
        let values = [Some(92.36), Some(92.351), Some(92.2)];
        assert_eq!(
            ranks(&values, Direction::Higher),
            vec![Some(1), Some(1), Some(3)]
        );
        assert_eq!(ranks(&[None, None], Direction::Higher), vec![None, None]);
        assert_eq!(ranks(&[Some(f64::NAN)], Direction::Lower), vec![None]);
    }
}
