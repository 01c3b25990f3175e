package io.promledger.adapter.ingest;

import io.promledger.adapter.ha.HaTracker;
import io.promledger.adapter.metrics.AdapterMetrics;
import io.promledger.adapter.storage.GroupCommitWriter;
import io.promledger.adapter.storage.MetadataStore;
import io.promledger.adapter.storage.PendingWrite;
import io.promledger.adapter.storage.SeriesRegistry;
import io.promledger.adapter.storage.SqlErrors;
import io.promledger.adapter.storage.TransientStorageException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One remote-write request from body to commit: decompress, decode, validate, drop the samples
 * of non-elected HA replicas, upsert metadata, resolve series ids, group-commit, and say what to
 * answer. Nothing here throws to the HTTP layer: every outcome is a {@link WriteResponse}.
 */
public final class IngestService {
  private static final Logger log = LoggerFactory.getLogger(IngestService.class);

  private final RequestDecoder decoder;
  private final SentLabelsCache sentLabels;
  private final SeriesRegistry registry;
  private final MetadataStore metadata;
  private final GroupCommitWriter writer;
  private final HaTracker ha;
  private final AdapterMetrics metrics;
  private final IngestLimits limits;
  private final Duration commitTimeout;
  private final com.google.protobuf.ByteString clusterLabel;
  private final com.google.protobuf.ByteString replicaLabel;

  public IngestService(
      RequestDecoder decoder,
      SentLabelsCache sentLabels,
      SeriesRegistry registry,
      MetadataStore metadata,
      GroupCommitWriter writer,
      HaTracker ha,
      AdapterMetrics metrics,
      IngestLimits limits,
      Duration commitTimeout) {
    this.decoder = decoder;
    this.sentLabels = sentLabels;
    this.registry = registry;
    this.metadata = metadata;
    this.writer = writer;
    this.ha = ha;
    this.metrics = metrics;
    this.limits = limits;
    this.commitTimeout = commitTimeout;
    this.clusterLabel = com.google.protobuf.ByteString.copyFromUtf8(ha.clusterLabel());
    this.replicaLabel = com.google.protobuf.ByteString.copyFromUtf8(ha.replicaLabel());
  }

  public WriteResponse write(Protocol protocol, String tenant, byte[] body, int length) {
    DecodedRequest request;
    try {
      request = decoder.decode(protocol, tenant, SnappyBody.decode(body, length, limits.maxDecodedBytes()));
    } catch (BadRequestException e) {
      metrics.rejectedRequests.labelValues(e.reason().label()).inc();
      log.debug("msg=\"request refused\" reason={} error=\"{}\"", e.reason().label(), e.getMessage());
      return WriteResponse.badRequest(e.getMessage());
    }
    String p = protocol.label();
    metrics.samplesReceived.labelValues(p).inc(request.receivedSamples());
    metrics.exemplarsReceived.labelValues(p).inc(request.receivedExemplars());
    metrics.histogramsReceived.labelValues(p).inc(request.receivedHistograms());
    metrics.metadataReceived.labelValues(p).inc(request.metadata().size());
    try {
      return store(protocol, tenant, request);
    } catch (SQLException e) {
      metrics.databaseErrors.labelValues("transient").inc();
      log.warn("msg=\"database unavailable, answering 503\" error=\"{}\"", SqlErrors.brief(e));
      return WriteResponse.unavailable("database unavailable: " + SqlErrors.brief(e) + "; retry later");
    } catch (GroupCommitWriter.QueueFullException | TransientStorageException e) {
      return WriteResponse.unavailable(e.getMessage());
    }
  }

  private WriteResponse store(Protocol protocol, String tenant, DecodedRequest request) throws SQLException {
    Rejections rejections = request.rejections();
    long[] dropped = new long[1];
    List<DecodedSeries> series = electedReplicasOnly(tenant, request.series(), rejections, dropped);
    if (!request.metadata().isEmpty()) {
      upsertMetadata(protocol, tenant, request);
    }
    List<DecodedSeries> storable = new ArrayList<>(series.size());
    for (DecodedSeries s : series) {
      if (s.acceptedSamples() > 0 || !s.exemplars().isEmpty()) {
        storable.add(s);
      }
    }
    long samples = 0;
    long exemplars = 0;
    if (!storable.isEmpty()) {
      long[] ids = resolve(tenant, storable, rejections);
      List<DecodedSeries> known = new ArrayList<>(storable.size());
      long[] knownIds = new long[storable.size()];
      for (int i = 0; i < storable.size(); i++) {
        if (ids[i] != 0) {
          knownIds[known.size()] = ids[i];
          known.add(storable.get(i));
        }
      }
      PendingWrite pending =
          new PendingWrite(tenant, known, known.size() == knownIds.length ? knownIds : java.util.Arrays.copyOf(knownIds, known.size()));
      writer.submit(pending);
      PendingWrite.WriteResult result = await(pending);
      rejections.addAll(result.refused());
      for (DecodedSeries s : known) {
        samples += s.acceptedSamples();
        exemplars += s.exemplars().size();
      }
      samples -= result.refusedSamples() + result.conflictingSamples();
      if (result.conflictingSamples() > 0) {
        rejections.conflicts(result.conflictingSamples());
      }
    }
    metrics.samplesWritten.labelValues(protocol.label()).inc(samples);
    metrics.exemplarsWritten.labelValues(protocol.label()).inc(exemplars);
    // Samples dropped as an HA duplicate count as written: the elected replica stores them.
    long written = samples + dropped[0];
    rejections.ignored().forEach((reason, n) -> metrics.ignored.labelValues(reason.label()).inc(n));
    if (rejections.rejectedExemplars() > 0) {
      metrics.rejectedExemplars.labelValues(RejectReason.INVALID_EXEMPLAR.label()).inc(rejections.rejectedExemplars());
    }
    if (rejections.isEmpty()) {
      return new WriteResponse(204, "", written, 0, exemplars, 0);
    }
    rejections.counts().forEach((reason, c) -> {
      metrics.rejectedSeries.labelValues(reason.label()).inc(c[0]);
      metrics.rejectedSamples.labelValues(reason.label()).inc(c[1]);
    });
    return new WriteResponse(400, rejections.describe(written), written, 0, exemplars, 0);
  }

  /**
   * Metadata is advisory: what PostgreSQL refuses as data is logged and counted, and the samples
   * are still stored. Only an unavailable database fails the request (503).
   */
  private void upsertMetadata(Protocol protocol, String tenant, DecodedRequest request) throws SQLException {
    try {
      int written = metadata.upsert(tenant, request.metadata());
      metrics.metadataWritten.labelValues(protocol.label()).inc(written);
    } catch (SQLException e) {
      if (SqlErrors.isTransient(e)) {
        throw e;
      }
      metrics.databaseErrors.labelValues("data").inc();
      request.rejections().ignored(IgnoredReason.INVALID_METADATA);
      log.warn("msg=\"metadata refused by PostgreSQL; samples are stored without it\" sqlstate={} error=\"{}\"", e.getSQLState(), SqlErrors.brief(e));
    }
  }

  private PendingWrite.WriteResult await(PendingWrite pending) {
    try {
      return pending.future().get(commitTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof TransientStorageException t ? t : new TransientStorageException(String.valueOf(cause), cause);
    } catch (TimeoutException e) {
      // The write may still commit later; a retry is harmless because writes are idempotent.
      throw new TransientStorageException("commit did not finish within " + commitTimeout.toSeconds() + "s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TransientStorageException("interrupted", e);
    }
  }

  /**
   * Series ids in order; 0 for series refused (recorded in rejections): text that is not valid
   * UTF-8, checked for series not in the label cache, or a label set PostgreSQL refused. Series
   * resolved here enter the label cache under the bytes their labels were sent as.
   */
  private long[] resolve(String tenant, List<DecodedSeries> storable, Rejections rejections) throws SQLException {
    long[] ids = new long[storable.size()];
    List<Integer> decoded = new ArrayList<>();
    for (int i = 0; i < ids.length; i++) {
      KnownSeries known = storable.get(i).known();
      if (known != null && known.id() != 0) {
        ids[i] = known.id();
      } else {
        decoded.add(i);
      }
    }
    if (decoded.isEmpty()) {
      metrics.seriesCacheHits.inc(ids.length);
      return ids;
    }
    metrics.seriesCacheHits.inc(ids.length - decoded.size());
    List<LabelSet> sets = new ArrayList<>(decoded.size());
    for (int i : decoded) {
      sets.add(storable.get(i).labels());
    }
    long[] cached = registry.cached(tenant, sets);
    List<Integer> unknown = new ArrayList<>();
    for (int k = 0; k < cached.length; k++) {
      int i = decoded.get(k);
      try {
        // Before a cached id, too: labels that are not text can have the hash of other labels.
        sets.get(k).checkText();
      } catch (SeriesRejectedException e) {
        rejections.series(e.reason(), storable.get(i).acceptedSamples(), e.getMessage());
        continue;
      }
      if (cached[k] != 0) {
        ids[i] = cached[k];
        metrics.seriesCacheHits.inc();
        continue;
      }
      unknown.add(i);
    }
    if (!unknown.isEmpty()) {
      resolveUnknown(tenant, storable, unknown, ids, rejections);
    }
    for (int i : decoded) {
      DecodedSeries s = storable.get(i);
      if (ids[i] != 0 && s.sent() != null) {
        sentLabels.put(s.sent(), KnownSeries.of(ids[i], s.haCluster(), s.haReplica()));
      }
    }
    return ids;
  }

  /** Looks up or creates the series at {@code unknown} in PostgreSQL. */
  private void resolveUnknown(String tenant, List<DecodedSeries> storable, List<Integer> unknown, long[] ids, Rejections rejections)
      throws SQLException {
    List<LabelSet> toResolve = new ArrayList<>(unknown.size());
    for (int i : unknown) {
      toResolve.add(storable.get(i).labels());
    }
    try {
      long[] resolved = registry.resolve(tenant, toResolve);
      for (int k = 0; k < resolved.length; k++) {
        ids[unknown.get(k)] = resolved[k];
      }
    } catch (SQLException e) {
      if (SqlErrors.isTransient(e)) {
        throw e;
      }
      metrics.databaseErrors.labelValues("data").inc();
      for (int i : unknown) {
        LabelSet set = storable.get(i).labels();
        try {
          ids[i] = registry.resolve(tenant, List.of(set))[0];
        } catch (SQLException one) {
          if (SqlErrors.isTransient(one)) {
            throw one;
          }
          rejections.series(
              RejectReason.DATABASE_REJECTED,
              storable.get(i).acceptedSamples(),
              "PostgreSQL refused series " + set + ": " + SqlErrors.brief(one));
        }
      }
    }
  }

  /**
   * Keeps series of the elected replica (with the replica label removed from their identity)
   * and series without HA labels; drops the rest. Series known by their sent labels carry their
   * HA labels and already have the id of the set without the replica label.
   */
  private List<DecodedSeries> electedReplicasOnly(
      String tenant, List<DecodedSeries> series, Rejections rejections, long[] droppedSamples) throws SQLException {
    if (!ha.enabled()) {
      return series;
    }
    List<DecodedSeries> out = new ArrayList<>(series.size());
    Map<String, Boolean> decisions = new HashMap<>();
    for (DecodedSeries s : series) {
      KnownSeries known = s.known();
      String cluster;
      String replica;
      String key;
      if (known != null) {
        cluster = known.cluster();
        replica = known.replica();
        key = known.haKey();
      } else {
        cluster = s.labels().get(clusterLabel);
        replica = cluster == null ? null : s.labels().get(replicaLabel);
        key = cluster == null || replica == null ? null : KnownSeries.haKey(cluster, replica);
        if (key != null && !isText(s, rejections)) {
          continue;
        }
      }
      if (key == null) {
        out.add(s);
        continue;
      }
      Boolean accept = decisions.get(key);
      if (accept == null) {
        try {
          accept = ha.accept(tenant, cluster, replica);
        } catch (SQLException e) {
          if (SqlErrors.isTransient(e)) {
            throw e;
          }
          // Data PostgreSQL refuses is refused for good: a 503 would be retried for ever.
          metrics.databaseErrors.labelValues("data").inc();
          rejections.series(RejectReason.DATABASE_REJECTED, s.acceptedSamples(),
              "PostgreSQL refused the HA labels of " + s.labels() + ": " + SqlErrors.brief(e));
          continue;
        }
        decisions.put(key, accept);
      }
      if (!accept) {
        metrics.haDeduplicated.labelValues(tenant, cluster).inc(s.acceptedSamples());
        droppedSamples[0] += s.acceptedSamples();
        if (known == null && s.sent() != null) {
          // No id yet: on a fail-over the series is resolved by its labels then.
          sentLabels.put(s.sent(), KnownSeries.of(0, cluster, replica));
        }
      } else if (known != null && known.id() != 0) {
        out.add(s);
      } else {
        out.add(s.electedWithout(ha.replicaLabel(), cluster, replica));
      }
    }
    return out;
  }

  /**
   * HA labels go to PostgreSQL before the series is resolved, so they are checked as text first
   * (a NUL byte would be refused there); false, with the series refused, if they are not.
   */
  private static boolean isText(DecodedSeries s, Rejections rejections) {
    try {
      s.labels().checkText();
      return true;
    } catch (SeriesRejectedException e) {
      rejections.series(e.reason(), s.acceptedSamples(), e.getMessage());
      return false;
    }
  }
}
