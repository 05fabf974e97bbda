package dev.ecrgate.server;

/**
 * Netty's Java Flight Recorder events, off in {@code ecrgate serve} unless the operator turned them on.
 *
 * <p>Netty 4.2 defines JFR events for its buffer allocator and loads their classes with the first buffer it
 * allocates when {@code jdk.jfr.FlightRecorder.isAvailable()}, which it always is on a HotSpot JDK. Loading an event
 * class starts the JDK's JFR machinery (its metadata and the instrumentation of the class) even when no recording
 * runs; on one core that cost falls on the first connection and delayed ready by 0.3-0.5 s (BENCHMARKS.md,
 * "Ready"). The events describe Netty's allocator, not ecrgate; an operator who wants them in a recording starts the
 * JVM with {@code -Dio.netty.jfr.enabled=true}, and JFR itself ({@code -XX:StartFlightRecording}) is not affected.
 */
public final class NettyEvents {
    /** Netty's switch for its JFR events, read once when its {@code PlatformDependent} class initialises. */
    public static final String JFR_ENABLED = "io.netty.jfr.enabled";

    private NettyEvents() {
    }

    /**
     * Turns Netty's JFR events off unless the property is already set. Call before the first Netty class loads.
     *
     * @return whether the property was set here (false if the operator had set it)
     */
    public static boolean offUnlessChosen() {
        return SystemProperties.setUnlessSet(JFR_ENABLED, "false");
    }
}
