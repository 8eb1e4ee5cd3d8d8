package io.tributary.core.error;

import io.tributary.core.annotation.Stable;
import java.util.List;

/**
 * A service definition is invalid. Thrown once, at start-up, listing every problem found, each with
 * the call that fixes it.
 */
@Stable
public final class DefinitionException extends PermanentException {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  public DefinitionException(String subject, List<String> problems) {
    super(render(subject, problems));
    this.problems = List.copyOf(problems);
  }

  /** @return each problem on its own, in the order found */
  public List<String> problems() {
    return problems;
  }

  private static String render(String subject, List<String> problems) {
    StringBuilder text = new StringBuilder(subject).append(" is invalid (")
        .append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    for (String problem : problems) {
      text.append("\n  - ").append(problem);
    }
    return text.toString();
  }
}
