package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Standard error written by a thread of its own: nothing lost, order kept, memory bounded. */
class BackgroundStderrTest {
    /** A target that counts its writes, each a system call on the real file descriptor. */
    static final class Target extends OutputStream {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final AtomicInteger writes = new AtomicInteger();

        @Override
        public synchronized void write(int b) {
            writes.incrementAndGet();
            bytes.write(b);
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            writes.incrementAndGet();
            bytes.write(b, off, len);
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theWriterWritesWhatGatheredInFewWrites() throws Exception {
        Target target = new Target();
        BackgroundStderr out = new BackgroundStderr(target);
        out.start();
        for (int i = 0; i < 1000; i++) {
            out.write(line("line " + i));
            out.flush();
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!target.text().endsWith("line 999\n") && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(target.text().endsWith("line 999\n"), "written without close");
        assertEquals(1000, target.text().lines().count());
        assertTrue(target.writes.get() < 100, "gathered into few writes: " + target.writes.get());
    }

    @Test
    void keepsEachWritersOrderAndLosesNothingUnderConcurrentWriters() throws Exception {
        Target target = new Target();
        BackgroundStderr out = new BackgroundStderr(target);
        out.start();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                for (int i = 0; i < 5000; i++) {
                    try {
                        out.write(line("t" + id + " " + i));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            }));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        out.close();
        int[] next = new int[4];
        for (String l : target.text().lines().toList()) {
            int t = l.charAt(1) - '0';
            assertEquals("t" + t + " " + next[t], l, "in order for each writer");
            next[t]++;
        }
        assertEquals(List.of(5000, 5000, 5000, 5000), List.of(next[0], next[1], next[2], next[3]));
    }

    @Test
    void pastTheLimitAWriterWaitsForTheKernelAfterWhatWaitedBefore() throws Exception {
        Target target = new Target();
        BackgroundStderr out = new BackgroundStderr(target);  // no writer thread: nothing drains on its own
        out.write(line("first"));
        assertEquals("", target.text(), "waits in memory");
        byte[] big = new byte[BackgroundStderr.LIMIT];
        java.util.Arrays.fill(big, (byte) 'x');
        out.write(big);
        assertTrue(target.text().startsWith("first\nxxx"), "what waited first, then the write that did not fit");
        assertEquals(6 + BackgroundStderr.LIMIT, target.text().length());
    }

    @Test
    void closeWritesWhatWaitsAndLaterWritesGoStraightThrough() throws Exception {
        Target target = new Target();
        BackgroundStderr out = new BackgroundStderr(target);
        out.write(line("before"));
        out.close();
        assertEquals("before\n", target.text());
        out.write(line("after"));
        assertEquals("before\nafter\n", target.text());
    }
}
