package io.promledger.adapter.ingest;

import java.util.List;

/** A request after decoding and validation: what will be stored, and what was refused. */
public record DecodedRequest(
    Protocol protocol,
    List<DecodedSeries> series,
    List<MetadataRecord> metadata,
    Rejections rejections,
    long receivedSamples,
    long receivedHistograms,
    long receivedExemplars) {

  public long acceptedSamples() {
    long n = 0;
    for (DecodedSeries s : series) {
      n += s.acceptedSamples();
    }
    return n;
  }

}
