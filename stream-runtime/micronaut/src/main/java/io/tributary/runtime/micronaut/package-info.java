/**
 * Micronaut wiring for the stream runtime: {@link io.tributary.runtime.micronaut.TributaryFactory}
 * starts a {@link io.tributary.runtime.TributaryRuntime}, its {@link
 * io.tributary.runtime.CommandGateway} and the gRPC {@link io.tributary.runtime.grpc.CommandServer}
 * with the application context, configured by {@link
 * io.tributary.runtime.micronaut.RuntimeProperties} ({@code tributary.runtime.*}), {@link
 * io.tributary.runtime.micronaut.CommandServerProperties} ({@code tributary.grpc.*}) and {@link
 * io.tributary.runtime.micronaut.DevModeProperties} ({@code tributary.dev.*}). The service provides
 * one {@link io.tributary.core.definition.ServiceDefinition} bean. DI wiring only: no runtime logic
 * lives here.
 */
@NullMarked
@Evolving
package io.tributary.runtime.micronaut;

import io.tributary.core.annotation.Evolving;
import org.jspecify.annotations.NullMarked;
