//! Quarterly indicators (domain core, no I/O): quarters, indicator definitions (data from
//! `reports/indicadores.toml`), the figures they are computed from, traffic lights, the change
//! against the previous quarter and the Spanish analysis sentence of the indicator form.
//!
//! The figures themselves are aggregated by the store (`queries/indicator_figures.sql`); this
//! module turns them into the one [`IndicatorSet`] that the workbook, the charts and the dashboard
//! all read, so no figure is computed twice.

mod analysis;
pub mod comparison;
mod definitions;
pub mod drill;
pub mod history;
mod quarter;
pub mod ranges;

pub use analysis::{fmt_count, fmt_hours, fmt_number, fmt_percent};
pub use definitions::{
    DEFAULT_DEFINITIONS, Definition, Definitions, DefinitionsError, Direction, General,
    INDICATOR_TYPES, Kind, Quantity,
};
pub use quarter::{Quarter, QuarterError, month_name_es};
pub use ranges::{Range, Ranges};

use chrono::NaiveDateTime;
use serde::Serialize;

/// Counts and times of one slice of a quarter (the whole quarter, or one month, priority…).
/// Times are business hours; `None` when nothing was measured.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    /// Tickets created in the period.
    pub registered: u64,
    /// Of those, solved by the end of the quarter.
    pub registered_solved: u64,
    pub attention_met: u64,
    pub attention_breached: u64,
    pub attention_mean: Option<f64>,
    pub attention_median: Option<f64>,
    pub attention_p90: Option<f64>,
    /// Tickets whose (last) solution falls in the period.
    pub solved: u64,
    pub solution_met: u64,
    pub solution_breached: u64,
    pub solution_mean: Option<f64>,
    pub solution_median: Option<f64>,
    pub solution_p90: Option<f64>,
    /// Solved in the period and closed within the closing limit.
    pub closed_in_time: u64,
    /// Solved in the period and either closed, or still open past the closing limit.
    pub closing_decided: u64,
    /// Solved in the period and reopened at least once.
    pub reopened: u64,
    /// Open at the end of the period (for a month: at the end of that month).
    pub backlog: u64,
    pub surveys_answered: u64,
    pub surveys_satisfied: u64,
    pub surveys_sent: u64,
    pub surveys_sent_answered: u64,
}

/// The dimensions indicators are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Month,
    Priority,
    Category,
    Type,
    Technician,
    Group,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Month,
        Dimension::Priority,
        Dimension::Category,
        Dimension::Type,
        Dimension::Technician,
        Dimension::Group,
    ];

    /// Spanish column heading.
    pub fn label_es(self) -> &'static str {
        match self {
            Dimension::Month => "Mes",
            Dimension::Priority => "Prioridad",
            Dimension::Category => "Categoría",
            Dimension::Type => "Tipo",
            Dimension::Technician => "Técnico",
            Dimension::Group => "Grupo",
        }
    }
}

/// One row of a breakdown: `key` is the stored value (month as `2025-07`, priority number…),
/// `label` its Spanish rendering.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BreakdownRow {
    pub dimension: Dimension,
    pub key: Option<String>,
    pub label: String,
    pub figures: Figures,
}

/// Every figure of one entity and quarter.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QuarterFigures {
    pub total: Figures,
    /// Rows of every dimension, each dimension in display order.
    pub rows: Vec<BreakdownRow>,
    /// Solved tickets of the quarter by solution time (business hours), in fixed bins.
    pub solution_histogram: Vec<HistogramBin>,
}

impl QuarterFigures {
    pub fn rows(&self, dimension: Dimension) -> impl Iterator<Item = &BreakdownRow> {
        self.rows.iter().filter(move |r| r.dimension == dimension)
    }

    /// The row of a dimension with the same key (to put the previous quarter side by side).
    pub fn find(&self, dimension: Dimension, key: Option<&str>) -> Option<&BreakdownRow> {
        self.rows(dimension).find(|r| r.key.as_deref() == key)
    }
}

/// One bin of the solution-time distribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistogramBin {
    pub label: String,
    pub count: u64,
}

/// Traffic light of an indicator against its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Yellow,
    Red,
    /// No goal, or nothing to measure in the period.
    None,
}

impl Light {
    pub fn label_es(self) -> &'static str {
        match self {
            Light::Green => "Verde",
            Light::Yellow => "Amarillo",
            Light::Red => "Rojo",
            Light::None => "Sin semáforo",
        }
    }

    /// The light of a value in the ranges of its definition ([`Definition::light_ranges`]);
    /// none without ranges (no goal) or without a value.
    pub fn of(value: Option<f64>, ranges: Option<&Ranges>, sense: Direction) -> Light {
        match (value, ranges) {
            (Some(v), Some(r)) => r.light(v, sense),
            _ => Light::None,
        }
    }
}

/// A number with what it was computed from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Value {
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// Percent (0–100) for ratios, hours for times, a count for counts.
    pub value: Option<f64>,
}

impl Figures {
    /// The value of a measure on these figures.
    pub fn value(&self, m: Quantity) -> Value {
        let count = |n: u64| Value {
            numerator: Some(n as f64),
            denominator: None,
            value: Some(n as f64),
        };
        let ratio = |n: u64, d: u64| Value {
            numerator: Some(n as f64),
            denominator: Some(d as f64),
            value: (d > 0).then(|| 100.0 * n as f64 / d as f64),
        };
        let time = |t: Option<f64>| Value {
            numerator: None,
            denominator: None,
            value: t,
        };
        match m {
            Quantity::Registered => count(self.registered),
            Quantity::Solved => count(self.solved),
            Quantity::Backlog => count(self.backlog),
            Quantity::Resolution => ratio(self.registered_solved, self.registered),
            Quantity::AttentionOnTime => ratio(
                self.attention_met,
                self.attention_met + self.attention_breached,
            ),
            Quantity::SolutionOnTime => ratio(
                self.solution_met,
                self.solution_met + self.solution_breached,
            ),
            Quantity::AttentionMean => time(self.attention_mean),
            Quantity::AttentionMedian => time(self.attention_median),
            Quantity::AttentionP90 => time(self.attention_p90),
            Quantity::SolutionMean => time(self.solution_mean),
            Quantity::SolutionMedian => time(self.solution_median),
            Quantity::SolutionP90 => time(self.solution_p90),
            Quantity::TimelyClosing => ratio(self.closed_in_time, self.closing_decided),
            Quantity::Reopening => ratio(self.reopened, self.solved),
            Quantity::Satisfaction => ratio(self.surveys_satisfied, self.surveys_answered),
            Quantity::SurveyResponse => ratio(self.surveys_sent_answered, self.surveys_sent),
        }
    }
}

/// One indicator of the quarter: its definition, result, light, previous quarter and analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    pub definition: Definition,
    #[serde(flatten)]
    pub current: Value,
    pub previous: Option<f64>,
    /// `current - previous`: percentage points for ratios, hours for times, count for counts.
    pub change: Option<f64>,
    pub light: Light,
    pub analysis: String,
}

/// Everything the reports of one entity and quarter show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorSet {
    /// The entity as stored (GLPI's full path).
    pub entity: String,
    /// What titles call it: its short name or the last part of its path.
    pub entity_name: String,
    pub quarter: Quarter,
    pub previous_quarter: Quarter,
    /// The instant the SLA results were evaluated at (open tickets are measured up to it).
    pub as_of: Option<NaiveDateTime>,
    /// The filters the figures are restricted to, as shown to a reader ("Prioridad: Alta");
    /// empty: every case of the entity.
    pub filters: Vec<String>,
    pub general: General,
    pub indicators: Vec<Indicator>,
    pub current: QuarterFigures,
    pub previous: QuarterFigures,
    /// The indicators over the quarters up to this one (the workbook's "Histórico" sheet and the
    /// ficha's "serie histórica"); empty unless the caller filled it (`report::history`).
    #[serde(skip_serializing_if = "history::History::is_empty")]
    pub history: history::History,
}

impl IndicatorSet {
    /// Builds the set from the figures of the quarter and of the one before.
    pub fn build(
        entity: &str,
        quarter: Quarter,
        as_of: Option<NaiveDateTime>,
        definitions: &Definitions,
        current: QuarterFigures,
        previous: QuarterFigures,
    ) -> IndicatorSet {
        let previous_quarter = quarter.previous();
        let indicators = definitions
            .indicators
            .iter()
            .map(|d| {
                let now = current.total.value(d.quantity);
                let before = previous.total.value(d.quantity).value;
                let light = Light::of(now.value, d.light_ranges().as_ref(), d.direction);
                let change = now.value.zip(before).map(|(a, b)| a - b);
                let analysis =
                    analysis::sentence(d, &now, before, light, quarter, previous_quarter, &current);
                Indicator {
                    definition: d.clone(),
                    current: now,
                    previous: before,
                    change,
                    light,
                    analysis,
                }
            })
            .collect();
        IndicatorSet {
            entity: entity.to_owned(),
            entity_name: crate::model::entity_leaf(entity).to_owned(),
            quarter,
            previous_quarter,
            as_of,
            filters: Vec::new(),
            general: definitions.general.clone(),
            indicators,
            current,
            previous,
            history: history::History::default(),
        }
    }

    /// The "Filtros" line of the reports: the filters, or that every case counts.
    pub fn filters_text(&self) -> String {
        filters_text(&self.filters)
    }

    /// The indicator computing a measure, if defined.
    pub fn indicator(&self, m: Quantity) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.definition.quantity == m)
    }

    /// Goal of a measure, if defined (charts draw it as a line).
    pub fn goal(&self, m: Quantity) -> Option<f64> {
        self.indicator(m).and_then(|i| i.definition.goal)
    }
}

/// The "Filtros" line of every output: the filters as a reader sees them ("Prioridad: Alta"),
/// or that every case counts.
pub fn filters_text(filters: &[String]) -> String {
    if filters.is_empty() {
        "Filtros: ninguno (todos los casos)".to_owned()
    } else {
        format!("Filtros: {}", filters.join(" · "))
    }
}

#[cfg(test)]
mod tests;
