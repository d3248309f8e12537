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

/// The light of `v` with the ranges an older file's `tolerancia` meant.
fn old_light(v: Option<f64>, goal: f64, sense: Direction, tolerance: f64) -> Light {
    let r = Ranges::from_tolerance(goal, tolerance, Kind::Percent, sense);
    Light::of(v, Some(&r), sense)
}

#[test]
fn lights_follow_goal_and_tolerance() {
    // The lights the single tolerance gave before the ranges: unchanged.
    assert_eq!(
        old_light(Some(90.0), 90.0, Direction::Higher, 10.0),
        Light::Green
    );
    assert_eq!(
        old_light(Some(85.0), 90.0, Direction::Higher, 10.0),
        Light::Yellow
    );
    assert_eq!(
        old_light(Some(80.0), 90.0, Direction::Higher, 10.0),
        Light::Yellow
    );
    assert_eq!(
        old_light(Some(79.9), 90.0, Direction::Higher, 10.0),
        Light::Red
    );
    assert_eq!(
        old_light(Some(4.0), 5.0, Direction::Lower, 5.0),
        Light::Green
    );
    assert_eq!(
        old_light(Some(5.0), 5.0, Direction::Lower, 5.0),
        Light::Green
    );
    assert_eq!(
        old_light(Some(9.0), 5.0, Direction::Lower, 5.0),
        Light::Yellow
    );
    assert_eq!(
        old_light(Some(10.0), 5.0, Direction::Lower, 5.0),
        Light::Yellow
    );
    assert_eq!(
        old_light(Some(11.0), 5.0, Direction::Lower, 5.0),
        Light::Red
    );
    assert_eq!(old_light(None, 90.0, Direction::Higher, 10.0), Light::None);
    assert_eq!(Light::of(Some(50.0), None, Direction::Higher), Light::None);
}

/// One indicator of `medida = "atencion_en_meta"` with `extra` lines appended.
fn one(extra: &str) -> String {
    format!("[[indicador]]\nid = \"a\"\nmedida = \"atencion_en_meta\"\nnombre = \"A\"\n{extra}\n")
}

fn parse_err(text: &str) -> String {
    Definitions::parse(text, "x.toml")
        .expect_err("refused")
        .to_string()
}

#[test]
fn an_old_tolerance_file_reads_as_explicit_ranges() {
    let defs = Definitions::parse(&one("meta = 90\ntolerancia = 5"), "x.toml").expect("loads");
    let d = &defs.indicators[0];
    let r = d.ranges.expect("ranges from the tolerance");
    assert_eq!(
        r.green,
        Range {
            from: 90.0,
            to: 100.0
        }
    );
    assert_eq!(
        r.yellow,
        Some(Range {
            from: 85.0,
            to: 90.0
        })
    );
    assert_eq!(
        r.red,
        Some(Range {
            from: 0.0,
            to: 85.0
        })
    );
    assert_eq!(
        r.describe(Kind::Percent, d.direction),
        "Verde ≥ 90 %; Amarillo 85 %–< 90 %; Rojo < 85 %"
    );
    // Without tolerance: the documented default of 10 points, which makes 80,4 % amber.
    let defs = Definitions::parse(&one("meta = 90"), "x.toml").expect("loads");
    let d = &defs.indicators[0];
    let r = d.ranges.expect("default ranges");
    assert_eq!(
        r.yellow,
        Some(Range {
            from: 80.0,
            to: 90.0
        })
    );
    assert_eq!(Light::of(Some(80.4), Some(&r), d.direction), Light::Yellow);
    // «menor»: the goal is the top of the green.
    let lower = one("meta = 5\nsentido = \"menor\"\ntolerancia = 5");
    let d = Definitions::parse(&lower, "x.toml")
        .expect("loads")
        .indicators[0]
        .clone();
    let r = d.ranges.expect("ranges");
    assert_eq!(
        r.describe(Kind::Percent, Direction::Lower),
        "Verde ≤ 5 %; Amarillo > 5 %–≤ 10 %; Rojo > 10 %"
    );
    // No goal, no light.
    let d = Definitions::parse(&one(""), "x.toml")
        .expect("loads")
        .indicators[0]
        .clone();
    assert_eq!(d.ranges, None);
}

#[test]
fn explicit_ranges_decide_the_light_and_the_goal() {
    let text = one("[indicador.semaforo]\nverde = [95, 100]\namarillo = [75, 95]\nrojo = [0, 75]");
    let d = Definitions::parse(&text, "x.toml")
        .expect("loads")
        .indicators[0]
        .clone();
    // The goal is where the green starts.
    assert_eq!(d.goal, Some(95.0));
    let r = d.ranges.expect("ranges");
    let light = |v: f64| Light::of(Some(v), Some(&r), d.direction);
    assert_eq!(light(100.0), Light::Green);
    assert_eq!(light(95.0), Light::Green);
    assert_eq!(light(94.9), Light::Yellow);
    assert_eq!(light(75.0), Light::Yellow);
    assert_eq!(light(74.9), Light::Red);
    assert_eq!(light(0.0), Light::Red);
    // Hours: an open top written as [desde].
    let hours = "[[indicador]]\nid = \"t\"\nmedida = \"solucion_media\"\nnombre = \"T\"\n\
                 sentido = \"menor\"\n[indicador.semaforo]\nverde = [0, 8]\nrojo = [8]\n";
    let d = Definitions::parse(hours, "x.toml")
        .expect("loads")
        .indicators[0]
        .clone();
    let r = d.ranges.expect("ranges");
    assert_eq!(
        r.describe(Kind::Hours, Direction::Lower),
        "Verde ≤ 8 h; Rojo > 8 h"
    );
    assert_eq!(
        Light::of(Some(8.0), Some(&r), Direction::Lower),
        Light::Green
    );
    assert_eq!(Light::of(Some(8.5), Some(&r), Direction::Lower), Light::Red);
    assert_eq!(d.indicator_type, "eficiencia");
}

#[test]
fn ranges_with_gaps_overlaps_or_the_wrong_order_are_refused_in_spanish() {
    let cases = [
        (
            "verde = [90, 100]\namarillo = [80, 89]\nrojo = [0, 80]",
            "hay un hueco entre «semaforo.amarillo» (hasta 89 %) y «semaforo.verde» (desde 90 %)",
        ),
        (
            "verde = [90, 100]\namarillo = [75, 90]\nrojo = [0, 80]",
            "«semaforo.rojo» (hasta 80 %) se superpone con «semaforo.amarillo» (desde 75 %)",
        ),
        (
            "verde = [90, 100]\namarillo = [80, 90]\nrojo = [10, 80]",
            "«semaforo.rojo» empieza en 10 %: los rangos deben cubrir la escala desde 0",
        ),
        (
            "verde = [90, 99]\namarillo = [80, 90]\nrojo = [0, 80]",
            "«semaforo.verde» termina en 99 %: los rangos deben cubrir la escala hasta 100 %",
        ),
        (
            "verde = [0, 80]\namarillo = [80, 90]\nrojo = [90, 100]",
            "el orden rojo, amarillo, verde",
        ),
        (
            "verde = [90, 100]\namarillo = [90, 90]\nrojo = [0, 90]",
            "«semaforo.amarillo» = [90 %, 90 %] está vacío",
        ),
        ("verde = \"90-100\"", "se encontró el texto «90-100»"),
        ("verde = [90, 100, 3]", "se encontró una lista de 3 números"),
    ];
    for (ranges, want) in cases {
        let e = parse_err(&one(&format!("[indicador.semaforo]\n{ranges}")));
        assert!(e.contains(want), "{ranges}: {e}");
        assert!(e.contains("x.toml"), "{e}");
    }
    // Every other refusal names the indicator and the key.
    for (extra, want) in [
        (
            "meta = 85\n[indicador.semaforo]\nverde = [90, 100]\nrojo = [0, 90]",
            "indicador «a»: la meta (85 %) no coincide con el límite del verde en «semaforo.verde» (90 %)",
        ),
        (
            "meta = 90\ntolerancia = 5\n[indicador.semaforo]\nverde = [90, 100]\nrojo = [0, 90]",
            "indicador «a»: tiene «semaforo» y «tolerancia»",
        ),
        (
            "tipo = \"eficiente\"",
            "indicador «a»: tipo = «eficiente» no es válido; use eficacia, eficiencia, efectividad",
        ),
        (
            "linea_base = 130",
            "indicador «a»: linea_base = 130 no es válida",
        ),
        (
            "meta = 90\ntolerancia = -1",
            "indicador «a»: tolerancia = -1 no es válida",
        ),
    ] {
        let e = parse_err(&one(extra));
        assert!(e.contains(want), "{extra}: {e}");
    }
    // An hours scale has no top: a closed last range is a mistake.
    let hours = "[[indicador]]\nid = \"t\"\nmedida = \"solucion_media\"\nnombre = \"T\"\n\
                 sentido = \"menor\"\n[indicador.semaforo]\nverde = [0, 8]\nrojo = [8, 40]\n";
    let e = parse_err(hours);
    assert!(
        e.contains("indicador «t»: «semaforo.rojo» termina en 40 h: la escala no tiene tope"),
        "{e}"
    );
}

#[test]
fn survey_indicators_have_their_own_source_and_type() {
    let defs = Definitions::builtin();
    let get = |q: Quantity| {
        defs.indicators
            .iter()
            .find(|d| d.quantity == q)
            .unwrap_or_else(|| panic!("{q:?}"))
    };
    for q in [Quantity::Satisfaction, Quantity::SurveyResponse] {
        let d = get(q);
        assert!(d.source.contains("ncuesta"), "{q:?}: {}", d.source);
        assert!(
            !d.source.contains("tiempos calculados"),
            "{q:?}: {}",
            d.source
        );
    }
    assert!(
        get(Quantity::SolutionOnTime)
            .source
            .contains("tiempos calculados")
    );
    // Every indicator on the form has the ficha's fields, and explicit ranges when it has a goal.
    for d in defs.indicators.iter().filter(|d| d.on_form) {
        assert!(!d.code.is_empty() && !d.process.is_empty(), "{}", d.id);
        assert!(
            INDICATOR_TYPES.contains(&d.indicator_type.as_str()),
            "{}",
            d.id
        );
        assert_eq!(d.tolerance, None, "{}: the shipped file uses ranges", d.id);
        assert!(d.goal.is_none() || d.ranges.is_some(), "{}", d.id);
    }
    // A file without sources: the surveys still are the source of the survey indicators.
    let text = "[general]\nfuente = \"GLPI\"\n[[indicador]]\nid = \"s\"\nmedida = \"satisfaccion\"\n\
                nombre = \"S\"\n[[indicador]]\nid = \"r\"\nmedida = \"resolucion\"\nnombre = \"R\"\n";
    let defs = Definitions::parse(text, "x.toml").expect("loads");
    assert!(
        defs.indicators[0]
            .source
            .starts_with("Encuesta de percepción")
    );
    assert_eq!(defs.indicators[1].source, "GLPI");
    assert_eq!(defs.indicators[0].type_label(), "Efectividad");
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
