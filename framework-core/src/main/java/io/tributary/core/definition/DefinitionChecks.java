package io.tributary.core.definition;

import com.google.protobuf.Message;
import io.tributary.core.codec.Codec;
import io.tributary.core.codec.CodecRegistry;
import io.tributary.core.codec.ProtobufCodec;
import io.tributary.core.error.DefinitionException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/** Checks a service definition as a whole and collects every problem before failing. */
final class DefinitionChecks {
  private static final Pattern SERVICE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,47}");
  private static final Pattern AGGREGATE_TYPE = Pattern.compile("[A-Z][A-Za-z0-9]{0,63}");
  private static final Pattern KEBAB_NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  private final String serviceName;
  private final List<AggregateDefinition<?, ?, ?>> aggregateDefinitions;
  private final List<ProjectionDefinition<?>> projections;
  private final List<QueryDefinition<?, ?>> queries;
  private final List<String> problems = new ArrayList<>();
  private final Map<String, Codec<?>> codecs = new HashMap<>();
  private final Map<String, String> codecOwners = new HashMap<>();

  DefinitionChecks(
      String serviceName,
      List<AggregateDefinition<?, ?, ?>> aggregates,
      List<ProjectionDefinition<?>> projections,
      List<QueryDefinition<?, ?>> queries) {
    this.serviceName = serviceName;
    this.aggregateDefinitions = List.copyOf(aggregates);
    this.projections = List.copyOf(projections);
    this.queries = List.copyOf(queries);
  }

  ServiceDefinition check() {
    if (!SERVICE_NAME.matcher(serviceName).matches()) {
      problems.add("Service name '" + serviceName + "' is not valid: use 1 to 48 lowercase letters, digits"
          + " and '-', starting with a letter (it prefixes topic names such as 'drivers.commands').");
    }
    if (aggregateDefinitions.isEmpty() && projections.isEmpty()) {
      problems.add("The service declares nothing: add an aggregate with .aggregate(AggregateDefinition.of(...))"
          + " or a projection with .projection(...).");
    }
    Map<String, AggregateType<?, ?, ?>> aggregates = new LinkedHashMap<>();
    Set<String> seenTypes = new HashSet<>();
    for (AggregateDefinition<?, ?, ?> definition : aggregateDefinitions) {
      String type = definition.type();
      if (!seenTypes.add(type.toLowerCase(Locale.ROOT))) {
        problems.add("Aggregate type '" + type + "' is declared twice (names are compared ignoring case):"
            + " give each aggregate its own type name.");
        continue;
      }
      AggregateType<?, ?, ?> checked = checkAggregate(definition);
      if (checked != null) {
        aggregates.put(type, checked);
      }
    }
    // every declared type counts as known, so one broken aggregate does not cascade into projection errors
    Set<String> knownTypes = new TreeSet<>();
    aggregateDefinitions.forEach(definition -> knownTypes.add(definition.type()));
    checkProjections(knownTypes);
    checkQueries();
    if (!problems.isEmpty()) {
      throw new DefinitionException("Service definition '" + serviceName + "'", problems);
    }
    return new ServiceDefinition(serviceName, aggregates, projections, queries, CodecRegistry.of(codecs));
  }

  private <C extends Message, S extends Message, E extends Message> @Nullable AggregateType<C, S, E> checkAggregate(
      AggregateDefinition<C, S, E> definition) {
    String type = definition.type();
    int before = problems.size();
    if (!AGGREGATE_TYPE.matcher(type).matches()) {
      problems.add("Aggregate type '" + type + "' is not valid: use UpperCamelCase letters and digits, such as 'Post'.");
    }
    Codec<C> commands = definition.commandCodec();
    if (commands == null) {
      problems.add("Aggregate '" + type + "' has no command codec: call .commands(<YourCommand>.getDefaultInstance())"
          + " on its AggregateDefinition.");
    }
    Codec<E> events = definition.eventCodec();
    if (events == null) {
      problems.add("Aggregate '" + type + "' has no event codec: call .events(<YourEvent>.getDefaultInstance())"
          + " on its AggregateDefinition.");
    }
    if (definition.key() == null) {
      problems.add("Aggregate '" + type + "' has no key: call .keyedBy(command -> command.get<Id>()) on its"
          + " AggregateDefinition, so that each command reaches its aggregate's partition.");
    }
    S initial = initialState(definition);
    Codec<S> state = definition.stateCodec();
    if (state == null && initial != null) {
      @SuppressWarnings("unchecked")
      Codec<S> derived = (Codec<S>) ProtobufCodec.of(initial);
      state = derived;
    }
    if (commands != null && events != null && commands.typeName().equals(events.typeName())) {
      problems.add("Aggregate '" + type + "' uses type '" + commands.typeName() + "' for both commands and"
          + " events: give them different message types.");
    }
    register(commands, type + " commands");
    register(events, type + " events");
    register(state, type + " state");
    if (problems.size() > before || commands == null || events == null || state == null
        || initial == null || definition.key() == null) {
      return null;
    }
    return new AggregateType<>(type, definition.aggregate(), commands, events, state, definition.key(), initial);
  }

  private <S extends Message> @Nullable S initialState(AggregateDefinition<?, S, ?> definition) {
    @Nullable S initial;
    try {
      initial = definition.aggregate().initialState();
    } catch (RuntimeException e) {
      problems.add("Aggregate '" + definition.type() + "': initialState() threw " + e
          + "; it must return the empty state, without I/O.");
      return null;
    }
    if (initial == null) {
      problems.add("Aggregate '" + definition.type() + "': initialState() returned null; return the empty"
          + " state message instead, e.g. PostState.getDefaultInstance().");
    }
    return initial;
  }

  private void register(@Nullable Codec<?> codec, String owner) {
    if (codec == null) {
      return;
    }
    Codec<?> existing = codecs.putIfAbsent(codec.typeName(), codec);
    if (existing == null) {
      codecOwners.put(codec.typeName(), owner);
    } else if (!existing.equals(codec)) {
      problems.add("Type name '" + codec.typeName() + "' is used by " + codecOwners.get(codec.typeName())
          + " (" + existing + ") and by " + owner + " (" + codec + "): a type name must name one type."
          + " Rename one with ProtobufCodec.of(...).named(\"...\").");
    }
  }

  private void checkProjections(Set<String> knownTypes) {
    Set<String> names = new HashSet<>();
    for (ProjectionDefinition<?> projection : projections) {
      String name = projection.name();
      if (!KEBAB_NAME.matcher(name).matches()) {
        problems.add("Projection name '" + name + "' is not valid: use kebab-case such as 'post-pages'.");
      }
      if (!names.add(name)) {
        problems.add("Projection '" + name + "' is declared twice: declare each projection once, and"
            + " raise its version to rebuild it.");
      }
      if (projection.version() < 1) {
        problems.add("Projection '" + name + "' has version " + projection.version() + "; versions start at 1.");
      }
      if (projection.sources().isEmpty()) {
        problems.add("Projection '" + name + "' reads no aggregate's events: name them in"
            + " ProjectionDefinition.of(name, handler, \"Post\", ...).");
      }
      for (String source : projection.sources()) {
        if (!knownTypes.contains(source)) {
          problems.add("Projection '" + name + "' reads events of '" + source + "', which is not a declared"
              + " aggregate; known aggregates: " + knownTypes + ".");
        }
      }
    }
  }

  private void checkQueries() {
    Set<String> names = new HashSet<>();
    for (QueryDefinition<?, ?> query : queries) {
      if (!KEBAB_NAME.matcher(query.name()).matches()) {
        problems.add("Query name '" + query.name() + "' is not valid: use kebab-case such as 'top-posts'.");
      }
      if (!names.add(query.name())) {
        problems.add("Query '" + query.name() + "' is declared twice: give each query its own name.");
      }
      register(query.request(), "query " + query.name() + " request");
      register(query.response(), "query " + query.name() + " response");
    }
  }
}
