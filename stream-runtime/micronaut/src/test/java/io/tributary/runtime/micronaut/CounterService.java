package io.tributary.runtime.micronaut;

import io.tributary.runtime.bank.Account;
import com.google.protobuf.Int32Value;
import io.grpc.BindableService;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ServerCalls;
import io.micronaut.context.annotation.Factory;
import io.tributary.core.definition.ServiceDefinition;
import jakarta.inject.Singleton;

/** What a service provides: its definition, and here one gRPC endpoint of its own. */
@Factory
class CounterService {
  static final String NAME = "counter";

  /** {@code test.Echo/Echo}: answers with the number it was sent. */
  static final MethodDescriptor<Int32Value, Int32Value> ECHO = MethodDescriptor.<Int32Value, Int32Value>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("test.Echo", "Echo"))
      .setRequestMarshaller(ProtoUtils.marshaller(Int32Value.getDefaultInstance()))
      .setResponseMarshaller(ProtoUtils.marshaller(Int32Value.getDefaultInstance()))
      .build();

  @Singleton
  ServiceDefinition definition() {
    return Account.service(NAME);
  }

  @Singleton
  BindableService echo() {
    return () -> ServerServiceDefinition.builder("test.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((request, reply) -> {
          reply.onNext(request);
          reply.onCompleted();
        }))
        .build();
  }
}
