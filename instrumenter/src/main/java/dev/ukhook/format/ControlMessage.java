package dev.ukhook.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Encodes host-to-guest messages ({@link TraceLayout.Control}): the header, then the payload. */
public final class ControlMessage {
  private ControlMessage() {}

  /** The bytes of one message of {@code kind} carrying {@code payload}. */
  public static byte[] encode(int kind, byte[] payload) {
    return encode(kind, payload, 0);
  }

  /** The bytes of one message of {@code kind} carrying {@code payload}, numbered {@code id} (a push's). */
  public static byte[] encode(int kind, byte[] payload, int id) {
    ByteBuffer b = ByteBuffer.allocate(TraceLayout.CONTROL_SIZE + payload.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(TraceLayout.Control.MAGIC.offset(), TraceLayout.CONTROL_MAGIC);
    b.putShort(TraceLayout.Control.KIND.offset(), (short) kind);
    b.putInt(TraceLayout.Control.LENGTH.offset(), payload.length);
    b.putInt(TraceLayout.Control.ID.offset(), id);
    b.put(TraceLayout.CONTROL_SIZE, payload);
    return b.array();
  }

  /** Asks the guest to end as its program's exit_group would: the stream's final record follows. */
  public static byte[] stop() {
    return encode(TraceLayout.CONTROL_STOP, new byte[0]);
  }
}
