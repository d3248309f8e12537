//! Canonical vocabulary shared by every layer: normalised statuses, ticket types, priorities,
//! metrics and SLA states, with their stored (English) codes and Spanish labels.

use serde::{Deserialize, Serialize};

/// Normalised ticket status (design §3). GLPI codes 1–6 map to these in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Assigned,
    Planned,
    Waiting,
    Solved,
    Closed,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::New,
        Status::Assigned,
        Status::Planned,
        Status::Waiting,
        Status::Solved,
        Status::Closed,
    ];

    /// The stored code (`new`, `assigned`, …).
    pub fn code(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Assigned => "assigned",
            Status::Planned => "planned",
            Status::Waiting => "waiting",
            Status::Solved => "solved",
            Status::Closed => "closed",
        }
    }

    /// Parses a stored code.
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// Parses a stored code, a GLPI number (1–6) or a usual label (es_CO, es_ES, English, Dexon).
    pub fn parse(text: &str) -> Option<Status> {
        if let Some(s) = Status::from_code(text) {
            return Some(s);
        }
        if let Ok(n) = text.trim().parse::<i64>() {
            return Status::from_glpi_code(n);
        }
        Some(match fold(text).as_str() {
            "nuevo" | "nueva" | "abierto" | "new" => Status::New,
            "en curso (asignada)"
            | "en curso (asignado)"
            | "en curso"
            | "asignado"
            | "asignada"
            | "en proceso"
            | "abierto por encuesta"
            | "processing (assigned)"
            | "assigned" => Status::Assigned,
            "en curso (planificada)"
            | "en curso (planificado)"
            | "planificado"
            | "processing (planned)"
            | "planned" => Status::Planned,
            "en espera" | "pendiente" | "retenido" | "pending" | "waiting" => Status::Waiting,
            "resueltas" | "resuelto" | "resuelta" | "solucionado" | "solved" => Status::Solved,
            "cerrado" | "cerrada" | "closed" => Status::Closed,
            _ => return None,
        })
    }

    /// GLPI's numeric status (1 new … 6 closed).
    pub fn from_glpi_code(code: i64) -> Option<Status> {
        // checked: a log row may carry any number, i64::MIN included.
        usize::try_from(code)
            .ok()
            .and_then(|c| c.checked_sub(1))
            .and_then(|i| Status::ALL.get(i).copied())
    }

    /// Spanish label for users.
    pub fn label_es(self) -> &'static str {
        match self {
            Status::New => "Nuevo",
            Status::Assigned => "En curso (asignado)",
            Status::Planned => "En curso (planificado)",
            Status::Waiting => "En espera",
            Status::Solved => "Resuelto",
            Status::Closed => "Cerrado",
        }
    }

    /// Whether the ticket still needs work (new, assigned, planned or waiting).
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Solved | Status::Closed)
    }
}

/// Incident or service request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketType {
    Incident,
    Request,
}

impl TicketType {
    pub fn code(self) -> &'static str {
        match self {
            TicketType::Incident => "incident",
            TicketType::Request => "request",
        }
    }

    /// Parses a stored code or a usual Spanish/English label.
    pub fn parse(text: &str) -> Option<TicketType> {
        match fold(text).as_str() {
            "incident" | "incidencia" | "incidente" | "1" => Some(TicketType::Incident),
            "request" | "requerimiento" | "peticion" | "solicitud" | "demande" | "2" => {
                Some(TicketType::Request)
            }
            _ => None,
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            TicketType::Incident => "Incidencia",
            TicketType::Request => "Requerimiento",
        }
    }
}

/// Parses a priority given as a number 1–6 or a GLPI/Dexon label (es_CO, es_ES, English).
pub fn parse_priority(text: &str) -> Option<u8> {
    let t = fold(text);
    if let Ok(n) = t.parse::<u8>() {
        return (1..=6).contains(&n).then_some(n);
    }
    Some(match t.as_str() {
        "muy baja" | "very low" => 1,
        "baja" | "low" => 2,
        "mediana" | "media" | "medium" => 3,
        "alta" | "high" => 4,
        "muy urgente" | "muy alta" | "very high" | "critica" => 5,
        "mayor" | "primordial" | "major" => 6,
        _ => return None,
    })
}

/// Spanish label of a normalised priority (GLPI es_CO wording).
pub fn priority_label_es(p: u8) -> &'static str {
    match p {
        1 => "Muy baja",
        2 => "Baja",
        3 => "Mediana",
        4 => "Alta",
        5 => "Muy urgente",
        6 => "Mayor",
        _ => "Sin prioridad",
    }
}

/// The two clocks of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Attention,
    Solution,
}

impl Metric {
    pub const ALL: [Metric; 2] = [Metric::Attention, Metric::Solution];

    pub fn code(self) -> &'static str {
        match self {
            Metric::Attention => "attention",
            Metric::Solution => "solution",
        }
    }

    pub fn from_code(code: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.code() == code.trim())
    }

    pub fn label_es(self) -> &'static str {
        match self {
            Metric::Attention => "Atención",
            Metric::Solution => "Solución",
        }
    }
}

/// Outcome of one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    Met,
    Breached,
    Running,
    AtRisk,
    NoTarget,
}

impl SlaState {
    pub const ALL: [SlaState; 5] = [
        SlaState::Met,
        SlaState::Breached,
        SlaState::Running,
        SlaState::AtRisk,
        SlaState::NoTarget,
    ];

    pub fn from_code(code: &str) -> Option<SlaState> {
        SlaState::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    pub fn code(self) -> &'static str {
        match self {
            SlaState::Met => "met",
            SlaState::Breached => "breached",
            SlaState::Running => "running",
            SlaState::AtRisk => "at_risk",
            SlaState::NoTarget => "no_target",
        }
    }

    pub fn label_es(self) -> &'static str {
        match self {
            SlaState::Met => "Cumplido",
            SlaState::Breached => "Incumplido",
            SlaState::Running => "En curso",
            SlaState::AtRisk => "En riesgo",
            SlaState::NoTarget => "Sin meta",
        }
    }
}

/// Lower-cases, trims, collapses inner spaces and removes Spanish/French accents, so that labels
/// typed by people compare equal ("Petición" = "peticion").
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for ch in text.trim().chars().flat_map(char::to_lowercase) {
        let ch = match ch {
            'á' | 'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c,
        };
        if ch.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(ch);
    }
    out
}

/// The last part of a GLPI entity path ("Entidad Raíz > Alcaldía de X" → "Alcaldía de X"); a
/// name without `>` is its own last part.
pub fn entity_leaf(name: &str) -> &str {
    name.rsplit('>').next().unwrap_or(name).trim()
}

/// How many valid values an error message lists.
pub const LISTED: usize = 20;

/// "Title: a, b, c (y N más).", or "Title: none." when there are none: the valid values an
/// error message offers, at most [`LISTED`] of them.
pub fn listing(title: &str, valid: &[String], none: &str) -> String {
    if valid.is_empty() {
        return format!("{title}: {none}.");
    }
    let shown = valid
        .iter()
        .take(LISTED)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match valid.len().saturating_sub(LISTED) {
        0 => format!("{title}: {shown}."),
        more => format!("{title}: {shown} (y {more} más)."),
    }
}

/// The value of `valid` that `wanted` names: exactly, or else ignoring case and accents.
pub fn matching<'a>(valid: &'a [String], wanted: &str) -> Option<&'a str> {
    if let Some(v) = valid.iter().find(|v| v.as_str() == wanted) {
        return Some(v);
    }
    let folded = fold(wanted);
    valid.iter().find(|v| fold(v) == folded).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fold_and_parse() {
        assert_eq!(fold("  Petición  de   Servicio "), "peticion de servicio");
        assert_eq!(
            TicketType::parse("Requerimiento"),
            Some(TicketType::Request)
        );
        assert_eq!(TicketType::parse("Incidente"), Some(TicketType::Incident));
        assert_eq!(parse_priority("Muy urgente"), Some(5));
        assert_eq!(parse_priority("MAYOR"), Some(6));
        assert_eq!(parse_priority("7"), None);
        assert_eq!(Status::from_glpi_code(4), Some(Status::Waiting));
        assert_eq!(Status::from_glpi_code(0), None);
        assert_eq!(Status::from_glpi_code(i64::MIN), None);
        assert_eq!(Status::from_code("closed"), Some(Status::Closed));
        assert_eq!(Status::parse("En espera"), Some(Status::Waiting));
        assert_eq!(Status::parse("Resueltas"), Some(Status::Solved));
        assert_eq!(Status::parse("6"), Some(Status::Closed));
        assert_eq!(Status::parse("archivado"), None);
    }
}
