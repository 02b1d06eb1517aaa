package dev.ctc4j.train;

import dev.ctc4j.ctc.ForcedAlignment;
import dev.ctc4j.decode.Labels;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** PNG plots of a training run: curves with XChart, the alignment heatmap drawn directly. */
final class TrainingPlots {
  private TrainingPlots() {}

  /** A line chart of one or more series sharing an x axis. */
  static void curves(Path file, String title, String xLabel, String yLabel, boolean logY, List<String> names,
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
  static void alignment(Path file, String title, float[][] logProbs, ForcedAlignment path, Labels labels)
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
