package dev.ecrgate.findings.events;

/**
 * What one queue message turned out to be. Only an {@link Event} is acted on; every other kind is counted and
 * deleted, since reading it again would not make it any better.
 */
public sealed interface ParsedMessage {
    /** The label of the message's type in {@code ecrgate_events_total}. */
    String type();

    /** An event that concerns cached image facts. */
    record Event(RegistryEvent event) implements ParsedMessage {
        @Override
        public String type() {
            return event.kind().label();
        }
    }

    /**
     * A well-formed event that needs nothing: a failed push, an Inspector finding for an EC2 instance, a
     * repository's scan frequency that changed.
     */
    record Ignored(String type, String why) implements ParsedMessage {
    }

    /** An EventBridge event of a source or type ecrgate does not know (the rule sends more than it should). */
    record Unknown(String source, String detailType) implements ParsedMessage {
        @Override
        public String type() {
            return "unknown";
        }
    }

    /** Not an EventBridge event, or one whose fields are missing or invalid; {@code why} says what is wrong. */
    record Malformed(String type, String why) implements ParsedMessage {
    }
}
