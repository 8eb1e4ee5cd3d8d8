package io.tributary.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class real servers: declare a parameter of type {@link
 * io.tributary.devservices.KafkaEndpoint}, {@link io.tributary.devservices.RedisEndpoint} or {@link
 * io.tributary.devservices.ElasticsearchEndpoint} on a test, lifecycle method or constructor.
 * Shorthand for {@code @ExtendWith(DevServicesExtension.class)}; see {@link DevServicesExtension}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(DevServicesExtension.class)
public @interface WithDevServices {}
