package dev.ctc4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.audio.Audio;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The page in real headless Chromium (Debian's chromium and chromium-driver), its microphone fed
 * from a WAV of AN4 speech: record and upload (MediaRecorder, WebM/Opus), then stream live. The
 * page must show what the server answered: the test posts the very recording the page made and
 * compares, so the check holds for a random-weight model as well (its text is junk, but the same).
 */
class PageBrowserTest {
  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  private static final byte[] WEBM_MAGIC = {0x1a, 0x45, (byte) 0xdf, (byte) 0xa3};

  @TempDir Path dir;

  @Test
  void recordUploadAndStreamLiveInHeadlessChromium() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), "chromium/chromedriver not installed");
    Path microphone = dir.resolve("an4.wav");
    float[] speech = Audio.read(TestAudio.an4());
    Files.write(microphone, TestAudio.wav(Arrays.copyOf(speech, speech.length + 8000), Audio.SAMPLE_RATE)); // + 0.5 s pause

    try (TestService service = TestService.start(TestService.model(dir.resolve("model")), ServerSettings.defaults(),
        Duration.ofMillis(5))) {
      WebDriver browser = chromium(microphone);
      try {
        browser.get(service.server.uri().toString());
        recordAndUpload(browser, service);
        streamLive(browser, service);
      } finally {
        browser.quit();
      }
    }
  }

  private void recordAndUpload(WebDriver browser, TestService service) throws Exception {
    browser.findElement(By.id("record")).click();
    awaitState(browser, "upload-status", "recording");
    Thread.sleep(3000);
    browser.findElement(By.id("record")).click();
    String state = awaitState(browser, "upload-status", "done", "error");
    assertEquals("done", state, browser.findElement(By.id("upload-status")).getText());

    String shown = browser.findElement(By.id("transcript")).getText();
    String json = browser.findElement(By.id("transcript-json")).getDomProperty("textContent");
    assertEquals(shown, new ObjectMapper().readTree(json).get("text").asText().strip());

    byte[] recording = Base64.getDecoder().decode((String) ((JavascriptExecutor) browser).executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "fetch(document.getElementById('recording').src).then(r => r.arrayBuffer()).then(b => {"
            + "  let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s)); });"));
    assertArrayEquals(WEBM_MAGIC, Arrays.copyOf(recording, 4), "MediaRecorder made WebM");
    HttpResponse<String> same = service.post(recording, "audio/webm");
    assertEquals(200, same.statusCode(), same.body());
    assertEquals(TestService.json(same).get("text").asText().strip(), shown);
    assertTrue(TestService.json(same).get("audio_seconds").asDouble() > 2, same.body());
    if (TestService.hasTrainedModel()) assertFalse(shown.isBlank(), "the trained model heard nothing");
  }

  private void streamLive(WebDriver browser, TestService service) throws Exception {
    browser.findElement(By.id("live-toggle")).click();
    awaitState(browser, "live-status", "streaming");
    Thread.sleep(3000);
    browser.findElement(By.id("live-toggle")).click();
    String state = awaitState(browser, "live-status", "done", "error");
    String page = browser.findElement(By.id("live-status")).getText() + " / " + browser.findElement(By.id("live-final")).getText();
    assertEquals("done", state, page);

    String metrics = service.get("/metrics").body();
    String streamed = metrics.lines().filter(l -> l.startsWith("ctc4j_audio_seconds_total{mode=\"stream\"} "))
        .findFirst().orElseThrow(() -> new AssertionError("no stream finished; page: " + page + "\n" + metrics));
    assertTrue(Double.parseDouble(streamed.split(" ")[1]) > 2, "the server got too little live audio: " + streamed);
    if (TestService.hasTrainedModel()) {
      assertFalse(browser.findElement(By.id("live-final")).getText().isBlank(), "the trained model heard nothing live");
    }
  }

  private WebDriver chromium(Path microphone) {
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--user-data-dir=" + dir.resolve("profile"),
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        "--use-file-for-fake-audio-capture=" + microphone, "--autoplay-policy=no-user-gesture-required");
    ChromeDriverService driver = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
        .usingAnyFreePort().build();
    return new ChromeDriver(driver, options);
  }

  /** Waits up to 60 s for the element's data-state to be one of {@code states}; returns it. */
  private static String awaitState(WebDriver browser, String id, String... states) throws InterruptedException {
    String[] seen = {null};
    BooleanSupplier reached = () -> {
      seen[0] = browser.findElement(By.id(id)).getDomAttribute("data-state");
      return Arrays.asList(states).contains(seen[0]);
    };
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!reached.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, id + " stayed " + seen[0] + ", expected " + Arrays.toString(states));
      Thread.sleep(50);
    }
    return seen[0];
  }
}
