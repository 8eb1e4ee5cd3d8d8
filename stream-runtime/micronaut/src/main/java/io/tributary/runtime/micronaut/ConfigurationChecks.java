package io.tributary.runtime.micronaut;

import io.micronaut.context.env.Environment;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;

/**
 * Fails the creation of a properties bean when a configured value does not convert to its key's
 * type. Micronaut alone binds the default (or {@code null}) in that case and carries on, so {@code
 * partitions: eight} or {@code poll-timeout: soon} would silently run with the default.
 */
final class ConfigurationChecks {
  private ConfigurationChecks() {}

  /**
   * @param keys each key below {@code prefix} with the type it converts to
   * @throws IllegalArgumentException naming the first key whose value does not convert, and the fix
   */
  static void requireConvertible(Environment config, String prefix, Map<String, Class<?>> keys) {
    keys.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(entry -> {
      String key = prefix + "." + entry.getKey();
      Class<?> type = entry.getValue();
      if (config.containsProperty(key) && config.getProperty(key, type).isEmpty()) {
        throw new IllegalArgumentException(key + " is '" + config.getProperty(key, String.class).orElse("")
            + "', which is not " + expected(type) + ". Correct it, or remove it to take the default.");
      }
    });
  }

  private static String expected(Class<?> type) {
    if (type == Integer.class || type == Long.class) {
      return "a whole number";
    }
    if (type == Duration.class) {
      return "a duration: a number and a unit (100ms, 30s, 5m, 2h, 7d) or ISO-8601 (PT5M)";
    }
    if (type == Boolean.class) {
      return "true or false";
    }
    return "a " + type.getSimpleName();
  }

  /** Checks {@code tributary.runtime.*}. */
  @Singleton
  static final class RuntimeKeys implements BeanCreatedEventListener<RuntimeProperties> {
    private final Environment config;

    RuntimeKeys(Environment config) {
      this.config = config;
    }

    @Override
    public RuntimeProperties onCreated(BeanCreatedEvent<RuntimeProperties> event) {
      RuntimeProperties.REPLACED_KEYS.forEach((key, instead) -> {
        if (config.containsProperty(RuntimeProperties.PREFIX + "." + key)) {
          throw new IllegalArgumentException(RuntimeProperties.PREFIX + "." + key + " is no longer read. Remove it"
              + " and set " + instead + ".");
        }
      });
      requireConvertible(config, RuntimeProperties.PREFIX, RuntimeProperties.TYPED_KEYS);
      return event.getBean();
    }
  }

  /** Checks {@code tributary.grpc.*}. */
  @Singleton
  static final class GrpcKeys implements BeanCreatedEventListener<CommandServerProperties> {
    private final Environment config;

    GrpcKeys(Environment config) {
      this.config = config;
    }

    @Override
    public CommandServerProperties onCreated(BeanCreatedEvent<CommandServerProperties> event) {
      requireConvertible(config, CommandServerProperties.PREFIX, CommandServerProperties.TYPED_KEYS);
      return event.getBean();
    }
  }
}
