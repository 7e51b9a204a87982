#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them; arguments go to BenchmarkDotNet.
#   benchmarks/run.sh                      # every benchmark, default job (several minutes per benchmark)
#   benchmarks/run.sh --job short          # quick figures, as in RESULTS.md
#   benchmarks/run.sh --filter '*Invite*'  # a subset
set -euo pipefail
cd "$(dirname "$0")/RcsCore.Benchmarks"
dotnet build -c Release --nologo -v quiet
if [[ $# -eq 0 || " $* " != *" --filter "* ]]; then
  set -- --filter '*' "$@"
fi
exec dotnet run -c Release --no-build -- "$@"
