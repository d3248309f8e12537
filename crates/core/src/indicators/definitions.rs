//! Indicator definitions as data (`reports/indicadores.toml`): the wording, goal and light
//! thresholds the quality team owns, validated when loaded. Keys are Spanish because the quality
//! team edits the file.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::ranges::{DEFAULT_TOLERANCE, Ranges};

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
    /// Whether the figure comes from the satisfaction surveys rather than from the cases.
    pub fn from_surveys(self) -> bool {
        matches!(self, Quantity::Satisfaction | Quantity::SurveyResponse)
    }

    /// The ficha's "tipo" when the file gives none: times measure the use of the service's
    /// time (eficiencia), satisfaction and reopening the effect on users (efectividad), the
    /// rest the fulfilment of the goals (eficacia).
    pub fn default_type(self) -> &'static str {
        use Quantity::*;
        match self.kind() {
            Kind::Hours => "eficiencia",
            _ if matches!(self, Satisfaction | Reopening) => "efectividad",
            _ => "eficacia",
        }
    }

    /// The ficha's "fuente" when neither the indicator nor `[general]` gives one.
    pub fn default_source(self) -> &'static str {
        use Quantity::*;
        match self {
            Satisfaction | SurveyResponse => {
                "Encuesta de percepción de GLPI: encuestas enviadas y respondidas por los usuarios \
                 al cerrar sus casos"
            }
            Registered | Solved | Backlog => {
                "Mesa de Servicios (GLPI / Dexon): casos registrados en la herramienta"
            }
            Resolution | TimelyClosing | Reopening => {
                "Mesa de Servicios (GLPI / Dexon): historial de los casos (solución, reapertura y \
                 cierre)"
            }
            _ => {
                "Mesa de Servicios (GLPI / Dexon), tiempos calculados por mesa-sla en horas hábiles"
            }
        }
    }

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

/// The closed list of the ficha's "tipo".
pub const INDICATOR_TYPES: [&str; 3] = ["eficacia", "eficiencia", "efectividad"];

/// One indicator definition: the "ficha" fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    pub id: String,
    #[serde(rename = "medida")]
    pub quantity: Quantity,
    #[serde(rename = "nombre")]
    pub name: String,
    /// The quality system's code (empty: the ficha shows the id).
    #[serde(rename = "codigo", default)]
    pub code: String,
    /// Empty in the file means the `[general]` value.
    #[serde(rename = "proceso", default)]
    pub process: String,
    /// One of [`INDICATOR_TYPES`]; empty in the file means [`Quantity::default_type`].
    #[serde(rename = "tipo", default)]
    pub indicator_type: String,
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
    /// The value the indicator started from, in its unit.
    #[serde(
        rename = "linea_base",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub baseline: Option<f64>,
    /// The older single margin of the amber light; [`Definitions::parse`] turns it into
    /// `ranges`.
    #[serde(rename = "tolerancia", default, skip_serializing)]
    pub tolerance: Option<f64>,
    /// The lights as explicit ranges; filled by [`Definitions::parse`] whenever there is a goal.
    #[serde(rename = "semaforo", default, skip_serializing_if = "Option::is_none")]
    pub ranges: Option<Ranges>,
    #[serde(rename = "fuente", default)]
    pub source: String,
    #[serde(rename = "responsable", default)]
    pub owner: String,
    /// Whether it goes on the indicator form sheet.
    #[serde(rename = "ficha", default)]
    pub on_form: bool,
}

impl Definition {
    /// The light ranges: the explicit ones, else those of the goal and the tolerance
    /// ([`DEFAULT_TOLERANCE`] when absent); none without a goal.
    pub fn light_ranges(&self) -> Option<Ranges> {
        self.ranges.or_else(|| {
            self.goal.map(|g| {
                let tolerance = self.tolerance.unwrap_or(DEFAULT_TOLERANCE);
                Ranges::from_tolerance(g, tolerance, self.quantity.kind(), self.direction)
            })
        })
    }

    /// The "tipo" as the ficha prints it: `Eficacia`.
    pub fn type_label(&self) -> String {
        let t = if self.indicator_type.is_empty() {
            self.quantity.default_type()
        } else {
            &self.indicator_type
        };
        let mut c = t.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }
}

/// Defaults shared by every definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct General {
    #[serde(rename = "frecuencia", default = "default_frequency")]
    pub frequency: String,
    /// Source of the indicators computed from the cases (empty: each quantity's own).
    #[serde(rename = "fuente", default)]
    pub source: String,
    /// Source of the indicators computed from the surveys (empty: each quantity's own).
    #[serde(rename = "fuente_encuestas", default)]
    pub survey_source: String,
    #[serde(rename = "proceso", default = "default_process")]
    pub process: String,
    #[serde(rename = "responsable", default)]
    pub owner: String,
    /// Business days between solution and closing for the timely-closing indicator.
    #[serde(rename = "dias_cierre", default = "default_closing_days")]
    pub closing_days: u32,
}

fn default_frequency() -> String {
    "Trimestral".into()
}

fn default_process() -> String {
    "Gestión de servicios de tecnologías de la información (Mesa de Servicios)".into()
}

fn default_closing_days() -> u32 {
    3
}

impl Default for General {
    fn default() -> Self {
        General {
            frequency: default_frequency(),
            source: String::new(),
            survey_source: String::new(),
            process: default_process(),
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
        let mut codes = HashSet::new();
        for d in &mut defs.indicators {
            if d.id.trim().is_empty() || d.name.trim().is_empty() {
                return Err(invalid("cada indicador necesita id y nombre".into()));
            }
            if !seen.insert(d.id.clone()) {
                return Err(invalid(format!("el id «{}» está repetido", d.id)));
            }
            if !d.code.is_empty() && !codes.insert(d.code.clone()) {
                return Err(invalid(format!(
                    "indicador «{}»: el codigo «{}» ya lo tiene otro indicador",
                    d.id, d.code
                )));
            }
            complete(d, &defs.general)
                .map_err(|m| invalid(format!("indicador «{}»: {m}", d.id)))?;
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

/// Whether a goal or baseline fits the scale of its quantity.
fn in_scale(kind: Kind, v: f64) -> bool {
    match kind {
        Kind::Percent => (0.0..=100.0).contains(&v),
        Kind::Count | Kind::Hours => v >= 0.0 && v.is_finite(),
    }
}

/// Validates one definition and fills what the file may leave out (type, process, source,
/// owner, frequency, light ranges); the error (Spanish) names the key.
fn complete(d: &mut Definition, general: &General) -> Result<(), String> {
    let kind = d.quantity.kind();
    if let Some(g) = d.goal.filter(|g| !in_scale(kind, *g)) {
        return Err(format!(
            "la meta {g} no es válida para la unidad del indicador"
        ));
    }
    if let Some(b) = d.baseline.filter(|b| !in_scale(kind, *b)) {
        return Err(format!(
            "linea_base = {b} no es válida para la unidad del indicador"
        ));
    }
    let typ = d.indicator_type.trim().to_lowercase();
    d.indicator_type = if typ.is_empty() {
        d.quantity.default_type().to_owned()
    } else if INDICATOR_TYPES.contains(&typ.as_str()) {
        typ
    } else {
        return Err(format!(
            "tipo = «{}» no es válido; use {}",
            d.indicator_type,
            INDICATOR_TYPES.join(", ")
        ));
    };
    d.ranges = light_ranges(d)?;
    if d.goal.is_none() {
        d.goal = d.ranges.map(|r| r.goal(d.direction));
    }
    let fill = |field: &mut String, default: &str| {
        if field.trim().is_empty() {
            *field = default.to_owned();
        }
    };
    fill(&mut d.frequency, &general.frequency);
    fill(&mut d.process, &general.process);
    fill(&mut d.owner, &general.owner);
    let general_source = if d.quantity.from_surveys() {
        &general.survey_source
    } else {
        &general.source
    };
    fill(&mut d.source, general_source);
    fill(&mut d.source, d.quantity.default_source());
    Ok(())
}

/// The explicit ranges, checked against the scale and the goal, or those of the older
/// `tolerancia` (converted).
fn light_ranges(d: &Definition) -> Result<Option<Ranges>, String> {
    let kind = d.quantity.kind();
    if let Some(t) = d.tolerance.filter(|t| !(*t >= 0.0 && t.is_finite())) {
        return Err(format!(
            "tolerancia = {t} no es válida (un número de 0 en adelante)"
        ));
    }
    let Some(r) = d.ranges else {
        return Ok(d.light_ranges());
    };
    if d.tolerance.is_some() {
        return Err(
            "tiene «semaforo» y «tolerancia»: deje solo «semaforo» (la tolerancia es la forma \
             antigua de los rangos)"
                .into(),
        );
    }
    r.check(kind, d.direction)?;
    let start = r.goal(d.direction);
    match d.goal {
        Some(g) if (g - start).abs() > 1e-9 => Err(format!(
            "la meta ({}) no coincide con el límite del verde en «semaforo.verde» ({}); \
             ajuste una de las dos",
            super::ranges::fmt_bound(kind, g),
            super::ranges::fmt_bound(kind, start)
        )),
        _ => Ok(Some(r)),
    }
}
