//! The indicators of one entity over consecutive quarters: the one series the trend page, its
//! API, the workbook's "Histórico" sheet and the ficha's "serie histórica" all show.

use serde::Serialize;

use super::{Definitions, Figures, Kind, Quarter, Value};

/// How many quarters a history covers unless asked otherwise (the last two years).
pub const DEFAULT_QUARTERS: usize = 8;

/// Each indicator's value quarter by quarter, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct History {
    /// The quarters, oldest first; the last is the one asked for.
    pub quarters: Vec<Quarter>,
    /// One series per indicator, in the definitions' order.
    pub series: Vec<Series>,
}

/// One indicator over the quarters of a [`History`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub id: String,
    pub name: String,
    pub unit: String,
    /// How its values read: percent (0–100), business hours or a count.
    pub kind: Kind,
    pub goal: Option<f64>,
    /// Aligned with [`History::quarters`]; a value is `None` when nothing was measured, and
    /// every part of it (counts too) in a quarter without data ([`History::build`]).
    pub values: Vec<Value>,
}

/// The `n` quarters ending at `last` (inclusive), oldest first.
pub fn quarters_ending(last: Quarter, n: usize) -> Vec<Quarter> {
    let mut out = Vec::with_capacity(n);
    let mut q = last;
    for _ in 0..n {
        out.push(q);
        q = q.previous();
    }
    out.reverse();
    out
}

impl History {
    /// Whether no quarter is in it (the set was built without its history).
    pub fn is_empty(&self) -> bool {
        self.quarters.is_empty()
    }

    /// The series of every defined indicator from the whole-quarter figures of each quarter
    /// (`figures[i]` belongs to `quarters[i]`). A quarter without data — no case created,
    /// solved or open at its end, no survey — has no value at all, not a count of 0: a chart
    /// leaves it out and a table shows "—" (before the first case, or a gap in the data).
    pub fn build(
        definitions: &Definitions,
        quarters: Vec<Quarter>,
        figures: &[Figures],
    ) -> History {
        let empty = Figures::default();
        let series = definitions
            .indicators
            .iter()
            .map(|d| Series {
                id: d.id.clone(),
                name: d.name.clone(),
                unit: d.unit.clone(),
                kind: d.quantity.kind(),
                goal: d.goal,
                values: figures
                    .iter()
                    .map(|f| {
                        if *f == empty {
                            Value::default()
                        } else {
                            f.value(d.quantity)
                        }
                    })
                    .collect(),
            })
            .collect();
        History { quarters, series }
    }

    /// Whether the quarter at `index` had no data (every value of it is `None`).
    pub fn is_gap(&self, index: usize) -> bool {
        self.series
            .iter()
            .all(|s| s.values.get(index).is_none_or(|v| *v == Value::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::{History, quarters_ending};
    use crate::indicators::{Definitions, Figures, Quarter, Value};

    #[test]
    fn eight_quarters_end_at_the_one_asked_for_and_cross_years() {
        let q = |t: &str| Quarter::parse(t).expect("quarter");
        let qs = quarters_ending(q("2026-Q2"), 8);
        assert_eq!(qs.len(), 8);
        assert_eq!(qs[0], q("2024-Q3"));
        assert_eq!(qs[7], q("2026-Q2"));
        assert!(quarters_ending(q("2026-Q2"), 0).is_empty());
    }

    #[test]
    fn each_series_reads_its_own_quarter() {
        let definitions: Definitions = toml::from_str(
            r#"
            [[indicador]]
            id = "registrados"
            medida = "registrados"
            nombre = "Casos registrados"
            [[indicador]]
            id = "resolucion"
            medida = "resolucion"
            nombre = "Resolución"
            meta = 90.0
            "#,
        )
        .expect("definitions");
        let a = Figures {
            registered: 4,
            registered_solved: 3,
            ..Figures::default()
        };
        // Only a case still open at its end: a quarter with data, nothing registered.
        let b = Figures {
            backlog: 1,
            ..Figures::default()
        };
        let quarters = quarters_ending(Quarter::parse("2025-Q4").expect("q"), 3);
        let h = History::build(&definitions, quarters, &[a, b, Figures::default()]);
        assert_eq!(h.series.len(), 2);
        assert_eq!(h.series[0].values[0].value, Some(4.0));
        assert_eq!(h.series[0].values[1].value, Some(0.0));
        assert_eq!(h.series[1].values[0].value, Some(75.0));
        assert_eq!(h.series[1].values[0].numerator, Some(3.0));
        assert_eq!(h.series[1].values[0].denominator, Some(4.0));
        // Nothing registered: no resolution ratio rather than 0 %.
        assert_eq!(h.series[1].values[1].value, None);
        assert_eq!(h.series[1].values[1].denominator, Some(0.0));
        // No data at all: no count either.
        assert_eq!(h.series[0].values[2], Value::default());
        assert_eq!(h.series[1].values[2], Value::default());
        assert_eq!(
            (0..3).map(|i| h.is_gap(i)).collect::<Vec<_>>(),
            [false, false, true]
        );
        assert_eq!(h.series[1].goal, Some(90.0));
    }
}
