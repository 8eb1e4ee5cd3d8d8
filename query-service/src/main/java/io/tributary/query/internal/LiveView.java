package io.tributary.query.internal;

/**
 * A projection at the version that was live when a query began.
 *
 * @param projection the projection
 * @param version its live version
 * @param store where its views are
 */
public record LiveView(String projection, int version, ViewStore store) {}
