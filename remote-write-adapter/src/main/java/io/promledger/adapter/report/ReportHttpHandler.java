package io.promledger.adapter.report;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.storage.Database;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/reports/usage?from=2026-03&to=2026-04&zone=Europe/Berlin&step=day
 * &meter=increase:http_requests_total{job="api"}&group_by=namespace&format=csv}. A bad request
 * is a 400 with one line saying what is wrong (including a request for more steps or rows than
 * the {@link ReportLimits} allow, and what the database rejects as invalid input); only a database
 * that is unavailable for now is a 503 with Retry-After; any other failure is a 500 with one line
 * and the stack trace in the log. The run id and output checksum are in headers.
 */
public final class ReportHttpHandler implements Handler {
  private static final Logger log = LoggerFactory.getLogger(ReportHttpHandler.class);

  private final Database database;
  private final JobOptions options;
  private final ReportEngine engine;

  public ReportHttpHandler(Database database, JobOptions options) {
    this(database, options, ReportLimits.DEFAULT);
  }

  public ReportHttpHandler(Database database, JobOptions options, ReportLimits limits) {
    this.database = database;
    this.options = options;
    this.engine = new ReportEngine(database.dataSource(), options, limits);
  }

  @Override
  public void handle(Context ctx) {
    try {
      answer(ctx);
    } catch (IllegalArgumentException e) {
      text(ctx, 400, ReportFailure.oneLine(e));
    } catch (SQLException e) {
      switch (ReportFailure.of(e)) {
        case INPUT -> text(ctx, 400, "the database refused the request: " + ReportFailure.oneLine(e));
        case UNAVAILABLE -> {
          log.warn("msg=\"report failed\" err=\"{}\"", e.getMessage());
          ctx.header("Retry-After", "5");
          text(ctx, 503, "database unavailable: " + ReportFailure.oneLine(e));
        }
        default -> internal(ctx, e);
      }
    } catch (RuntimeException e) {
      internal(ctx, e);
    }
  }

  private static void internal(Context ctx, Exception e) {
    log.error("msg=\"report failed\"", e);
    text(ctx, 500, "report failed: " + ReportFailure.oneLine(e));
  }

  private static void text(Context ctx, int status, String line) {
    ctx.status(status).contentType("text/plain; charset=utf-8").result(line + "\n");
  }

  private void answer(Context ctx) throws SQLException {
    List<String> groupBy = new ArrayList<>();
    for (String g : ctx.queryParams("group_by")) {
      for (String part : g.split(",")) {
        if (!part.isBlank()) {
          groupBy.add(part.trim());
        }
      }
    }
    ReportRequest request = ReportRequest.of(
        ctx.queryParam("tenant"), ctx.queryParam("from"), ctx.queryParam("to"), ctx.queryParam("zone"),
        ctx.queryParam("step"), ctx.queryParams("meter"), groupBy, ctx.queryParam("format"), ctx.queryParam("level"));
    Report report = engine.compute(request, Instant.now());
    byte[] body = ReportWriter.render(report);
    ReportRuns.Run run = ReportRuns.record(database.dataSource(), report, body, options.pricingFile);
    ctx.header("X-Promledger-Report-Id", Long.toString(run.id()));
    ctx.header("X-Promledger-Report-Sha256", run.sha256());
    ctx.header("X-Promledger-Report-Status", report.status());
    ctx.header("X-Promledger-Report-Levels", String.join(",", report.levels()));
    ctx.status(200).contentType(ReportWriter.contentType(request.format())).result(body);
  }
}
