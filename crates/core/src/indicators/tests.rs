//! Indicator core tests: definitions, quarters, lights, formatting and a hand-computable set.

use super::*;
use chrono::NaiveDate;

#[test]
fn every_builtin_definition_loads() {
    let defs = Definitions::builtin();
    assert!(defs.indicators.len() >= 16);
    // Every quantity mesa-sla computes has a definition, and the form carries the ANS ones.
    for q in [
        Quantity::Registered,
        Quantity::Solved,
        Quantity::Backlog,
        Quantity::Resolution,
        Quantity::AttentionOnTime,
        Quantity::SolutionOnTime,
        Quantity::AttentionMean,
        Quantity::AttentionMedian,
        Quantity::AttentionP90,
        Quantity::SolutionMean,
        Quantity::SolutionMedian,
        Quantity::SolutionP90,
        Quantity::TimelyClosing,
        Quantity::Reopening,
        Quantity::Satisfaction,
        Quantity::SurveyResponse,
    ] {
        let d = defs
            .indicators
            .iter()
            .find(|d| d.quantity == q)
            .unwrap_or_else(|| panic!("{q:?} has no definition"));
        assert!(!d.name.is_empty() && !d.formula.is_empty() && !d.objective.is_empty());
        assert_eq!(d.frequency, "Trimestral");
        assert!(!d.owner.is_empty() && !d.source.is_empty());
    }
    let form: Vec<&str> = defs
        .indicators
        .iter()
        .filter(|d| d.on_form)
        .map(|d| d.id.as_str())
        .collect();
    assert!(form.contains(&"atencion_en_meta") && form.contains(&"solucion_en_meta"));
    assert_eq!(defs.general.closing_days, 3);
}

#[test]
fn bad_definitions_are_refused_with_a_reason() {
    let dup = r#"
[[indicador]]
id = "a"
medida = "resolucion"
nombre = "A"
[[indicador]]
id = "a"
medida = "registrados"
nombre = "B"
"#;
    let e = Definitions::parse(dup, "x.toml").expect_err("duplicate id");
    assert!(e.to_string().contains("«a» está repetido"), "{e}");
    let unknown = "[[indicador]]\nid = \"a\"\nmedida = \"felicidad\"\nnombre = \"A\"\n";
    let e = Definitions::parse(unknown, "x.toml").expect_err("unknown quantity");
    assert!(e.to_string().contains("x.toml"), "{e}");
    let goal = "[[indicador]]\nid = \"a\"\nmedida = \"resolucion\"\nnombre = \"A\"\nmeta = 120\n";
    let e = Definitions::parse(goal, "x.toml").expect_err("goal over 100 %");
    assert!(e.to_string().contains("meta 120"), "{e}");
    assert!(Definitions::parse("", "x.toml").is_err());
}

#[test]
fn quarters_parse_and_bound() {
    let q = Quarter::parse("2025-Q3").expect("valid");
    assert_eq!(q.to_string(), "2025-Q3");
    assert_eq!(Quarter::parse(" 2025q3 ").expect("valid"), q);
    assert_eq!(Quarter::parse("2025-T3").expect("valid"), q);
    assert_eq!(
        q.start(),
        NaiveDate::from_ymd_opt(2025, 7, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date")
    );
    assert_eq!(
        q.end(),
        NaiveDate::from_ymd_opt(2025, 10, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date")
    );
    assert_eq!(q.previous().to_string(), "2025-Q2");
    assert_eq!(
        Quarter::parse("2025-Q1")
            .expect("valid")
            .previous()
            .to_string(),
        "2024-Q4"
    );
    assert_eq!(
        Quarter::parse("2024-Q4").expect("valid").next().to_string(),
        "2025-Q1"
    );
    assert_eq!(q.name_es(), "tercer trimestre de 2025");
    for bad in ["2025-Q5", "2025-Q0", "25-Q1", "2025", "abcd-Q1", ""] {
        assert!(Quarter::parse(bad).is_err(), "{bad}");
    }
    let now = NaiveDate::from_ymd_opt(2026, 1, 15)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .expect("date");
    assert_eq!(Quarter::last_complete(now).to_string(), "2025-Q4");
}

#[test]
fn lights_follow_goal_and_tolerance() {
    let g = Some(90.0);
    assert_eq!(
        Light::of(Some(90.0), g, Direction::Higher, 10.0),
        Light::Green
    );
    assert_eq!(
        Light::of(Some(85.0), g, Direction::Higher, 10.0),
        Light::Yellow
    );
    assert_eq!(
        Light::of(Some(80.0), g, Direction::Higher, 10.0),
        Light::Yellow
    );
    assert_eq!(
        Light::of(Some(79.9), g, Direction::Higher, 10.0),
        Light::Red
    );
    assert_eq!(
        Light::of(Some(4.0), Some(5.0), Direction::Lower, 5.0),
        Light::Green
    );
    assert_eq!(
        Light::of(Some(9.0), Some(5.0), Direction::Lower, 5.0),
        Light::Yellow
    );
    assert_eq!(
        Light::of(Some(11.0), Some(5.0), Direction::Lower, 5.0),
        Light::Red
    );
    assert_eq!(Light::of(None, g, Direction::Higher, 10.0), Light::None);
    assert_eq!(
        Light::of(Some(50.0), None, Direction::Higher, 10.0),
        Light::None
    );
}

#[test]
fn spanish_number_format() {
    assert_eq!(fmt_number(1_234_567.891, 1), "1.234.567,9");
    assert_eq!(fmt_number(999.0, 0), "999");
    assert_eq!(fmt_number(-1234.5, 1), "-1.234,5");
    assert_eq!(fmt_number(-0.01, 1), "0,0");
    assert_eq!(fmt_percent(89.06), "89,1 %");
    assert_eq!(fmt_count(1000), "1.000");
}

fn row(dimension: Dimension, key: &str, label: &str, figures: Figures) -> BreakdownRow {
    BreakdownRow {
        dimension,
        key: Some(key.into()),
        label: label.into(),
        figures,
    }
}

/// A quarter of four tickets whose every number is known by hand.
#[test]
fn hand_computed_set() {
    let defs = Definitions::builtin();
    let current = QuarterFigures {
        total: Figures {
            registered: 4,
            registered_solved: 3,
            attention_met: 3,
            attention_breached: 1,
            solved: 3,
            solution_met: 1,
            solution_breached: 2,
            closed_in_time: 2,
            closing_decided: 3,
            reopened: 1,
            backlog: 1,
            ..Figures::default()
        },
        rows: vec![
            row(
                Dimension::Priority,
                "4",
                "Alta",
                Figures {
                    solution_breached: 2,
                    attention_breached: 1,
                    ..Figures::default()
                },
            ),
            row(
                Dimension::Priority,
                "3",
                "Mediana",
                Figures {
                    solution_met: 1,
                    ..Figures::default()
                },
            ),
        ],
        solution_histogram: vec![],
    };
    let previous = QuarterFigures {
        total: Figures {
            registered: 2,
            solution_met: 1,
            solution_breached: 1,
            ..Figures::default()
        },
        ..QuarterFigures::default()
    };
    let q = Quarter::parse("2025-Q3").expect("valid");
    let set = IndicatorSet::build("Entidad", q, None, &defs, current, previous);
    let get = |m| set.indicator(m).expect("defined");

    let att = get(Quantity::AttentionOnTime);
    assert_eq!(att.current.value, Some(75.0));
    assert_eq!(
        (att.current.numerator, att.current.denominator),
        (Some(3.0), Some(4.0))
    );
    assert_eq!(att.light, Light::Red);
    assert_eq!(att.previous, None);

    let sol = get(Quantity::SolutionOnTime);
    let v = sol.current.value.expect("value");
    assert!((v - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(sol.light, Light::Red);
    assert_eq!(sol.previous, Some(50.0));
    assert!((sol.change.expect("change") - (100.0 / 3.0 - 50.0)).abs() < 1e-9);
    assert_eq!(
        sol.analysis,
        "En el tercer trimestre de 2025 el resultado fue 33,3 % (1 de 3). Queda 56,7 puntos por \
         debajo de la meta (90,0 %). Los 2 incumplimientos se concentran en prioridad Alta (2, \
         100,0 %). Frente al segundo trimestre de 2025 (50,0 %) empeora 16,7 puntos."
    );

    assert_eq!(get(Quantity::Resolution).current.value, Some(75.0));
    let closing = get(Quantity::TimelyClosing).current.value.expect("value");
    assert!((closing - 200.0 / 3.0).abs() < 1e-9);
    let reopen = get(Quantity::Reopening);
    assert!((reopen.current.value.expect("value") - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(reopen.light, Light::Red);
    assert_eq!(get(Quantity::Backlog).current.value, Some(1.0));
    let reg = get(Quantity::Registered);
    assert_eq!(reg.change, Some(2.0));
    assert!(
        reg.analysis.ends_with("aumenta 100,0 %."),
        "{}",
        reg.analysis
    );
    let sat = get(Quantity::Satisfaction);
    assert_eq!((sat.current.value, sat.light), (None, Light::None));
    assert!(sat.analysis.starts_with("Sin datos"), "{}", sat.analysis);
}
