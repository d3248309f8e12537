//! The analysis sentence of the indicator form, generated from the numbers, and es-CO number
//! formatting (thousands with `.`, decimals with `,`).

use super::definitions::Kind;
use super::{Definition, Dimension, Direction, Light, Quantity, Quarter, QuarterFigures, Value};

/// `1234567.891, 1` → `1.234.567,9`.
pub fn fmt_number(v: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// `89.06` → `89,1 %`.
pub fn fmt_percent(v: f64) -> String {
    format!("{} %", fmt_number(v, 1))
}

/// `12.25` → `12,3 h`.
pub fn fmt_hours(v: f64) -> String {
    format!("{} h", fmt_number(v, 1))
}

/// `1234` → `1.234`.
pub fn fmt_count(n: u64) -> String {
    fmt_number(n as f64, 0)
}

fn fmt_value(kind: Kind, v: f64) -> String {
    match kind {
        Kind::Count => fmt_number(v, 0),
        Kind::Percent => fmt_percent(v),
        Kind::Hours => fmt_hours(v),
    }
}

fn points(v: f64) -> String {
    let p = fmt_number(v, 1);
    if p == "1,0" {
        "1 punto".into()
    } else {
        format!("{p} puntos")
    }
}

/// The Spanish analysis of one indicator.
pub(super) fn sentence(
    d: &Definition,
    now: &Value,
    before: Option<f64>,
    light: Light,
    quarter: Quarter,
    previous: Quarter,
    figures: &QuarterFigures,
) -> String {
    let kind = d.quantity.kind();
    let q = quarter.name_es();
    let Some(v) = now.value else {
        return match kind {
            Kind::Percent => format!(
                "Sin datos en el {q}: no hubo casos que midan este indicador (denominador 0)."
            ),
            _ => format!("Sin datos en el {q}: no hubo casos medidos."),
        };
    };
    let mut out = result_part(d, now, v, &q);
    if let Some(goal) = d.goal {
        out.push_str(&goal_part(d, v, goal, light));
    }
    out.push_str(&breaches_part(d, figures));
    out.push_str(&comparison_part(d, v, before, &previous.name_es()));
    out
}

/// The result of the quarter, with its numerator and denominator when a percentage.
fn result_part(d: &Definition, now: &Value, v: f64, q: &str) -> String {
    let kind = d.quantity.kind();
    match (kind, now.numerator, now.denominator) {
        (Kind::Percent, Some(n), Some(den)) => format!(
            "En el {q} el resultado fue {} ({} de {}).",
            fmt_percent(v),
            fmt_number(n, 0),
            fmt_number(den, 0)
        ),
        _ => format!("{}: {} en el {q}.", d.name, fmt_value(kind, v)),
    }
}

/// Whether the result `v` meets the goal, and by how much it misses it.
fn goal_part(d: &Definition, v: f64, goal: f64, light: Light) -> String {
    let kind = d.quantity.kind();
    let unit: fn(f64) -> String = match kind {
        Kind::Percent => points,
        Kind::Hours => |x: f64| fmt_hours(x),
        Kind::Count => |x: f64| fmt_number(x, 0),
    };
    let goal_text = fmt_value(kind, goal);
    match (d.direction, light) {
        (Direction::Higher, Light::Green) => format!(" Cumple la meta ({goal_text})."),
        (Direction::Lower, Light::Green) => {
            format!(" Cumple la meta: no supera el máximo de {goal_text}.")
        }
        (Direction::Higher, _) => format!(
            " Queda {} por debajo de la meta ({goal_text}).",
            unit(goal - v)
        ),
        (Direction::Lower, _) => format!(
            " Supera en {} el máximo fijado ({goal_text}).",
            unit(v - goal)
        ),
    }
}

/// Where the breaches concentrate, for the two ANS indicators (empty otherwise, or without
/// breaches).
fn breaches_part(d: &Definition, figures: &QuarterFigures) -> String {
    let breached = |f: &super::Figures| match d.quantity {
        Quantity::AttentionOnTime => f.attention_breached,
        Quantity::SolutionOnTime => f.solution_breached,
        _ => 0,
    };
    let total_breaches = breached(&figures.total);
    if total_breaches == 0 {
        return String::new();
    }
    let worst = figures
        .rows(Dimension::Priority)
        .max_by_key(|r| (breached(&r.figures), std::cmp::Reverse(r.label.clone())));
    let plural = if total_breaches == 1 {
        "El incumplimiento corresponde".to_owned()
    } else {
        format!(
            "Los {} incumplimientos se concentran",
            fmt_count(total_breaches)
        )
    };
    let Some(w) = worst.filter(|w| breached(&w.figures) > 0) else {
        return String::new();
    };
    let k = breached(&w.figures);
    let share = 100.0 * k as f64 / total_breaches as f64;
    if total_breaches == 1 {
        format!(" {plural} a prioridad {}.", w.label)
    } else {
        format!(
            " {plural} en prioridad {} ({}, {}).",
            w.label,
            fmt_count(k),
            fmt_percent(share)
        )
    }
}

/// The result `v` against the previous quarter's `before` (named `pq`).
fn comparison_part(d: &Definition, v: f64, before: Option<f64>, pq: &str) -> String {
    let kind = d.quantity.kind();
    let Some(b) = before else {
        return format!(" No hay datos del {pq} para comparar.");
    };
    let change = v - b;
    let b_text = fmt_value(kind, b);
    let steady = match kind {
        Kind::Count => change.abs() < 0.5,
        _ => change.abs() < 0.05,
    };
    if steady {
        return format!(" Se mantiene frente al {pq} ({b_text}).");
    }
    let better = match d.direction {
        Direction::Higher => change > 0.0,
        Direction::Lower => change < 0.0,
    };
    let amount = match kind {
        Kind::Percent => points(change.abs()),
        Kind::Hours => fmt_hours(change.abs()),
        Kind::Count => {
            if b > 0.0 {
                fmt_percent(100.0 * change.abs() / b)
            } else {
                fmt_number(change.abs(), 0)
            }
        }
    };
    let verb = match (kind, d.goal.is_some(), better, change > 0.0) {
        // A count without a goal is neither better nor worse: it grows or falls.
        (Kind::Count, false, _, true) => "aumenta",
        (Kind::Count, false, _, false) => "disminuye",
        (_, _, true, _) => "mejora",
        (_, _, false, _) => "empeora",
    };
    format!(" Frente al {pq} ({b_text}) {verb} {amount}.")
}
