package io.tributary.runtime.internal;

/**
 * An event record as it is appended to {@code <svc>.events}: its key (the aggregate id, UTF-8) and
 * its value (the encoded {@link io.tributary.runtime.internal.wire.EventRecord}). The task loop
 * encodes each event as it decides it, so the committer, which every batch's transaction waits for,
 * only hands the bytes to the producer (ADR 0003, "Per batch"). The arrays are not copied and must
 * not change.
 */
record EncodedEvent(byte[] key, byte[] value) {}
