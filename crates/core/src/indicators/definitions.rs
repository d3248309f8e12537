//! Indicator definitions as data (`reports/indicadores.toml`): the wording, goal and light
//! thresholds the quality team owns, validated when loaded. Keys are Spanish because the quality
//! team edits the file.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// The definitions shipped with mesa-sla.
pub const DEFAULT_DEFINITIONS: &str = include_str!("../../../../reports/indicadores.toml");

/// What mesa-sla computes for an indicator: a closed list, so every definition maps to a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Quantity {
    #[serde(rename = "registrados")]
    Registered,
    #[serde(rename = "solucionados")]
    Solved,
    #[serde(rename = "pendientes")]
    Backlog,
    #[serde(rename = "resolucion")]
    Resolution,
    #[serde(rename = "atencion_en_meta")]
    AttentionOnTime,
    #[serde(rename = "solucion_en_meta")]
    SolutionOnTime,
    #[serde(rename = "atencion_media")]
    AttentionMean,
    #[serde(rename = "atencion_mediana")]
    AttentionMedian,
    #[serde(rename = "atencion_p90")]
    AttentionP90,
    #[serde(rename = "solucion_media")]
    SolutionMean,
    #[serde(rename = "solucion_mediana")]
    SolutionMedian,
    #[serde(rename = "solucion_p90")]
    SolutionP90,
    #[serde(rename = "cierre_oportuno")]
    TimelyClosing,
    #[serde(rename = "reapertura")]
    Reopening,
    #[serde(rename = "satisfaccion")]
    Satisfaction,
    #[serde(rename = "respuesta_encuesta")]
    SurveyResponse,
}

/// How a quantity is expressed (serialised as `count`, `percent`, `hours`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Count,
    Percent,
    Hours,
}

impl Quantity {
    pub fn kind(self) -> Kind {
        use Quantity::*;
        match self {
            Registered | Solved | Backlog => Kind::Count,
            AttentionMean | AttentionMedian | AttentionP90 | SolutionMean | SolutionMedian
            | SolutionP90 => Kind::Hours,
            Resolution | AttentionOnTime | SolutionOnTime | TimelyClosing | Reopening
            | Satisfaction | SurveyResponse => Kind::Percent,
        }
    }
}

/// Whether higher or lower values are better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Direction {
    #[default]
    #[serde(rename = "mayor")]
    Higher,
    #[serde(rename = "menor")]
    Lower,
}

/// One indicator definition: the "ficha" fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub id: String,
    #[serde(rename = "medida")]
    pub quantity: Quantity,
    #[serde(rename = "nombre")]
    pub name: String,
    #[serde(rename = "objetivo", default)]
    pub objective: String,
    #[serde(default)]
    pub formula: String,
    #[serde(rename = "unidad", default)]
    pub unit: String,
    /// Empty in the file means the `[general]` value.
    #[serde(rename = "frecuencia", default)]
    pub frequency: String,
    #[serde(rename = "meta", default)]
    pub goal: Option<f64>,
    #[serde(rename = "sentido", default)]
    pub direction: Direction,
    #[serde(rename = "tolerancia", default = "default_tolerance")]
    pub tolerance: f64,
    #[serde(rename = "fuente", default)]
    pub source: String,
    #[serde(rename = "responsable", default)]
    pub owner: String,
    /// Whether it goes on the indicator form sheet.
    #[serde(rename = "ficha", default)]
    pub on_form: bool,
}

fn default_tolerance() -> f64 {
    10.0
}

/// Defaults shared by every definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    #[serde(rename = "frecuencia", default = "default_frequency")]
    pub frequency: String,
    #[serde(rename = "fuente", default)]
    pub source: String,
    #[serde(rename = "responsable", default)]
    pub owner: String,
    /// Business days between solution and closing for the timely-closing indicator.
    #[serde(rename = "dias_cierre", default = "default_closing_days")]
    pub closing_days: u32,
}

fn default_frequency() -> String {
    "Trimestral".into()
}

fn default_closing_days() -> u32 {
    3
}

impl Default for General {
    fn default() -> Self {
        General {
            frequency: default_frequency(),
            source: String::new(),
            owner: String::new(),
            closing_days: default_closing_days(),
        }
    }
}

/// A validated set of definitions, in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definitions {
    #[serde(default)]
    pub general: General,
    #[serde(rename = "indicador", default)]
    pub indicators: Vec<Definition>,
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionsError {
    #[error("definiciones de indicadores no válidas ({origin}): {message}")]
    Parse { origin: String, message: String },
    #[error("definiciones de indicadores ({origin}): {message}")]
    Invalid { origin: String, message: String },
}

impl Definitions {
    /// Parses and validates definitions; `origin` names the file in messages.
    pub fn parse(text: &str, origin: &str) -> Result<Definitions, DefinitionsError> {
        let mut defs: Definitions = toml::from_str(text).map_err(|e| DefinitionsError::Parse {
            origin: origin.to_owned(),
            message: e.to_string(),
        })?;
        let invalid = |message: String| DefinitionsError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        if defs.indicators.is_empty() {
            return Err(invalid("no hay ningún [[indicador]]".into()));
        }
        if !(1..=30).contains(&defs.general.closing_days) {
            return Err(invalid(format!(
                "dias_cierre = {} fuera de rango (1 a 30)",
                defs.general.closing_days
            )));
        }
        let mut seen = HashSet::new();
        for d in &mut defs.indicators {
            if d.id.trim().is_empty() || d.name.trim().is_empty() {
                return Err(invalid("cada indicador necesita id y nombre".into()));
            }
            if !seen.insert(d.id.clone()) {
                return Err(invalid(format!("el id «{}» está repetido", d.id)));
            }
            if let Some(g) = d.goal {
                let ok = match d.quantity.kind() {
                    Kind::Percent => (0.0..=100.0).contains(&g),
                    Kind::Count | Kind::Hours => g >= 0.0 && g.is_finite(),
                };
                if !ok {
                    return Err(invalid(format!("la meta {g} de «{}» no es válida", d.id)));
                }
            }
            if !(d.tolerance >= 0.0 && d.tolerance.is_finite()) {
                return Err(invalid(format!("la tolerancia de «{}» no es válida", d.id)));
            }
            if d.frequency.is_empty() {
                d.frequency = defs.general.frequency.clone();
            }
            if d.source.is_empty() {
                d.source = defs.general.source.clone();
            }
            if d.owner.is_empty() {
                d.owner = defs.general.owner.clone();
            }
        }
        Ok(defs)
    }

    /// The definitions shipped with mesa-sla.
    #[allow(clippy::expect_used)] // embedded at build time and checked by a unit test
    pub fn builtin() -> Definitions {
        // The embedded file is checked by a unit test; failing here would be a build defect.
        Definitions::parse(DEFAULT_DEFINITIONS, "reports/indicadores.toml")
            .expect("reports/indicadores.toml is valid")
    }
}
