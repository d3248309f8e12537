//! The traffic-light ranges of an indicator (verde / amarillo / rojo): explicit ranges that tile
//! the indicator's scale, read from `reports/indicadores.toml` (or converted from the older single
//! `tolerancia`), checked for gaps, overlaps and order, and told in words for the ficha.
//!
//! A range `[desde, hasta]` holds the goal side of its bounds: with `sentido = "mayor"` it
//! includes `desde` and not `hasta` (except the top of the scale), with `sentido = "menor"` it
//! includes `hasta` and not `desde` (except 0). So the goal itself is always green.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Direction, Kind, Light, fmt_number};

/// Points of margin of the amber light of a definition with a goal and neither `semaforo` nor
/// `tolerancia` (documented in `reports/indicadores.toml`).
pub const DEFAULT_TOLERANCE: f64 = 10.0;

/// Slack of the comparisons, so that a value computed as 90.000000001 % still meets 90 %.
const EPS: f64 = 1e-9;

/// One range of values; `to` is infinite for the open top of a scale without a maximum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub from: f64,
    pub to: f64,
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.to.is_finite() {
            [self.from, self.to].serialize(s)
        } else {
            [self.from].serialize(s)
        }
    }
}

impl<'de> Deserialize<'de> for Range {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Range, D::Error> {
        d.deserialize_any(RangeVisitor)
    }
}

const RANGE_SHAPE: &str =
    "cada rango se escribe [desde, hasta] con números, p. ej. [80, 90], o [desde] sin tope";

struct RangeVisitor;

impl RangeVisitor {
    fn wrong<E: de::Error>(found: &str) -> E {
        E::custom(format!("se encontró {found}: {RANGE_SHAPE}"))
    }
}

impl<'de> Visitor<'de> for RangeVisitor {
    type Value = Range;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(RANGE_SHAPE)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Range, A::Error> {
        let mut bounds = Vec::with_capacity(2);
        while let Some(v) = seq.next_element::<f64>()? {
            bounds.push(v);
        }
        match bounds[..] {
            [from] => Ok(Range {
                from,
                to: f64::INFINITY,
            }),
            [from, to] => Ok(Range { from, to }),
            _ => Err(Self::wrong(&format!(
                "una lista de {} números",
                bounds.len()
            ))),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Range, E> {
        Err(Self::wrong(&format!("el texto «{v}»")))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Range, E> {
        Err(Self::wrong(&format!("el número {v}")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Range, E> {
        Err(Self::wrong(&format!("el número {v}")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Range, E> {
        Err(Self::wrong(&format!("el número {v}")))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Range, E> {
        Err(Self::wrong(&format!("el valor {v}")))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Range, A::Error> {
        Err(Self::wrong("una tabla"))
    }
}

/// The three lights of an indicator as ranges of its scale; amber and red may be absent (a
/// scale the green and one other light cover whole).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ranges {
    #[serde(rename = "verde")]
    pub green: Range,
    #[serde(rename = "amarillo", default, skip_serializing_if = "Option::is_none")]
    pub yellow: Option<Range>,
    #[serde(rename = "rojo", default, skip_serializing_if = "Option::is_none")]
    pub red: Option<Range>,
}

/// The top of a scale: 100 for percentages, none (infinite) for counts and hours.
pub fn scale_top(kind: Kind) -> f64 {
    match kind {
        Kind::Percent => 100.0,
        Kind::Count | Kind::Hours => f64::INFINITY,
    }
}

/// A bound in the unit of its scale, es-CO: `90 %`, `80,5 %`, `8 h`, `1.200`.
pub fn fmt_bound(kind: Kind, v: f64) -> String {
    let decimals = if (v - v.round()).abs() < EPS {
        0
    } else if (v * 10.0 - (v * 10.0).round()).abs() < EPS {
        1
    } else {
        2
    };
    let n = fmt_number(v, decimals);
    match kind {
        Kind::Percent => format!("{n} %"),
        Kind::Hours => format!("{n} h"),
        Kind::Count => n,
    }
}

impl Ranges {
    /// The ranges the older single `tolerancia` meant: green when the goal is met, amber within
    /// `tolerance` points (hours, cases) of it, red beyond.
    pub fn from_tolerance(goal: f64, tolerance: f64, kind: Kind, direction: Direction) -> Ranges {
        let top = scale_top(kind);
        match direction {
            Direction::Higher => {
                let cut = (goal - tolerance).max(0.0);
                Ranges {
                    green: Range {
                        from: goal,
                        to: top,
                    },
                    yellow: (cut < goal).then_some(Range {
                        from: cut,
                        to: goal,
                    }),
                    red: (cut > 0.0).then_some(Range { from: 0.0, to: cut }),
                }
            }
            Direction::Lower => {
                let cut = (goal + tolerance).min(top);
                Ranges {
                    green: Range {
                        from: 0.0,
                        to: goal,
                    },
                    yellow: (cut > goal).then_some(Range {
                        from: goal,
                        to: cut,
                    }),
                    red: (cut < top).then_some(Range { from: cut, to: top }),
                }
            }
        }
    }

    /// The goal the green range starts at (`mayor`) or ends at (`menor`).
    pub fn goal(&self, direction: Direction) -> f64 {
        match direction {
            Direction::Higher => self.green.from,
            Direction::Lower => self.green.to,
        }
    }

    /// The present lights with their ranges, from the green one outwards.
    pub fn lights(&self) -> Vec<(Light, Range)> {
        [
            (Light::Green, Some(self.green)),
            (Light::Yellow, self.yellow),
            (Light::Red, self.red),
        ]
        .into_iter()
        .filter_map(|(l, r)| r.map(|r| (l, r)))
        .collect()
    }

    /// The light of a value: the first range, from the green one outwards, that holds it.
    pub fn light(&self, v: f64, direction: Direction) -> Light {
        let lights = self.lights();
        let holds = |r: &Range| match direction {
            Direction::Higher => v >= r.from - EPS,
            Direction::Lower => v <= r.to + EPS,
        };
        lights
            .iter()
            .find(|(_, r)| holds(r))
            .or(lights.last())
            .map_or(Light::Red, |(l, _)| *l)
    }

    /// The ranges in words, as the ficha prints them: `Verde ≥ 90 %; Amarillo 80 %–< 90 %;
    /// Rojo < 80 %`.
    pub fn describe(&self, kind: Kind, direction: Direction) -> String {
        let lights = self.lights();
        let last = lights.len() - 1;
        let b = |v: f64| fmt_bound(kind, v);
        lights
            .iter()
            .enumerate()
            .map(|(i, (light, r))| {
                let name = light.label_es();
                // The green range is one end of the scale, the last listed the other.
                match (direction, i == 0, i == last) {
                    (_, true, true) => format!("{name}: cualquier valor"),
                    (Direction::Higher, true, _) => format!("{name} ≥ {}", b(r.from)),
                    (Direction::Higher, _, true) => format!("{name} < {}", b(r.to)),
                    (Direction::Higher, _, _) => format!("{name} {}–< {}", b(r.from), b(r.to)),
                    (Direction::Lower, true, _) => format!("{name} ≤ {}", b(r.to)),
                    (Direction::Lower, _, true) => format!("{name} > {}", b(r.from)),
                    (Direction::Lower, _, _) => format!("{name} > {}–≤ {}", b(r.from), b(r.to)),
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Checks that the ranges cover the scale of `kind` from 0 to its top without gaps or
    /// overlaps, green at the good end; the error (Spanish) names the keys.
    pub fn check(&self, kind: Kind, direction: Direction) -> Result<(), String> {
        let key = |l: Light| format!("semaforo.{}", l.label_es().to_lowercase());
        let b = |v: f64| fmt_bound(kind, v);
        for (l, r) in self.lights() {
            if !(r.from.is_finite() && r.from >= 0.0) || r.to.is_nan() || r.from > r.to {
                return Err(format!(
                    "«{}» = [{}, {}] no es un rango válido (desde ≥ 0 y desde ≤ hasta)",
                    key(l),
                    r.from,
                    r.to
                ));
            }
            if r.to > scale_top(kind) {
                return Err(format!(
                    "«{}» llega hasta {}, más allá del máximo de la escala ({})",
                    key(l),
                    r.to,
                    b(scale_top(kind))
                ));
            }
        }
        // From the bottom of the scale to its top.
        let mut up = self.lights();
        if direction == Direction::Higher {
            up.reverse();
        }
        if !up.windows(2).all(|w| w[0].1.from <= w[1].1.from) {
            let order = match direction {
                Direction::Higher => "rojo, amarillo, verde (el verde arriba, sentido «mayor»)",
                Direction::Lower => "verde, amarillo, rojo (el verde abajo, sentido «menor»)",
            };
            return Err(format!(
                "los rangos del semáforo deben ir de 0 hacia arriba en el orden {order}"
            ));
        }
        Self::check_tiling(&up, kind, key)
    }

    /// The ranges `up` (bottom first) cover 0..top: first starts at 0, each starts where the
    /// previous ends, the last ends at the top; only the closed end may be a single value.
    fn check_tiling(
        up: &[(Light, Range)],
        kind: Kind,
        key: impl Fn(Light) -> String,
    ) -> Result<(), String> {
        let b = |v: f64| fmt_bound(kind, v);
        let top = scale_top(kind);
        let (first, last) = (up[0], up[up.len() - 1]);
        if first.1.from.abs() > EPS {
            return Err(format!(
                "«{}» empieza en {}: los rangos deben cubrir la escala desde 0",
                key(first.0),
                b(first.1.from)
            ));
        }
        if top.is_infinite() && last.1.to.is_finite() {
            return Err(format!(
                "«{}» termina en {}: la escala no tiene tope, escriba el último rango [desde] \
                 (sin hasta) o [desde, inf]",
                key(last.0),
                b(last.1.to)
            ));
        }
        if top.is_finite() && (last.1.to - top).abs() > EPS {
            return Err(format!(
                "«{}» termina en {}: los rangos deben cubrir la escala hasta {}",
                key(last.0),
                b(last.1.to),
                b(top)
            ));
        }
        for w in up.windows(2) {
            let ((la, a), (lb, bb)) = (w[0], w[1]);
            if a.to < bb.from - EPS {
                return Err(format!(
                    "hay un hueco entre «{}» (hasta {}) y «{}» (desde {})",
                    key(la),
                    b(a.to),
                    key(lb),
                    b(bb.from)
                ));
            }
            if a.to > bb.from + EPS {
                return Err(format!(
                    "«{}» (hasta {}) se superpone con «{}» (desde {})",
                    key(la),
                    b(a.to),
                    key(lb),
                    b(bb.from)
                ));
            }
        }
        // A single-value range holds a value only at the closed end of the scale (a goal of
        // 100 % with «mayor», of 0 with «menor»); elsewhere it would be empty.
        for (i, (l, r)) in up.iter().enumerate() {
            let closed_end = if r.to >= top - EPS {
                i == up.len() - 1
            } else {
                i == 0
            };
            if (r.to - r.from).abs() < EPS && !(closed_end && *l == Light::Green) {
                return Err(format!(
                    "«{}» = [{}, {}] está vacío; quítelo o dele un ancho",
                    key(*l),
                    b(r.from),
                    b(r.to)
                ));
            }
        }
        Ok(())
    }
}
