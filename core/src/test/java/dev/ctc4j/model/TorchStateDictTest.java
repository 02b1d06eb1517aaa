package dev.ctc4j.model;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ctc4j.InvalidInputException;
import dev.ctc4j.testing.Seeds;
import dev.ctc4j.testing.Torch;
import dev.ctc4j.testing.TorchSave;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TorchStateDict} against two independent writers, compared exactly: libtorch's
 * {@code torch::pickle_save} (through {@link TorchSave}; torch 2.x's zip layout) on fresh random
 * tensors, among them views, float16 with specials and subnormals, bfloat16, float64, a scalar,
 * an empty tensor and an int64 one that must be skipped; and files written by Python torch 1.13's
 * {@code torch.save} (src/test/resources/dev/ctc4j/model/torch, see its README) with an
 * OrderedDict state dict and its {@code _metadata}, pickle protocols 2, 4 and 5, and parameters.
 * Hostile input is hand-assembled pickle bytes and zip archives: each must fail with
 * {@link InvalidInputException} naming the file and the problem, and nothing may run; seeded
 * random corruptions of a real file may fail only that way.
 */
class TorchStateDictTest {
  private static final String FIXTURES = "/dev/ctc4j/model/torch/";

  @TempDir Path dir;

  // ---- libtorch as the writer ---------------------------------------------------------------------

  @Test
  void libtorchWrittenTensorsReadBackExactlyThroughTheirViews() throws IOException {
    SplittableRandom rng = Seeds.random("TorchStateDictTest.libtorch");
    try (PointerScope scope = new PointerScope()) {
      Tensor base = Torch.floats(Seeds.gaussian(rng, 5 * 7, 1), 5, 7);
      float[] halves = Arrays.copyOf(Seeds.gaussian(rng, 24, 100), 32);
      float[] specials = {65504f, 1e5f, -0f, 6e-8f, Float.NaN, 3e-6f, -2e-5f, Float.NEGATIVE_INFINITY};
      System.arraycopy(specials, 0, halves, 24, specials.length); // max, overflow to inf, -0, subnormals
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      tensors.put("weight", base);
      tensors.put("transposed", base.t()); // strides (1, 7), sharing weight's storage
      tensors.put("columns", base.narrow(1, 2, 3)); // offset 2
      tensors.put("row", base.select(0, 3)); // offset 21
      tensors.put("half", Torch.floats(halves, 4, 8).to(torch.ScalarType.Half));
      tensors.put("bfloat16.t", Torch.floats(Seeds.gaussian(rng, 12, 3), 3, 4).to(torch.ScalarType.BFloat16).t());
      tensors.put("double", Torch.doubles(new double[] {rng.nextDouble(), 1e-300, -7.25}, 3));
      tensors.put("scalar", Torch.floats(new float[] {(float) rng.nextDouble()}));
      tensors.put("empty", torch.empty(new long[] {0, 3}, new TensorOptions(torch.ScalarType.Float),
          new MemoryFormatOptional()));
      tensors.put("num_batches_tracked", Torch.longs(new long[] {rng.nextLong()}));
      Path file = dir.resolve("random.pt");
      TorchSave.write(file, tensors);

      Map<String, SafeTensors.Entry> read = TorchStateDict.read(file);
      List<String> floating = new ArrayList<>(tensors.keySet());
      floating.remove("num_batches_tracked");
      assertEquals(floating, new ArrayList<>(read.keySet()), "float tensors in order, int64 skipped");
      floating.forEach(name -> {
        assertArrayEquals(shape(tensors.get(name)), read.get(name).shape(), name);
        assertArrayEquals(float32(tensors.get(name)), read.get(name).values(), name);
      });
    }
  }

  private static long[] shape(Tensor t) {
    long[] out = new long[(int) t.dim()];
    for (int d = 0; d < out.length; d++) out[d] = t.size(d);
    return out;
  }

  /** libtorch's own float32 conversion, in row-major order. */
  private static float[] float32(Tensor t) {
    Tensor c = t.to(torch.ScalarType.Float).contiguous();
    float[] out = new float[(int) c.numel()];
    if (out.length > 0) new FloatPointer(c.data_ptr_float()).get(out);
    return out;
  }

  @Test
  void bigEndianArchivesAreRefused() throws IOException {
    try (PointerScope scope = new PointerScope()) {
      Path file = dir.resolve("little.pt");
      TorchSave.write(file, Map.of("w", Torch.floats(new float[] {1, 2}, 2)));
      Map<String, byte[]> entries = entries(file);
      assertEquals("little", new String(entries.get("archive/byteorder"), UTF_8));
      entries.put("archive/byteorder", "big".getBytes(UTF_8));
      expect(zip(entries), "big-endian archives are not supported");
    }
  }

  // ---- Python torch.save as the writer ---------------------------------------------------------------

  @Test
  void pythonStateDictsReadWithMetadataDroppedAndIntegersSkipped() throws IOException {
    for (String name : List.of("module_state_dict.pt", "protocol4.pt", "protocol5.pt")) {
      Map<String, SafeTensors.Entry> read = TorchStateDict.read(fixture(name));
      assertEquals(List.of("transposed", "row", "f16", "bf16", "f64", "linear.weight", "linear.bias", "norm.weight",
          "norm.bias", "norm.running_mean", "norm.running_var"), new ArrayList<>(read.keySet()), name);
      float[] base = ramp(12, 0), transposed = new float[12];
      for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 3; j++) transposed[3 * i + j] = base[4 * j + i];
      }
      assertEntry(read, "transposed", new long[] {4, 3}, transposed);
      assertEntry(read, "row", new long[] {4}, Arrays.copyOfRange(base, 4, 8));
      assertEntry(read, "f16", new long[] {2, 3}, ramp(6, -3));
      assertEntry(read, "bf16", new long[] {3, 2}, ramp(6, 2));
      assertEntry(read, "f64", new long[] {3}, ramp(3, 1));
      assertEntry(read, "linear.weight", new long[] {4, 3}, ramp(12, -6));
      assertEntry(read, "linear.bias", new long[] {4}, ramp(4, 1));
      assertEntry(read, "norm.running_var", new long[] {2}, ramp(2, 9));
    }
    Map<String, SafeTensors.Entry> parameters = TorchStateDict.read(fixture("parameters.pt"));
    assertEntry(parameters, "w", new long[] {4}, ramp(4, 0));
    assertEntry(parameters, "b", new long[] {2}, ramp(2, 1));
  }

  @Test
  void legacyAndTorchScriptFilesAreRefusedSayingWhatTheyAre() {
    expect(fixture("legacy.pt"), "legacy (pre-1.6, non-zip) torch.save format");
    expect(fixture("torchscript.pt"), "a TorchScript archive (torch.jit.save)");
  }

  /** make_fixtures.py's values: (i + start) / 8. */
  private static float[] ramp(int n, int start) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) out[i] = (i + start) / 8f;
    return out;
  }

  private static void assertEntry(Map<String, SafeTensors.Entry> read, String name, long[] shape, float[] values) {
    assertArrayEquals(shape, read.get(name).shape(), name);
    assertArrayEquals(values, read.get(name).values(), name);
  }

  private Path fixture(String name) {
    Path out = dir.resolve(name);
    try (InputStream in = getClass().getResourceAsStream(FIXTURES + name)) {
      Files.write(out, in.readAllBytes());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  // ---- hostile input --------------------------------------------------------------------------------

  @Test
  void globalsOutsideTheAllowListAreRefusedAndNothingRuns() {
    Path marker = dir.resolve("pwned");
    String touch = "touch " + marker;
    expect(archive(new Pickle().proto(2).global("os", "system").str(touch).op(0x85, 'R', '.')),
        "global os.system is not allowed");
    expect(archive(new Pickle().proto(2).global("builtins", "eval").str("__import__('os').system('" + touch + "')")
        .op(0x85, 'R', '.')), "global builtins.eval is not allowed");
    expect(archive(new Pickle().proto(4).shortStr("subprocess").shortStr("Popen").op(0x93).str(touch)
        .op(0x85, 'R', '.')), "global subprocess.Popen is not allowed");
    expect(archive(new Pickle().proto(2).global("torch._utils", "_rebuild_from_type_v2").op(')', 'R', '.')),
        "global torch._utils._rebuild_from_type_v2 is not allowed");
    expect(archive(new Pickle().proto(2).op('(').text("ios\nsystem\n").op('.')), "opcode 0x69"); // INST
    expect(archive(new Pickle().proto(2).global("torch", "FloatStorage").op(')', 'R', '.')),
        "REDUCE calls torch.FloatStorage");
    assertFalse(Files.exists(marker), "nothing was executed");
  }

  @Test
  void malformedPicklesAreRefused() {
    byte[] valid = stateDict("w", tensor("0", "FloatStorage", 4, 0, new long[] {4}, new long[] {1})).bytes();
    expect(archive(Arrays.copyOf(valid, valid.length / 2), Map.of("0", new byte[16])), "truncated");
    expect(archive(new Pickle().proto(2).op(0xff)), "opcode 0xff is not one a state dict uses");
    Pickle deep = new Pickle().proto(2);
    for (int i = 0; i < 1000; i++) deep.op('(');
    expect(archive(deep), "MARKs nested deeper than 32");
    expect(archive(new Pickle().proto(2).op('h', 5, '.')), "memo index 5 was never stored");
    expect(archive(new Pickle().proto(2).op('(').str("module").str("x").op('t', 'Q', '.')),
        "persistent id is not ('storage'");
    expect(archive(new Pickle().proto(2).op('}', '}', 'b', '.')), "BUILD on a dict");
    expect(archive(new Pickle().proto(2).op('}').str("w").op('K', 1, 's', '.')), "'w' is a number, not a tensor");
    expect(archive(new Pickle().proto(2).op(']', 0x8a, 9).op(new int[9]).op('.')), "LONG1 of 9 bytes");
    expect(archive(new Pickle().proto(2).op('X', 0xff, 0xff, 0xff, 0x7f, '.')), "truncated: a string of 2147483647");
    expect(archive(new Pickle().proto(2).op('N', 'N', '.')), "STOP with 2 values on the stack");
  }

  @Test
  void tensorsBeyondTheirStoragesAreRefusedBeforeAnythingIsAllocated() {
    Map<String, byte[]> four = Map.of("0", new byte[16]);
    expect(archive(stateDict("w", tensor("0", "FloatStorage", 4, 2, new long[] {4}, new long[] {1})).bytes(), four),
        "tensor 'w' reaches element 5 of storage 0, which has 4");
    expect(archive(stateDict("w", tensor("0", "FloatStorage", 1L << 40, 0, new long[] {4}, new long[] {1})).bytes(),
        four), "storage 0 declares 1099511627776 elements (4398046511104 bytes), its entry has 16 bytes");
    expect(archive(stateDict("w", tensor("0", "FloatStorage", 4, 0, new long[] {1L << 31, 1L << 31},
        new long[] {0, 0})).bytes(), four), "has 4611686018427387904 elements, too many for one array");
    expect(archive(stateDict("w", tensor("0", "FloatStorage", 4, 0, new long[] {1L << 40, 1L << 40},
        new long[] {1, 1})).bytes(), four), "sizes or strides that overflow");
    expect(archive(stateDict("w", tensor("7", "FloatStorage", 4, 0, new long[] {4}, new long[] {1})).bytes(), four),
        "refers to storage 7, which the archive lacks");
    Pickle views = new Pickle().proto(2).op('}', '('); // 64 full views of one 4 KiB storage: 256 KiB of floats
    for (int i = 0; i < 64; i++) views.str("w" + i).append(tensor("0", "FloatStorage", 1024, 0, new long[] {1024},
        new long[] {1}));
    expect(archive(views.op('u', '.').bytes(), Map.of("0", new byte[4096])), "more than 8 times the file's size");
  }

  @Test
  void hostileZipArchivesAreRefused() throws IOException {
    byte[] pickle = stateDict("w", tensor("0", "FloatStorage", 4, 0, new long[] {4}, new long[] {1})).bytes();
    expect(zip(Map.of("archive/data.pkl", pickle, "archive/data/0", new byte[16], "../evil", new byte[1])),
        "zip entry name ../evil is not a plain relative path");
    expect(zip(Map.of("archive/data.pkl", pickle, "archive/../../etc/passwd", new byte[1])),
        "not a plain relative path");
    expect(zip(Map.of("archive/data.pkl", pickle, "other/data/0", new byte[16])), "not all under one folder");
    expect(zip(Map.of("archive/version", "3".getBytes(UTF_8))), "no archive/data.pkl in the archive");

    Path claims = zip(Map.of("archive/data.pkl", pickle, "archive/data/0", new byte[16]));
    byte[] bytes = Files.readAllBytes(claims);
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int at = 0; at + 46 < bytes.length; at++) { // each central directory header claims 1 GB
      if (b.getInt(at) == 0x02014b50) b.putInt(at + 20, 1 << 30).putInt(at + 24, 1 << 30);
    }
    Files.write(claims, bytes);
    expect(claims, "claims 1073741824 bytes");
    Files.write(claims, new byte[] {1, 2, 3});
    expect(claims, "not a zip archive");
  }

  /** Seeded corruptions of a real file's pickle and of the whole file: read, or refused, nothing else. */
  @Test
  void corruptedFilesFailOnlyWithInvalidInput() throws IOException {
    SplittableRandom rng = Seeds.random("TorchStateDictTest.corruptions");
    Path real = fixture("module_state_dict.pt");
    Map<String, byte[]> entries = entries(real);
    byte[] pickle = entries.get("module_state_dict/data.pkl"), file = Files.readAllBytes(real);
    Path corrupt = dir.resolve("corrupt.pt");
    for (int i = 0; i < 250; i++) {
      byte[] p = mutate(pickle, rng);
      Map<String, byte[]> changed = new LinkedHashMap<>(entries);
      changed.put("module_state_dict/data.pkl", p);
      readOrRefuse(writeZip(corrupt, changed), "pickle mutation " + i);
      Files.write(corrupt, mutate(file, rng));
      readOrRefuse(corrupt, "file mutation " + i);
    }
  }

  private static byte[] mutate(byte[] bytes, SplittableRandom rng) {
    if (rng.nextInt(8) == 0) return Arrays.copyOf(bytes, rng.nextInt(bytes.length));
    byte[] out = bytes.clone();
    for (int k = 1 + rng.nextInt(4); k > 0; k--) out[rng.nextInt(out.length)] = (byte) rng.nextInt(256);
    return out;
  }

  private static void readOrRefuse(Path file, String what) {
    try {
      TorchStateDict.read(file);
    } catch (InvalidInputException refused) {
      assertTrue(refused.getMessage().startsWith(file.toString()), refused.getMessage());
    } catch (Throwable e) {
      fail(what + " escaped as " + e, e);
    }
  }

  // ---- hand-assembled pickles and archives ---------------------------------------------------------

  /** Pickle bytes, opcode by opcode. */
  private static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle op(int... bytes) {
      for (int b : bytes) out.write(b);
      return this;
    }

    Pickle proto(int protocol) {
      return op(0x80, protocol);
    }

    Pickle text(String s) {
      out.writeBytes(s.getBytes(UTF_8));
      return this;
    }

    Pickle global(String module, String name) {
      return op('c').text(module + "\n" + name + "\n");
    }

    Pickle str(String s) {
      byte[] b = s.getBytes(UTF_8);
      out.writeBytes(ByteBuffer.allocate(5).order(ByteOrder.LITTLE_ENDIAN).put((byte) 'X').putInt(b.length).array());
      out.writeBytes(b);
      return this;
    }

    Pickle shortStr(String s) {
      return op(0x8c, s.length()).text(s);
    }

    /** LONG1 with 8 bytes: any long. */
    Pickle int64(long v) {
      op(0x8a, 8);
      out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
      return this;
    }

    Pickle append(Pickle other) {
      out.writeBytes(other.bytes());
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }

  /** _rebuild_tensor_v2(('storage', torch.{type}, key, 'cpu', numel), offset, size, stride, False, OrderedDict()) */
  private static Pickle tensor(String key, String type, long numel, long offset, long[] size, long[] stride) {
    Pickle p = new Pickle().global("torch._utils", "_rebuild_tensor_v2").op('(', '(').str("storage")
        .global("torch", type).str(key).str("cpu").int64(numel).op('t', 'Q').int64(offset).op('(');
    for (long d : size) p.int64(d);
    p.op('t', '(');
    for (long s : stride) p.int64(s);
    return p.op('t', 0x89).global("collections", "OrderedDict").op(')', 'R', 't', 'R');
  }

  private static Pickle stateDict(String name, Pickle tensor) {
    return new Pickle().proto(2).op('}', '(').str(name).append(tensor).op('u', '.');
  }

  private Path archive(Pickle pickle) {
    return archive(pickle.bytes(), Map.of());
  }

  private Path archive(byte[] pickle, Map<String, byte[]> storages) {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    entries.put("archive/data.pkl", pickle);
    storages.forEach((key, bytes) -> entries.put("archive/data/" + key, bytes));
    return zip(entries);
  }

  private int files;

  private Path zip(Map<String, byte[]> entries) {
    try {
      return writeZip(dir.resolve("hostile" + files++ + ".pt"), entries);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A zip of stored entries, as torch writes them. */
  private static Path writeZip(Path file, Map<String, byte[]> entries) throws IOException {
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        ZipEntry entry = new ZipEntry(e.getKey());
        CRC32 crc = new CRC32();
        crc.update(e.getValue());
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(e.getValue().length);
        entry.setCrc(crc.getValue());
        z.putNextEntry(entry);
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return file;
  }

  private static Map<String, byte[]> entries(Path file) throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      for (ZipEntry e : java.util.Collections.list(zip.entries())) {
        try (InputStream in = zip.getInputStream(e)) {
          out.put(e.getName(), in.readAllBytes());
        }
      }
    }
    return out;
  }

  private static void expect(Path file, String message) {
    InvalidInputException e = assertThrows(InvalidInputException.class, () -> TorchStateDict.read(file));
    assertTrue(e.getMessage().startsWith(file.toString()) && e.getMessage().contains(message), e.getMessage());
  }
}
