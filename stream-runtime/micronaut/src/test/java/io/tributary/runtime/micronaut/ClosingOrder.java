package io.tributary.runtime.micronaut;

import io.micronaut.context.event.BeanPreDestroyEvent;
import io.micronaut.context.event.BeanPreDestroyEventListener;
import io.tributary.devservices.DevServices;
import io.tributary.runtime.TributaryRuntime;
import io.tributary.runtime.grpc.CommandServer;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records the order in which the context closes the server, the runtime and the dev services. */
@Singleton
class ClosingOrder implements BeanPreDestroyEventListener<AutoCloseable> {
  private final List<Class<?>> closed = new CopyOnWriteArrayList<>();

  @Override
  public AutoCloseable onPreDestroy(BeanPreDestroyEvent<AutoCloseable> event) {
    AutoCloseable bean = event.getBean();
    if (bean instanceof CommandServer || bean instanceof TributaryRuntime || bean instanceof DevServices) {
      closed.add(bean.getClass());
    }
    return bean;
  }

  List<Class<?>> closed() {
    return List.copyOf(closed);
  }
}
