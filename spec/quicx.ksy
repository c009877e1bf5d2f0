meta:
  id: quicx_frame
  title: Quicx wire protocol, one frame
  license: MIT
  ks-version: 0.11
  endian: be
  encoding: UTF-8
doc: |
  One Quicx frame: a fixed 8-byte header followed by a body whose layout is
  chosen by the header's message type. A TCP connection carries a sequence of
  frames back to back in each direction; there is no other framing.

  Integers are unsigned and big-endian. Durations are milliseconds unless a
  field name says otherwise. Text is UTF-8. Every variable-length field is
  preceded by its own length, so a frame can be walked without knowing the
  meaning of its fields.

  This file is the single source of truth for the bytes. spec/PROTOCOL.md
  says what they mean: roles, sequences, errors and limits.
doc-ref: spec/PROTOCOL.md
seq:
  - id: header
    type: header
    doc: The fixed header, present on every frame.
  - id: body
    size: header.len_body
    doc: The message itself; its layout depends on header.msg_type.
    type:
      switch-on: header.msg_type
      cases:
        'msg_type::submit': submit
        'msg_type::ok': ok
        'msg_type::error': error
        'msg_type::ready': ready
        'msg_type::task': task
        'msg_type::wait': wait
        'msg_type::touch': touch
        'msg_type::done': done
        'msg_type::failed': failed
        'msg_type::heartbeat': heartbeat
        'msg_type::pong': pong
        'msg_type::stats_request': stats_request
        'msg_type::stats_reply': stats_reply
        'msg_type::peers': peers
types:
  header:
    doc: |
      The 8 bytes that start every frame. A receiver reads these first,
      checks them, and only then reads len_body bytes of body, so an
      oversized frame is refused before any of its body is buffered.
    seq:
      - id: magic
        contents: QX
        doc: The two ASCII bytes "QX"; anything else is not a Quicx frame.
      - id: version
        type: u1
        valid: 1
        doc: |
          Protocol version. It changes only when the bytes on the wire change
          incompatibly; this file describes version 1.
      - id: msg_type
        type: u1
        enum: msg_type
        valid:
          in-enum: true
        doc: Which message the body holds.
      - id: len_body
        type: u4
        doc: Length of the body in bytes, not counting this header.

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
    doc: Longer text, at most 65535 bytes of UTF-8, such as an error message.
    seq:
      - id: len_value
        type: u2
        doc: Length of value in bytes.
      - id: value
        type: str
        size: len_value
        doc: The text.

  blob:
    doc: Opaque bytes, such as a payload or a result.
    seq:
      - id: len_value
        type: u4
        doc: Length of value in bytes.
      - id: value
        size: len_value
        doc: The bytes, passed through untouched.

  submit:
    doc: |
      Producer to daemon: queue one task. Answered, in order, by OK with the
      new task id or by ERROR. The first SUBMIT makes a connection a producer.
    seq:
      - id: priority
        type: u4
        doc: |
          Lower runs first; tasks of equal priority run in submit order.
      - id: delay_ms
        type: u4
        doc: Milliseconds to hold the task back before it may be dispatched.
      - id: ttr_ms
        type: u4
        doc: |
          Time-to-run: how long a worker may hold the task before its lease
          is lost. 0 means the daemon's default.
      - id: max_attempts
        type: u2
        doc: |
          How many times the task may be handed to a worker before it is
          dead-lettered. 0 means the daemon's default.
      - id: queue
        type: str1
        doc: Name of the queue, 1 to 255 bytes.
      - id: payload
        type: blob
        doc: The task's bytes; the daemon never looks inside.

  ok:
    doc: "Daemon to producer: the SUBMIT it answers was accepted."
    seq:
      - id: task_id
        type: u8
        doc: |
          The new task's id. The high 16 bits are the node id of the daemon
          that accepted it and the low 48 bits a sequence that daemon never
          reuses, so ids from several daemons never collide.

  error:
    doc: |
      Daemon to any peer: a request was refused or the peer broke the
      protocol. spec/PROTOCOL.md says, per code, whether the connection
      stays open.
    seq:
      - id: code
        type: u2
        enum: error_code
        valid:
          in-enum: true
        doc: What went wrong.
      - id: retry_after_ms
        type: u4
        doc: |
          For retryable codes, how long the peer should wait before trying
          again; 0 for codes that must not be retried as they are.
      - id: task_id
        type: u8
        doc: The task the error is about, or 0 when it is about no task.
      - id: message
        type: str2
        doc: A human-readable explanation; not meant to be parsed.

  ready:
    doc: |
      Worker to daemon: the worker serves these queues and may hold up to
      credit tasks at once. The first READY makes a connection a worker; a
      later READY replaces both the credit and the queue list.
    seq:
      - id: credit
        type: u4
        doc: How many tasks the worker may hold at once, counting those held now.
      - id: num_queues
        type: u1
        doc: Number of queue names that follow; at least 1.
      - id: queues
        type: str1
        repeat: expr
        repeat-expr: num_queues
        doc: Names of the queues the worker serves.

  task:
    doc: |
      Daemon to worker: run this task. The worker holds a lease on it until
      it answers DONE or FAILED, or until ttr_ms pass without a TOUCH.
    seq:
      - id: task_id
        type: u8
        doc: The task's id, as returned in OK.
      - id: attempt
        type: u2
        doc: 1 on the first delivery, raised by one on every later delivery.
      - id: ttr_ms
        type: u4
        doc: The lease's length; a TOUCH starts it again.
      - id: queue
        type: str1
        doc: The queue the task came from.
      - id: payload
        type: blob
        doc: The bytes the producer submitted.

  wait:
    doc: |
      Daemon to worker, in answer to a READY: your READY is taken, you
      have free credit and there is nothing for you now. Sent at no other
      time; TASKs follow when tasks become ready.
    seq: []

  touch:
    doc: |
      Worker to daemon: restart the lease on a task this worker holds, so it
      runs for another full time-to-run from now. No reply on success; ERROR
      (unknown task or lease expired) otherwise.
    seq:
      - id: task_id
        type: u8
        doc: The task whose lease to extend.

  done:
    doc: |
      Worker to daemon: the task finished. Returns one credit. No reply on
      success; a DONE for a task the worker no longer holds, such as a second
      DONE for the same task, gets ERROR and changes nothing.
    seq:
      - id: task_id
        type: u8
        doc: The finished task.
      - id: result
        type: blob
        doc: Optional result bytes; empty when there is none.

  failed:
    doc: |
      Worker to daemon: the task failed. Returns one credit. With retry set
      the task is tried again after a backoff until its attempt limit, then
      dead-lettered; without it, it is dead-lettered at once.
    seq:
      - id: task_id
        type: u8
        doc: The failed task.
      - id: retry
        type: u1
        valid:
          max: 1
        doc: 1 to ask for another attempt, 0 to give up on the task.
      - id: reason
        type: str2
        doc: Why it failed, kept with a dead-lettered task.

  heartbeat:
    doc: |
      Either side to the other: are you there? The receiver answers PONG
      with the same token at once.
    seq:
      - id: token
        type: u8
        doc: Any value; echoed back in PONG.

  pong:
    doc: The answer to a HEARTBEAT.
    seq:
      - id: token
        type: u8
        doc: The token of the HEARTBEAT being answered.

  stats_request:
    doc: |
      Monitor to daemon: send a STATS reply. The first one makes a
      connection a monitor; producers and workers may send it too.
    seq: []

  percentiles:
    doc: A latency distribution over a recent window, in microseconds.
    seq:
      - id: count
        type: u8
        doc: Number of samples in the window.
      - id: p50_us
        type: u8
        doc: Median.
      - id: p90_us
        type: u8
        doc: 90th percentile.
      - id: p99_us
        type: u8
        doc: 99th percentile.
      - id: p999_us
        type: u8
        doc: 99.9th percentile.
      - id: max_us
        type: u8
        doc: Largest sample.

  queue_stats:
    doc: One queue's state at the moment of the snapshot.
    seq:
      - id: name
        type: str1
        doc: The queue's name.
      - id: depth
        type: u4
        doc: Tasks ready to be dispatched now.
      - id: delayed
        type: u4
        doc: Tasks waiting for their delay or a retry backoff to pass.
      - id: in_flight
        type: u4
        doc: Tasks leased to a worker.
      - id: dead
        type: u4
        doc: Tasks in this queue's dead-letter list.
      - id: oldest_age_ms
        type: u8
        doc: Age of the oldest task ready to be dispatched; 0 when none.

  size_class_stats:
    doc: One allocator size class.
    seq:
      - id: class_size
        type: u4
        doc: Bytes per block in this class.
      - id: slabs
        type: u4
        doc: Slabs currently assigned to this class.
      - id: live_blocks
        type: u4
        doc: Blocks in use.
      - id: free_blocks
        type: u4
        doc: Blocks free in this class's slabs.

  stats_reply:
    doc: "Daemon to any peer: a snapshot of the daemon's state."
    seq:
      - id: node_id
        type: u2
        doc: The daemon's node id, as carried in its task ids.
      - id: uptime_ms
        type: u8
        doc: Time since the daemon started.
      - id: total_submitted
        type: u8
        doc: Tasks accepted since start.
      - id: total_completed
        type: u8
        doc: Tasks finished with DONE.
      - id: total_failed
        type: u8
        doc: FAILED messages received.
      - id: total_retried
        type: u8
        doc: Tasks put back for another attempt after FAILED or a lost lease.
      - id: total_dead
        type: u8
        doc: Tasks moved to a dead-letter list.
      - id: total_lost_leases
        type: u8
        doc: Leases lost to a disconnect, missed heartbeats or an expired time-to-run.
      - id: current_producers
        type: u4
        doc: Connections whose role is producer.
      - id: current_workers
        type: u4
        doc: Connections whose role is worker.
      - id: current_monitors
        type: u4
        doc: Connections whose role is monitor.
      - id: wait_time
        type: percentiles
        doc: From a task becoming ready to its dispatch.
      - id: run_time
        type: percentiles
        doc: From dispatch to DONE or FAILED.
      - id: arena_capacity
        type: u8
        doc: Bytes the payload allocator holds in all.
      - id: arena_used
        type: u8
        doc: Bytes of the allocator in live blocks, counted by class size.
      - id: journal_bytes
        type: u8
        doc: Bytes of journal on disk; 0 when the journal is off.
      - id: journal_live_ppm
        type: u4
        doc: |
          Share of the journal's records still needed for recovery, in
          parts per million; 0 when the journal is off.
      - id: num_size_classes
        type: u1
        doc: Number of size classes that follow.
      - id: size_classes
        type: size_class_stats
        repeat: expr
        repeat-expr: num_size_classes
        doc: Allocator occupancy per size class, smallest first.
      - id: num_queues
        type: u2
        doc: Number of queues that follow.
      - id: queues
        type: queue_stats
        repeat: expr
        repeat-expr: num_queues
        doc: Every queue the daemon knows, in name order.

  peers:
    doc: |
      Daemon to worker: the public addresses of every daemon in the sending
      daemon's group, itself included. Sent once per connection, right after
      the first READY, and only by a daemon started with a group, so a worker
      that reached it through a load balancer can attach to every member
      directly. A daemon without a group never sends it.
    seq:
      - id: num_addresses
        type: u1
        doc: Number of addresses that follow; at least 1.
      - id: addresses
        type: str1
        repeat: expr
        repeat-expr: num_addresses
        doc: |
          Each member's address as host:port, written as the operator gave
          it, in the operator's order; no address appears twice.

enums:
  msg_type:
    1:
      id: submit
      doc: Producer to daemon; see type submit.
    2:
      id: ok
      doc: Daemon to producer; see type ok.
    3:
      id: error
      doc: Daemon to any peer; see type error.
    4:
      id: ready
      doc: Worker to daemon; see type ready.
    5:
      id: task
      doc: Daemon to worker; see type task.
    6:
      id: wait
      doc: Daemon to worker; see type wait.
    7:
      id: touch
      doc: Worker to daemon; see type touch.
    8:
      id: done
      doc: Worker to daemon; see type done.
    9:
      id: failed
      doc: Worker to daemon; see type failed.
    10:
      id: heartbeat
      doc: Either direction; see type heartbeat.
    11:
      id: pong
      doc: Either direction; see type pong.
    12:
      id: stats_request
      doc: Any peer to daemon; see type stats_request.
    13:
      id: stats_reply
      doc: Daemon to any peer; see type stats_reply.
    14:
      id: peers
      doc: Daemon to worker, only from a daemon with a group; see type peers.

  error_code:
    1:
      id: malformed_frame
      doc: The frame's body does not match its type's layout. Connection closed.
    2:
      id: unsupported_version
      doc: The header's version is not one this daemon speaks. Connection closed.
    3:
      id: unknown_message_type
      doc: The header's message type is not in this spec. Connection closed.
    4:
      id: frame_too_large
      doc: The header announces a body above the daemon's frame limit. Connection closed.
    5:
      id: payload_too_large
      doc: A SUBMIT payload is above the daemon's payload limit. Connection kept.
    6:
      id: not_allowed_for_role
      doc: The message may not be sent by this connection's role, or first. Connection closed.
    7:
      id: unknown_task
      doc: DONE, FAILED or TOUCH names a task this worker does not hold. Connection kept.
    8:
      id: lease_expired
      doc: The task's lease ran out before this message arrived. Connection kept.
    9:
      id: out_of_memory
      doc: The payload allocator is full; retry after the hint. Connection kept.
    10:
      id: queue_full
      doc: The queue is at its depth limit; retry after the hint. Connection kept.
    11:
      id: shutting_down
      doc: The daemon is draining and takes no new tasks. Connection kept until exit.
    12:
      id: internal_error
      doc: The daemon failed in a way that is not the peer's fault. Connection kept.
    13:
      id: invalid_field
      doc: A field is out of its allowed range, such as an empty queue name or zero queues in READY. Connection kept.
    14:
      id: heartbeat_timeout
      doc: The peer missed too many heartbeats; sent just before the daemon closes the connection.
    15:
      id: journal_unavailable
      doc: The journal could not record the task, so it was not accepted; retry after the hint. Connection kept.
