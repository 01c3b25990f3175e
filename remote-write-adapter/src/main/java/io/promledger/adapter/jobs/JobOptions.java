package io.promledger.adapter.jobs;

/** Options of the background jobs that run inside {@code serve} (rollups, retention). */
public final class JobOptions {}
