package io.promledger.adapter.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.promledger.adapter.rollup.SqlTime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;

/** Records every report run: its inputs, the data watermark and the checksum of its output. */
public final class ReportRuns {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ReportRuns() {}

  /** A recorded run. */
  public record Run(long id, String sha256) {}

  public static Run record(DataSource ds, Report report, byte[] output, Path pricingFile) throws SQLException {
    Map<String, Object> inputs = new LinkedHashMap<>(report.request().describe());
    if (pricingFile != null) {
      inputs.put("pricing_file", pricingFile.toString());
      try {
        inputs.put("pricing_sha256", sha256(Files.readAllBytes(pricingFile)));
      } catch (IOException e) {
        inputs.put("pricing_sha256", "unreadable");
      }
    }
    String sha = sha256(output);
    try (Connection c = ds.getConnection();
        PreparedStatement ps = c.prepareStatement(
            "INSERT INTO report_runs (inputs, data_watermark, levels, status, row_count, output_format, output_sha256)"
                + " VALUES (?::jsonb, ?, ?, ?, ?, ?, ?) RETURNING id")) {
      ps.setString(1, JSON.writeValueAsString(inputs));
      SqlTime.bind(ps, 2, report.dataWatermark());
      ps.setArray(3, c.createArrayOf("text", report.levels().toArray()));
      ps.setString(4, report.status());
      ps.setInt(5, report.rows().size());
      ps.setString(6, report.request().format().name().toLowerCase(java.util.Locale.ROOT));
      ps.setString(7, sha);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Run(rs.getLong(1), sha);
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
