"""Generate quicx-proto's codecs and message classes from spec/quicx.ksy.

Run from the repository root::

    python spec/codegen/generate.py          # rewrite the generated files
    python spec/codegen/generate.py --check  # fail if any of them is stale

Needs only pyyaml. The output is already in ``ruff format`` style, so the lint
session accepts it without running a formatter here.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]
from ksy_model import Spec, SpecError, read_spec
from render_codecs import render_codecs
from render_messages import render_messages

ROOT = Path(__file__).resolve().parents[2]
SPEC = Path("spec/quicx.ksy")
PACKAGE = Path("packages/quicx-proto/src/quicx_proto")
OUTPUTS = {
    PACKAGE / "_generated_messages.py": render_messages,
    PACKAGE / "_generated_codecs.py": render_codecs,
}


def load_spec(root: Path) -> Spec:
    """Read and map the .ksy under ``root``."""
    with (root / SPEC).open(encoding="utf-8") as stream:
        return read_spec(yaml.safe_load(stream))


def render_all(spec: Spec) -> dict[Path, str]:
    """Every generated file's path (relative to the root) and text."""
    return {path: render(spec) for path, render in OUTPUTS.items()}


def stale_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """The generated files under ``root`` whose text differs from ``files``."""
    stale = []
    for path, text in files.items():
        target = root / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="only verify that the files are fresh"
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="repository root (default: this one)"
    )
    args = parser.parse_args(argv)
    try:
        files = render_all(load_spec(args.root))
    except SpecError as exc:
        sys.stderr.write(f"spec/quicx.ksy cannot be mapped: {exc}\n")
        return 2
    stale = stale_files(args.root, files)
    if args.check:
        for path in stale:
            sys.stderr.write(f"stale: {path} differs from what {SPEC} gives\n")
        if stale:
            sys.stderr.write("run: python spec/codegen/generate.py\n")
        return 1 if stale else 0
    for path in stale:
        (args.root / path).write_text(files[path], encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
