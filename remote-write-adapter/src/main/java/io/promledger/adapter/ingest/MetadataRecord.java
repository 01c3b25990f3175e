package io.promledger.adapter.ingest;

/** Type, unit and help of one metric family. {@code type} is lower case, e.g. {@code counter}. */
public record MetadataRecord(String family, String type, String unit, String help) {}
