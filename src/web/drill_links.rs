//! The overview's links to its drill-down lists: under each tile (numerator, denominator and
//! the rest of a ratio; the cases of a count or a time) and for each bar of each chart.

use serde::Serialize;

use super::api::View;
use super::pages::{urlencode, view_query};
use crate::indicators::drill::Part;
use crate::indicators::{
    BreakdownRow, Dimension, Indicator, IndicatorSet, Kind, Quantity, fmt_count,
};

/// A link to a list.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    pub label: String,
    /// What the list holds ("Casos solucionados fuera del ANS"), for the link's title.
    pub title: String,
    pub part: &'static str,
    pub url: String,
}

/// The list of `part` of the indicator `id` over `view`, with extra parameters (`mes`…).
fn url(view: &View, id: &str, part: Part, extra: &str) -> String {
    format!(
        "/casos?{}&indicador={}&parte={}{extra}",
        view_query(view),
        urlencode(id),
        part.code()
    )
}

fn link(view: &View, i: &Indicator, part: Part, label: String, extra: &str) -> Option<Link> {
    let members = i
        .definition
        .quantity
        .members(part, extra.contains("&mes="))?;
    Some(Link {
        label,
        title: format!("Casos {}", members.words),
        part: part.code(),
        url: url(view, &i.definition.id, part, extra),
    })
}

/// The links of a ratio's counts: "2" (numerator) of "3" (denominator), "1 restante".
fn ratio_links(view: &View, i: &Indicator, n: u64, d: u64, extra: &str) -> Vec<Link> {
    let rest = d.saturating_sub(n);
    let rest_label = if rest == 1 {
        "1 restante".to_owned()
    } else {
        format!("{} restantes", fmt_count(rest))
    };
    [
        (Part::Numerator, fmt_count(n)),
        (Part::Denominator, fmt_count(d)),
        (Part::Rest, rest_label),
    ]
    .into_iter()
    .filter_map(|(p, label)| link(view, i, p, label, extra))
    .collect()
}

/// The links under a tile.
pub fn tile_links(view: &View, i: &Indicator) -> Vec<Link> {
    let as_count = |v: Option<f64>| v.map_or(0, |v| v.max(0.0) as u64);
    match i.definition.quantity.kind() {
        Kind::Percent => ratio_links(
            view,
            i,
            as_count(i.current.numerator),
            as_count(i.current.denominator),
            "",
        ),
        Kind::Count => {
            let label = match as_count(i.current.numerator) {
                1 => "Ver el caso".to_owned(),
                n => format!("Ver los {} casos", fmt_count(n)),
            };
            link(view, i, Part::Numerator, label, "")
                .into_iter()
                .collect()
        }
        Kind::Hours => link(
            view,
            i,
            Part::Denominator,
            "Ver los casos medidos".into(),
            "",
        )
        .into_iter()
        .collect(),
    }
}

/// One bar (or point) of a chart and the lists behind it: each cell one series, with one link
/// (a count) or two (numerator and denominator of a ratio).
#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub label: String,
    pub cells: Vec<Vec<Link>>,
}

/// The lists behind the bars of a chart, with its series' headings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Bars {
    pub headings: Vec<&'static str>,
    pub bars: Vec<Bar>,
}

/// The compliance series of the monthly and priority charts.
const COMPLIANCE: [(Quantity, &str); 2] = [
    (Quantity::AttentionOnTime, "Atención en ANS"),
    (Quantity::SolutionOnTime, "Solución en ANS"),
];

/// The numerator and denominator links of each compliance series on one breakdown row.
fn compliance_cells(
    set: &IndicatorSet,
    view: &View,
    row: &BreakdownRow,
    extra: &str,
) -> Vec<Vec<Link>> {
    COMPLIANCE
        .iter()
        .map(|(q, _)| {
            let Some(i) = set.indicator(*q) else {
                return Vec::new();
            };
            let v = row.figures.value(*q);
            let n = v.numerator.map_or(0, |n| n as u64);
            let d = v.denominator.map_or(0, |d| d as u64);
            ratio_links(view, i, n, d, extra)
                .into_iter()
                .filter(|l| l.part != Part::Rest.code())
                .collect()
        })
        .collect()
}

/// The lists behind the bars of the chart `name` ([`crate::report::charts::CHARTS`]).
pub fn chart_bars(set: &IndicatorSet, view: &View, name: &str) -> Bars {
    match name {
        "cumplimiento_mensual" => monthly(set, view),
        "volumen_por_categoria" => by_category(set, view),
        "distribucion_solucion" => distribution(set, view),
        "cumplimiento_por_prioridad" => by_priority(set, view),
        _ => Bars::default(),
    }
}

/// Months of the previous and the current quarter (the chart shows both).
fn monthly(set: &IndicatorSet, view: &View) -> Bars {
    let mut bars = Vec::new();
    for (quarter, figures) in [
        (set.previous_quarter, &set.previous),
        (set.quarter, &set.current),
    ] {
        let view = View {
            quarter,
            ..view.clone()
        };
        for row in figures.rows(Dimension::Month) {
            let Some(key) = &row.key else { continue };
            bars.push(Bar {
                label: row.label.clone(),
                cells: compliance_cells(set, &view, row, &format!("&mes={key}")),
            });
        }
    }
    Bars {
        headings: COMPLIANCE.iter().map(|c| c.1).collect(),
        bars,
    }
}

fn by_priority(set: &IndicatorSet, view: &View) -> Bars {
    let bars = set
        .current
        .rows(Dimension::Priority)
        .filter_map(|row| {
            let p = row.key.as_deref()?.parse::<u8>().ok()?;
            let mut view = view.clone();
            view.filters.priority = Some(p);
            Some(Bar {
                label: row.label.clone(),
                cells: compliance_cells(set, &view, row, ""),
            })
        })
        .filter(|b| b.cells.iter().any(|c| !c.is_empty()))
        .collect();
    Bars {
        headings: COMPLIANCE.iter().map(|c| c.1).collect(),
        bars,
    }
}

/// Categories with cases registered, the most first (the chart draws the first ten).
fn by_category(set: &IndicatorSet, view: &View) -> Bars {
    let Some(i) = set.indicator(Quantity::Registered) else {
        return Bars::default();
    };
    let mut rows: Vec<_> = set
        .current
        .rows(Dimension::Category)
        .filter(|r| r.figures.registered > 0 && r.key.is_some())
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.figures.registered));
    let bars = rows
        .into_iter()
        .map(|row| {
            let mut view = view.clone();
            view.filters.category = row.key.clone();
            let n = fmt_count(row.figures.registered);
            Bar {
                label: row.label.clone(),
                cells: vec![link(&view, i, Part::Numerator, n, "").into_iter().collect()],
            }
        })
        .collect();
    Bars {
        headings: vec!["Casos registrados"],
        bars,
    }
}

fn distribution(set: &IndicatorSet, view: &View) -> Bars {
    let Some(i) = set.indicator(Quantity::Solved) else {
        return Bars::default();
    };
    let bars = set
        .current
        .solution_histogram
        .iter()
        .enumerate()
        .map(|(k, b)| Bar {
            label: b.label.clone(),
            cells: vec![
                link(
                    view,
                    i,
                    Part::Numerator,
                    fmt_count(b.count),
                    &format!("&tramo={}", k + 1),
                )
                .into_iter()
                .collect(),
            ],
        })
        .collect();
    Bars {
        headings: vec!["Casos solucionados"],
        bars,
    }
}
