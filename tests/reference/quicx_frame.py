# Generated from spec/quicx.ksy by kaitai-struct-compiler 0.11.0; do not edit.
# Regenerate with: node spec/kaitai/compile.mjs
# mypy: ignore-errors
# This is a generated file! Please edit source .ksy file and use kaitai-struct-compiler to rebuild
# type: ignore

import kaitaistruct
from kaitaistruct import KaitaiStruct, KaitaiStream, BytesIO
from enum import IntEnum


if getattr(kaitaistruct, 'API_VERSION', (0, 9)) < (0, 11):
    raise Exception("Incompatible Kaitai Struct Python API: 0.11 or later is required, but you have %s" % (kaitaistruct.__version__))

class QuicxFrame(KaitaiStruct):
    """One Quicx frame: a fixed 8-byte header followed by a body whose layout is
    chosen by the header's message type. A TCP connection carries a sequence of
    frames back to back in each direction; there is no other framing.
    
    Integers are unsigned and big-endian. Durations are milliseconds unless a
    field name says otherwise. Text is UTF-8. Every variable-length field is
    preceded by its own length, so a frame can be walked without knowing the
    meaning of its fields.
    
    This file is the single source of truth for the bytes. spec/PROTOCOL.md
    says what they mean: roles, sequences, errors and limits.
    
    .. seealso::
       spec/PROTOCOL.md
    """

    class ErrorCode(IntEnum):
        malformed_frame = 1
        unsupported_version = 2
        unknown_message_type = 3
        frame_too_large = 4
        payload_too_large = 5
        not_allowed_for_role = 6
        unknown_task = 7
        lease_expired = 8
        out_of_memory = 9
        queue_full = 10
        shutting_down = 11
        internal_error = 12
        invalid_field = 13
        heartbeat_timeout = 14
        journal_unavailable = 15

    class MsgType(IntEnum):
        submit = 1
        ok = 2
        error = 3
        ready = 4
        task = 5
        wait = 6
        touch = 7
        done = 8
        failed = 9
        heartbeat = 10
        pong = 11
        stats_request = 12
        stats_reply = 13
        peers = 14
    def __init__(self, _io, _parent=None, _root=None):
        super(QuicxFrame, self).__init__(_io)
        self._parent = _parent
        self._root = _root or self
        self._read()

    def _read(self):
        self.header = QuicxFrame.Header(self._io, self, self._root)
        _on = self.header.msg_type
        if _on == QuicxFrame.MsgType.done:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Done(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.error:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Error(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.failed:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Failed(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.heartbeat:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Heartbeat(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.ok:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Ok(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.peers:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Peers(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.pong:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Pong(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.ready:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Ready(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.stats_reply:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.StatsReply(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.stats_request:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.StatsRequest(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.submit:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Submit(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.task:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Task(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.touch:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Touch(_io__raw_body, self, self._root)
        elif _on == QuicxFrame.MsgType.wait:
            pass
            self._raw_body = self._io.read_bytes(self.header.len_body)
            _io__raw_body = KaitaiStream(BytesIO(self._raw_body))
            self.body = QuicxFrame.Wait(_io__raw_body, self, self._root)
        else:
            pass
            self.body = self._io.read_bytes(self.header.len_body)


    def _fetch_instances(self):
        pass
        self.header._fetch_instances()
        _on = self.header.msg_type
        if _on == QuicxFrame.MsgType.done:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.error:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.failed:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.heartbeat:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.ok:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.peers:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.pong:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.ready:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.stats_reply:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.stats_request:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.submit:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.task:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.touch:
            pass
            self.body._fetch_instances()
        elif _on == QuicxFrame.MsgType.wait:
            pass
            self.body._fetch_instances()
        else:
            pass

    class Blob(KaitaiStruct):
        """Opaque bytes, such as a payload or a result."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Blob, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u4be()
            self.value = self._io.read_bytes(self.len_value)


        def _fetch_instances(self):
            pass


    class Done(KaitaiStruct):
        """Worker to daemon: the task finished. Returns one credit. No reply on
        success; a DONE for a task the worker no longer holds, such as a second
        DONE for the same task, gets ERROR and changes nothing.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Done, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.result = QuicxFrame.Blob(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.result._fetch_instances()


    class Error(KaitaiStruct):
        """Daemon to any peer: a request was refused or the peer broke the
        protocol. spec/PROTOCOL.md says, per code, whether the connection
        stays open.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Error, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.code = KaitaiStream.resolve_enum(QuicxFrame.ErrorCode, self._io.read_u2be())
            if not isinstance(self.code, QuicxFrame.ErrorCode):
                raise kaitaistruct.ValidationNotInEnumError(self.code, self._io, u"/types/error/seq/0")
            self.retry_after_ms = self._io.read_u4be()
            self.task_id = self._io.read_u8be()
            self.message = QuicxFrame.Str2(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.message._fetch_instances()


    class Failed(KaitaiStruct):
        """Worker to daemon: the task failed. Returns one credit. With retry set
        the task is tried again after a backoff until its attempt limit, then
        dead-lettered; without it, it is dead-lettered at once.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Failed, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.retry = self._io.read_u1()
            if not self.retry <= 1:
                raise kaitaistruct.ValidationGreaterThanError(1, self.retry, self._io, u"/types/failed/seq/1")
            self.reason = QuicxFrame.Str2(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.reason._fetch_instances()


    class Header(KaitaiStruct):
        """The 8 bytes that start every frame. A receiver reads these first,
        checks them, and only then reads len_body bytes of body, so an
        oversized frame is refused before any of its body is buffered.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Header, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.magic = self._io.read_bytes(2)
            if not self.magic == b"\x51\x58":
                raise kaitaistruct.ValidationNotEqualError(b"\x51\x58", self.magic, self._io, u"/types/header/seq/0")
            self.version = self._io.read_u1()
            if not self.version == 1:
                raise kaitaistruct.ValidationNotEqualError(1, self.version, self._io, u"/types/header/seq/1")
            self.msg_type = KaitaiStream.resolve_enum(QuicxFrame.MsgType, self._io.read_u1())
            if not isinstance(self.msg_type, QuicxFrame.MsgType):
                raise kaitaistruct.ValidationNotInEnumError(self.msg_type, self._io, u"/types/header/seq/2")
            self.len_body = self._io.read_u4be()


        def _fetch_instances(self):
            pass


    class Heartbeat(KaitaiStruct):
        """Either side to the other: are you there? The receiver answers PONG
        with the same token at once.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Heartbeat, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.token = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class Ok(KaitaiStruct):
        """Daemon to producer: the SUBMIT it answers was accepted."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Ok, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class Peers(KaitaiStruct):
        """Daemon to worker: the public addresses of every daemon in the sending
        daemon's group, itself included. Sent once per connection, right after
        the first READY, and only by a daemon started with a group, so a worker
        that reached it through a load balancer can attach to every member
        directly. A daemon without a group never sends it.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Peers, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.num_addresses = self._io.read_u1()
            self.addresses = []
            for i in range(self.num_addresses):
                self.addresses.append(QuicxFrame.Str1(self._io, self, self._root))



        def _fetch_instances(self):
            pass
            for i in range(len(self.addresses)):
                pass
                self.addresses[i]._fetch_instances()



    class Percentiles(KaitaiStruct):
        """A latency distribution over a recent window, in microseconds."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Percentiles, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.count = self._io.read_u8be()
            self.p50_us = self._io.read_u8be()
            self.p90_us = self._io.read_u8be()
            self.p99_us = self._io.read_u8be()
            self.p999_us = self._io.read_u8be()
            self.max_us = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class Pong(KaitaiStruct):
        """The answer to a HEARTBEAT."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Pong, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.token = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class QueueStats(KaitaiStruct):
        """One queue's state at the moment of the snapshot."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.QueueStats, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.name = QuicxFrame.Str1(self._io, self, self._root)
            self.depth = self._io.read_u4be()
            self.delayed = self._io.read_u4be()
            self.in_flight = self._io.read_u4be()
            self.dead = self._io.read_u4be()
            self.oldest_age_ms = self._io.read_u8be()


        def _fetch_instances(self):
            pass
            self.name._fetch_instances()


    class Ready(KaitaiStruct):
        """Worker to daemon: the worker serves these queues and may hold up to
        credit tasks at once. The first READY makes a connection a worker; a
        later READY replaces both the credit and the queue list.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Ready, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.credit = self._io.read_u4be()
            self.num_queues = self._io.read_u1()
            self.queues = []
            for i in range(self.num_queues):
                self.queues.append(QuicxFrame.Str1(self._io, self, self._root))



        def _fetch_instances(self):
            pass
            for i in range(len(self.queues)):
                pass
                self.queues[i]._fetch_instances()



    class SizeClassStats(KaitaiStruct):
        """One allocator size class."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.SizeClassStats, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.class_size = self._io.read_u4be()
            self.slabs = self._io.read_u4be()
            self.live_blocks = self._io.read_u4be()
            self.free_blocks = self._io.read_u4be()


        def _fetch_instances(self):
            pass


    class StatsReply(KaitaiStruct):
        """Daemon to any peer: a snapshot of the daemon's state."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.StatsReply, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.node_id = self._io.read_u2be()
            self.uptime_ms = self._io.read_u8be()
            self.total_submitted = self._io.read_u8be()
            self.total_completed = self._io.read_u8be()
            self.total_failed = self._io.read_u8be()
            self.total_retried = self._io.read_u8be()
            self.total_dead = self._io.read_u8be()
            self.total_lost_leases = self._io.read_u8be()
            self.current_producers = self._io.read_u4be()
            self.current_workers = self._io.read_u4be()
            self.current_monitors = self._io.read_u4be()
            self.wait_time = QuicxFrame.Percentiles(self._io, self, self._root)
            self.run_time = QuicxFrame.Percentiles(self._io, self, self._root)
            self.arena_capacity = self._io.read_u8be()
            self.arena_used = self._io.read_u8be()
            self.journal_bytes = self._io.read_u8be()
            self.journal_live_ppm = self._io.read_u4be()
            self.num_size_classes = self._io.read_u1()
            self.size_classes = []
            for i in range(self.num_size_classes):
                self.size_classes.append(QuicxFrame.SizeClassStats(self._io, self, self._root))

            self.num_queues = self._io.read_u2be()
            self.queues = []
            for i in range(self.num_queues):
                self.queues.append(QuicxFrame.QueueStats(self._io, self, self._root))



        def _fetch_instances(self):
            pass
            self.wait_time._fetch_instances()
            self.run_time._fetch_instances()
            for i in range(len(self.size_classes)):
                pass
                self.size_classes[i]._fetch_instances()

            for i in range(len(self.queues)):
                pass
                self.queues[i]._fetch_instances()



    class StatsRequest(KaitaiStruct):
        """Monitor to daemon: send a STATS reply. The first one makes a
        connection a monitor; producers and workers may send it too.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.StatsRequest, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            pass


        def _fetch_instances(self):
            pass


    class Str1(KaitaiStruct):
        """Short text, at most 255 bytes of UTF-8, such as a queue name."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Str1, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u1()
            self.value = (self._io.read_bytes(self.len_value)).decode(u"UTF-8")


        def _fetch_instances(self):
            pass


    class Str2(KaitaiStruct):
        """Longer text, at most 65535 bytes of UTF-8, such as an error message."""
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Str2, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.len_value = self._io.read_u2be()
            self.value = (self._io.read_bytes(self.len_value)).decode(u"UTF-8")


        def _fetch_instances(self):
            pass


    class Submit(KaitaiStruct):
        """Producer to daemon: queue one task. Answered, in order, by OK with the
        new task id or by ERROR. The first SUBMIT makes a connection a producer.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Submit, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.priority = self._io.read_u4be()
            self.delay_ms = self._io.read_u4be()
            self.ttr_ms = self._io.read_u4be()
            self.max_attempts = self._io.read_u2be()
            self.queue = QuicxFrame.Str1(self._io, self, self._root)
            self.payload = QuicxFrame.Blob(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.queue._fetch_instances()
            self.payload._fetch_instances()


    class Task(KaitaiStruct):
        """Daemon to worker: run this task. The worker holds a lease on it until
        it answers DONE or FAILED, or until ttr_ms pass without a TOUCH.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Task, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()
            self.attempt = self._io.read_u2be()
            self.ttr_ms = self._io.read_u4be()
            self.queue = QuicxFrame.Str1(self._io, self, self._root)
            self.payload = QuicxFrame.Blob(self._io, self, self._root)


        def _fetch_instances(self):
            pass
            self.queue._fetch_instances()
            self.payload._fetch_instances()


    class Touch(KaitaiStruct):
        """Worker to daemon: restart the lease on a task this worker holds, so it
        runs for another full time-to-run from now. No reply on success; ERROR
        (unknown task or lease expired) otherwise.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Touch, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            self.task_id = self._io.read_u8be()


        def _fetch_instances(self):
            pass


    class Wait(KaitaiStruct):
        """Daemon to worker, in answer to a READY: your READY is taken, you
        have free credit and there is nothing for you now. Sent at no other
        time; TASKs follow when tasks become ready.
        """
        def __init__(self, _io, _parent=None, _root=None):
            super(QuicxFrame.Wait, self).__init__(_io)
            self._parent = _parent
            self._root = _root
            self._read()

        def _read(self):
            pass


        def _fetch_instances(self):
            pass



