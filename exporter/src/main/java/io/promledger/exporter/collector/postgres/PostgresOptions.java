package io.promledger.exporter.collector.postgres;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What the PostgreSQL collector connects to and how much it collects.
 *
 * @param url where the server is now; empty while there is none (the embedded database not running)
 * @param databaseInclude databases whose tables and indexes are reported besides the one in the URL;
 *     {@code null} for the URL's database only
 * @param databaseExclude databases never reported, even when included
 */
public record PostgresOptions(
    Supplier<Optional<String>> url,
    String user,
    String password,
    Duration statementTimeout,
    Duration collectionTimeout,
    boolean statementsEnabled,
    int statementsLimit,
    boolean statementsIncludeQuery,
    int statementsQueryLength,
    Pattern databaseInclude,
    Pattern databaseExclude) {}
