package io.promledger.adapter.ingest;

/** An exemplar with its labels already encoded as a JSON object. */
public record ExemplarRecord(long timestampMs, double value, String labelsJson) {}
