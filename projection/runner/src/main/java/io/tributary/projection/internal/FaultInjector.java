package io.tributary.projection.internal;

/**
 * Called at each {@link FaultPoint}; a test's injector throws {@link SimulatedCrash} to end the
 * runner's thread there as a crash would: nothing after the point runs, no state is written, no
 * offset is committed and no snapshot is taken.
 */
@FunctionalInterface
public interface FaultInjector {
  void at(FaultPoint point);

  /**
   * @return true to have the runner write each batch of two or more entries to the sink in two
   *     calls with {@link FaultPoint#MID_SINK_WRITE} between them; false (the default) writes it in one
   */
  default boolean splitsSinkWrites() {
    return false;
  }

  /** @return an injector that never fails: the production default */
  static FaultInjector none() {
    return point -> {};
  }

  /** A crash simulated by a test. An {@link Error}, so that no handler mistakes it for a failure to recover from. */
  final class SimulatedCrash extends Error {
    private static final long serialVersionUID = 1L;

    public SimulatedCrash(FaultPoint point) {
      super("simulated crash at " + point);
    }
  }
}
