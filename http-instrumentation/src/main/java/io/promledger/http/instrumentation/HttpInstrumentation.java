package io.promledger.http.instrumentation;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.RequestLogger;
import io.javalin.plugin.Plugin;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.http.HttpSessionEvent;
import jakarta.servlet.http.HttpSessionListener;

/**
 * Records, for every request a Javalin application serves, its duration, count, 5xx errors, the
 * requests in flight and the open HTTP sessions, in the given registry:
 *
 * <pre>{@code
 * PrometheusRegistry registry = new PrometheusRegistry();
 * Javalin app = Javalin.create(config -> {
 *   config.registerPlugin(new HttpInstrumentation(registry));
 *   config.router.mount(r -> r.get("/metrics", new MetricsHandler(registry)));
 * });
 * }</pre>
 *
 * <p>Metrics ({@code route} is the matched route template such as {@code /api/v1/series/{id}},
 * never the raw path, so that a path parameter cannot create series; a request that matched no
 * route, including a 404 and a static file, has {@code route="unmatched"}):
 *
 * <ul>
 *   <li>{@code http_server_request_duration_seconds} histogram {method, route, status}
 *   <li>{@code http_server_requests_total} counter {method, route, status}
 *   <li>{@code http_server_request_errors_total} counter {method, route, status}, 5xx responses
 *   <li>{@code http_server_requests_in_flight} gauge
 *   <li>{@code http_server_active_sessions} gauge: servlet sessions currently open (an application
 *       that never calls {@code ctx.sessionAttribute(...)} or {@code req().getSession()} keeps 0)
 * </ul>
 *
 * <p>The plugin installs Javalin's request logger; a request logger the application configured
 * itself keeps being called after the metrics are recorded. One registry takes one instrumented
 * application: a second one registering the same names is refused by the registry.
 */
public final class HttpInstrumentation extends Plugin<Void> {
  /** Requests that matched no route, including 404s, carry this route label. */
  public static final String UNMATCHED_ROUTE = "unmatched";

  private static final String STARTED_AT = HttpInstrumentation.class.getName() + ".startedAt";

  private final HttpServerMetrics metrics;

  /** Registers the metrics above in {@code registry}. */
  public HttpInstrumentation(PrometheusRegistry registry) {
    this.metrics = HttpServerMetrics.register(registry);
  }

  @Override
  public void onInitialize(JavalinConfig config) {
    config.router.mount(router -> router.before(this::requestStarted));
    config.jetty.modifyServletContextHandler(
        handler ->
            handler
                .getSessionHandler()
                .addEventListener(
                    new HttpSessionListener() {
                      @Override
                      public void sessionCreated(HttpSessionEvent event) {
                        metrics.activeSessions.inc();
                      }

                      @Override
                      public void sessionDestroyed(HttpSessionEvent event) {
                        metrics.activeSessions.dec();
                      }
                    }));
  }

  @Override
  public void onStart(JavalinConfig config) {
    // Javalin has a single request-logger slot; keep the application's own one working.
    RequestLogger previous = config.pvt.requestLogger;
    config.pvt.requestLogger =
        (ctx, executionTimeMs) -> {
          requestFinished(ctx, executionTimeMs);
          if (previous != null) {
            previous.handle(ctx, executionTimeMs);
          }
        };
  }

  @Override
  public String name() {
    return "promledger-http-instrumentation";
  }

  private void requestStarted(Context ctx) {
    if (ctx.attribute(STARTED_AT) == null) {
      ctx.attribute(STARTED_AT, System.nanoTime());
      metrics.inFlight.inc();
    }
  }

  private void requestFinished(Context ctx, Float executionTimeMs) {
    Long startedAt = ctx.attribute(STARTED_AT);
    double seconds;
    if (startedAt != null) {
      metrics.inFlight.dec();
      seconds = (System.nanoTime() - startedAt) / 1e9;
    } else {
      seconds = executionTimeMs == null ? 0 : executionTimeMs / 1e3;
    }
    int status = ctx.statusCode();
    metrics.record(ctx.method().name(), routeOf(ctx), status, seconds);
  }

  /** The route template of the endpoint that handled the request, or {@link #UNMATCHED_ROUTE}. */
  static String routeOf(Context ctx) {
    if (ctx.handlerType() == HandlerType.BEFORE) {
      // No endpoint ran: the lifecycle never left the before-handlers stage.
      return UNMATCHED_ROUTE;
    }
    String path;
    try {
      path = ctx.endpointHandlerPath();
    } catch (RuntimeException e) {
      return UNMATCHED_ROUTE;
    }
    return path == null || path.isEmpty() || path.equals("*") ? UNMATCHED_ROUTE : path;
  }
}
