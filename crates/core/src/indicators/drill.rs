//! Drill-down: which figures hold the tickets behind each part of an indicator (numerator,
//! denominator, the rest), named as the store's membership columns (`m_<figure>` of
//! `queries/indicator_members.sql`), with the Spanish words a list is titled with.

use serde::Serialize;

use super::{Kind, Quantity};

/// The part of an indicator a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Part {
    /// The tickets the numerator counts (for a count, the count itself).
    #[serde(rename = "numerador")]
    Numerator,
    /// The tickets the denominator counts (for a time, the tickets it is measured on).
    #[serde(rename = "denominador")]
    Denominator,
    /// Denominator without numerator: "fuera del ANS", "sin solucionar"…
    #[serde(rename = "fuera")]
    Rest,
}

impl Part {
    pub const ALL: [Part; 3] = [Part::Numerator, Part::Denominator, Part::Rest];

    /// The part's name in URLs.
    pub fn code(self) -> &'static str {
        match self {
            Part::Numerator => "numerador",
            Part::Denominator => "denominador",
            Part::Rest => "fuera",
        }
    }

    pub fn parse(text: &str) -> Option<Part> {
        Part::ALL
            .into_iter()
            .find(|p| p.code().eq_ignore_ascii_case(text.trim()))
    }
}

/// The tickets of a list: those counted in any figure of `include` and in none of `exclude`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Membership {
    pub include: &'static [&'static str],
    pub exclude: &'static [&'static str],
    /// What the tickets are, in Spanish, after "Casos": "solucionados fuera del ANS".
    pub words: &'static str,
}

const fn of(
    include: &'static [&'static str],
    exclude: &'static [&'static str],
    words: &'static str,
) -> Option<Membership> {
    Some(Membership {
        include,
        exclude,
        words,
    })
}

/// A ratio's three lists from its numerator and denominator figures.
fn ratio(
    part: Part,
    num: &'static [&'static str],
    den: &'static [&'static str],
    words: [&'static str; 3],
) -> Option<Membership> {
    match part {
        Part::Numerator => of(num, &[], words[0]),
        Part::Denominator => of(den, &[], words[1]),
        Part::Rest => of(den, num, words[2]),
    }
}

impl Quantity {
    /// The parts of this quantity that have a list: numerator, denominator and rest for a
    /// ratio, the count itself for a count, the measured tickets for a time.
    pub fn parts(self) -> &'static [Part] {
        match self.kind() {
            Kind::Percent => &Part::ALL,
            Kind::Count => &[Part::Numerator],
            Kind::Hours => &[Part::Denominator],
        }
    }

    /// The tickets behind `part` of this quantity, as [`super::Figures::value`] counts them;
    /// `by_month` for a month's row (whose backlog is the one at the end of that month).
    /// `None` for a part the quantity does not have.
    pub fn members(self, part: Part, by_month: bool) -> Option<Membership> {
        use Quantity::*;
        if !self.parts().contains(&part) {
            return None;
        }
        match self {
            Registered => of(&["registered"], &[], "registrados"),
            Solved => of(&["solved"], &[], "solucionados"),
            Backlog if by_month => of(&["backlog_month"], &[], "pendientes al final del mes"),
            Backlog => of(
                &["backlog_quarter"],
                &[],
                "pendientes al cierre del trimestre",
            ),
            Resolution => ratio(
                part,
                &["registered_solved"],
                &["registered"],
                [
                    "registrados y solucionados al cierre del periodo",
                    "registrados",
                    "registrados sin solucionar al cierre del periodo",
                ],
            ),
            AttentionOnTime => ratio(
                part,
                &["attention_met"],
                &["attention_met", "attention_breached"],
                [
                    "atendidos dentro del ANS",
                    "registrados con ANS de atención medido",
                    "atendidos fuera del ANS",
                ],
            ),
            SolutionOnTime => ratio(
                part,
                &["solution_met"],
                &["solution_met", "solution_breached"],
                [
                    "solucionados dentro del ANS",
                    "solucionados con meta de solución",
                    "solucionados fuera del ANS",
                ],
            ),
            TimelyClosing => ratio(
                part,
                &["closed_in_time"],
                &["closing_decided"],
                [
                    "cerrados a tiempo después de la solución",
                    "solucionados con cierre definido",
                    "cerrados tarde o aún sin cerrar",
                ],
            ),
            Reopening => ratio(
                part,
                &["reopened"],
                &["solved"],
                [
                    "solucionados y reabiertos",
                    "solucionados",
                    "solucionados sin reapertura",
                ],
            ),
            Satisfaction => ratio(
                part,
                &["surveys_satisfied"],
                &["surveys_answered"],
                [
                    "con encuesta satisfecha (4 o 5)",
                    "con encuesta respondida",
                    "con encuesta no satisfecha (0 a 3)",
                ],
            ),
            SurveyResponse => ratio(
                part,
                &["surveys_sent_answered"],
                &["surveys_sent"],
                [
                    "con encuesta enviada y respondida",
                    "con encuesta enviada",
                    "con encuesta enviada sin respuesta",
                ],
            ),
            AttentionMean | AttentionMedian | AttentionP90 => of(
                &["attention_timed"],
                &[],
                "registrados con tiempo de atención medido",
            ),
            SolutionMean | SolutionMedian | SolutionP90 => {
                of(&["solved"], &[], "solucionados (tiempo de solución medido)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::indicators::{Definitions, Figures};

    /// The figure `name` of `f`, by the field names the lists use.
    fn figure(f: &Figures, name: &str) -> u64 {
        match name {
            "registered" => f.registered,
            "registered_solved" => f.registered_solved,
            "attention_met" => f.attention_met,
            "attention_breached" => f.attention_breached,
            "solved" => f.solved,
            "solution_met" => f.solution_met,
            "solution_breached" => f.solution_breached,
            "closed_in_time" => f.closed_in_time,
            "closing_decided" => f.closing_decided,
            "reopened" => f.reopened,
            // The backlog is one field, at the quarter's or at the month's end.
            "backlog_quarter" | "backlog_month" => f.backlog,
            "surveys_answered" => f.surveys_answered,
            "surveys_satisfied" => f.surveys_satisfied,
            "surveys_sent" => f.surveys_sent,
            "surveys_sent_answered" => f.surveys_sent_answered,
            // Not a field: the tickets the attention times are measured on.
            "attention_timed" => 0,
            other => panic!("no figure {other}"),
        }
    }

    #[test]
    fn every_part_names_figures_that_exist_and_add_up_to_the_value() {
        // Distinct primes: a wrong figure name or a wrong sum cannot match by chance.
        let f = Figures {
            registered: 101,
            registered_solved: 53,
            attention_met: 41,
            attention_breached: 7,
            solved: 89,
            solution_met: 61,
            solution_breached: 13,
            closed_in_time: 31,
            closing_decided: 37,
            reopened: 5,
            backlog: 17,
            surveys_answered: 23,
            surveys_satisfied: 19,
            surveys_sent: 29,
            surveys_sent_answered: 11,
            ..Figures::default()
        };
        let count = |names: &[&str]| -> u64 { names.iter().map(|n| figure(&f, n)).sum() };
        for d in Definitions::builtin().indicators {
            let q = d.quantity;
            let value = f.value(q);
            for &part in q.parts() {
                let m = q.members(part, false).expect("a listed part");
                assert!(!m.words.is_empty());
                let want = match part {
                    Part::Numerator => value.numerator,
                    Part::Denominator => value.denominator,
                    Part::Rest => value.denominator.zip(value.numerator).map(|(d, n)| d - n),
                };
                if let Some(want) = want {
                    // The numerator is part of the denominator: the rest is their difference.
                    let got = count(m.include) - count(m.exclude);
                    assert_eq!(got as f64, want, "{:?} {:?}", q, part);
                }
            }
        }
    }

    #[test]
    fn parts_parse_and_only_listed_parts_have_members() {
        assert_eq!(Part::parse("Denominador"), Some(Part::Denominator));
        assert_eq!(Part::parse("fuera"), Some(Part::Rest));
        assert_eq!(Part::parse("todo"), None);
        assert!(Quantity::Registered.members(Part::Rest, false).is_none());
        assert!(
            Quantity::SolutionMean
                .members(Part::Numerator, false)
                .is_none()
        );
        assert_eq!(
            Quantity::Backlog
                .members(Part::Numerator, true)
                .map(|m| m.include),
            Some(&["backlog_month"][..])
        );
    }
}
