"""The journal: broker events on disk, so acknowledged tasks survive a crash.

``_journal`` runs it (a hook on the loop, a writer thread, group commit);
``_format``, ``_recovery`` and ``_liveness`` are pure (bytes, replaying
records, accounting for live bytes); ``_files``, ``_segments`` and
``_reading`` do the blocking file work. spec/journal.ksy is the format,
``_generated_*`` its codecs.
"""

from ._journal import Journal as Journal
from ._reading import JournalError as JournalError

__all__ = ["Journal", "JournalError"]
