package dev.ctc4j.spark;

import dev.ctc4j.Ctc4j;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * Sizes ctc4j's native thread pool (one per JVM) for the executor: its tasks run at once
 * (executor cores / spark.task.cpus), each entitled to {@code threadsPerTask} threads, and the pool
 * gets tasks x threads, never more than the executor's cores. One pool suffices because every task's
 * forward passes go through the one shared transcriber's batcher, one pass at a time.
 */
final class ExecutorThreads {
  /** local, local[N], local[*], local[N,F] (F: task retries), local-cluster[E,C,M]. */
  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\d+|\\*)(?:,\\d+)?\\])?");
  private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\d+,\\s*(\\d+),\\s*\\d+\\]");

  private ExecutorThreads() {}

  /** Sets the native pool for the running task's executor; threadsPerTask 0 means spark.task.cpus. */
  static synchronized void fit(int threadsPerTask) {
    SparkEnv env = SparkEnv.get();
    TaskContext task = TaskContext.get();
    int cores = env == null ? available() : executorCores(env.conf(), available());
    int threads = pool(cores, task == null ? 1 : task.cpus(), threadsPerTask);
    if (Ctc4j.threads() != threads) Ctc4j.setThreads(threads);
  }

  static int pool(int executorCores, int taskCpus, int threadsPerTask) {
    int tasks = Math.max(1, executorCores / Math.max(1, taskCpus));
    int perTask = threadsPerTask > 0 ? threadsPerTask : Math.max(1, taskCpus);
    return Math.max(1, Math.min(executorCores, tasks * perTask));
  }

  /** spark.executor.cores, else what a local master runs at once, else the machine's processors. */
  static int executorCores(SparkConf conf, int available) {
    if (conf.contains("spark.executor.cores")) return conf.getInt("spark.executor.cores", available);
    String master = conf.get("spark.master", "");
    Matcher local = LOCAL.matcher(master);
    if (local.matches()) {
      String n = local.group(1);
      return n == null ? 1 : n.equals("*") ? available : Integer.parseInt(n);
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(master);
    return cluster.matches() ? Integer.parseInt(cluster.group(1)) : available;
  }

  private static int available() {
    return Runtime.getRuntime().availableProcessors();
  }
}
