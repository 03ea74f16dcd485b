package dev.ukhook.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ukhook.format.EventRecord;
import dev.ukhook.format.PolicyLayout;
import dev.ukhook.format.TraceLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The running ukhook's side of `ukhook policy push`, with the guest's trace port played by lambdas. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PolicyPushTest {
  static final long CHECKSUM = 0x1234abcdL;

  @TempDir Path dir;

  static byte[] policy() {
    byte[] p = new byte[PolicyLayout.Policy.SIZE];
    ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putLong(PolicyLayout.Policy.CHECKSUM.offset(), CHECKSUM);
    return p;
  }

  static EventRecord inForce(long seq, long push) {
    return new EventRecord(seq, 0, CHECKSUM, PolicyLayout.EVENT_POLICY, 0, 0, 0, push, 0);
  }

  /** The push id a message carries (TraceLayout.Control.ID). */
  static int id(byte[] message) {
    return ByteBuffer.wrap(message).order(ByteOrder.LITTLE_ENDIAN).getInt(TraceLayout.Control.ID.offset());
  }

  // Issue 18 defect 2: a guest that shut down before it answered kept the push waiting its 10 s for nothing.
  @Test
  void aGuestThatShutDownBeforeItAnsweredIsSaidAtOnce() {
    assertEquals("not in force: the guest shut down before it answered",
        PolicyPush.answer(policy(), m -> true, List::of, () -> false));
  }

  @Test
  void anAnswerThatCameBeforeTheGuestShutDownStillCounts() {
    AtomicInteger sent = new AtomicInteger();
    // The guest's answer arrived with the last bytes of its trace, before its connection closed.
    assertEquals("in force from record #7 on (policy 1234abcd)", PolicyPush.answer(policy(), m -> {
      sent.set(id(m));
      return true;
    }, () -> sent.get() != 0 ? List.of(inForce(7, sent.get())) : List.of(), () -> false));
  }

  // Found by PolicyIT on a loaded machine: a damaged copy of the policy in force has the same checksum, and the
  // boot's "in force" event of that policy, still on its way from the guest's ring when the push was sent, was
  // taken for the guest's answer: the push said "in force" while the guest had refused it.
  @Test
  void anEventTheGuestSentBeforeThePushIsNoAnswer() {
    AtomicInteger sent = new AtomicInteger();
    List<EventRecord> events = new java.util.ArrayList<>();
    assertEquals("refused by the guest: damaged (checksum); the old policy stays in force",
        PolicyPush.answer(policy(), m -> {
          sent.set(id(m));
          assertTrue(sent.get() != 0, "a push has an id");
          events.add(inForce(0, 0)); // the boot's, arriving late
          events.add(new EventRecord(5, 0, CHECKSUM, PolicyLayout.EVENT_REFUSED, 0, 0, 4, sent.get(), CHECKSUM));
          return true;
        }, () -> List.copyOf(events), () -> true));
  }

  // Issue 18 defect 2: the run ending while a push waited for the guest closed the push's connection without a
  // word, and `policy push` printed an empty reason.
  @Test
  void aRunThatEndsWhileAPushWaitsTellsItsClient() throws Exception {
    Path socket = dir.resolve("policy.sock");
    CountDownLatch sent = new CountDownLatch(1);
    CompletableFuture<String> answer;
    try (PolicyPush push = PolicyPush.listen(socket, m -> {
      sent.countDown();
      return true;
    }, List::of, () -> true)) {
      answer = CompletableFuture.supplyAsync(() -> PolicyPush.push(socket, policy()));
      sent.await();
    }
    assertEquals("not in force: the run ended before the guest answered", answer.get());
  }

  // Issue 18 defect 11: under umask 000 the socket was world-writable, so any local user could push a policy.
  @Test
  void theSocketIsItsOwnersOnly() throws Exception {
    Path socket = dir.resolve("policy.sock");
    try (PolicyPush push = PolicyPush.listen(socket, m -> true, List::of, () -> true)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
    }
  }
}
