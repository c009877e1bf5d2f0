"""Generate the construct codecs and dataclasses of every spec.

spec/quicx.ksy gives quicx-proto's message codecs; spec/journal.ksy gives the
daemon's journal record codecs (targets.py says where each goes). Run from the
repository root::

    python spec/codegen/generate.py          # rewrite the generated files
    python spec/codegen/generate.py --check  # fail if any of them is stale

Needs only pyyaml. The output is already in ``ruff format`` style, so the lint
session accepts it without running a formatter here.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import yaml  # type: ignore[import-untyped, unused-ignore]
from ksy_model import Spec, SpecError, read_spec
from render_codecs import render_codecs
from render_messages import render_messages
from render_structs import render_structs
from targets import QUICX, TARGETS, Target

ROOT = Path(__file__).resolve().parents[2]
SPEC = QUICX.spec
OUTPUTS: dict[Path, Callable[[Spec], str]] = {
    QUICX.messages_path: lambda spec: render_messages(spec, QUICX),
    QUICX.codecs_path: lambda spec: render_codecs(spec, QUICX),
    QUICX.structs_path: lambda spec: render_structs(spec, QUICX),
}
"""The files generated from spec/quicx.ksy, by path."""


def load_spec(root: Path, target: Target = QUICX) -> Spec:
    """Read and map the target's .ksy under ``root``."""
    with (root / target.spec).open(encoding="utf-8") as stream:
        return read_spec(yaml.safe_load(stream))


def render_all(spec: Spec, target: Target = QUICX) -> dict[Path, str]:
    """Every file generated from ``spec`` for ``target``: path (relative to the
    root) and text."""
    files = {
        target.messages_path: render_messages(spec, target),
        target.codecs_path: render_codecs(spec, target),
    }
    if target.structs_path is not None:
        files[target.structs_path] = render_structs(spec, target)
    return files


def stale_files(root: Path, files: dict[Path, str]) -> list[Path]:
    """The generated files under ``root`` whose text differs from ``files``."""
    stale = []
    for path, text in files.items():
        target = root / path
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            stale.append(path)
    return stale


def _absent(root: Path, target: Target) -> bool:
    """True when neither the target's spec nor its output is in the tree."""
    paths = [target.spec, target.messages_path, target.codecs_path]
    return not any((root / path).exists() for path in paths)


def run_target(root: Path, target: Target, *, check: bool) -> int:
    """Generate or check one target; return the exit status for it."""
    try:
        files = render_all(load_spec(root, target), target)
    except SpecError as exc:
        sys.stderr.write(f"{target.spec} cannot be mapped: {exc}\n")
        return 2
    stale = stale_files(root, files)
    if check:
        for path in stale:
            sys.stderr.write(f"stale: {path} differs from what {target.spec} gives\n")
        if stale:
            sys.stderr.write("run: python spec/codegen/generate.py\n")
        return 1 if stale else 0
    for path in stale:
        (root / path).write_text(files[path], encoding="utf-8")
        sys.stdout.write(f"wrote {path}\n")
    return 0


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
    status = 0
    for target in TARGETS:
        if target is not QUICX and _absent(args.root, target):
            # A partial tree, such as a test's copy of the wire spec alone.
            sys.stderr.write(f"skipped {target.spec}: not in {args.root}\n")
            continue
        status = max(status, run_target(args.root, target, check=args.check))
    return status


if __name__ == "__main__":
    sys.exit(main())
