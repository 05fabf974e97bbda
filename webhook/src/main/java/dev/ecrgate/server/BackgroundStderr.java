package dev.ecrgate.server;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * The server's standard error, where slf4j-simple writes every log line, written by a thread of its own: a logged
 * line is copied to memory and the event loop goes on; the writer hands what gathered to the kernel in one
 * {@code write} at most every {@link #GATHER_MILLIS} ms.
 *
 * <p>Why: a denial's decision line is several kilobytes, and slf4j-simple writes and flushes each line at once. On the
 * event loop that is a system call per decision, and a stall whenever the kernel throttles a file or a pipe that is
 * not read fast enough (measured: the decision log's stage took 31 µs at first and 60-70 µs once the log file was a
 * few hundred megabytes, with pod-20c at 3,700 decisions a second).
 *
 * <p>Nothing is dropped and memory is bounded: past {@link #LIMIT} bytes waiting, a writer waits for the kernel
 * itself, as before. What waits is written when the JVM shuts down (a hook), and from then on every write goes
 * straight through; lines still waiting when the process is killed outright are lost (at most
 * {@link #GATHER_MILLIS} ms of them). Thread safe.
 */
public final class BackgroundStderr extends OutputStream {
    /** How long the writer lets lines gather before it writes them. */
    static final long GATHER_MILLIS = 20;
    /** The most bytes that wait in memory; a writer past it waits for the kernel. */
    static final int LIMIT = 4 << 20;

    private final OutputStream target;
    private final Object lock = new Object();
    private byte[] pending = new byte[64 << 10];
    private byte[] spare = new byte[64 << 10];
    private int count;
    private boolean direct;
    /** Held while a batch goes to the kernel, so that batches keep their order. */
    private final Object writing = new Object();

    BackgroundStderr(OutputStream target) {
        this.target = target;
    }

    /**
     * Makes {@code System.err} this stream over file descriptor 2, starts its writer and adds the shutdown hook that
     * drains it. Call once, before anything logs.
     *
     * @return the stream, for {@link #close} before the process writes to file descriptor 2 some other way
     */
    public static BackgroundStderr install() {
        BackgroundStderr out = new BackgroundStderr(new FileOutputStream(FileDescriptor.err));
        String encoding = System.getProperty("sun.stderr.encoding");
        Charset charset = encoding == null ? Charset.defaultCharset() : Charset.forName(encoding);
        System.setErr(new PrintStream(out, false, charset));
        out.start();
        Runtime.getRuntime().addShutdownHook(new Thread(out::close, "ecrgate-stderr-drain"));
        return out;
    }

    /** Starts the writer thread (a daemon). */
    void start() {
        Thread writer = new Thread(this::run, "ecrgate-stderr");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        synchronized (lock) {
            if (!direct && count + len <= LIMIT) {
                if (count + len > pending.length) {
                    pending = java.util.Arrays.copyOf(pending, Math.max(pending.length * 2, count + len));
                }
                System.arraycopy(b, off, pending, count, len);
                boolean wake = count == 0;
                count += len;
                if (wake) {
                    lock.notifyAll();
                }
                return;
            }
        }
        // shut down, or too much waiting: this writer waits for the kernel, after what waited before
        synchronized (writing) {
            drain();
            target.write(b, off, len);
        }
    }

    /** Nothing: the writer thread writes within {@link #GATHER_MILLIS} ms. */
    @Override
    public void flush() {
    }

    /** Writes what waits and makes every later write go straight through. */
    @Override
    public void close() {
        synchronized (lock) {
            direct = true;
        }
        synchronized (writing) {
            try {
                drain();
                target.flush();
            } catch (IOException e) {
                // standard error is gone: nothing to tell it to
            }
        }
    }

    private void run() {
        while (true) {
            try {
                synchronized (lock) {
                    while (count == 0) {
                        lock.wait();
                    }
                }
                Thread.sleep(GATHER_MILLIS);
                synchronized (writing) {
                    drain();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                // standard error is gone (a closed pipe): drop what waits rather than hold it
                synchronized (lock) {
                    count = 0;
                }
            }
        }
    }

    /** Writes what waits; the caller holds {@link #writing}. */
    private void drain() throws IOException {
        byte[] batch;
        int n;
        synchronized (lock) {
            if (count == 0) {
                return;
            }
            batch = pending;
            n = count;
            pending = spare.length >= batch.length / 2 ? spare : new byte[batch.length];
            spare = batch;
            count = 0;
        }
        target.write(batch, 0, n);
    }
}
