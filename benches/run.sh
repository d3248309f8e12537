#!/usr/bin/env bash
# Benchmarks of mesa-sla (figures for the closing notes; never part of the tests).
#   benches/run.sh            calendar queries, evaluation of 1,000,000 tickets, quarterly report
#   N=200000 benches/run.sh   a smaller store
# The evaluation is measured twice: inside the bench (right after loading the synthetic store)
# and in a fresh process with /usr/bin/time, whose peak RSS is the evaluation's own.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mesa-sla/target}"
N="${N:-1000000}"
cargo build --locked --quiet
BIN="$CARGO_TARGET_DIR/debug/mesa-sla"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "== calendario (50 millones de consultas sobre diez años, un núcleo)"
"$BIN" bench calendar

echo "== evaluación de $N casos"
"$BIN" bench evaluate --n "$N" --store "$WORK/bench.duckdb"

echo "== evaluación en un proceso aparte (tiempo y memoria pico)"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$BIN" --db "$WORK/bench.duckdb" evaluate --as-of "2026-06-30 12:00:00" 2>&1 \
    | grep -E "Evaluados|Maximum resident set size|Elapsed \(wall"
else
  "$BIN" --db "$WORK/bench.duckdb" evaluate --as-of "2026-06-30 12:00:00"
fi

echo "== la misma evaluación con el modelo de acuerdos v2 (benches/model_v2.toml: dos versiones,"
echo "   dos calendarios, pausa en planificado, OLA por grupo y nivel) y la exportación de OLA"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$BIN" --db "$WORK/bench.duckdb" --config benches/model_v2.toml evaluate \
    --as-of "2026-06-30 12:00:00" --export-ola "$WORK/ola.csv" 2>&1 \
    | grep -E "Evaluados|Versiones|OLA|Maximum resident set size|Elapsed \(wall"
else
  "$BIN" --db "$WORK/bench.duckdb" --config benches/model_v2.toml evaluate \
    --as-of "2026-06-30 12:00:00" --export-ola "$WORK/ola.csv"
fi

echo "== informe trimestral de $N casos en un trimestre (libro con la hoja Casos completa y gráficos)"
"$BIN" bench report --n "$N" --store "$WORK/report.duckdb"
echo "== informe en un proceso aparte (tiempo y memoria pico)"
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$BIN" --db "$WORK/report.duckdb" report --quarter 2026-Q1 --out "$WORK/informes" 2>&1 \
    | grep -E "casos,|Maximum resident set size|Elapsed \(wall"
else
  "$BIN" --db "$WORK/report.duckdb" report --quarter 2026-Q1 --out "$WORK/informes"
fi
