#!/usr/bin/env bash
# Load benchmark of the dashboard API (figures for the closing notes; never part of the tests):
# a store of N tickets (default 1,000,000, one entity, one quarter), `mesa-sla serve` on
# loopback, and wrk from a second process with 64 connections for 15 s on the overview JSON.
#   benches/serve.sh                 builds the store in a temporary folder
#   STORE=/path/x.duckdb benches/serve.sh   reuses (or fills) that store
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mesa-sla/target}"
N="${N:-1000000}"
PORT="${PORT:-18181}"
command -v wrk >/dev/null || { echo "wrk no está instalado (apt-get install wrk)"; exit 1; }
# BIN=/path/to/mesa-sla measures that binary (e.g. a copy, while other checkouts share the
# target directory and overwrite debug/mesa-sla).
if [ -z "${BIN:-}" ]; then
  cargo build --locked --quiet
  BIN="$CARGO_TARGET_DIR/debug/mesa-sla"
fi
WORK="$(mktemp -d)"
STORE="${STORE:-$WORK/serve.duckdb}"
trap 'kill "${SERVER:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT

if [ ! -s "$STORE" ]; then
  echo "== base de $N casos (un trimestre)"
  "$BIN" bench report --n "$N" --store "$STORE"
fi
"$BIN" --db "$STORE" serve --bind "127.0.0.1:$PORT" > "$WORK/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
URL="http://127.0.0.1:$PORT/api/v1/indicators?entity=Entidad%20de%20prueba&quarter=2026-Q1"
echo "== primera solicitud (calcula el conjunto de indicadores)"
curl -fs -o "$WORK/first.json" -w "%{http_code} en %{time_total} s, %{size_download} bytes\n" "$URL"
echo "== wrk: 64 conexiones, 2 hilos, 15 s"
wrk -t2 -c64 -d15s --latency "$URL"
echo "== memoria del servidor"
grep -E "VmHWM|VmRSS" "/proc/$SERVER/status"
