package dev.ctc4j.cli.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ctc4j.ctc.ForcedAlignment;
import dev.ctc4j.decode.Labels;
import dev.ctc4j.train.TrainingListener;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** PNG plots of a training run: curves with XChart, the alignment heatmap drawn directly. */
final class TrainingPlots {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainingPlots() {}

  /** loss.png, lr.png and wer.png from the run's metrics so far, and alignment.png when there is one. */
  static void draw(TrainingListener.EpochEnd end) throws IOException {
    List<double[]> steps = new ArrayList<>(), epochs = new ArrayList<>();
    for (String line : Files.readAllLines(end.metrics())) {
      JsonNode node = JSON.readTree(line);
      if (node.get("type").asText().equals("step")) {
        steps.add(new double[] {node.get("step").asDouble(), node.get("loss").asDouble(), node.get("lr").asDouble()});
      } else {
        epochs.add(new double[] {node.get("epoch").asDouble(), node.get("dev_wer").asDouble() * 100,
            node.get("dev_cer").asDouble() * 100});
      }
    }
    Path plots = Files.createDirectories(end.plots());
    double[] x = column(steps, 0), e = column(epochs, 0);
    curves(plots.resolve("loss.png"), "CTC loss", "step", "loss", false, List.of("train loss"), List.of(x),
        List.of(column(steps, 1)));
    curves(plots.resolve("lr.png"), "learning rate", "step", "lr", false, List.of("lr"), List.of(x),
        List.of(column(steps, 2)));
    curves(plots.resolve("wer.png"), "dev error rates (greedy)", "epoch", "%", false, List.of("WER", "CER"),
        List.of(e, e), List.of(column(epochs, 1), column(epochs, 2)));
    TrainingListener.Alignment a = end.alignment();
    if (a != null) alignment(plots.resolve("alignment.png"), a.title(), a.logProbs(), a.path(), a.labels());
  }

  private static double[] column(List<double[]> rows, int c) {
    return rows.stream().mapToDouble(r -> r[c]).toArray();
  }

  /** A line chart of one or more series sharing an x axis. */
  private static void curves(Path file, String title, String xLabel, String yLabel, boolean logY, List<String> names,
      List<double[]> xs, List<double[]> ys) throws IOException {
    XYChart chart = new XYChartBuilder().width(800).height(450).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
    chart.getStyler().setYAxisLogarithmic(logY);
    chart.getStyler().setMarkerSize(3);
    for (int i = 0; i < names.size(); i++) {
      if (xs.get(i).length > 0) chart.addSeries(names.get(i), xs.get(i), ys.get(i));
    }
    if (chart.getSeriesMap().isEmpty()) return;
    BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /**
   * The emissions of one utterance as a heatmap (classes down, frames across, probability as
   * brightness) with the Viterbi path of its transcript drawn over it.
   */
  private static void alignment(Path file, String title, float[][] logProbs, ForcedAlignment path, Labels labels)
      throws IOException {
    int frames = logProbs.length, classes = labels.size();
    int cell = Math.max(2, Math.min(8, 1600 / Math.max(1, frames))), rowH = 12, left = 30, top = 24;
    BufferedImage img = new BufferedImage(left + frames * cell + 10, top + classes * rowH + 10, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, img.getWidth(), img.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, 11));
    g.drawString(title, left, 15);
    for (int c = 0; c < classes; c++) {
      String name = c == labels.blank() ? "∅" : c == labels.space() ? "␣" : labels.text(c);
      g.drawString(name, 8, top + c * rowH + 10);
      for (int t = 0; t < frames; t++) {
        float p = (float) Math.exp(logProbs[t][c]);
        g.setColor(new Color(p, p * 0.8f, 1 - p));
        g.fillRect(left + t * cell, top + c * rowH, cell, rowH);
      }
    }
    g.setColor(Color.RED);
    g.setStroke(new BasicStroke(2));
    for (int t = 1; t < path.states().length; t++) {
      int from = path.label(t - 1, labels.blank()), to = path.label(t, labels.blank());
      g.drawLine(left + (t - 1) * cell + cell / 2, top + from * rowH + rowH / 2, left + t * cell + cell / 2,
          top + to * rowH + rowH / 2);
    }
    g.dispose();
    Files.createDirectories(file.toAbsolutePath().getParent());
    ImageIO.write(img, "png", file.toFile());
  }
}
