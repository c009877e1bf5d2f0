meta:
  id: quicx_journal
  title: Quicx journal, one segment file
  license: MIT
  ks-version: 0.11
  endian: be
  encoding: UTF-8
doc: |
  One segment file of a Quicx daemon's journal (started with --data-dir).
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
doc-ref: spec/PROTOCOL.md
seq:
  - id: header
    type: segment_header
    doc: The segment's header, written and synced before any record.
  - id: records
    type: record
    repeat: eos
    doc: The records, in the order they were written.
types:
  segment_header:
    doc: The 30 bytes that start every segment file.
    seq:
      - id: magic
        contents: QXJL
        doc: The four ASCII bytes "QXJL"; anything else is not a Quicx segment.
      - id: version
        type: u1
        valid: 1
        doc: |
          Journal format version. It changes only when these bytes change
          incompatibly; this file describes version 1.
      - id: kind
        type: u1
        enum: segment_kind
        valid:
          in-enum: true
        doc: Whether the segment is a log of events or a snapshot of tasks.
      - id: segment_id
        type: u8
        doc: The segment's id, the same number as in its file name.
      - id: last_task_id
        type: u8
        doc: |
          The highest task id the daemon had handed out when it started this
          segment, so that the task id sequence goes on after a restart even
          when every record naming that id is gone.
      - id: created_ms
        type: u8
        doc: When the segment was started.

  record:
    doc: One record, its header then its body.
    seq:
      - id: header
        type: record_header
        doc: The fixed header, present on every record.
      - id: body
        size: header.len_body
        doc: The record itself; its layout depends on header.record_type.
        type:
          switch-on: header.record_type
          cases:
            'record_type::submitted': task_submitted
            'record_type::dispatched': task_dispatched
            'record_type::touched': task_touched
            'record_type::done': task_done
            'record_type::failed': task_failed
            'record_type::requeued': task_requeued
            'record_type::dead_lettered': task_dead_lettered
            'record_type::evicted': task_evicted
            'record_type::snapshot': task_snapshot

  record_header:
    doc: |
      The 9 bytes that start every record. A reader takes len_body from it
      and checks crc32 before it trusts anything else in the record.
    seq:
      - id: crc32
        type: u4
        doc: |
          CRC-32 (the ISO-HDLC polynomial, as zlib's crc32 computes it) of
          every byte of the record after this field: len_body, record_type
          and the body. A record whose crc32 does not match was torn or
          corrupted.
      - id: len_body
        type: u4
        doc: Length of the body in bytes, not counting this header.
      - id: record_type
        type: u1
        enum: record_type
        valid:
          in-enum: true
        doc: Which record the body holds.

  str1:
    doc: Short text, at most 255 bytes of UTF-8, such as a queue name.
    seq:
      - id: len_value
        type: u1
        doc: Length of value in bytes.
      - id: value
        type: str
        size: len_value
        doc: The text.

  str2:
    doc: Longer text, at most 65535 bytes of UTF-8, such as a reason.
    seq:
      - id: len_value
        type: u2
        doc: Length of value in bytes.
      - id: value
        type: str
        size: len_value
        doc: The text.

  blob:
    doc: Opaque bytes, such as a payload.
    seq:
      - id: len_value
        type: u4
        doc: Length of value in bytes.
      - id: value
        size: len_value
        doc: The bytes, as the producer sent them.

  task_submitted:
    doc: |
      A SUBMIT was accepted. The daemon answers OK only once this record is
      written, and synced under the fsync policy "always".
    seq:
      - id: task_id
        type: u8
        doc: The new task's id, as sent in OK.
      - id: at_ms
        type: u8
        doc: When the daemon accepted the task.
      - id: ready_ms
        type: u8
        doc: When the task may first be dispatched, at_ms plus its delay.
      - id: priority
        type: u4
        doc: Lower runs first, as in SUBMIT.
      - id: ttr_ms
        type: u4
        doc: Time-to-run with the daemon's default applied; never 0.
      - id: max_attempts
        type: u2
        doc: Attempt limit with the daemon's default applied; never 0.
      - id: queue
        type: str1
        doc: The task's queue.
      - id: payload
        type: blob
        doc: The task's bytes.

  task_dispatched:
    doc: A worker was sent the task and holds a lease on it.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When the TASK was sent.
      - id: attempt
        type: u2
        doc: The attempt number the TASK carried, 1 on the first delivery.

  task_touched:
    doc: |
      The worker holding the task restarted its lease with TOUCH. Recovery
      does not need it: a lease does not outlive the daemon.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When the TOUCH was handled.

  task_done:
    doc: The worker finished the task; it is gone.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When the DONE was handled.

  task_failed:
    doc: |
      The worker reported the task failed. A requeued or dead_lettered
      record for the same task follows.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When the FAILED was handled.
      - id: retry
        type: u1
        valid:
          max: 1
        doc: 1 when the worker asked for another attempt, 0 otherwise.
      - id: reason
        type: str2
        doc: The reason the worker gave.

  task_requeued:
    doc: |
      The task went back to its queue, at once or after a backoff, after a
      FAILED with retry or a lost lease. A requeued record that does not
      follow a failed record of the same task records a lost lease.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When it was put back.
      - id: attempts
        type: u2
        doc: Deliveries so far; the next TASK carries attempts + 1.
      - id: ready_ms
        type: u8
        doc: When it may be dispatched again.
      - id: reason
        type: str2
        doc: Why it was put back.

  task_dead_lettered:
    doc: |
      The task will not run again; it is kept as a dead letter with its
      payload. Like requeued, it records a lost lease when it does not follow
      a failed record of the same task.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When it was dead-lettered.
      - id: reason
        type: str2
        doc: Why.

  task_evicted:
    doc: A dead letter was dropped to keep the dead-letter list bounded; it is gone.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: When it was dropped.

  task_snapshot:
    doc: |
      A task's whole state, written by compaction and at start into snapshot
      segments; it stands for every earlier record of the task. Dead letters
      come first, oldest first, so their order survives.
    seq:
      - id: task_id
        type: u8
        doc: The task.
      - id: at_ms
        type: u8
        doc: The time the state was taken.
      - id: state
        type: u1
        enum: snapshot_state
        valid:
          in-enum: true
        doc: Where the task was.
      - id: priority
        type: u4
        doc: Lower runs first.
      - id: ttr_ms
        type: u4
        doc: Time-to-run; never 0.
      - id: max_attempts
        type: u2
        doc: Attempt limit; never 0.
      - id: attempts
        type: u2
        doc: Deliveries so far.
      - id: lost_leases
        type: u2
        doc: Leases lost so far; from the second on, a lost lease waits a backoff.
      - id: ready_ms
        type: u8
        doc: For a queued task, when it may be dispatched; 0 otherwise.
      - id: reason
        type: str2
        doc: For a dead letter, why it died; empty otherwise.
      - id: queue
        type: str1
        doc: The task's queue.
      - id: payload
        type: blob
        doc: The task's bytes.

enums:
  segment_kind:
    1:
      id: log
      doc: Events in the order they happened.
    2:
      id: snapshot
      doc: One task_snapshot per live task; replaces every segment with a lower id.

  record_type:
    1:
      id: submitted
      doc: See type task_submitted.
    2:
      id: dispatched
      doc: See type task_dispatched.
    3:
      id: touched
      doc: See type task_touched.
    4:
      id: done
      doc: See type task_done.
    5:
      id: failed
      doc: See type task_failed.
    6:
      id: requeued
      doc: See type task_requeued.
    7:
      id: dead_lettered
      doc: See type task_dead_lettered.
    8:
      id: evicted
      doc: See type task_evicted.
    9:
      id: snapshot
      doc: See type task_snapshot.

  snapshot_state:
    1:
      id: queued
      doc: Waiting in its queue, ready or delayed until ready_ms.
    2:
      id: leased
      doc: Held by a worker; after a restart it goes back to its queue with a lost lease counted.
    3:
      id: dead
      doc: A dead letter.
