#!/usr/bin/env bash
# Regenerates src/*/PublicAPI.Unshipped.txt from the PublicApiAnalyzers' RS0016 diagnostics, for use after an
# intended change of the public surface (STYLE.md §2.12). Review the diff before committing: every line is API.
set -euo pipefail
cd "$(dirname "$0")/.."
for dir in src/*/; do
  [ -f "$dir/PublicAPI.Unshipped.txt" ] || continue
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
done
dotnet build RcsCore.sln -p:TreatWarningsAsErrors=false --no-incremental 2>&1 | python3 -c '
import collections, os, re, sys
found = collections.defaultdict(set)
for line in sys.stdin:
    m = re.search(r"RS0016: Symbol \x27(.*)\x27 is not part of the declared public API.*\[(.*?\.csproj)\]", line)
    if m:
        found[m.group(2)].add(m.group(1))
shipped = {}
for proj, symbols in sorted(found.items()):
    path = os.path.join(os.path.dirname(proj), "PublicAPI.Unshipped.txt")
    with open(path, "w") as f:
        f.write("#nullable enable\n" + "\n".join(sorted(symbols)) + "\n")
    print(f"{path}: {len(symbols)} symbols")
'
