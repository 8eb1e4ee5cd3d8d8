package io.tributary.projection;

import io.tributary.core.annotation.Experimental;

/**
 * The headers of a record in {@code <service>.<projection>.parked}, each a UTF-8 string. The
 * record's key is the event's aggregate id (or, for a record that did not decode, the original
 * record's key) and its value the original record's bytes, unchanged. Parked records are written
 * at least once: a runner that dies after parking and before moving its position parks the event
 * again, with the same source topic, partition and offset, which identify it.
 */
@Experimental
public final class ParkedEventHeaders {
  /** The events topic the record was read from. */
  public static final String SOURCE_TOPIC = "tributary-source-topic";
  /** Its partition, a decimal number. */
  public static final String SOURCE_PARTITION = "tributary-source-partition";
  /** Its offset, a decimal number. */
  public static final String SOURCE_OFFSET = "tributary-source-offset";
  /** The name of the projection that parked it. */
  public static final String PROJECTION = "tributary-source-projection";
  /** The version of that projection, a decimal number. */
  public static final String VERSION = "tributary-source-version";
  /** Why it was parked: the handler's or the sink's error, as text. */
  public static final String ERROR = "tributary-source-error";

  private ParkedEventHeaders() {}

  /** @return {@code <service>.<projection>.parked}, the topic the events of every version of the projection are parked in */
  public static String topic(String service, String projection) {
    return service + "." + projection + ".parked";
  }
}
