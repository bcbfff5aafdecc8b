#!/usr/bin/env bash
# Search benchmark: build an index of N synthetic multilingual documents (Tajik, Russian and English
# look-alikes with their endings) in a temporary folder, then time a fixed list of 300 queries
# (frequent and rare words, 1–3 words, inflected forms, typos), 4 timed rounds after a warm-up round.
#   bash bench/search/run.sh            # N = 100000
#   N=20000 bash bench/search/run.sh
# Release build: ~3 minutes the first time on 2 cores (tantivy). Set TARGET_DIR to reuse another target folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${N:-100000}"
TARGET_DIR="${TARGET_DIR:-target}"
echo "==> building the benchmark (release)"
CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release -p egov-search --example search_bench
echo "==> $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), commit $(git rev-parse --short HEAD)"
"$TARGET_DIR/release/examples/search_bench" "$N"
