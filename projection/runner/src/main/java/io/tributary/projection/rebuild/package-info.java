/**
 * Rebuilding a projection without downtime: the settings and progress of a {@link
 * io.tributary.projection.ProjectionDeployment}, and {@link
 * io.tributary.projection.rebuild.RebuildStatusCommand}, which shows a rebuild's progress from the
 * command line.
 */
@Experimental
@NullMarked
package io.tributary.projection.rebuild;

import io.tributary.core.annotation.Experimental;
import org.jspecify.annotations.NullMarked;
