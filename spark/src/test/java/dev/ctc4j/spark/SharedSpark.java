package dev.ctc4j.spark;

import org.apache.spark.sql.SparkSession;

/**
 * One local[2] session for every test class of the module (a session takes seconds to start):
 * bound to the loopback address, no UI; stopped by Spark's shutdown hook when the test JVM exits.
 */
final class SharedSpark {
  private static SparkSession session;

  private SharedSpark() {}

  static synchronized SparkSession session() {
    if (session == null) {
      session = SparkSession.builder().appName("ctc4j-spark tests").master("local[2]")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1")
          .config("spark.ui.enabled", "false")
          .config("spark.sql.shuffle.partitions", "2")
          .getOrCreate();
    }
    return session;
  }
}
