package dev.ukhook.unikraft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtio-notify fix (docs/virtio-net-stall.md), compiled and run on its golden case: the device stops
 * taking buffers at an index and waits to be notified when that index is made available. Unpatched, a guest
 * that adds several buffers at once never notifies it (the receive stall); patched with the hook library it
 * does, and still stays quiet while the device is not waiting; patched without it, it behaves as unpatched.
 */
class VirtioNotifyFixTest {
  @TempDir Path tmp;

  static final String MAIN = """
      #include <stdio.h>
      #include SOURCE

      static void add(struct virtqueue_vring *q, __u16 n, const char *what)
      {
      	q->vring.avail->idx += n;
      	printf("%s %d\\n", what, virtqueue_notify_enabled(&q->vq));
      }

      int main(void)
      {
      	struct vring_avail avail = {0, 0};
      	struct virtqueue_vring q = {.vq = {1}, .vring = {&avail, 0}};

      	virtqueue_vring_init(&q, 256);
      	add(&q, 128, "setup"); /* the device waits for buffer 0 */
      	q.vring.avail_event = 128; /* it took them all and waits for the next */
      	add(&q, 1, "one");
      	q.vring.avail_event = 129;
      	add(&q, 5, "batch"); /* after a refill that came up short */
      	add(&q, 1, "busy"); /* the device has buffers: it asked for nothing since */
      	avail.idx = 65533;
      	virtqueue_notify_enabled(&q.vq);
      	q.vring.avail_event = 65533;
      	add(&q, 5, "wrap"); /* the index wraps past 65535 */
      	return 0;
      }
      """;

  static final String UNPATCHED = "setup 0\none 1\nbatch 0\nbusy 0\nwrap 0\n";

  @Test
  void theFixNotifiesTheDeviceAfterABatchAndOnlyThen() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "host gcc not found at /usr/bin/gcc: install gcc");
    ProfileGoldenTest.Case c = SourcePatcherTest.golden("0.17/virtio-notify");
    assertEquals(UNPATCHED, run(c.beforeText(), false), "Unikraft's check");
    assertEquals(UNPATCHED, run(c.afterText(), false), "patched, without the hook library");
    assertEquals("setup 1\none 1\nbatch 1\nbusy 0\nwrap 1\n", run(c.afterText(), true), "patched");
  }

  private String run(String source, boolean hook) throws IOException, InterruptedException {
    Path src = tmp.resolve("virtio_ring.c");
    Files.write(src, source.getBytes(StandardCharsets.ISO_8859_1));
    Files.writeString(tmp.resolve("main.c"), MAIN);
    return MacroScopeCompileTest.compileAndRun(tmp, hook, "-DSOURCE=\"" + src + "\"");
  }
}
