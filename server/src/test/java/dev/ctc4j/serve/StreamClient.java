package dev.ctc4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A /v1/stream client on the JDK's WebSocket: sends audio frames, collects the JSON it receives. */
final class StreamClient implements WebSocket.Listener {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How the server closed the socket. */
  record Close(int code, String reason) {}

  private final List<JsonNode> messages = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Close> closed = new CompletableFuture<>();
  private final StringBuilder text = new StringBuilder();
  private WebSocket socket;

  private StreamClient() {}

  /** Connects to {@code /v1/stream?query}. */
  static StreamClient open(TestService service, String query) {
    StreamClient client = new StreamClient();
    URI uri = URI.create(service.uri("/v1/stream?" + query).toString().replaceFirst("^http", "ws"));
    client.socket = service.http.newWebSocketBuilder().buildAsync(uri, client).join();
    return client;
  }

  void send(byte[] frame) {
    socket.sendBinary(ByteBuffer.wrap(frame), true).join();
  }

  void sendText(String message) {
    socket.sendText(message, true).join();
  }

  void end() {
    sendText("{\"type\":\"end\"}");
  }

  /** Closes the TCP connection without a close frame, as a client that crashes or loses its network. */
  void vanish() {
    socket.abort();
  }

  /** Waits for the server to close the socket. */
  Close awaitClose(long seconds) throws Exception {
    return closed.get(seconds, TimeUnit.SECONDS);
  }

  boolean isClosed() {
    return closed.isDone();
  }

  List<JsonNode> messages() {
    return messages;
  }

  @Override
  public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
    text.append(data);
    if (last) {
      try {
        messages.add(JSON.readTree(text.toString()));
      } catch (Exception e) {
        closed.completeExceptionally(e);
      }
      text.setLength(0);
    }
    ws.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket ws, int code, String reason) {
    closed.complete(new Close(code, reason));
    return null;
  }

  @Override
  public void onError(WebSocket ws, Throwable error) {
    closed.completeExceptionally(error);
  }
}
