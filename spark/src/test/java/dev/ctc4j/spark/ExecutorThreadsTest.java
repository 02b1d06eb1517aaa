package dev.ctc4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class ExecutorThreadsTest {
  @Test
  void poolIsTasksTimesThreadsAtMostTheCores() {
    assertEquals(8, ExecutorThreads.pool(8, 1, 0));  // 8 tasks x spark.task.cpus 1
    assertEquals(8, ExecutorThreads.pool(8, 2, 0));  // 4 tasks x 2
    assertEquals(4, ExecutorThreads.pool(8, 4, 2));  // 2 tasks x 2 threads asked for
    assertEquals(8, ExecutorThreads.pool(8, 1, 4));  // 8 tasks x 4 would oversubscribe
    assertEquals(1, ExecutorThreads.pool(1, 2, 0));  // task.cpus above the cores
  }

  @Test
  void executorCoresFromTheConfOrTheLocalMaster() {
    assertEquals(3, ExecutorThreads.executorCores(new SparkConf(false).set("spark.executor.cores", "3"), 16));
    assertEquals(2, ExecutorThreads.executorCores(new SparkConf(false).setMaster("local[2]"), 16));
    assertEquals(4, ExecutorThreads.executorCores(new SparkConf(false).setMaster("local[4,3]"), 16));
    assertEquals(16, ExecutorThreads.executorCores(new SparkConf(false).setMaster("local[*]"), 16));
    assertEquals(1, ExecutorThreads.executorCores(new SparkConf(false).setMaster("local"), 16));
    assertEquals(2, ExecutorThreads.executorCores(new SparkConf(false).setMaster("local-cluster[3, 2, 1024]"), 16));
    assertEquals(16, ExecutorThreads.executorCores(new SparkConf(false).setMaster("spark://host:7077"), 16));
  }
}
