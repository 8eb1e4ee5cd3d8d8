package io.tributary.runtime.grpc;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.protobuf.ProtoFileDescriptorSupplier;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoServiceDescriptorSupplier;
import io.grpc.protobuf.ProtoUtils;
import io.tributary.runtime.grpc.v1.CommandServiceProto;
import io.tributary.runtime.grpc.v1.SendCommandReply;
import io.tributary.runtime.grpc.v1.SendCommandRequest;

/**
 * The gRPC descriptors of {@code tributary.runtime.v1.CommandService}, written out because the
 * module's protobuf plugin does not run protoc-gen-grpc-java yet. They match what the generator
 * emits (including the schema suppliers that server reflection reads), so the wire contract is the
 * same; once {@code CommandServiceGrpc} is generated, this class is replaced by it.
 */
final class CommandServiceBinding {
  static final String SERVICE_NAME = "tributary.runtime.v1.CommandService";

  static final io.grpc.MethodDescriptor<SendCommandRequest, SendCommandReply> SEND =
      io.grpc.MethodDescriptor.<SendCommandRequest, SendCommandReply>newBuilder()
          .setType(MethodType.UNARY)
          .setFullMethodName(io.grpc.MethodDescriptor.generateFullMethodName(SERVICE_NAME, "Send"))
          .setSampledToLocalTracing(true)
          .setRequestMarshaller(ProtoUtils.marshaller(SendCommandRequest.getDefaultInstance()))
          .setResponseMarshaller(ProtoUtils.marshaller(SendCommandReply.getDefaultInstance()))
          .setSchemaDescriptor(new MethodSchema("Send"))
          .build();

  static final io.grpc.ServiceDescriptor SERVICE =
      io.grpc.ServiceDescriptor.newBuilder(SERVICE_NAME)
          .setSchemaDescriptor(new ServiceSchema())
          .addMethod(SEND)
          .build();

  private CommandServiceBinding() {}

  private static class ServiceSchema implements ProtoFileDescriptorSupplier, ProtoServiceDescriptorSupplier {
    @Override
    public FileDescriptor getFileDescriptor() {
      return CommandServiceProto.getDescriptor();
    }

    @Override
    public ServiceDescriptor getServiceDescriptor() {
      return getFileDescriptor().findServiceByName("CommandService");
    }
  }

  private static final class MethodSchema extends ServiceSchema implements ProtoMethodDescriptorSupplier {
    private final String methodName;

    MethodSchema(String methodName) {
      this.methodName = methodName;
    }

    @Override
    public MethodDescriptor getMethodDescriptor() {
      return getServiceDescriptor().findMethodByName(methodName);
    }
  }
}
