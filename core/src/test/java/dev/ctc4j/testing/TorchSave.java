package dev.ctc4j.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.TypeParser;
import org.bytedeco.pytorch.TypeResolver;
import org.bytedeco.pytorch.global.torch;

/**
 * Writes a dict of libtorch tensors with libtorch's {@code torch::pickle_save}, which produces
 * Python torch.save's zip format as torch 2.x lays it out ({@code archive/data.pkl},
 * {@code archive/data/<key>}, {@code byteorder}, {@code .data/serialization_id}; tensors as
 * {@code _rebuild_tensor_v2} over shared, strided storages; the dict tagged by
 * {@code torch.jit._pickle.restore_type_tag}). (C++ {@code torch::save} writes a TorchScript
 * archive instead, a different format.) The JavaCPP preset cannot build a {@code c10::Dict}, so
 * libtorch's own unpickler first turns the pickle {@code {name: build_tensor_from_id(i)}} into a
 * dict holding exactly these tensor objects, views included; every byte written is libtorch's.
 * Call inside a PointerScope.
 */
public final class TorchSave {
  private TorchSave() {}

  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    Files.write(file, torch.pickle_save(dict(tensors)).get());
  }

  private static IValue dict(Map<String, Tensor> tensors) {
    ByteArrayOutputStream p = new ByteArrayOutputStream();
    p.write(0x80); // PROTO 2
    p.write(2);
    p.write('}'); // EMPTY_DICT
    p.write('('); // MARK
    List<Tensor> table = new ArrayList<>();
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      p.write('X'); // BINUNICODE
      p.writeBytes(new byte[] {(byte) name.length, (byte) (name.length >> 8), (byte) (name.length >> 16), 0});
      p.writeBytes(name);
      p.writeBytes("ctorch.jit._pickle\nbuild_tensor_from_id\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL
      p.write('J'); // BININT
      int id = table.size();
      p.writeBytes(new byte[] {(byte) id, (byte) (id >> 8), (byte) (id >> 16), (byte) (id >> 24)});
      p.write(0x85); // TUPLE1
      p.write('R'); // REDUCE
      table.add(e.getValue());
    }
    p.write('u'); // SETITEMS
    p.write('.'); // STOP
    byte[] bytes = p.toByteArray();
    return torch.unpickle(new BytePointer(bytes), bytes.length, (TypeResolver) null,
        new TensorVector(table.toArray(new Tensor[0])), (TypeParser) null);
  }
}
