package io.promledger.adapter.storage;

import io.promledger.adapter.ingest.DecodedSeries;
import io.promledger.adapter.ingest.Rejections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The storable part of one request, with resolved series ids, waiting for its group commit.
 * {@code done} completes after COMMIT, or exceptionally with a {@link TransientStorageException}.
 */
public final class PendingWrite {
  final String tenant;
  final List<DecodedSeries> series;
  final long[] seriesIds;
  final int rows;
  final CompletableFuture<WriteResult> done = new CompletableFuture<>();
  /** Series that PostgreSQL itself refused (isolated data errors). */
  final Rejections refused = new Rejections();
  /** Samples not stored because another value was stored first at their (series, timestamp). */
  long conflictingSamples;

  public PendingWrite(String tenant, List<DecodedSeries> series, long[] seriesIds) {
    this.tenant = tenant;
    this.series = series;
    this.seriesIds = seriesIds;
    int n = 0;
    for (DecodedSeries s : series) {
      n += s.acceptedSamples() + s.exemplars().size();
    }
    this.rows = n;
  }

  public CompletableFuture<WriteResult> future() {
    return done;
  }

  /** What was committed for this request. */
  public record WriteResult(Rejections refused, long conflictingSamples) {
    /** Samples of the series PostgreSQL refused. */
    public long refusedSamples() {
      return refused.rejectedSamples();
    }
  }
}
