package io.promledger.adapter.ha;

/** Options of the HA-pair deduplication (Cortex/Mimir convention). */
public final class HaOptions {}
