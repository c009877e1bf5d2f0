"""Shared arenas: another process attaches and reads blocks by handle."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pmad_helpers import read_in_child, small_arena
from quicx_pmad import Arena, NotOwner, StaleHandle

pytestmark = pytest.mark.skipif(
    not Path("/dev/shm").is_dir(), reason="needs POSIX shared memory in /dev/shm"
)


@pytest.fixture
def name() -> Iterator[str]:
    """A segment name no other test uses; checks nothing is left behind."""
    segment = f"quicx-pmad-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    yield segment
    assert not Path("/dev/shm", segment).exists(), "segment was not unlinked"


def test_a_second_process_reads_what_the_first_wrote(name: str) -> None:
    with small_arena(shared=name) as arena:
        blocks = [arena.store(b"hello"), arena.store(bytes(range(200)))]
        handles = [(b.handle, b.size) for b in blocks]
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(target=read_in_child, args=(name, handles, child))
        process.start()
        child.close()
        assert parent.poll(60), "child sent nothing"
        contents, refused = parent.recv()
        process.join(60)
        assert process.exitcode == 0
        assert contents == [b"hello", bytes(range(200))]
        assert refused
        assert bytes(blocks[0].view) == b"child"
        assert Path("/dev/shm", name).exists()


def test_an_unrelated_process_attaching_leaves_no_warning_and_no_unlink(
    name: str,
) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from quicx_pmad import Arena
        with Arena.attach({name!r}) as arena:
            sys.stdout.write(bytes(arena.view(int(sys.argv[1]), 3)).decode())
        """
    )
    with small_arena(shared=name) as arena:
        block = arena.store(b"abc")
        result = subprocess.run(
            [sys.executable, "-W", "error", "-c", script, str(block.handle)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert (result.returncode, result.stdout, result.stderr) == (0, "abc", "")
        assert Path("/dev/shm", name).exists()
        assert bytes(arena.view(block.handle, 3)) == b"abc"


def test_an_attached_arena_sees_frees_and_refuses_to_allocate(name: str) -> None:
    with small_arena(shared=name) as arena, Arena.attach(name) as attached:
        assert not attached.owner
        assert attached.arena_id == arena.arena_id
        assert attached.size_classes == arena.size_classes
        block = arena.store(b"shared")
        assert bytes(attached.view(block.handle, 6)) == b"shared"
        arena.free(block)
        with pytest.raises(NotOwner):
            attached.alloc(1)
        with pytest.raises(NotOwner):
            attached.free(block.handle)
        with pytest.raises(NotOwner):
            attached.stats()
        with pytest.raises(StaleHandle):
            attached.view(block.handle, 6)


def test_closing_the_attached_arena_does_not_unlink(name: str) -> None:
    with small_arena(shared=name) as arena:
        arena.store(b"x")
        Arena.attach(name).close()
        assert Path("/dev/shm", name).exists()
        Arena.attach(name).close()


def test_a_taken_name_and_a_missing_name_are_errors(name: str) -> None:
    with small_arena(shared=name), pytest.raises(FileExistsError):
        small_arena(shared=name)
    with pytest.raises(FileNotFoundError):
        Arena.attach(name)


def test_a_segment_that_is_no_arena_is_refused(name: str) -> None:
    path = Path("/dev/shm", name)
    path.write_bytes(b"\0" * 8192)
    try:
        with pytest.raises(ValueError, match="not hold a quicx-pmad arena"):
            Arena.attach(name)
    finally:
        path.unlink()


@pytest.mark.parametrize("bad", ["", "a/b"])
def test_segment_names_are_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="shared arena names"):
        small_arena(shared=bad)
