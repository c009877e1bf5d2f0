"""spec/codegen/generate.py: fresh output, --check, and refusing what it cannot map."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import ModuleType

import pytest
import yaml  # type: ignore[import-untyped, unused-ignore]

ROOT = Path(__file__).resolve().parents[3]
CODEGEN = ROOT / "spec" / "codegen"

pytestmark = pytest.mark.skipif(
    not (CODEGEN / "generate.py").exists(), reason="needs the repository checkout"
)


@pytest.fixture
def generate(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(CODEGEN))
    import generate  # type: ignore[import-not-found]

    assert isinstance(generate, ModuleType)
    return generate


def copy_tree(generate: ModuleType, target: Path) -> None:
    """The spec and the generated files, as in the repository."""
    for path in [generate.SPEC, *generate.OUTPUTS]:
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, target / path)


def test_committed_output_is_fresh(generate: ModuleType) -> None:
    files = generate.render_all(generate.load_spec(ROOT))
    assert generate.stale_files(ROOT, files) == []
    for text in files.values():
        first_line = text.splitlines()[0]
        assert first_line.startswith("# Generated from spec/quicx.ksy")
        assert first_line.endswith("do not edit.")


def test_check_names_the_stale_file(
    generate: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_tree(generate, tmp_path)
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0
    stale = tmp_path / next(iter(generate.OUTPUTS))
    stale.write_text(stale.read_text() + "# edited by hand\n")
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1
    assert "_generated_messages.py" in capsys.readouterr().err
    assert generate.main(["--root", str(tmp_path)]) == 0
    assert generate.main(["--check", "--root", str(tmp_path)]) == 0


def test_spec_change_shows_in_output(generate: ModuleType, tmp_path: Path) -> None:
    copy_tree(generate, tmp_path)
    spec_path = tmp_path / generate.SPEC
    spec = yaml.safe_load(spec_path.read_text())
    spec["types"]["ok"]["seq"][0]["doc"] = "A changed doc."
    spec_path.write_text(yaml.safe_dump(spec))
    assert generate.main(["--check", "--root", str(tmp_path)]) == 1
    assert generate.main(["--root", str(tmp_path)]) == 0
    messages = (tmp_path / next(iter(generate.OUTPUTS))).read_text()
    assert '    """A changed doc."""' in messages


def test_unmappable_type_keys_are_refused(
    generate: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy_tree(generate, tmp_path)
    spec_path = tmp_path / generate.SPEC
    spec = yaml.safe_load(spec_path.read_text())
    spec["types"]["ok"]["instances"] = {"node": {"value": "task_id >> 48"}}
    spec_path.write_text(yaml.safe_dump(spec))
    assert generate.main(["--root", str(tmp_path)]) == 2
    assert "type ok: cannot map keys ['instances']" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"type": "s4"}, "cannot map type 's4'"),
        ({"type": "u4", "enum": "nope"}, "unknown enum 'nope'"),
        ({"type": "u4", "if": "true"}, "cannot map keys ['if']"),
        ({"type": "u4", "doc": ""}, "has no doc"),
    ],
)
def test_unmappable_spec_is_refused(
    generate: ModuleType,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, str],
    complaint: str,
) -> None:
    copy_tree(generate, tmp_path)
    spec_path = tmp_path / generate.SPEC
    spec = yaml.safe_load(spec_path.read_text())
    spec["types"]["ok"]["seq"][0].update(change)
    spec_path.write_text(yaml.safe_dump(spec))
    assert generate.main(["--root", str(tmp_path)]) == 2
    assert complaint in capsys.readouterr().err
