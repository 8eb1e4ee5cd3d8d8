package io.tributary.runtime.internal;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.tributary.runtime.internal.wire.OutcomeRecord;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.TopicConfig;

/**
 * The largest record, value and key, a task loop's transactional producer takes. Kafka refuses a
 * larger one and the batch's transaction aborts; decided again, the same commands would abort it
 * each time and stall every partition of the loop. So a batch fails a command whose event is larger
 * and cuts a rejection or failure text that would make its outcome larger (ADR 0003).
 *
 * <p>Two settings bound it: the producer's {@code max.request.size} and the {@code max.message.bytes}
 * of the events and outcomes topics (the broker's {@code message.max.bytes} unless a topic sets its
 * own), read when the topics are checked at start. The smaller one, less {@link
 * #RECORD_HEADROOM_BYTES}, is the limit.
 *
 * @param maxRecordBytes the limit
 * @param limitedBy the setting it comes from, as an error message names it
 */
record RecordSizeLimit(int maxRecordBytes, String limitedBy) {
  /** Kafka's default {@code max.request.size}. */
  static final int DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
  /**
   * The part of {@code max.request.size} a record's value and key may not use. The producer checks
   * each record's value and key plus its record batch header (61 bytes) and record header (at most
   * 21 bytes); the broker checks the compressed batch, which can be a little larger than the data for
   * incompressible payloads. 16 KiB covers these many times over and costs little of the 1 MiB default.
   */
  static final int RECORD_HEADROOM_BYTES = 16 * 1024;
  /** The longest note {@link #truncated} appends: " ... [truncated: 2147483647 bytes]" is 34 bytes. */
  private static final int TRUNCATION_NOTE_BYTES = 40;

  /**
   * @return the limit for the transactional producer's {@code max.request.size} in {@code
   *     kafkaProperties}, Kafka's default 1 MiB if unset
   * @throws IllegalArgumentException if {@code max.request.size} is not a whole number of bytes above the headroom
   */
  static RecordSizeLimit of(Map<String, String> kafkaProperties) {
    String configured = kafkaProperties.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    if (configured == null) {
      return new RecordSizeLimit(DEFAULT_MAX_REQUEST_BYTES - RECORD_HEADROOM_BYTES, ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
    }
    int maxRequestBytes;
    try {
      maxRequestBytes = Integer.parseInt(configured.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Kafka property " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " is '"
          + configured + "', not a whole number of bytes; set it to one, e.g. 1048576, or leave it out for Kafka's"
          + " default.", e);
    }
    if (maxRequestBytes <= RECORD_HEADROOM_BYTES) {
      throw new IllegalArgumentException("Kafka property " + ProducerConfig.MAX_REQUEST_SIZE_CONFIG + " is "
          + maxRequestBytes + "; it must be more than " + RECORD_HEADROOM_BYTES + " bytes, which Tributary keeps"
          + " for record batch and request framing.");
    }
    return new RecordSizeLimit(maxRequestBytes - RECORD_HEADROOM_BYTES, ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
  }

  /**
   * @param maxMessageBytes the smallest {@code max.message.bytes} of the topics the records go to,
   *     more than {@link #RECORD_HEADROOM_BYTES} ({@link Topics#ensure} checks it)
   * @param topics those topics, as an error message names them
   * @return this limit, or the topics' if that is smaller
   */
  RecordSizeLimit withinTopics(int maxMessageBytes, String topics) {
    if (maxMessageBytes <= RECORD_HEADROOM_BYTES) {
      throw new IllegalArgumentException("max.message.bytes " + maxMessageBytes + " of " + topics
          + " leaves no room beside the headroom; Topics.ensure refuses such topics");
    }
    int topicsLimit = maxMessageBytes - RECORD_HEADROOM_BYTES;
    return topicsLimit >= maxRecordBytes ? this
        : new RecordSizeLimit(topicsLimit, TopicConfig.MAX_MESSAGE_BYTES_CONFIG + " of " + topics);
  }

  /** @return the size Kafka counts for a record of this value and key */
  static int size(Message value, ByteString key) {
    return size(value.getSerializedSize(), key);
  }

  /** @return the size Kafka counts for a record of a value of {@code valueBytes} and this key */
  static int size(int valueBytes, ByteString key) {
    return valueBytes + key.size();
  }

  /** @return the limit as an error message says it */
  String describe() {
    return "over the limit of " + maxRecordBytes + " bytes (" + limitedBy + " less " + RECORD_HEADROOM_BYTES
        + " bytes of headroom)";
  }

  /**
   * @return the outcome, with its rejection message or failure text cut to fit: that text comes from
   *     the aggregate or an exception
   */
  OutcomeRecord fitted(OutcomeRecord.Builder outcome) {
    OutcomeRecord record = outcome.build();
    int over = size(record, record.getCommandIdBytes()) - maxRecordBytes; // the outcome's key: its command id
    if (over <= 0) {
      return record;
    }
    if (outcome.hasRejected()) {
      OutcomeRecord.Rejected.Builder rejected = outcome.getRejectedBuilder();
      rejected.setMessageBytes(truncated(rejected.getMessageBytes(), over));
    } else if (outcome.hasFailed()) {
      OutcomeRecord.Failed.Builder failed = outcome.getFailedBuilder();
      failed.setErrorBytes(truncated(failed.getErrorBytes(), over));
    }
    OutcomeRecord cut = outcome.build();
    if (size(cut, cut.getCommandIdBytes()) <= maxRecordBytes) {
      return cut;
    }
    // the rest is too large as well (a rejection code, an aggregate id from a producer that skipped
    // the gateway's checks): the command fails, with the ids alone
    return OutcomeRecord.newBuilder().setCommandIdBytes(cut.getCommandIdBytes())
        .setFailed(OutcomeRecord.Failed.newBuilder().setError("The outcome of this command is "
            + size(record, record.getCommandIdBytes()) + " bytes with its key, " + describe()
            + ", even with its text cut; send shorter ids, or reject with a shorter code."))
        .build();
  }

  /** @return the start of the UTF-8 {@code text}, at least {@code over} bytes shorter with the note of what was cut */
  private static ByteString truncated(ByteString text, int over) {
    int keep = Math.max(0, text.size() - over - TRUNCATION_NOTE_BYTES);
    while (keep > 0 && (text.byteAt(keep) & 0xC0) == 0x80) {
      keep--; // a UTF-8 continuation byte: cut before its character
    }
    ByteString cut = text.substring(0, keep)
        .concat(ByteString.copyFromUtf8(" ... [truncated: " + (text.size() - keep) + " bytes]"));
    return cut.size() < text.size() ? cut : text;
  }
}
