"""Copy the front-end files the app serves from ``webapp/node_modules`` to ``static/vendor``.

Run after ``npm --prefix webapp ci``: ``python -m webapp.assets``. Nothing is ever
loaded from a CDN; pages say so clearly when these files are missing.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).parent
NODE_MODULES = HERE / "node_modules"
VENDOR = HERE / "static" / "vendor"

# (source under node_modules, target under static/vendor)
FILES = [
    (
        "bpmn-js/dist/bpmn-navigated-viewer.production.min.js",
        "bpmn-js/bpmn-navigated-viewer.production.min.js",
    ),
    ("bpmn-js/dist/assets/diagram-js.css", "bpmn-js/diagram-js.css"),
    ("bpmn-js/dist/assets/bpmn-js.css", "bpmn-js/bpmn-js.css"),
    ("bpmn-js/dist/assets/bpmn-font/css/bpmn.css", "bpmn-js/bpmn-font/css/bpmn.css"),
    ("bpmn-js/dist/assets/bpmn-font/font", "bpmn-js/bpmn-font/font"),
    ("bpmn-js/LICENSE", "bpmn-js/LICENSE"),
]


def copy_assets(node_modules: Path = NODE_MODULES, vendor: Path = VENDOR) -> list[Path]:
    """Copy every file of :data:`FILES`; raises FileNotFoundError naming what is missing."""
    missing = [source for source, _ in FILES if not (node_modules / source).exists()]
    if missing:
        raise FileNotFoundError(
            "Missing in webapp/node_modules: "
            + ", ".join(missing)
            + ". Run `npm --prefix webapp ci --no-audit --no-fund` first."
        )
    copied = []
    for source, target in FILES:
        src, dst = node_modules / source, vendor / target
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        copied.append(dst)
    return copied


def main() -> int:
    try:
        copied = copy_assets()
    except FileNotFoundError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Copied {len(copied)} front-end assets to {VENDOR.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
