package dev.ecrgate.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NettyEventsTest {
    @Test
    void offUnlessTheOperatorChose() {
        String before = System.getProperty(NettyEvents.JFR_ENABLED);
        try {
            System.clearProperty(NettyEvents.JFR_ENABLED);
            assertTrue(NettyEvents.offUnlessChosen());
            assertEquals("false", System.getProperty(NettyEvents.JFR_ENABLED));

            System.setProperty(NettyEvents.JFR_ENABLED, "true");
            assertFalse(NettyEvents.offUnlessChosen());
            assertEquals("true", System.getProperty(NettyEvents.JFR_ENABLED));
        } finally {
            if (before == null) {
                System.clearProperty(NettyEvents.JFR_ENABLED);
            } else {
                System.setProperty(NettyEvents.JFR_ENABLED, before);
            }
        }
    }
}
