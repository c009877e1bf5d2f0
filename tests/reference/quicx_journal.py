# Generated from spec/journal.ksy by kaitai-struct-compiler 0.11.0; do not edit.
# Regenerate with: node spec/kaitai/compile.mjs
# mypy: ignore-errors
# This is a generated file! Please edit source .ksy file and use kaitai-struct-compiler to rebuild
# type: ignore

import kaitaistruct
from kaitaistruct import KaitaiStruct, KaitaiStream, BytesIO
from enum import IntEnum


if getattr(kaitaistruct, 'API_VERSION', (0, 9)) < (0, 11):
    raise Exception("Incompatible Kaitai Struct Python API: 0.11 or later is required, but you have %s" % (kaitaistruct.__version__))

class QuicxJournal(KaitaiStruct):
    """One segment file of a Quicx daemon's journal (started with --data-dir).
    The journal is a directory of segment files named by their 16-digit
    hexadecimal segment id and the suffix .qxj; read in id order, from the
    newest snapshot segment on, they give back the daemon's tasks.
    
    A segment is a fixed header followed by records back to back up to the end
    of the file. Each record is a 9-byte record header and a body whose layout
    is chosen by the header's record type. A log segment holds the broker's
    events in the order they happened; a snapshot segment holds one snapshot
    record per task that was still live when it was written, and replaces every
    segment with a lower id.
    
    Integers are unsigned and big-endian. Times are wall-clock milliseconds
    since the Unix epoch. Text is UTF-8. The crc32 of every record protects it
    against a torn or corrupted write; this file cannot check it, so a reader
    that wants to trust a record computes it (see record_header.crc32).
    
    This file is the single source of truth for the bytes. The "Durability"
    section of spec/PROTOCOL.md says how the daemon writes, syncs, recovers and
    compacts them.
    
    .. seealso::
       spec/PROTOCOL.md
    """

    class RecordType(IntEnum):
        submitted = 1
        dispatched = 2
        touched = 3
        done = 4
        failed = 5
        requeued = 6
        dead_lettered = 7
        evicted = 8
        snapshot = 9

    class SegmentKind(IntEnum):
        log = 1
        snapshot = 2

    class SnapshotState(IntEnum):
        queued = 1
        leased = 2
        dead = 3
    def __init__(self, _io, _parent=None, _root=None):
        super(QuicxJournal, self).__init__(_io)
        self._parent = _parent
        self._root = _root or self
        self._read()

    def _read(self):
        self.header = QuicxJournal.SegmentHeader(self._io, self, self._root)
        self.records = []
        i = 0
        while not self._io.is_eof():
            self.records.append(QuicxJournal.Record(self._io, self, self._root))
            i += 1



    def _fetch_instances(self):
        pass
        self.header._fetch_instances()
        for i in range(len(self.records)):
            pass
            self.records[i]._fetch_instances()


    class Blob(KaitaiStruct):
        """Opaque bytes, such as a payload."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.Blob, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u4be()
            self.value = self._io.read_bytes(self.len_value)


        def _fetch_instances(self):
            pass


    class Record(KaitaiStruct):
        """One record, its header then its body."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.Record, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.header = QuicxJournal.RecordHeader(self._io, self, self._root)
            _on = self.header.record_type
            if _on == QuicxJournal.RecordType.dead_lettered:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskDeadLettered(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.dispatched:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskDispatched(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.done:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskDone(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.evicted:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskEvicted(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.failed:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskFailed(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.requeued:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskRequeued(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.snapshot:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskSnapshot(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.submitted:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskSubmitted(_io__raw_body, self, self._root)
            elif _on == QuicxJournal.RecordType.touched:
                pass
                self._raw_body = self._io.read_bytes(self.header.len_body)
                _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
                self.body = QuicxJournal.TaskTouched(_io__raw_body, self, self._root)
            else:
                pass
                self.body = self._io.read_bytes(self.header.len_body)


        def _fetch_instances(self):
            pass
            self.header._fetch_instances()
            _on = self.header.record_type
            if _on == QuicxJournal.RecordType.dead_lettered:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.dispatched:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.done:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.evicted:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.failed:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.requeued:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.snapshot:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.submitted:
                pass
                self.body._fetch_instances()
            elif _on == QuicxJournal.RecordType.touched:
                pass
                self.body._fetch_instances()
            else:
                pass


    class RecordHeader(KaitaiStruct):
        """The 9 bytes that start every record. A reader takes len_body from it
        and checks crc32 before it trusts anything else in the record.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.RecordHeader, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.crc32 = self._io.read_u4be()
            self.len_body = self._io.read_u4be()
            self.record_type = KaitaiStream.resolve_enum(QuicxJournal.RecordType, self._io.read_u1())
            if not isinstance(self.record_type, QuicxJournal.RecordType):
                raise kaitaistruct.ValidationNotInEnumError(self.record_type, self._io, u"/types/record_header/seq/2")


        def _fetch_instances(self):
            pass


    class SegmentHeader(KaitaiStruct):
        """The 30 bytes that start every segment file."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.SegmentHeader, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.magic = self._io.read_bytes(4)
            if not self.magic == b"\x51\x58\x4A\x4C":
                raise kaitaistruct.ValidationNotEqualError(b"\x51\x58\x4A\x4C", self.magic, self._io, u"/types/segment_header/seq/0")
            self.version = self._io.read_u1()
            if not self.version == 1:
                raise kaitaistruct.ValidationNotEqualError(1, self.version, self._io, u"/types/segment_header/seq/1")
            self.kind = KaitaiStream.resolve_enum(QuicxJournal.SegmentKind, self._io.read_u1())
            if not isinstance(self.kind, QuicxJournal.SegmentKind):
                raise kaitaistruct.ValidationNotInEnumError(self.kind, self._io, u"/types/segment_header/seq/2")
            self.segment_id = self._io.read_u8be()
            self.last_task_id = self._io.read_u8be()
            self.created_ms = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class Str1(KaitaiStruct):
        """Short text, at most 255 bytes of UTF-8, such as a queue name."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.Str1, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u1()
            self.value = (self._io.read_bytes(self.len_value)).decode(u"UTF-8")


        def _fetch_instances(self):
            pass


    class Str2(KaitaiStruct):
        """Longer text, at most 65535 bytes of UTF-8, such as a reason."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.Str2, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u2be()
            self.value = (self._io.read_bytes(self.len_value)).decode(u"UTF-8")


        def _fetch_instances(self):
            pass


    class TaskDeadLettered(KaitaiStruct):
        """The task will not run again; it is kept as a dead letter with its
        payload. Like requeued, it records a lost lease when it does not follow
        a failed record of the same task.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskDeadLettered, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.reason = QuicxJournal.Str2(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.reason._fetch_instances()


    class TaskDispatched(KaitaiStruct):
        """A worker was sent the task and holds a lease on it."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskDispatched, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.attempt = self._io.read_u2be()


        def _fetch_instances(self):
            pass


    class TaskDone(KaitaiStruct):
        """The worker finished the task; it is gone."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskDone, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class TaskEvicted(KaitaiStruct):
        """A dead letter was dropped to keep the dead-letter list bounded; it is gone."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskEvicted, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class TaskFailed(KaitaiStruct):
        """The worker reported the task failed. A requeued or dead_lettered
        record for the same task follows.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskFailed, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.retry = self._io.read_u1()
            if not self.retry <= 1:
                raise kaitaistruct.ValidationGreaterThanError(1, self.retry, self._io, u"/types/task_failed/seq/2")
            self.reason = QuicxJournal.Str2(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.reason._fetch_instances()


    class TaskRequeued(KaitaiStruct):
        """The task went back to its queue, at once or after a backoff, after a
        FAILED with retry or a lost lease. A requeued record that does not
        follow a failed record of the same task records a lost lease.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskRequeued, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.attempts = self._io.read_u2be()
            self.ready_ms = self._io.read_u8be()
            self.reason = QuicxJournal.Str2(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.reason._fetch_instances()


    class TaskSnapshot(KaitaiStruct):
        """A task's whole state, written by compaction and at start into snapshot
        segments; it stands for every earlier record of the task. Dead letters
        come first, oldest first, so their order survives.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskSnapshot, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.state = KaitaiStream.resolve_enum(QuicxJournal.SnapshotState, self._io.read_u1())
            if not isinstance(self.state, QuicxJournal.SnapshotState):
                raise kaitaistruct.ValidationNotInEnumError(self.state, self._io, u"/types/task_snapshot/seq/2")
            self.priority = self._io.read_u4be()
            self.ttr_ms = self._io.read_u4be()
            self.max_attempts = self._io.read_u2be()
            self.attempts = self._io.read_u2be()
            self.lost_leases = self._io.read_u2be()
            self.ready_ms = self._io.read_u8be()
            self.reason = QuicxJournal.Str2(self._io, self, self._root)
            self.queue = QuicxJournal.Str1(self._io, self, self._root)
            self.payload = QuicxJournal.Blob(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.reason._fetch_instances()
            self.queue._fetch_instances()
            self.payload._fetch_instances()


    class TaskSubmitted(KaitaiStruct):
        """A SUBMIT was accepted. The daemon answers OK only once this record is
        written, and synced under the fsync policy "always".
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskSubmitted, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()
            self.ready_ms = self._io.read_u8be()
            self.priority = self._io.read_u4be()
            self.ttr_ms = self._io.read_u4be()
            self.max_attempts = self._io.read_u2be()
            self.queue = QuicxJournal.Str1(self._io, self, self._root)
            self.payload = QuicxJournal.Blob(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.queue._fetch_instances()
            self.payload._fetch_instances()


    class TaskTouched(KaitaiStruct):
        """The worker holding the task restarted its lease with TOUCH. Recovery
        does not need it: a lease does not outlive the daemon.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxJournal.TaskTouched, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.at_ms = self._io.read_u8be()


        def _fetch_instances(self):
            pass



