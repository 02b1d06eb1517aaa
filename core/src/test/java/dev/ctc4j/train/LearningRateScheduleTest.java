package dev.ctc4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ctc4j.InvalidInputException;
import org.junit.jupiter.api.Test;

/** Schedules against values worked out by hand from PyTorch's documented formulas. */
class LearningRateScheduleTest {
  @Test
  void oneCycleLinearAsInTheAssemblyAiRecipe() {
    // max 5e-4, 100 steps, pct 0.3, div 25, final div 1e4: starts at 2e-5, peaks at step 29, ends at 2e-9.
    LearningRateSchedule s = LearningRateSchedule.oneCycle(5e-4, 100, 0.3, 25, 1e4, false);
    assertEquals(2e-5, s.at(0), 1e-15);
    assertEquals(5e-4, s.at(29), 1e-15);
    assertEquals(2e-9, s.at(99), 1e-15);
    assertEquals(2e-5 + (5e-4 - 2e-5) * 10 / 29.0, s.at(10), 1e-15);  // a tenth of the way... linearly
    assertEquals(5e-4 + (2e-9 - 5e-4) * 35 / 70.0, s.at(64), 1e-15);  // halfway down
    assertEquals(s.at(99), s.at(1000), "clamped after the last step");
  }

  @Test
  void oneCycleCosineIsMonotoneInEachPhase() {
    LearningRateSchedule s = LearningRateSchedule.oneCycle(1e-3, 1000, 0.25, 25, 1e4, true);
    for (long t = 1; t <= 249; t++) assertTrue(s.at(t) > s.at(t - 1), "rising at " + t);
    for (long t = 250; t < 1000; t++) assertTrue(s.at(t) < s.at(t - 1), "falling at " + t);
    assertEquals((4e-5 + 1e-3) / 2, s.at(124) + 0 * s.at(0), 1e-3 * 0.05, "near the midpoint of the rise");
  }

  @Test
  void cosineWithWarmupAndStepDecay() {
    LearningRateSchedule c = LearningRateSchedule.cosineWithWarmup(1.0, 10, 110, 0.0);
    assertEquals(0.1, c.at(0), 1e-12);
    assertEquals(1.0, c.at(9), 1e-12);
    assertEquals(1.0, c.at(10), 1e-12);
    assertEquals(0.5, c.at(60), 1e-12);
    assertEquals(0.0, c.at(110), 1e-12);
    LearningRateSchedule d = LearningRateSchedule.stepDecay(0.1, 30, 0.1);
    assertEquals(0.1, d.at(29), 1e-15);
    assertEquals(0.01, d.at(30), 1e-15);
    assertEquals(0.001, d.at(65), 1e-15);
    assertThrows(InvalidInputException.class, () -> LearningRateSchedule.oneCycle(1, 1, 0.3, 25, 1e4, true));
    assertThrows(InvalidInputException.class, () -> LearningRateSchedule.cosineWithWarmup(1, 10, 10, 0));
  }
}
