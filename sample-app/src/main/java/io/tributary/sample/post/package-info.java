/** Posts in a tribe, with their comments and bumps. */
@NullMarked
package io.tributary.sample.post;

import org.jspecify.annotations.NullMarked;
