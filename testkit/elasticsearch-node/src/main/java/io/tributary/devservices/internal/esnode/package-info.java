/**
 * The Elasticsearch node that {@code io.tributary.devservices.ElasticsearchDevServer} runs in a
 * child JVM. Not public API, and never loaded by the parent JVM.
 *
 * <p>Protocol with the parent:
 *
 * <ul>
 *   <li>Node settings arrive as system properties {@code tributary.es.setting.<key>=<value>}.
 *   <li>Once the node answers on HTTP, one line {@code TRIBUTARY-ES-READY http=<port>} goes to
 *       stdout. If the node cannot start, {@code TRIBUTARY-ES-FAILED <cause on one line>} goes to
 *       stdout after the stack trace on stderr, and the JVM exits with status 1.
 *   <li>When stdin reaches end of file (the parent closed it, or died), the node closes and the JVM
 *       exits with status 0.
 * </ul>
 */
@NullMarked
package io.tributary.devservices.internal.esnode;

import org.jspecify.annotations.NullMarked;
