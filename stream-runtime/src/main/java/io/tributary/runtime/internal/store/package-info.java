/** Local partition state in RocksDB. Not public API. */
@NullMarked
package io.tributary.runtime.internal.store;

import org.jspecify.annotations.NullMarked;
