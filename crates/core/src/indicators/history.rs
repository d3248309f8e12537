//! The indicators of one entity over consecutive quarters: the one series the trend page, its
//! API, the workbook's "Histórico" sheet and the ficha's "serie histórica" all show.

use serde::Serialize;

use super::{Definitions, Quarter, QuarterFigures, Value};

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
    pub goal: Option<f64>,
    /// Aligned with [`History::quarters`]; a value is `None` when nothing was measured.
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

    /// The series of every defined indicator from the figures of each quarter
    /// (`figures[i]` belongs to `quarters[i]`).
    pub fn build(
        definitions: &Definitions,
        quarters: Vec<Quarter>,
        figures: &[QuarterFigures],
    ) -> History {
        let series = definitions
            .indicators
            .iter()
            .map(|d| Series {
                id: d.id.clone(),
                name: d.name.clone(),
                unit: d.unit.clone(),
                goal: d.goal,
                values: figures.iter().map(|f| f.total.value(d.quantity)).collect(),
            })
            .collect();
        History { quarters, series }
    }
}

#[cfg(test)]
mod tests {
    use super::{History, quarters_ending};
    use crate::indicators::{Definitions, Quarter, QuarterFigures};

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
        let mut a = QuarterFigures::default();
        a.total.registered = 4;
        a.total.registered_solved = 3;
        let b = QuarterFigures::default();
        let quarters = quarters_ending(Quarter::parse("2025-Q3").expect("q"), 2);
        let h = History::build(&definitions, quarters, &[a, b]);
        assert_eq!(h.series.len(), 2);
        assert_eq!(h.series[0].values[0].value, Some(4.0));
        assert_eq!(h.series[0].values[1].value, Some(0.0));
        assert_eq!(h.series[1].values[0].value, Some(75.0));
        // Nothing registered: no resolution ratio rather than 0 %.
        assert_eq!(h.series[1].values[1].value, None);
        assert_eq!(h.series[1].goal, Some(90.0));
    }
}
