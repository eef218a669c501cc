"""Where every benchmark keeps its raw figures: bench/results/<kind>-<UTC stamp>.json (git-ignored)."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def save_results(kind: str | None, payload: dict) -> Path:
    """Writes `payload` with its date; `kind` prefixes the file name (bench/run.py's have none)."""
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc)
    out = RESULTS_DIR / f"{kind + '-' if kind else ''}{stamp:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"date": stamp.isoformat(timespec="seconds"), **payload}, indent=2, default=str))
    print(f"raw results: {out.relative_to(RESULTS_DIR.parent.parent)}")
    return out
