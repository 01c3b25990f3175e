package io.promledger.adapter.report;

import io.promledger.adapter.jobs.JobOptions;
import io.promledger.adapter.pricing.PriceList;
import io.promledger.adapter.rollup.BucketRow;
import io.promledger.adapter.rollup.Resolution;
import io.promledger.adapter.rollup.RollupStore;
import io.promledger.adapter.rollup.SeriesWalker;
import io.promledger.adapter.rollup.SqlTime;
import io.promledger.adapter.rollup.StepUsage;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import javax.sql.DataSource;

/**
 * Computes usage reports from the rollups; shared by the {@code report} command and the HTTP API.
 * All arithmetic on usage is decimal. Additive meters (increase, integral) are the exact sums of
 * the stored buckets plus the steps between them; avg is sum/count of the samples; quantiles are
 * nearest-rank, exact for a single bucket of a single series and from the merged sketch (within
 * 1%) otherwise.
 */
public final class ReportEngine {
  private static final MathContext AVG = MathContext.DECIMAL64;
  private static final int SERIES_PER_BATCH = 500;

  private final DataSource dataSource;
  private final JobOptions options;
  private final MetricTypes types;
  private final ReportLimits limits;

  public ReportEngine(DataSource dataSource, JobOptions options) {
    this(dataSource, options, ReportLimits.DEFAULT);
  }

  public ReportEngine(DataSource dataSource, JobOptions options, ReportLimits limits) {
    this.dataSource = dataSource;
    this.options = options;
    this.types = new MetricTypes(options);
    this.limits = limits;
  }

  /**
   * Computes the report. What the request asks for is refused with an {@link
   * IllegalArgumentException} before the work is done when it exceeds the limits, and when the
   * database rejects it as the user's input ({@link ReportFailure#INPUT}); other database errors
   * are thrown as they are.
   */
  public Report compute(ReportRequest req, Instant now) throws SQLException {
    // Before anything is read: the steps alone may already be too many.
    Instant[] bounds = req.step().bounds(req.from(), req.to(), req.zone(), limits.maxSteps()).toArray(Instant[]::new);
    try {
      return compute(req, now, bounds);
    } catch (SQLException e) {
      if (ReportFailure.of(e) == ReportFailure.INPUT) {
        throw new IllegalArgumentException("the database refused the request: " + ReportFailure.oneLine(e), e);
      }
      throw e;
    }
  }

  private Report compute(ReportRequest req, Instant now, Instant[] bounds) throws SQLException {
    PriceList prices = options.pricingFile == null ? null : PriceList.load(options.pricingFile);
    try (Connection c = dataSource.getConnection()) {
      // One snapshot for every query of the report.
      c.setAutoCommit(false);
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setReadOnly(true);
      try {
        LevelChooser chooser = new LevelChooser(c, req.level());
        Instant watermark = watermark(c);
        // Every run is planned, and the rows and intervals it will hold are counted, before any is computed.
        List<MeterRun> runs = new ArrayList<>();
        long rowCount = 0;
        long intervals = 0;
        for (Meter meter : req.meters()) {
          Map<String, List<SeriesCatalog.Series>> byMetric = new TreeMap<>();
          for (SeriesCatalog.Series s : SeriesCatalog.select(c, req.tenant(), meter.selector())) {
            byMetric.computeIfAbsent(s.metric(), k -> new ArrayList<>()).add(s);
          }
          for (Map.Entry<String, List<SeriesCatalog.Series>> e : byMetric.entrySet()) {
            MetricTypes.Type type = types.of(c, req.tenant(), e.getKey());
            checkType(meter, e.getKey(), type);
            PriceList.MeterPrices mp = prices == null ? null : prices.meter(e.getKey(), meter.aggregation().toString());
            MeterRun run = new MeterRun(req, meter, e.getKey(), type, mp, bounds, chooser, now, e.getValue());
            long groups = run.groupCount();
            rowCount += groups * (bounds.length - 1);
            intervals += groups * (run.sub.length - 1);
            runs.add(run);
          }
        }
        limits.checkRows(rowCount, "rows (steps x groups x meters)");
        // Price changes and monthly allowances split steps further; those intervals are held in memory too.
        limits.checkRows(intervals, "intervals to compute (steps split at months and price changes x groups x meters)");
        List<Report.Row> rows = new ArrayList<>();
        Set<String> levelsUsed = new TreeSet<>();
        for (MeterRun run : runs) {
          rows.addAll(run.compute(c, levelsUsed));
        }
        boolean provisional = rows.stream().anyMatch(Report.Row::provisional) || rows.isEmpty() && isRecent(req.to(), now);
        return new Report(req, List.copyOf(levelsUsed), watermark, provisional, prices == null ? null : prices.currency(), rows);
      } finally {
        c.rollback();
      }
    }
  }

  private boolean isRecent(Instant end, Instant now) {
    return end.plus(options.lateDataHorizon).isAfter(now);
  }

  private static void checkType(Meter meter, String metric, MetricTypes.Type type) {
    boolean wantsCounter = meter.aggregation().forCounters();
    if (wantsCounter != type.counter()) {
      String kind = type.counter() ? "counter" : "gauge";
      String use = type.counter() ? "increase" : "integral, avg, max, min or a quantile";
      throw new IllegalArgumentException(
          "meter " + meter.text() + ": " + metric + " is a " + kind + " (from its " + type.source() + "), so use "
              + use + "; or declare its type with --report.counter-metric / --report.gauge-metric");
    }
  }

  private static Instant watermark(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT watermark FROM rollup_state WHERE id = 1");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return SqlTime.read(rs, "watermark");
    }
  }

  /** One meter over one metric: sub-steps, levels, series walks, groups, values and costs. */
  private final class MeterRun {
    private final ReportRequest req;
    private final Meter meter;
    private final String metric;
    private final MetricTypes.Type type;
    private final PriceList.MeterPrices prices;
    private final Instant[] bounds;
    private final LevelChooser chooser;
    private final Instant now;
    private final Instant[] sub;
    private final Resolution[] subLevels;
    private final List<SeriesCatalog.Series> series;

    MeterRun(ReportRequest req, Meter meter, String metric, MetricTypes.Type type, PriceList.MeterPrices prices,
        Instant[] bounds, LevelChooser chooser, Instant now, List<SeriesCatalog.Series> series) {
      this.req = req;
      this.meter = meter;
      this.metric = metric;
      this.type = type;
      this.prices = meter.aggregation().isAdditive() ? prices : null;
      this.bounds = bounds;
      this.chooser = chooser;
      this.now = now;
      this.series = series;
      this.sub = subBounds();
      this.subLevels = new Resolution[sub.length - 1];
      for (int i = 0; i < subLevels.length; i++) {
        subLevels[i] = chooser.choose(sub[i], sub[i + 1], req.zone());
      }
    }

    /** Report bounds plus price-change dates and, for free allowances, the months from the first month's start. */
    private Instant[] subBounds() {
      TreeSet<Instant> all = new TreeSet<>(Arrays.asList(bounds));
      if (prices != null) {
        Instant first = bounds[0];
        Instant last = bounds[bounds.length - 1];
        ZoneId zone = req.zone();
        if (CostCalculator.hasFreeAllowance(prices)) {
          YearMonth m = YearMonth.from(first.atZone(zone));
          first = m.atDay(1).atStartOfDay(zone).toInstant();
          for (Instant t = first; t.isBefore(last); t = YearMonth.from(t.atZone(zone)).plusMonths(1).atDay(1).atStartOfDay(zone).toInstant()) {
            all.add(t);
          }
        }
        for (LocalDate d : CostCalculator.changeDates(prices)) {
          Instant t = d.atStartOfDay(zone).toInstant();
          if (t.isAfter(first) && t.isBefore(last)) {
            all.add(t);
          }
        }
      }
      return all.toArray(Instant[]::new);
    }

    long groupCount() {
      return series.stream().map(s -> groupKey(groupOf(s))).distinct().count();
    }

    /**
     * The group's values joined by NUL, which no stored label value contains: unlike the map's
     * text form, two different label sets can never share a key.
     */
    private static String groupKey(Map<String, String> group) {
      return String.join("\u0000", group.values());
    }

    private Map<String, String> groupOf(SeriesCatalog.Series s) {
      Map<String, String> g = new LinkedHashMap<>();
      for (String name : req.groupBy()) {
        g.put(name, s.labels().getOrDefault(name, ""));
      }
      return g;
    }

    List<Report.Row> compute(Connection c, Set<String> levelsUsed) throws SQLException {
      Map<String, Map<String, String>> groupLabels = new TreeMap<>();
      Map<String, StepUsage[]> groups = new HashMap<>();
      // Series are read in batches so that memory stays bounded by the batch, not the tenant.
      for (int from = 0; from < series.size(); from += SERIES_PER_BATCH) {
        addBatch(c, series.subList(from, Math.min(series.size(), from + SERIES_PER_BATCH)), groupLabels, groups);
      }
      List<Report.Row> out = new ArrayList<>();
      for (Map.Entry<String, Map<String, String>> g : groupLabels.entrySet()) {
        out.addAll(groupRows(g.getValue(), groups.get(g.getKey()), levelsUsed));
      }
      return out;
    }

    private void addBatch(Connection c, List<SeriesCatalog.Series> series, Map<String, Map<String, String>> groupLabels,
        Map<String, StepUsage[]> groups) throws SQLException {
      long[] ids = series.stream().mapToLong(SeriesCatalog.Series::id).toArray();
      Map<Long, List<BucketRow>> rows = fetch(c, ids);
      Map<Long, BucketRow> previous = RollupStore.previousRows(c, ids, sub[0]);
      Set<Long> ended = RollupStore.endedBetween(c, previous, sub[0]);
      for (SeriesCatalog.Series s : series) {
        Map<String, String> g = groupOf(s);
        String key = groupKey(g);
        groupLabels.putIfAbsent(key, g);
        StepUsage[] u =
            SeriesWalker.walk(sub, options.gaugeMaxGap, previous.get(s.id()), ended.contains(s.id()), rows.getOrDefault(s.id(), List.of()));
        StepUsage[] total = groups.computeIfAbsent(key, k -> newSteps(sub.length - 1));
        for (int i = 0; i < u.length; i++) {
          total[i].add(u[i]);
        }
      }
    }

    private Map<Long, List<BucketRow>> fetch(Connection c, long[] ids) throws SQLException {
      Map<Long, List<BucketRow>> out = new HashMap<>();
      int i = 0;
      while (i < subLevels.length) {
        int j = i;
        while (j + 1 < subLevels.length && subLevels[j + 1] == subLevels[i]) {
          j++;
        }
        RollupStore.rows(c, subLevels[i], ids, sub[i], sub[j + 1], meter.aggregation().kind() == Aggregation.Kind.QUANTILE)
            .forEach((id, list) -> out.computeIfAbsent(id, k -> new ArrayList<>()).addAll(list));
        i = j + 1;
      }
      return out;
    }

    private List<Report.Row> groupRows(Map<String, String> group, StepUsage[] subSteps, Set<String> levelsUsed) {
      CostCalculator cost = prices == null ? null : new CostCalculator(prices, group, req.zone());
      List<Report.Row> out = new ArrayList<>();
      int j = 0;
      for (; j < subSteps.length && sub[j].isBefore(bounds[0]); j++) {
        // Before the report: only uses up the month's free allowance.
        cost.cost(sub[j], usage(subSteps[j]), true);
      }
      for (int k = 0; k + 1 < bounds.length; k++) {
        StepUsage step = new StepUsage();
        BigDecimal stepCost = cost == null ? null : BigDecimal.ZERO;
        Set<String> stepLevels = new TreeSet<>();
        Resolution last = null;
        for (; j < subSteps.length && sub[j].isBefore(bounds[k + 1]); j++) {
          step.add(subSteps[j]);
          stepLevels.add(subLevels[j].label());
          last = subLevels[j];
          if (cost != null) {
            stepCost = stepCost.add(cost.cost(sub[j], usage(subSteps[j]), true));
          }
        }
        levelsUsed.addAll(stepLevels);
        boolean provisional =
            bounds[k + 1].plus(options.lateDataHorizon).isAfter(now) || !chooser.complete(last, bounds[k + 1]);
        Aggregation agg = meter.aggregation();
        out.add(new Report.Row(
            bounds[k], bounds[k + 1], metric, agg.toString(), group, value(agg, step), unit(agg),
            stepCost == null ? null : stepCost.stripTrailingZeros(),
            agg.kind() == Aggregation.Kind.QUANTILE && step.count() > 0 && step.quantileIsApproximate(agg.quantile()),
            provisional, String.join("+", stepLevels)));
      }
      return out;
    }

    /** The additive usage of a sub-step in report units (integral in value-hours). */
    private BigDecimal usage(StepUsage u) {
      return meter.aggregation().kind() == Aggregation.Kind.INCREASE ? u.increase() : hours(u.integralSeconds());
    }

    private String unit(Aggregation agg) {
      String u = type.unit();
      if (agg.kind() == Aggregation.Kind.INTEGRAL) {
        return u.isEmpty() ? "hours" : u + "-hours";
      }
      return u;
    }
  }

  private static StepUsage[] newSteps(int n) {
    StepUsage[] a = new StepUsage[n];
    for (int i = 0; i < n; i++) {
      a[i] = new StepUsage();
    }
    return a;
  }

  static BigDecimal hours(BigDecimal seconds) {
    return seconds.divide(BigDecimal.valueOf(3600), 12, RoundingMode.HALF_EVEN).stripTrailingZeros();
  }

  static BigDecimal value(Aggregation agg, StepUsage u) {
    return switch (agg.kind()) {
      case INCREASE -> u.increase().stripTrailingZeros();
      case INTEGRAL -> hours(u.integralSeconds());
      case AVG -> u.count() == 0 ? null : u.sum().divide(BigDecimal.valueOf(u.count()), AVG).stripTrailingZeros();
      case MAX -> decimal(u.max());
      case MIN -> decimal(u.min());
      case QUANTILE -> decimal(u.quantile(agg.quantile()));
    };
  }

  private static BigDecimal decimal(Double d) {
    return d == null ? null : new BigDecimal(Double.toString(d)).stripTrailingZeros();
  }
}
