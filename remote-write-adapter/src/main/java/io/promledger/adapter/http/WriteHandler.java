package io.promledger.adapter.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.promledger.adapter.ingest.BadRequestException;
import io.promledger.adapter.ingest.ContentNegotiation;
import io.promledger.adapter.ingest.IngestLimits;
import io.promledger.adapter.ingest.IngestService;
import io.promledger.adapter.ingest.Protocol;
import io.promledger.adapter.ingest.SnappyBody;
import io.promledger.adapter.ingest.WriteResponse;
import io.promledger.adapter.metrics.AdapterMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/write}. Headers are checked before the body is read; the body is read
 * with a hard size cap; memory for bodies being decoded is bounded by a budget, and requests
 * that cannot get their share in time are answered 503 so that the sender retries later.
 */
public final class WriteHandler implements Handler {
  private static final Logger log = LoggerFactory.getLogger(WriteHandler.class);
  static final String SAMPLES_WRITTEN = "X-Prometheus-Remote-Write-Samples-Written";
  static final String HISTOGRAMS_WRITTEN = "X-Prometheus-Remote-Write-Histograms-Written";
  static final String EXEMPLARS_WRITTEN = "X-Prometheus-Remote-Write-Exemplars-Written";

  private final IngestService ingest;
  private final IngestLimits limits;
  private final AdapterMetrics metrics;
  private final Semaphore memoryKiB;
  private final String tenantHeader;
  private final String defaultTenant;
  private final java.util.function.BooleanSupplier schemaReady;

  public WriteHandler(
      IngestService ingest,
      IngestLimits limits,
      AdapterMetrics metrics,
      long memoryBudgetBytes,
      String tenantHeader,
      String defaultTenant,
      java.util.function.BooleanSupplier schemaReady) {
    this.schemaReady = schemaReady;
    this.ingest = ingest;
    this.limits = limits;
    this.metrics = metrics;
    this.memoryKiB = new Semaphore((int) Math.min(Integer.MAX_VALUE, Math.max(1, memoryBudgetBytes >> 10)));
    this.tenantHeader = tenantHeader;
    this.defaultTenant = defaultTenant;
  }

  @Override
  public void handle(Context ctx) {
    Protocol protocol;
    try {
      protocol = ContentNegotiation.negotiate(ctx.header("Content-Type"), ctx.header("Content-Encoding"));
    } catch (ContentNegotiation.UnsupportedMediaException e) {
      metrics.rejectedRequests.labelValues("unsupported_media_type").inc();
      respond(ctx, "unknown", new WriteResponse(415, e.getMessage(), 0, 0, 0, 0));
      return;
    }
    WriteResponse response;
    try {
      response = handle(ctx, protocol);
    } catch (RuntimeException e) {
      // Never a 5xx for something the input caused: a retry would fail the same way for ever.
      log.error("msg=\"unexpected error handling a write; answering 400\"", e);
      response = WriteResponse.badRequest("the adapter could not process this request: " + e);
    } catch (OutOfMemoryError e) {
      response = WriteResponse.unavailable("out of memory; retry later");
    }
    respond(ctx, protocol.label(), response);
  }

  private WriteResponse handle(Context ctx, Protocol protocol) {
    if (!schemaReady.getAsBoolean()) {
      return WriteResponse.unavailable("the database schema is not ready yet; retry later");
    }
    String tenant = tenantOf(ctx);
    if (tenant == null) {
      metrics.rejectedRequests.labelValues("invalid_tenant").inc();
      return WriteResponse.badRequest("header " + tenantHeader + " must be 1 to 128 printable ASCII characters");
    }
    long declaredBody = ctx.req().getContentLengthLong();
    if (declaredBody > limits.maxBodyBytes()) {
      return tooLarge(declaredBody);
    }
    // Memory is reserved as the body actually arrives, so a slow or idle client holds only what
    // it has sent, not the size it declared.
    Reservation reserved = new Reservation();
    try {
      byte[] body;
      try {
        body = readBounded(ctx.req().getInputStream(), limits.maxBodyBytes(), reserved);
      } catch (IOException e) {
        return WriteResponse.badRequest("could not read the request body: " + e.getMessage());
      }
      if (body == null) {
        return reserved.failed ? busy() : tooLarge(-1);
      }
      long declaredDecoded;
      try {
        declaredDecoded = SnappyBody.declaredLength(body, body.length);
      } catch (BadRequestException e) {
        metrics.rejectedRequests.labelValues(e.reason().label()).inc();
        return WriteResponse.badRequest(e.getMessage());
      }
      if (declaredDecoded <= limits.maxDecodedBytes() && !reserved.grow(declaredDecoded)) {
        return busy();
      }
      return ingest.write(protocol, tenant, body, body.length);
    } finally {
      reserved.release();
    }
  }

  private static WriteResponse busy() {
    return WriteResponse.unavailable("the adapter is decoding too much data at once; retry later");
  }

  /** This request's share of the memory budget. */
  private final class Reservation {
    private int kib;
    boolean failed;

    /** Reserves {@code bytes} more; false (and nothing reserved) when the budget stays full for 5 s. */
    boolean grow(long bytes) {
      int more = kib(bytes);
      if (!acquire(more)) {
        failed = true;
        return false;
      }
      kib += more;
      return true;
    }

    void release() {
      memoryKiB.release(kib);
      kib = 0;
    }
  }

  private boolean acquire(int kib) {
    try {
      return memoryKiB.tryAcquire(kib, 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private WriteResponse tooLarge(long size) {
    metrics.rejectedRequests.labelValues("body_too_large").inc();
    return new WriteResponse(
        413,
        "request body " + (size >= 0 ? "of " + size + " bytes " : "") + "exceeds the limit of " + limits.maxBodyBytes()
            + " bytes; lower queue_config.max_samples_per_send",
        0, 0, 0, 0);
  }

  private String tenantOf(Context ctx) {
    String t = ctx.header(tenantHeader);
    if (t == null || t.isEmpty()) {
      return defaultTenant;
    }
    if (t.length() > 128 || !t.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f)) {
      return null;
    }
    return t;
  }

  /** The body, or null when it is longer than {@code max} or its memory cannot be reserved. */
  private static byte[] readBounded(InputStream in, long max, Reservation reserved) throws IOException {
    byte[] buf = new byte[8192];
    if (!reserved.grow(buf.length)) {
      return null;
    }
    int n = 0;
    while (true) {
      if (n == buf.length) {
        if (buf.length > max) {
          return null;
        }
        int bigger = (int) Math.min(max + 1, (long) buf.length * 2);
        if (!reserved.grow(bigger - buf.length)) {
          return null;
        }
        buf = Arrays.copyOf(buf, bigger);
      }
      int r = in.read(buf, n, buf.length - n);
      if (r < 0) {
        break;
      }
      n += r;
      if (n > max) {
        return null;
      }
    }
    return n == buf.length ? buf : Arrays.copyOf(buf, n);
  }

  private static int kib(long bytes) {
    return (int) Math.min(Integer.MAX_VALUE, (bytes + 1023) >> 10);
  }

  private void respond(Context ctx, String protocol, WriteResponse r) {
    metrics.requests.labelValues(protocol, Integer.toString(r.status())).inc();
    ctx.status(r.status());
    ctx.header(SAMPLES_WRITTEN, Long.toString(r.samplesWritten()));
    ctx.header(HISTOGRAMS_WRITTEN, Long.toString(r.histogramsWritten()));
    ctx.header(EXEMPLARS_WRITTEN, Long.toString(r.exemplarsWritten()));
    if (r.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", Integer.toString(r.retryAfterSeconds()));
    }
    if (r.status() == 400 || r.status() == 413 || r.status() == 415 || r.status() == 503) {
      log.info("msg=\"write refused\" status={} protocol={} reason=\"{}\"", r.status(), protocol, abbreviate(r.body()));
    }
    if (!r.body().isEmpty()) {
      ctx.contentType("text/plain; charset=utf-8");
      ctx.result(r.body());
    }
  }

  private static String abbreviate(String s) {
    return s.length() > 300 ? s.substring(0, 300) + "..." : s;
  }
}
